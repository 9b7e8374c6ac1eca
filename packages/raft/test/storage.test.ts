// MemoryStorage: the scenarios of etcd-io/raft's storage_test.go, written for this port.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ConfState, EMPTY_CONF_STATE, type Entry, entrySize, MemoryStorage, type Snapshot } from '@etcd-ts/raft'
import { bytes, entry, must } from './helpers/network.js'

const CONF_STATE: ConfState = { ...EMPTY_CONF_STATE, voters: [1n, 2n, 3n] }

function snapshotAt(index: number, term: number, confState: ConfState = EMPTY_CONF_STATE): Snapshot {
  return { data: new Uint8Array(0), metadata: { index, term, confState } }
}

/** A storage compacted at 3/3 holding the given entries after it (etcd's `ents` fixtures). */
function storageWith(entries: readonly Entry[]): MemoryStorage {
  const first = must(entries[0])
  const storage = new MemoryStorage()
  storage.applySnapshot(snapshotAt(first.index, first.term))
  storage.append(entries.slice(1))
  return storage
}

/** Every entry readable from a storage. */
function allEntries(storage: MemoryStorage): readonly Entry[] {
  if (storage.lastIndex() < storage.firstIndex()) return []
  return storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Number.POSITIVE_INFINITY)
}

const ENTS = [entry(3, 3), entry(4, 4), entry(5, 5)]

