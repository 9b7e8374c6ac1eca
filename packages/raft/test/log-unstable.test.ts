// Unstable: the not-yet-persisted tail of the log. Scenarios of etcd-io/raft's
// log_unstable_test.go, written for this port.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EMPTY_CONF_STATE, type Entry, NOOP_LOGGER, type Snapshot } from '@etcd-ts/raft'
import { Unstable } from '../src/log-unstable.js'
import { entry } from './helpers/network.js'

function snap(index: number, term: number): Snapshot {
  return { data: new Uint8Array(0), metadata: { index, term, confState: EMPTY_CONF_STATE } }
}

function unstable(init: {
  entries?: Entry[]
  offset: number
  offsetInProgress?: number
  snapshot?: Snapshot
  snapshotInProgress?: boolean
}): Unstable {
  const u = new Unstable(init.offset, NOOP_LOGGER)
  u.entries = init.entries ?? []
  u.offsetInProgress = init.offsetInProgress ?? init.offset
  u.snapshot = init.snapshot
  u.snapshotInProgress = init.snapshotInProgress ?? false
  return u
}

describe('Unstable', () => {
  it('maybeFirstIndex(): only known with a snapshot', () => {
    assert.equal(unstable({ entries: [entry(5, 1)], offset: 5 }).maybeFirstIndex(), undefined)
    assert.equal(unstable({ offset: 0 }).maybeFirstIndex(), undefined)
    assert.equal(unstable({ entries: [entry(5, 1)], offset: 5, snapshot: snap(4, 1) }).maybeFirstIndex(), 5)
    assert.equal(unstable({ offset: 5, snapshot: snap(4, 1) }).maybeFirstIndex(), 5)
  })

  it('maybeLastIndex(): the last entry, else the snapshot', () => {
    assert.equal(unstable({ entries: [entry(5, 1)], offset: 5 }).maybeLastIndex(), 5)
    assert.equal(unstable({ entries: [entry(5, 1)], offset: 5, snapshot: snap(4, 1) }).maybeLastIndex(), 5)
    assert.equal(unstable({ offset: 5, snapshot: snap(4, 1) }).maybeLastIndex(), 4)
    assert.equal(unstable({ offset: 0 }).maybeLastIndex(), undefined)
  })

  describe('maybeTerm()', () => {
    const cases: { name: string; u: () => Unstable; index: number; want: number | undefined }[] = [
      { name: 'entry', u: () => unstable({ entries: [entry(5, 1)], offset: 5 }), index: 5, want: 1 },
      {
        name: 'past the last entry',
        u: () => unstable({ entries: [entry(5, 1)], offset: 5 }),
        index: 6,
        want: undefined,
      },
      {
        name: 'before the offset',
        u: () => unstable({ entries: [entry(5, 1)], offset: 5 }),
        index: 4,
        want: undefined,
      },
      {
        name: 'entry with a snapshot',
        u: () => unstable({ entries: [entry(5, 1)], offset: 5, snapshot: snap(4, 1) }),
        index: 5,
        want: 1,
      },
      {
        name: 'past the last entry with a snapshot',
        u: () => unstable({ entries: [entry(5, 1)], offset: 5, snapshot: snap(4, 1) }),
        index: 6,
        want: undefined,
      },
      {
        name: 'the snapshot index',
        u: () => unstable({ entries: [entry(5, 1)], offset: 5, snapshot: snap(4, 1) }),
        index: 4,
        want: 1,
      },
      {
        name: 'before the snapshot',
        u: () => unstable({ entries: [entry(5, 1)], offset: 5, snapshot: snap(4, 1) }),
        index: 3,
        want: undefined,
      },
      {
        name: 'snapshot only, past it',
        u: () => unstable({ offset: 5, snapshot: snap(4, 1) }),
        index: 5,
        want: undefined,
      },
      { name: 'snapshot only, at it', u: () => unstable({ offset: 5, snapshot: snap(4, 1) }), index: 4, want: 1 },
      { name: 'empty', u: () => unstable({ offset: 0 }), index: 5, want: undefined },
    ]
    for (const { name, u, index, want } of cases) {
      it(name, () => assert.equal(u().maybeTerm(index), want))
    }
  })

  it('restore() replaces entries and snapshot and resets the in-progress marks', () => {
    const u = unstable({
      entries: [entry(5, 1)],
      offset: 5,
      offsetInProgress: 6,
      snapshot: snap(4, 1),
      snapshotInProgress: true,
    })
    const s = snap(6, 2)
    u.restore(s)
    assert.equal(u.offset, 7)
    assert.equal(u.offsetInProgress, 7)
    assert.deepEqual(u.entries, [])
    assert.equal(u.snapshot, s)
    assert.equal(u.snapshotInProgress, false)
  })

  describe('nextEntries() and hasNextEntries()', () => {
    const ents = [entry(5, 1), entry(6, 1)]
    const cases: { offsetInProgress: number; want: Entry[] }[] = [
      { offsetInProgress: 5, want: ents },
      { offsetInProgress: 6, want: [entry(6, 1)] },
      { offsetInProgress: 7, want: [] },
    ]
    for (const { offsetInProgress, want } of cases) {
      it(`with entries before ${offsetInProgress} in progress`, () => {
        const u = unstable({ entries: ents, offset: 5, offsetInProgress })
        assert.deepEqual(u.nextEntries(), want)
        assert.equal(u.hasNextEntries(), want.length > 0)
      })
    }
  })

  it('nextSnapshot(): the snapshot unless it is already in progress', () => {
    const s = snap(4, 1)
    assert.equal(unstable({ offset: 5 }).nextSnapshot(), undefined)
    assert.equal(unstable({ offset: 5, snapshot: s }).nextSnapshot(), s)
    assert.equal(unstable({ offset: 5, snapshot: s, snapshotInProgress: true }).nextSnapshot(), undefined)
  })

  describe('acceptInProgress()', () => {
    const cases: {
      name: string
      entries: Entry[]
      offsetInProgress: number
      snapshot?: Snapshot
      wantOffsetInProgress: number
      wantSnapshotInProgress: boolean
    }[] = [
      { name: 'nothing', entries: [], offsetInProgress: 5, wantOffsetInProgress: 5, wantSnapshotInProgress: false },
      {
        name: 'entries not in progress',
        entries: [entry(5, 1), entry(6, 1)],
        offsetInProgress: 5,
        wantOffsetInProgress: 7,
        wantSnapshotInProgress: false,
      },
      {
        name: 'entries partly in progress',
        entries: [entry(5, 1), entry(6, 1)],
        offsetInProgress: 6,
        wantOffsetInProgress: 7,
        wantSnapshotInProgress: false,
      },
      {
        name: 'a snapshot only',
        entries: [],
        offsetInProgress: 5,
        snapshot: snap(4, 1),
        wantOffsetInProgress: 5,
        wantSnapshotInProgress: true,
      },
      {
        name: 'a snapshot and entries',
        entries: [entry(5, 1)],
        offsetInProgress: 5,
        snapshot: snap(4, 1),
        wantOffsetInProgress: 6,
        wantSnapshotInProgress: true,
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const u = unstable({
          entries: c.entries,
          offset: 5,
          offsetInProgress: c.offsetInProgress,
          snapshot: c.snapshot,
        })
        u.acceptInProgress()
        assert.equal(u.offsetInProgress, c.wantOffsetInProgress)
        assert.equal(u.snapshotInProgress, c.wantSnapshotInProgress)
        assert.equal(u.hasNextEntries(), false)
        assert.equal(u.nextSnapshot(), undefined)
      })
    }
  })

  describe('stableTo()', () => {
    const cases: {
      name: string
      entries: Entry[]
      offset: number
      offsetInProgress: number
      snapshot?: Snapshot
      index: number
      term: number
      wantOffset: number
      wantOffsetInProgress: number
      wantLength: number
    }[] = [
      {
        name: 'empty log',
        entries: [],
        offset: 0,
        offsetInProgress: 0,
        index: 5,
        term: 1,
        wantOffset: 0,
        wantOffsetInProgress: 0,
        wantLength: 0,
      },
      {
        name: 'the only entry',
        entries: [entry(5, 1)],
        offset: 5,
        offsetInProgress: 6,
        index: 5,
        term: 1,
        wantOffset: 6,
        wantOffsetInProgress: 6,
        wantLength: 0,
      },
      {
        name: 'the first of two entries',
        entries: [entry(5, 1), entry(6, 1)],
        offset: 5,
        offsetInProgress: 6,
        index: 5,
        term: 1,
        wantOffset: 6,
        wantOffsetInProgress: 6,
        wantLength: 1,
      },
      {
        name: 'an entry not yet in progress',
        entries: [entry(5, 1), entry(6, 1)],
        offset: 5,
        offsetInProgress: 5,
        index: 5,
        term: 1,
        wantOffset: 6,
        wantOffsetInProgress: 6,
        wantLength: 1,
      },
      {
        name: 'term mismatch: ignored',
        entries: [entry(6, 2)],
        offset: 6,
        offsetInProgress: 7,
        index: 6,
        term: 1,
        wantOffset: 6,
        wantOffsetInProgress: 7,
        wantLength: 1,
      },
      {
        name: 'an older entry: ignored',
        entries: [entry(5, 1)],
        offset: 5,
        offsetInProgress: 6,
        index: 4,
        term: 1,
        wantOffset: 5,
        wantOffsetInProgress: 6,
        wantLength: 1,
      },
      {
        name: 'an older entry of another term: ignored',
        entries: [entry(5, 1)],
        offset: 5,
        offsetInProgress: 6,
        index: 4,
        term: 2,
        wantOffset: 5,
        wantOffsetInProgress: 6,
        wantLength: 1,
      },
      {
        name: 'the first entry, with a snapshot',
        entries: [entry(5, 1)],
        offset: 5,
        offsetInProgress: 6,
        snapshot: snap(4, 1),
        index: 5,
        term: 1,
        wantOffset: 6,
        wantOffsetInProgress: 6,
        wantLength: 0,
      },
      {
        name: 'term mismatch, with a snapshot: ignored',
        entries: [entry(6, 2)],
        offset: 6,
        offsetInProgress: 7,
        snapshot: snap(5, 1),
        index: 6,
        term: 1,
        wantOffset: 6,
        wantOffsetInProgress: 7,
        wantLength: 1,
      },
      {
        name: 'the snapshot index: ignored',
        entries: [entry(5, 1)],
        offset: 5,
        offsetInProgress: 6,
        snapshot: snap(4, 1),
        index: 4,
        term: 1,
        wantOffset: 5,
        wantOffsetInProgress: 6,
        wantLength: 1,
      },
      {
        name: 'the snapshot index with another term: ignored',
        entries: [entry(5, 2)],
        offset: 5,
        offsetInProgress: 6,
        snapshot: snap(4, 2),
        index: 4,
        term: 1,
        wantOffset: 5,
        wantOffsetInProgress: 6,
        wantLength: 1,
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const u = unstable({
          entries: c.entries,
          offset: c.offset,
          offsetInProgress: c.offsetInProgress,
          snapshot: c.snapshot,
        })
        u.stableTo({ index: c.index, term: c.term })
        assert.equal(u.offset, c.wantOffset)
        assert.equal(u.offsetInProgress, c.wantOffsetInProgress)
        assert.equal(u.entries.length, c.wantLength)
      })
    }
  })

  it('stableSnapTo(): drops the snapshot at that index only', () => {
    const u = unstable({ offset: 5, snapshot: snap(4, 1), snapshotInProgress: true })
    u.stableSnapTo(3)
    assert.notEqual(u.snapshot, undefined)
    u.stableSnapTo(4)
    assert.equal(u.snapshot, undefined)
    assert.equal(u.snapshotInProgress, false)
  })

  describe('truncateAndAppend()', () => {
    const cases: {
      name: string
      entries: Entry[]
      offset: number
      offsetInProgress: number
      append: Entry[]
      wantOffset: number
      wantOffsetInProgress: number
      want: Entry[]
    }[] = [
      {
        name: 'append to the end',
        entries: [entry(5, 1)],
        offset: 5,
        offsetInProgress: 5,
        append: [entry(6, 1), entry(7, 1)],
        wantOffset: 5,
        wantOffsetInProgress: 5,
        want: [entry(5, 1), entry(6, 1), entry(7, 1)],
      },
      {
        name: 'append to the end, first entry in progress',
        entries: [entry(5, 1)],
        offset: 5,
        offsetInProgress: 6,
        append: [entry(6, 1), entry(7, 1)],
        wantOffset: 5,
        wantOffsetInProgress: 6,
        want: [entry(5, 1), entry(6, 1), entry(7, 1)],
      },
      {
        name: 'replace the unstable entries',
        entries: [entry(5, 1)],
        offset: 5,
        offsetInProgress: 5,
        append: [entry(5, 2), entry(6, 2)],
        wantOffset: 5,
        wantOffsetInProgress: 5,
        want: [entry(5, 2), entry(6, 2)],
      },
      {
        name: 'replace from before the offset',
        entries: [entry(5, 1)],
        offset: 5,
        offsetInProgress: 5,
        append: [entry(4, 2), entry(5, 2), entry(6, 2)],
        wantOffset: 4,
        wantOffsetInProgress: 4,
        want: [entry(4, 2), entry(5, 2), entry(6, 2)],
      },
      {
        name: 'replace entries in progress',
        entries: [entry(5, 1)],
        offset: 5,
        offsetInProgress: 6,
        append: [entry(5, 2), entry(6, 2)],
        wantOffset: 5,
        wantOffsetInProgress: 5,
        want: [entry(5, 2), entry(6, 2)],
      },
      {
        name: 'truncate the tail and append',
        entries: [entry(5, 1), entry(6, 1), entry(7, 1)],
        offset: 5,
        offsetInProgress: 5,
        append: [entry(6, 2)],
        wantOffset: 5,
        wantOffsetInProgress: 5,
        want: [entry(5, 1), entry(6, 2)],
      },
      {
        name: 'truncate the last entry and append',
        entries: [entry(5, 1), entry(6, 1), entry(7, 1)],
        offset: 5,
        offsetInProgress: 5,
        append: [entry(7, 2), entry(8, 2)],
        wantOffset: 5,
        wantOffsetInProgress: 5,
        want: [entry(5, 1), entry(6, 1), entry(7, 2), entry(8, 2)],
      },
      {
        name: 'truncate after the entries in progress',
        entries: [entry(5, 1), entry(6, 1), entry(7, 1)],
        offset: 5,
        offsetInProgress: 6,
        append: [entry(6, 2)],
        wantOffset: 5,
        wantOffsetInProgress: 6,
        want: [entry(5, 1), entry(6, 2)],
      },
      {
        name: 'truncate entries in progress',
        entries: [entry(5, 1), entry(6, 1), entry(7, 1)],
        offset: 5,
        offsetInProgress: 7,
        append: [entry(6, 2)],
        wantOffset: 5,
        wantOffsetInProgress: 6,
        want: [entry(5, 1), entry(6, 2)],
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const u = unstable({ entries: c.entries, offset: c.offset, offsetInProgress: c.offsetInProgress })
        const handedOut = u.entries
        const before = [...handedOut]
        u.truncateAndAppend(c.append)
        assert.equal(u.offset, c.wantOffset)
        assert.equal(u.offsetInProgress, c.wantOffsetInProgress)
        assert.deepEqual(u.entries, c.want)
        // Entries handed out earlier (in a Ready) are never rewritten in place.
        if (c.want.length <= before.length || c.wantOffset !== c.offset) assert.deepEqual(handedOut, before)
      })
    }
  })

  it('slice(): a copy of entries within [offset, offset + length]; throws outside', () => {
    const u = unstable({ entries: [entry(5, 1), entry(6, 1), entry(7, 1)], offset: 5 })
    assert.deepEqual(u.slice(6, 8), [entry(6, 1), entry(7, 1)])
    assert.deepEqual(u.slice(5, 5), [])
    const copy = u.slice(5, 8)
    copy.pop()
    assert.equal(u.entries.length, 3)
    assert.throws(() => u.slice(4, 6), { name: 'RaftInvariantError', code: 'RAFT_INVARIANT_VIOLATED' })
    assert.throws(() => u.slice(6, 9), { code: 'RAFT_INVARIANT_VIOLATED' })
    assert.throws(() => u.slice(7, 6), { code: 'RAFT_INVARIANT_VIOLATED' })
  })
})
