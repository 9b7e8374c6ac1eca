// RaftLog: storage plus the unstable tail, with the commit and apply cursors. Scenarios of
// etcd-io/raft's log_test.go, written for this port.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EMPTY_CONF_STATE, type Entry, entrySize, MemoryStorage, NOOP_LOGGER, type Snapshot } from '@etcd-ts/raft'
import { NO_LIMIT, RaftLog } from '../src/log.js'
import { entry, entryRange, must } from './helpers/network.js'

function snap(index: number, term: number): Snapshot {
  return { data: new Uint8Array(0), metadata: { index, term, confState: EMPTY_CONF_STATE } }
}

/** A log over a fresh storage holding `stable` entries, with `unstable` appended on top. */
function newLog(stable: readonly Entry[], unstable: readonly Entry[] = [], maxApplyingSize = NO_LIMIT): RaftLog {
  const storage = new MemoryStorage()
  storage.append(stable)
  const log = new RaftLog(storage, NOOP_LOGGER, maxApplyingSize)
  log.append(unstable)
  return log
}

const PREVIOUS = [entry(1, 1), entry(2, 2), entry(3, 3)]

describe('RaftLog', () => {
  describe('findConflict()', () => {
    const cases: { entries: Entry[]; want: number }[] = [
      // No conflict, empty entries.
      { entries: [], want: 0 },
      // No conflict.
      { entries: [entry(1, 1), entry(2, 2), entry(3, 3)], want: 0 },
      { entries: [entry(2, 2), entry(3, 3)], want: 0 },
      { entries: [entry(3, 3)], want: 0 },
      // No conflict, but new entries.
      { entries: [entry(1, 1), entry(2, 2), entry(3, 3), entry(4, 4), entry(5, 4)], want: 4 },
      { entries: [entry(2, 2), entry(3, 3), entry(4, 4), entry(5, 4)], want: 4 },
      { entries: [entry(3, 3), entry(4, 4), entry(5, 4)], want: 4 },
      { entries: [entry(4, 4), entry(5, 4)], want: 4 },
      // Conflicts with existing entries.
      { entries: [entry(1, 4), entry(2, 4)], want: 1 },
      { entries: [entry(2, 1), entry(3, 4), entry(4, 4)], want: 2 },
      { entries: [entry(3, 1), entry(4, 2), entry(5, 4), entry(6, 4)], want: 3 },
    ]
    for (const { entries, want } of cases) {
      it(`[${entries.map((e) => `${e.term}/${e.index}`).join(' ')}] → ${want}`, () => {
        assert.equal(newLog([], PREVIOUS).findConflict(entries), want)
      })
    }
  })

  describe('findConflictByTerm()', () => {
    // A log starting at index 1 (terms 2 2 5 5 5) and one compacted at 10 (terms 3, then 3 3 4 4 4).
    const fromStart = () => newLog([], [entry(1, 2), entry(2, 2), entry(3, 5), entry(4, 5), entry(5, 5)])
    const compacted = () => {
      const storage = new MemoryStorage()
      storage.applySnapshot(snap(10, 3))
      const log = new RaftLog(storage, NOOP_LOGGER)
      log.append([entry(11, 3), entry(12, 3), entry(13, 4), entry(14, 4), entry(15, 4)])
      return log
    }
    const cases: { log: () => RaftLog; index: number; term: number; want: number; wantTerm: number }[] = [
      // Past the last index: unknown, may match.
      { log: fromStart, index: 100, term: 2, want: 100, wantTerm: 0 },
      { log: fromStart, index: 5, term: 6, want: 5, wantTerm: 5 },
      { log: fromStart, index: 5, term: 5, want: 5, wantTerm: 5 },
      { log: fromStart, index: 5, term: 4, want: 2, wantTerm: 2 },
      { log: fromStart, index: 5, term: 2, want: 2, wantTerm: 2 },
      { log: fromStart, index: 5, term: 1, want: 0, wantTerm: 0 },
      { log: fromStart, index: 1, term: 2, want: 1, wantTerm: 2 },
      { log: fromStart, index: 1, term: 1, want: 0, wantTerm: 0 },
      { log: fromStart, index: 0, term: 0, want: 0, wantTerm: 0 },
      { log: compacted, index: 30, term: 3, want: 30, wantTerm: 0 },
      { log: compacted, index: 14, term: 9, want: 14, wantTerm: 4 },
      { log: compacted, index: 14, term: 4, want: 14, wantTerm: 4 },
      { log: compacted, index: 14, term: 3, want: 12, wantTerm: 3 },
      { log: compacted, index: 14, term: 2, want: 9, wantTerm: 0 },
      { log: compacted, index: 11, term: 5, want: 11, wantTerm: 3 },
      { log: compacted, index: 10, term: 5, want: 10, wantTerm: 3 },
      { log: compacted, index: 10, term: 3, want: 10, wantTerm: 3 },
      { log: compacted, index: 10, term: 2, want: 9, wantTerm: 0 },
      // Compacted: unknown, may match.
      { log: compacted, index: 9, term: 2, want: 9, wantTerm: 0 },
      { log: compacted, index: 4, term: 2, want: 4, wantTerm: 0 },
      { log: compacted, index: 0, term: 0, want: 0, wantTerm: 0 },
    ]
    for (const [i, { log, index, term, want, wantTerm }] of cases.entries()) {
      it(`#${i}: (${index}, ${term}) → (${want}, ${wantTerm})`, () => {
        assert.deepEqual(log().findConflictByTerm(index, term), { index: want, term: wantTerm })
      })
    }
  })

  describe('isUpToDate() (Raft §5.4.1)', () => {
    const last = 3
    const cases: { index: number; term: number; want: boolean }[] = [
      // A later last term wins whatever the index.
      { index: last - 1, term: 4, want: true },
      { index: last, term: 4, want: true },
      { index: last + 1, term: 4, want: true },
      // An earlier last term loses whatever the index.
      { index: last - 1, term: 2, want: false },
      { index: last, term: 2, want: false },
      { index: last + 1, term: 2, want: false },
      // The same last term: the longer log wins; equal logs are up to date.
      { index: last - 1, term: 3, want: false },
      { index: last, term: 3, want: true },
      { index: last + 1, term: 3, want: true },
    ]
    for (const { index, term, want } of cases) {
      it(`(${term}/${index}) → ${want}`, () => assert.equal(newLog([], PREVIOUS).isUpToDate({ index, term }), want))
    }
  })

  describe('append()', () => {
    const cases: { append: Entry[]; wantIndex: number; want: Entry[]; wantOffset: number }[] = [
      { append: [], wantIndex: 2, want: [entry(1, 1), entry(2, 2)], wantOffset: 3 },
      { append: [entry(3, 2)], wantIndex: 3, want: [entry(1, 1), entry(2, 2), entry(3, 2)], wantOffset: 3 },
      // Conflicts with index 1.
      { append: [entry(1, 2)], wantIndex: 1, want: [entry(1, 2)], wantOffset: 1 },
      // Conflicts with index 2.
      {
        append: [entry(2, 3), entry(3, 3)],
        wantIndex: 3,
        want: [entry(1, 1), entry(2, 3), entry(3, 3)],
        wantOffset: 2,
      },
    ]
    for (const { append, wantIndex, want, wantOffset } of cases) {
      it(`[${append.map((e) => `${e.term}/${e.index}`).join(' ')}]`, () => {
        const log = newLog([entry(1, 1), entry(2, 2)])
        assert.equal(log.append(append), wantIndex)
        assert.deepEqual(log.allEntries(), want)
        assert.equal(log.unstable.offset, wantOffset)
      })
    }

    it('refuses to truncate committed entries', () => {
      const log = newLog([], PREVIOUS)
      log.commitTo(2)
      assert.throws(() => log.append([entry(2, 4)]), { code: 'RAFT_INVARIANT_VIOLATED' })
    })
  })

  describe('maybeAppend() (Raft §5.3)', () => {
    const lastIndex = 3
    const lastTerm = 3
    const commit = 1
    const cases: {
      name: string
      logTerm: number
      index: number
      committed: number
      entries: Entry[]
      want: number | undefined
      wantCommit: number
      wantThrow?: boolean
    }[] = [
      {
        name: 'prev term differs',
        logTerm: lastTerm - 1,
        index: lastIndex,
        committed: lastIndex,
        entries: [entry(lastIndex + 1, 4)],
        want: undefined,
        wantCommit: commit,
      },
      {
        name: 'prev index out of bounds',
        logTerm: lastTerm,
        index: lastIndex + 1,
        committed: lastIndex,
        entries: [entry(lastIndex + 2, 4)],
        want: undefined,
        wantCommit: commit,
      },
      {
        name: 'matches the last entry',
        logTerm: lastTerm,
        index: lastIndex,
        committed: lastIndex,
        entries: [],
        want: lastIndex,
        wantCommit: lastIndex,
      },
      {
        name: 'commit capped at the last new entry',
        logTerm: lastTerm,
        index: lastIndex,
        committed: lastIndex + 1,
        entries: [],
        want: lastIndex,
        wantCommit: lastIndex,
      },
      {
        name: 'commit up to the commit of the message',
        logTerm: lastTerm,
        index: lastIndex,
        committed: lastIndex - 1,
        entries: [],
        want: lastIndex,
        wantCommit: lastIndex - 1,
      },
      {
        name: 'commit never decreases',
        logTerm: lastTerm,
        index: lastIndex,
        committed: 0,
        entries: [],
        want: lastIndex,
        wantCommit: commit,
      },
      {
        name: 'commit never decreases (empty prefix)',
        logTerm: 0,
        index: 0,
        committed: lastIndex,
        entries: [],
        want: 0,
        wantCommit: commit,
      },
      {
        name: 'one new entry',
        logTerm: lastTerm,
        index: lastIndex,
        committed: lastIndex,
        entries: [entry(lastIndex + 1, 4)],
        want: lastIndex + 1,
        wantCommit: lastIndex,
      },
      {
        name: 'one new entry, committed',
        logTerm: lastTerm,
        index: lastIndex,
        committed: lastIndex + 1,
        entries: [entry(lastIndex + 1, 4)],
        want: lastIndex + 1,
        wantCommit: lastIndex + 1,
      },
      {
        name: 'one new entry, commit capped',
        logTerm: lastTerm,
        index: lastIndex,
        committed: lastIndex + 2,
        entries: [entry(lastIndex + 1, 4)],
        want: lastIndex + 1,
        wantCommit: lastIndex + 1,
      },
      {
        name: 'two new entries',
        logTerm: lastTerm,
        index: lastIndex,
        committed: lastIndex + 2,
        entries: [entry(lastIndex + 1, 4), entry(lastIndex + 2, 4)],
        want: lastIndex + 2,
        wantCommit: lastIndex + 2,
      },
      {
        name: 'matches in the middle, overwrites the last entry',
        logTerm: lastTerm - 1,
        index: lastIndex - 1,
        committed: lastIndex,
        entries: [entry(lastIndex, 4)],
        want: lastIndex,
        wantCommit: lastIndex,
      },
      {
        name: 'matches in the middle, truncates the tail',
        logTerm: lastTerm - 2,
        index: lastIndex - 2,
        committed: lastIndex,
        entries: [entry(lastIndex - 1, 4)],
        want: lastIndex - 1,
        wantCommit: lastIndex - 1,
      },
      {
        name: 'conflicts with a committed entry',
        logTerm: lastTerm - 3,
        index: lastIndex - 3,
        committed: lastIndex,
        entries: [entry(lastIndex - 2, 4)],
        want: lastIndex - 2,
        wantCommit: lastIndex - 2,
        wantThrow: true,
      },
      {
        name: 'matches in the middle, replaces two entries',
        logTerm: lastTerm - 2,
        index: lastIndex - 2,
        committed: lastIndex,
        entries: [entry(lastIndex - 1, 4), entry(lastIndex, 4)],
        want: lastIndex,
        wantCommit: lastIndex,
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const log = newLog([], PREVIOUS)
        log.commitTo(commit)
        const run = () =>
          log.maybeAppend({ term: 4, prev: { index: c.index, term: c.logTerm }, entries: c.entries }, c.committed)
        if (c.wantThrow === true) {
          assert.throws(run, { name: 'RaftInvariantError', code: 'RAFT_INVARIANT_VIOLATED' })
          return
        }
        assert.equal(run(), c.want)
        assert.equal(log.committed, c.wantCommit)
        if (c.want !== undefined && c.entries.length > 0) {
          const from = must(c.entries[0]).index
          assert.deepEqual(log.slice(from, c.want + 1, NO_LIMIT), c.entries)
        }
      })
    }
  })

  describe('commitTo()', () => {
    it('raises the commit index', () => {
      const log = newLog([], PREVIOUS)
      log.commitTo(2)
      log.commitTo(3)
      assert.equal(log.committed, 3)
    })
    it('never lowers it', () => {
      const log = newLog([], PREVIOUS)
      log.commitTo(2)
      log.commitTo(1)
      assert.equal(log.committed, 2)
    })
    it('throws past the last index: the log was lost', () => {
      const log = newLog([], PREVIOUS)
      log.commitTo(2)
      assert.throws(() => log.commitTo(4), { name: 'RaftInvariantError', code: 'RAFT_INVARIANT_VIOLATED' })
      assert.equal(log.committed, 2)
    })
  })

  it('maybeCommit(): only an entry whose term matches, never back, never term 0', () => {
    const log = newLog([], PREVIOUS)
    assert.equal(log.maybeCommit({ index: 2, term: 1 }), false)
    assert.equal(log.committed, 0)
    assert.equal(log.maybeCommit({ index: 2, term: 2 }), true)
    assert.equal(log.committed, 2)
    assert.equal(log.maybeCommit({ index: 1, term: 1 }), false)
    assert.equal(log.committed, 2)
    const zero = newLog([], [entry(1, 0)])
    assert.equal(zero.maybeCommit({ index: 1, term: 0 }), false)
  })

  describe('stableTo()', () => {
    const cases: { index: number; term: number; wantOffset: number }[] = [
      { index: 1, term: 1, wantOffset: 2 },
      { index: 2, term: 2, wantOffset: 3 },
      // Term mismatch: ignored.
      { index: 2, term: 1, wantOffset: 1 },
      // Unknown index: ignored.
      { index: 3, term: 1, wantOffset: 1 },
    ]
    for (const { index, term, wantOffset } of cases) {
      it(`(${term}/${index}) → unstable offset ${wantOffset}`, () => {
        const log = newLog([], [entry(1, 1), entry(2, 2)])
        log.stableTo({ index, term })
        assert.equal(log.unstable.offset, wantOffset)
      })
    }
  })

  describe('stableTo() with a snapshot in storage', () => {
    const si = 5
    const st = 2
    const cases: { index: number; term: number; entries: Entry[]; wantOffset: number }[] = [
      { index: si + 1, term: st, entries: [], wantOffset: si + 1 },
      { index: si, term: st, entries: [], wantOffset: si + 1 },
      { index: si - 1, term: st, entries: [], wantOffset: si + 1 },
      { index: si + 1, term: st + 1, entries: [], wantOffset: si + 1 },
      { index: si, term: st + 1, entries: [], wantOffset: si + 1 },
      { index: si - 1, term: st + 1, entries: [], wantOffset: si + 1 },
      { index: si + 1, term: st, entries: [entry(si + 1, st)], wantOffset: si + 2 },
      { index: si, term: st, entries: [entry(si + 1, st)], wantOffset: si + 1 },
      { index: si - 1, term: st, entries: [entry(si + 1, st)], wantOffset: si + 1 },
      { index: si + 1, term: st + 1, entries: [entry(si + 1, st)], wantOffset: si + 1 },
      { index: si, term: st + 1, entries: [entry(si + 1, st)], wantOffset: si + 1 },
      { index: si - 1, term: st + 1, entries: [entry(si + 1, st)], wantOffset: si + 1 },
    ]
    for (const [i, { index, term, entries, wantOffset }] of cases.entries()) {
      it(`#${i}: (${term}/${index}) with ${entries.length} new entries`, () => {
        const storage = new MemoryStorage()
        storage.applySnapshot(snap(si, st))
        const log = new RaftLog(storage, NOOP_LOGGER)
        log.append(entries)
        log.stableTo({ index, term })
        assert.equal(log.unstable.offset, wantOffset)
      })
    }
  })

  describe('nextUnstableEnts()', () => {
    for (const [unstableFrom, want] of [
      [3, []],
      [1, [entry(1, 1), entry(2, 2)]],
    ] as const) {
      it(`entries from ${unstableFrom} unstable`, () => {
        const all = [entry(1, 1), entry(2, 2)]
        const log = newLog(all.slice(0, unstableFrom - 1), all.slice(unstableFrom - 1))
        const ents = log.nextUnstableEnts()
        assert.deepEqual(ents, want)
        const last = ents[ents.length - 1]
        if (last !== undefined) log.stableTo(last)
        assert.equal(log.unstable.offset, 3)
      })
    }

    it('skips entries already handed out (in progress)', () => {
      const log = newLog([], [entry(1, 1), entry(2, 2)])
      log.acceptUnstable()
      assert.deepEqual(log.nextUnstableEnts(), [])
      assert.equal(log.hasNextUnstableEnts(), false)
      assert.equal(log.hasNextOrInProgressUnstableEnts(), true)
      log.append([entry(3, 2)])
      assert.deepEqual(log.nextUnstableEnts(), [entry(3, 2)])
    })
  })

  // Storage: snapshot at 3, entry 4 persisted; unstable 5 and 6; committed 5 (etcd's fixture).
  function applyingLog(maxSize = NO_LIMIT): RaftLog {
    const storage = new MemoryStorage()
    storage.applySnapshot(snap(3, 1))
    storage.append([entry(4, 1)])
    const log = new RaftLog(storage, NOOP_LOGGER, maxSize)
    log.append([entry(4, 1), entry(5, 1), entry(6, 1)])
    log.stableTo({ index: 4, term: 1 })
    log.maybeCommit({ index: 5, term: 1 })
    return log
  }

  describe('hasNextCommittedEnts() and nextCommittedEnts()', () => {
    const cases: {
      applied: number
      applying: number
      allowUnstable: boolean
      paused?: boolean
      snapshot?: boolean
      want: Entry[]
    }[] = [
      { applied: 3, applying: 3, allowUnstable: true, want: [entry(4, 1), entry(5, 1)] },
      { applied: 3, applying: 4, allowUnstable: true, want: [entry(5, 1)] },
      { applied: 3, applying: 5, allowUnstable: true, want: [] },
      { applied: 4, applying: 4, allowUnstable: true, want: [entry(5, 1)] },
      { applied: 4, applying: 5, allowUnstable: true, want: [] },
      { applied: 5, applying: 5, allowUnstable: true, want: [] },
      // Unstable entries not allowed: only what storage holds.
      { applied: 3, applying: 3, allowUnstable: false, want: [entry(4, 1)] },
      { applied: 3, applying: 4, allowUnstable: false, want: [] },
      { applied: 3, applying: 5, allowUnstable: false, want: [] },
      { applied: 4, applying: 4, allowUnstable: false, want: [] },
      { applied: 4, applying: 5, allowUnstable: false, want: [] },
      { applied: 5, applying: 5, allowUnstable: false, want: [] },
      // Paused: nothing.
      { applied: 3, applying: 3, allowUnstable: true, paused: true, want: [] },
      // A snapshot to apply first: nothing.
      { applied: 3, applying: 3, allowUnstable: true, snapshot: true, want: [] },
    ]
    for (const c of cases) {
      const name = `applied ${c.applied}, applying ${c.applying}, unstable ${c.allowUnstable}${c.paused ? ', paused' : ''}${c.snapshot ? ', snapshot' : ''}`
      it(name, () => {
        const log = applyingLog()
        log.appliedTo(c.applied, 0)
        log.acceptApplying(c.applying, 0, c.allowUnstable)
        log.applyingEntsPaused = c.paused ?? false
        if (c.snapshot === true) log.restore(snap(4, 1))
        assert.equal(log.hasNextCommittedEnts(c.allowUnstable), c.want.length > 0)
        assert.deepEqual(log.nextCommittedEnts(c.allowUnstable), c.want)
      })
    }

    it('respects the applying size budget', () => {
      const log = new RaftLog(new MemoryStorage(), NOOP_LOGGER, 3 * entrySize(entry(1, 1, 'x')))
      log.append(entryRange(1, 11, () => 1).map((e) => entry(e.index, 1, 'x')))
      log.commitTo(10)
      const first = log.nextCommittedEnts(true)
      assert.deepEqual(
        first.map((e) => e.index),
        [1, 2, 3],
      )
      log.acceptApplying(3, 3 * entrySize(entry(1, 1, 'x')), true)
      assert.equal(log.applyingEntsPaused, true)
      assert.equal(log.hasNextCommittedEnts(true), false)
      log.appliedTo(3, 3 * entrySize(entry(1, 1, 'x')))
      assert.deepEqual(
        log.nextCommittedEnts(true).map((e) => e.index),
        [4, 5, 6],
      )
    })
  })

  describe('acceptApplying()', () => {
    const maxSize = 100
    const cases: { index: number; allowUnstable: boolean; size: number; wantPaused: boolean }[] = [
      { index: 3, allowUnstable: true, size: maxSize - 1, wantPaused: true },
      { index: 3, allowUnstable: true, size: maxSize, wantPaused: true },
      { index: 3, allowUnstable: true, size: maxSize + 1, wantPaused: true },
      { index: 4, allowUnstable: true, size: maxSize - 1, wantPaused: true },
      { index: 4, allowUnstable: true, size: maxSize, wantPaused: true },
      { index: 4, allowUnstable: true, size: maxSize + 1, wantPaused: true },
      { index: 5, allowUnstable: true, size: maxSize - 1, wantPaused: false },
      { index: 5, allowUnstable: true, size: maxSize, wantPaused: true },
      { index: 5, allowUnstable: true, size: maxSize + 1, wantPaused: true },
      { index: 3, allowUnstable: false, size: maxSize - 1, wantPaused: true },
      { index: 3, allowUnstable: false, size: maxSize, wantPaused: true },
      { index: 3, allowUnstable: false, size: maxSize + 1, wantPaused: true },
      { index: 4, allowUnstable: false, size: maxSize - 1, wantPaused: false },
      { index: 4, allowUnstable: false, size: maxSize, wantPaused: true },
      { index: 4, allowUnstable: false, size: maxSize + 1, wantPaused: true },
      { index: 5, allowUnstable: false, size: maxSize - 1, wantPaused: false },
      { index: 5, allowUnstable: false, size: maxSize, wantPaused: true },
      { index: 5, allowUnstable: false, size: maxSize + 1, wantPaused: true },
    ]
    for (const { index, allowUnstable, size, wantPaused } of cases) {
      it(`index ${index}, unstable ${allowUnstable}, size ${size} → paused ${wantPaused}`, () => {
        const log = applyingLog(maxSize)
        log.appliedTo(3, 0)
        log.acceptApplying(index, size, allowUnstable)
        assert.equal(log.applyingEntsPaused, wantPaused)
        assert.equal(log.applying, index)
      })
    }

    it('throws past the commit index', () => {
      const log = applyingLog()
      assert.throws(() => log.acceptApplying(6, 0, true), { code: 'RAFT_INVARIANT_VIOLATED' })
    })
  })

  describe('appliedTo()', () => {
    const maxSize = 100
    const overshoot = 5
    const cases: { index: number; size: number; wantApplyingSize: number; wantPaused: boolean }[] = [
      // Some of the entries in progress applied.
      { index: 4, size: overshoot - 1, wantApplyingSize: maxSize + 1, wantPaused: true },
      { index: 4, size: overshoot, wantApplyingSize: maxSize, wantPaused: true },
      { index: 4, size: overshoot + 1, wantApplyingSize: maxSize - 1, wantPaused: false },
      // All of them.
      { index: 5, size: overshoot - 1, wantApplyingSize: maxSize + 1, wantPaused: true },
      { index: 5, size: overshoot, wantApplyingSize: maxSize, wantPaused: true },
      { index: 5, size: overshoot + 1, wantApplyingSize: maxSize - 1, wantPaused: false },
      // Every outstanding byte.
      { index: 4, size: maxSize + overshoot, wantApplyingSize: 0, wantPaused: false },
      // More than outstanding: saturates at 0.
      { index: 4, size: maxSize + overshoot + 1, wantApplyingSize: 0, wantPaused: false },
    ]
    for (const { index, size, wantApplyingSize, wantPaused } of cases) {
      it(`index ${index}, size ${size}`, () => {
        const log = applyingLog(maxSize)
        log.appliedTo(3, 0)
        log.acceptApplying(5, maxSize + overshoot, false)
        log.appliedTo(index, size)
        assert.equal(log.applied, index)
        assert.equal(log.applying, 5)
        assert.equal(log.applyingEntsSize, wantApplyingSize)
        assert.equal(log.applyingEntsPaused, wantPaused)
      })
    }

    it('throws outside [applied, committed]', () => {
      const log = applyingLog()
      log.appliedTo(4, 0)
      assert.throws(() => log.appliedTo(3, 0), { code: 'RAFT_INVARIANT_VIOLATED' })
      assert.throws(() => log.appliedTo(6, 0), { code: 'RAFT_INVARIANT_VIOLATED' })
    })
  })

  describe('term()', () => {
    const offset = 100
    const num = 100
    const log = () => {
      const storage = new MemoryStorage()
      storage.applySnapshot(snap(offset, 1))
      const l = new RaftLog(storage, NOOP_LOGGER)
      for (let i = 1; i < num; i++) l.append([entry(offset + i, i)])
      return l
    }
    const cases: { index: number; want: number | undefined }[] = [
      { index: offset - 1, want: undefined },
      { index: offset, want: 1 },
      { index: offset + num / 2, want: num / 2 },
      { index: offset + num - 1, want: num - 1 },
      { index: offset + num, want: undefined },
    ]
    for (const { index, want } of cases) {
      it(`at ${index} → ${want}`, () => assert.equal(log().term(index), want))
    }

    it('reads the stable part from storage and the tail from the unstable log', () => {
      const storage = new MemoryStorage()
      storage.append([entry(1, 1), entry(2, 1)])
      const l = new RaftLog(storage, NOOP_LOGGER)
      l.append([entry(3, 2), entry(4, 2)])
      assert.deepEqual(
        [1, 2, 3, 4, 5].map((i) => l.term(i)),
        [1, 1, 2, 2, undefined],
      )
      assert.equal(l.term(0), 0)
      // A compaction in storage hides the older terms, except the compaction point.
      storage.compact(2)
      assert.equal(l.term(1), undefined)
      assert.equal(l.term(2), 1)
    })

    it('with an unstable snapshot', () => {
      const storage = new MemoryStorage()
      storage.applySnapshot(snap(offset, 1))
      const l = new RaftLog(storage, NOOP_LOGGER)
      l.restore(snap(offset + 5, 5))
      assert.equal(l.term(offset - 1), undefined)
      assert.equal(l.term(offset), undefined)
      assert.equal(l.term(offset + 4), undefined)
      assert.equal(l.term(offset + 5), 5)
      assert.equal(l.term(offset + 6), undefined)
    })
  })

  describe('slice() across storage and the unstable log', () => {
    const offset = 100
    const num = 100
    const last = offset + num
    const half = offset + num / 2
    // Storage: snapshot at 100, entries 101..149; unstable: 150..199 (term = index).
    const log = () => {
      const storage = new MemoryStorage()
      storage.applySnapshot(snap(offset, 0))
      storage.append(entryRange(offset + 1, half))
      const l = new RaftLog(storage, NOOP_LOGGER)
      l.append(entryRange(half, last))
      return l
    }

    it('splits at the storage/unstable boundary', () => {
      const l = log()
      assert.equal(l.unstable.offset, half)
      assert.equal(l.storage.lastIndex(), half - 1)
    })

    it('throws CompactedError before the first index', () => {
      assert.throws(() => log().slice(offset - 1, offset + 1, NO_LIMIT), { code: 'RAFT_COMPACTED' })
      assert.throws(() => log().slice(offset, offset + 1, NO_LIMIT), { code: 'RAFT_COMPACTED' })
    })

    it('throws RaftInvariantError for inverted or out-of-bound ranges', () => {
      assert.throws(() => log().slice(half, half - 1, NO_LIMIT), { code: 'RAFT_INVARIANT_VIOLATED' })
      assert.throws(() => log().slice(last, last + 1, NO_LIMIT), { code: 'RAFT_INVARIANT_VIOLATED' })
    })

    const ranges: [number, number][] = [
      [offset + 1, offset + 1],
      [offset + 1, half - 1],
      [offset + 1, half],
      [offset + 1, half + 1],
      [offset + 1, last],
      [half - 2, half + 1],
      [half - 1, half],
      [half - 1, half + 1],
      [half - 1, half + 2],
      [half - 1, last],
      [half, half + 1],
      [half, last],
      [half + 1, last],
      [last - 1, last],
    ]
    const size = entrySize(entry(half, half))

    it('without limit returns exactly the range', () => {
      for (const [lo, hi] of ranges) assert.deepEqual(log().slice(lo, hi, NO_LIMIT), entryRange(lo, hi))
    })

    it('with a limit returns the longest prefix within it, but at least one entry', () => {
      // The naive twin: walk the entries and stop before the first one over the limit.
      const prefix = (lo: number, hi: number, limit: number) => {
        const out: Entry[] = []
        let total = 0
        for (const e of entryRange(lo, hi)) {
          total += entrySize(e)
          if (out.length > 0 && total > limit) break
          out.push(e)
        }
        return out
      }
      const limits = [
        0,
        size - 1,
        size,
        size + 1,
        2 * size - 1,
        2 * size,
        3 * size - 1,
        3 * size,
        3 * size + 1,
        10 * size,
      ]
      let crossing = 0
      for (const [lo, hi] of ranges) {
        for (const limit of limits) {
          const got = log().slice(lo, hi, limit)
          assert.deepEqual(got, prefix(lo, hi, limit), `slice(${lo}, ${hi}, ${limit})`)
          if (lo < half && got.length > 0 && must(got[got.length - 1]).index >= half) crossing++
        }
      }
      // The cases above do cut across the boundary.
      assert.ok(crossing > 5)
    })

    it('a single unstable entry over the remaining budget is left out', () => {
      // Storage returns everything asked of it, under budget; the first unstable entry does not fit.
      assert.deepEqual(log().slice(half - 1, half + 1, size + 1), [entry(half - 1, half - 1)])
      assert.deepEqual(log().slice(half - 2, half + 1, 2 * size + 1), entryRange(half - 2, half))
      assert.deepEqual(log().slice(half - 2, half + 1, 3 * size), entryRange(half - 2, half + 1))
    })

    it('entries() reads from an index to the end', () => {
      assert.deepEqual(log().entries(last - 2, NO_LIMIT), entryRange(last - 2, last))
      assert.deepEqual(log().entries(last, NO_LIMIT), [])
    })
  })

  it('scan() visits pages of at most the page size, at least one entry each', () => {
    const storage = new MemoryStorage()
    storage.append(entryRange(1, 6))
    const l = new RaftLog(storage, NOOP_LOGGER)
    l.append(entryRange(6, 11))
    const size = entrySize(entry(5, 5))
    const pages: number[][] = []
    l.scan(2, 10, 2 * size, (page) => {
      pages.push(page.map((e) => e.index))
      return true
    })
    assert.deepEqual(pages, [
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
    ])
    const firstOnly: number[][] = []
    l.scan(2, 10, 0, (page) => {
      firstOnly.push(page.map((e) => e.index))
      return false
    })
    assert.deepEqual(firstOnly, [[2]])
  })

  it('restore() replaces the log with a snapshot and commits up to it', () => {
    const index = 1000
    const term = 1000
    const storage = new MemoryStorage()
    storage.append([entry(1, 1), entry(2, 1)])
    const l = new RaftLog(storage, NOOP_LOGGER)
    l.append([entry(3, 2)])
    l.restore(snap(index, term))
    assert.deepEqual(l.allEntries(), [])
    assert.equal(l.firstIndex(), index + 1)
    assert.equal(l.lastIndex(), index)
    assert.equal(l.committed, index)
    assert.equal(l.unstable.offset, index + 1)
    assert.equal(l.term(index), term)
    assert.equal(l.hasNextOrInProgressSnapshot(), true)
    assert.equal(l.snapshot().metadata.index, index)
  })

  it('a new log starts at the storage snapshot, committed and applied', () => {
    const storage = new MemoryStorage()
    storage.applySnapshot(snap(100, 3))
    storage.append([entry(101, 3), entry(102, 3)])
    const l = new RaftLog(storage, NOOP_LOGGER)
    assert.equal(l.committed, 100)
    assert.equal(l.applied, 100)
    assert.equal(l.applying, 100)
    assert.equal(l.unstable.offset, 103)
    assert.equal(l.firstIndex(), 101)
    assert.equal(l.lastIndex(), 102)
    assert.deepEqual(l.lastEntryId(), { index: 102, term: 3 })
  })

  it('compaction in storage keeps every later term readable (etcd TestCompactionSideEffects)', () => {
    const lastIndex = 1000
    const unstableIndex = 750
    const storage = new MemoryStorage()
    storage.append(entryRange(1, unstableIndex + 1))
    const l = new RaftLog(storage, NOOP_LOGGER)
    l.append(entryRange(unstableIndex + 1, lastIndex + 1))
    l.commitTo(lastIndex)
    l.appliedTo(l.committed, 0)
    storage.compact(500)
    assert.equal(l.lastIndex(), lastIndex)
    for (let i = 500; i <= lastIndex; i++) assert.equal(l.term(i), i)
    for (let i = 500; i <= lastIndex; i++) assert.equal(l.matchTerm({ index: i, term: i }), true)
    const unstable = l.nextUnstableEnts()
    assert.equal(unstable.length, 250)
    assert.equal(must(unstable[0]).index, 751)
    const prev = l.lastIndex()
    l.append([entry(prev + 1, prev + 1)])
    assert.equal(l.lastIndex(), prev + 1)
    assert.equal(l.entries(l.lastIndex(), NO_LIMIT).length, 1)
  })
})