describe('MemoryStorage', () => {
  it('starts empty: first index 1, last index 0, term(0) = 0, empty hard state and snapshot', () => {
    const storage = new MemoryStorage()
    assert.equal(storage.firstIndex(), 1)
    assert.equal(storage.lastIndex(), 0)
    assert.equal(storage.term(0), 0)
    assert.deepEqual(storage.initialState().hardState, { term: 0, vote: 0n, commit: 0 })
    assert.equal(storage.snapshot().metadata.index, 0)
    assert.throws(() => storage.entries(1, 1, 100), { code: 'RAFT_UNAVAILABLE' })
  })

  it('term(): compacted below the dummy entry, unavailable past the last entry', () => {
    const storage = storageWith(ENTS)
    assert.throws(() => storage.term(2), { name: 'CompactedError', code: 'RAFT_COMPACTED' })
    // The term of the compaction point itself is kept for log matching.
    assert.equal(storage.term(3), 3)
    assert.equal(storage.term(4), 4)
    assert.equal(storage.term(5), 5)
    assert.throws(() => storage.term(6), { name: 'UnavailableError', code: 'RAFT_UNAVAILABLE' })
  })

  it('firstIndex() and lastIndex() follow appends and compactions', () => {
    const storage = storageWith(ENTS)
    assert.equal(storage.firstIndex(), 4)
    assert.equal(storage.lastIndex(), 5)
    storage.append([entry(6, 5)])
    assert.equal(storage.lastIndex(), 6)
    storage.compact(4)
    assert.equal(storage.firstIndex(), 5)
    assert.equal(storage.lastIndex(), 6)
  })

  describe('entries()', () => {
    const ents = [entry(3, 3), entry(4, 4), entry(5, 5), entry(6, 6)]
    const size = (i: number) => entrySize(must(ents[i]))
    const cases: { lo: number; hi: number; maxSize: number; want: Entry[] | 'compacted' }[] = [
      { lo: 2, hi: 6, maxSize: Number.POSITIVE_INFINITY, want: 'compacted' },
      { lo: 3, hi: 4, maxSize: Number.POSITIVE_INFINITY, want: 'compacted' },
      { lo: 4, hi: 5, maxSize: Number.POSITIVE_INFINITY, want: [entry(4, 4)] },
      { lo: 4, hi: 6, maxSize: Number.POSITIVE_INFINITY, want: [entry(4, 4), entry(5, 5)] },
      { lo: 4, hi: 7, maxSize: Number.POSITIVE_INFINITY, want: [entry(4, 4), entry(5, 5), entry(6, 6)] },
      // At least one entry, even over the limit.
      { lo: 4, hi: 7, maxSize: 0, want: [entry(4, 4)] },
      { lo: 4, hi: 7, maxSize: size(1) + size(2), want: [entry(4, 4), entry(5, 5)] },
      { lo: 4, hi: 7, maxSize: size(1) + size(2) + size(3) / 2, want: [entry(4, 4), entry(5, 5)] },
      { lo: 4, hi: 7, maxSize: size(1) + size(2) + size(3) - 1, want: [entry(4, 4), entry(5, 5)] },
      { lo: 4, hi: 7, maxSize: size(1) + size(2) + size(3), want: [entry(4, 4), entry(5, 5), entry(6, 6)] },
    ]
    for (const { lo, hi, maxSize, want } of cases) {
      it(`[${lo}, ${hi}) within ${maxSize} bytes`, () => {
        const storage = storageWith(ents)
        if (want === 'compacted') {
          assert.throws(() => storage.entries(lo, hi, maxSize), { code: 'RAFT_COMPACTED' })
        } else {
          assert.deepEqual(storage.entries(lo, hi, maxSize), want)
        }
      })
    }

    it('refuses a range past the last index', () => {
      const storage = storageWith(ents)
      assert.throws(() => storage.entries(4, 8, Number.POSITIVE_INFINITY), RangeError)
    })

    it('is unavailable when only the dummy entry is left', () => {
      const storage = new MemoryStorage()
      storage.applySnapshot(snapshotAt(5, 2))
      assert.throws(() => storage.entries(6, 6, 100), { code: 'RAFT_UNAVAILABLE' })
    })

    it('returns arrays that later appends and compactions leave intact', () => {
      const storage = storageWith(ents)
      const before = storage.entries(4, 7, Number.POSITIVE_INFINITY)
      storage.append([entry(5, 9)])
      storage.compact(5)
      assert.deepEqual(before, [entry(4, 4), entry(5, 5), entry(6, 6)])
      assert.deepEqual(allEntries(storage), [])
      assert.equal(storage.term(5), 9)
    })
  })

  describe('compact()', () => {
    const cases: { index: number; error?: string; wantIndex: number; wantTerm: number; wantLength: number }[] = [
      { index: 2, error: 'RAFT_COMPACTED', wantIndex: 3, wantTerm: 3, wantLength: 3 },
      { index: 3, error: 'RAFT_COMPACTED', wantIndex: 3, wantTerm: 3, wantLength: 3 },
      { index: 4, wantIndex: 4, wantTerm: 4, wantLength: 2 },
      { index: 5, wantIndex: 5, wantTerm: 5, wantLength: 1 },
    ]
    for (const { index, error, wantIndex, wantTerm, wantLength } of cases) {
      it(`at ${index}`, () => {
        const storage = storageWith(ENTS)
        if (error === undefined) storage.compact(index)
        else assert.throws(() => storage.compact(index), { name: 'CompactedError', code: error })
        // The dummy entry moves to the compaction point: first index - 1, with its term.
        assert.equal(storage.firstIndex() - 1, wantIndex)
        assert.equal(storage.term(wantIndex), wantTerm)
        assert.equal(storage.lastIndex() - storage.firstIndex() + 2, wantLength)
      })
    }

    it('refuses to compact past the last index', () => {
      const storage = storageWith(ENTS)
      assert.throws(() => storage.compact(6), RangeError)
      assert.equal(storage.firstIndex(), 4)
    })
  })

  describe('createSnapshot()', () => {
    const data = bytes('data')

    it('records the index, term, configuration and data', () => {
      for (const [index, term] of [
        [4, 4],
        [5, 5],
      ] as const) {
        const storage = storageWith(ENTS)
        const snapshot = storage.createSnapshot(index, CONF_STATE, data)
        assert.deepEqual(snapshot, { data, metadata: { index, term, confState: CONF_STATE } })
        assert.deepEqual(storage.snapshot(), snapshot)
        // Entries are kept until compacted.
        assert.equal(storage.firstIndex(), 4)
      }
    })

    it('keeps the previous configuration when none is given', () => {
      const storage = storageWith(ENTS)
      storage.createSnapshot(4, CONF_STATE, data)
      assert.deepEqual(storage.createSnapshot(5, undefined, data).metadata.confState, CONF_STATE)
    })

    it('refuses a snapshot not newer than the current one', () => {
      const storage = storageWith(ENTS)
      storage.createSnapshot(5, CONF_STATE, data)
      assert.throws(() => storage.createSnapshot(4, CONF_STATE, data), {
        name: 'SnapshotOutOfDateError',
        code: 'RAFT_SNAPSHOT_OUT_OF_DATE',
      })
      assert.throws(() => storage.createSnapshot(5, CONF_STATE, data), { code: 'RAFT_SNAPSHOT_OUT_OF_DATE' })
      // The applied snapshot at 3 counts too.
      assert.throws(() => storageWith(ENTS).createSnapshot(3, CONF_STATE, data), {
        code: 'RAFT_SNAPSHOT_OUT_OF_DATE',
      })
    })

    it('refuses an index past the last entry', () => {
      assert.throws(() => storageWith(ENTS).createSnapshot(6, CONF_STATE, data), RangeError)
    })
  })

  describe('applySnapshot()', () => {
    it('replaces the whole log and becomes the snapshot', () => {
      const storage = storageWith(ENTS)
      const snapshot = snapshotAt(10, 4, CONF_STATE)
      storage.applySnapshot(snapshot)
      assert.equal(storage.snapshot(), snapshot)
      assert.equal(storage.firstIndex(), 11)
      assert.equal(storage.lastIndex(), 10)
      assert.equal(storage.term(10), 4)
      assert.throws(() => storage.term(9), { code: 'RAFT_COMPACTED' })
      assert.deepEqual(storage.initialState().confState, CONF_STATE)
    })

    it('refuses a snapshot not newer than the current one', () => {
      const storage = new MemoryStorage()
      storage.applySnapshot(snapshotAt(4, 4))
      assert.throws(() => storage.applySnapshot(snapshotAt(3, 3)), { code: 'RAFT_SNAPSHOT_OUT_OF_DATE' })
      assert.throws(() => storage.applySnapshot(snapshotAt(4, 4)), { code: 'RAFT_SNAPSHOT_OUT_OF_DATE' })
      assert.equal(storage.snapshot().metadata.index, 4)
    })
  })

  describe('append()', () => {
    const cases: { name: string; entries: Entry[]; want: Entry[] }[] = [
      { name: 'identical entries', entries: [entry(3, 3), entry(4, 4), entry(5, 5)], want: ENTS },
      {
        name: 'a conflicting suffix truncates',
        entries: [entry(3, 3), entry(4, 6), entry(5, 6)],
        want: [entry(3, 3), entry(4, 6), entry(5, 6)],
      },
      {
        name: 'an overlapping longer run',
        entries: [entry(3, 3), entry(4, 4), entry(5, 5), entry(6, 5)],
        want: [entry(3, 3), entry(4, 4), entry(5, 5), entry(6, 5)],
      },
      {
        name: 'entries before the compaction point are ignored',
        entries: [entry(2, 3), entry(3, 3), entry(4, 5)],
        want: [entry(3, 3), entry(4, 5)],
      },
      { name: 'truncate from the first new entry', entries: [entry(4, 5)], want: [entry(3, 3), entry(4, 5)] },
      {
        name: 'direct append',
        entries: [entry(6, 5)],
        want: [entry(3, 3), entry(4, 4), entry(5, 5), entry(6, 5)],
      },
      { name: 'nothing new (all compacted)', entries: [entry(1, 1), entry(2, 2)], want: ENTS },
      { name: 'nothing at all', entries: [], want: ENTS },
    ]
    for (const { name, entries, want } of cases) {
      it(name, () => {
        const storage = storageWith(ENTS)
        storage.append(entries)
        // The dummy entry (index 3) is not readable; check it through term().
        assert.equal(storage.firstIndex() - 1, 3)
        assert.equal(storage.term(3), must(want[0]).term)
        assert.deepEqual(allEntries(storage), want.slice(1))
      })
    }

    it('refuses a gap after the last index', () => {
      const storage = storageWith(ENTS)
      assert.throws(() => storage.append([entry(7, 5)]), RangeError)
      assert.equal(storage.lastIndex(), 5)
    })
  })

  it('setHardState() is what initialState() returns', () => {
    const storage = new MemoryStorage()
    storage.setHardState({ term: 3, vote: 2n, commit: 1 })
    assert.deepEqual(storage.initialState().hardState, { term: 3, vote: 2n, commit: 1 })
  })
})
