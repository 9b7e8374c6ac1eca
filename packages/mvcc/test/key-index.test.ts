// keyIndex and generation: the scenarios of etcd's server/storage/mvcc/key_index_test.go (written
// for this port from etcd-storage.md §4.3), seed 001's compaction walk-through, the
// tombstone-at-the-compaction-revision rule (etcd#18089), and a property test against a naive
// model of one key's history.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MvccInvariantError, RevisionNotFoundError } from '../src/errors.js'
import { describeKeyIndex, Generation, KeyIndex, type KeyIndexGet } from '../src/key-index.js'
import { compareRevisions, describeRevision, type Revision } from '../src/revision.js'
import { RevisionSet } from '../src/revision-set.js'

const rev = (main: number, sub = 0): Revision => ({ main, sub })
const foo = new TextEncoder().encode('foo')

/** The revisions of a set as sorted text, e.g. `['4', '14.1']`. */
function described(set: RevisionSet): string[] {
  return [...set].sort(compareRevisions).map(describeRevision)
}

/** Each generation's `created/ver`, e.g. `['2/3', '0/0']`. */
function meta(ki: KeyIndex): string[] {
  return ki.generations.map((g) => `${describeRevision(g.created)}/${g.ver}`)
}

function assertInvariant(f: () => unknown): void {
  assert.throws(f, (error: unknown) => error instanceof MvccInvariantError && error.code === 'MVCC_INVARIANT_VIOLATED')
}

/**
 * etcd's newTestKeyIndex:
 *
 * ```
 * key: "foo", modified: 16
 * generations:
 *    {empty}
 *    {{14, 0}[1], {14, 1}[2], {16, 0}(t)[3]}
 *    {{8, 0}[1], {10, 0}[2], {12, 0}(t)[3]}
 *    {{2, 0}[1], {4, 0}[2], {6, 0}(t)[3]}
 * ```
 */
function newTestKeyIndex(): KeyIndex {
  const ki = new KeyIndex(foo)
  ki.put(rev(2))
  ki.put(rev(4))
  ki.tombstone(rev(6))
  ki.put(rev(8))
  ki.put(rev(10))
  ki.tombstone(rev(12))
  ki.put(rev(14))
  ki.put(rev(14, 1))
  ki.tombstone(rev(16))
  return ki
}
const TEST_KEY_INDEX = '[{2,4,6t},{8,10,12t},{14,14.1,16t},{}]'

describe('Generation', () => {
  it('walks newest first and stops where f returns false (etcd TestGenerationWalk)', () => {
    const g = new Generation(3, rev(2), [rev(2), rev(4), rev(6)])
    const cases: [number, number][] = [
      [7, 2],
      [6, 1],
      [5, 1],
      [4, 0],
      [3, 0],
      [2, -1],
    ]
    for (const [atLeast, want] of cases) {
      assert.equal(
        g.walk((r) => r.main >= atLeast),
        want,
        `walk while main >= ${atLeast}`,
      )
    }
  })

  it('finds the newest revision at or below a main revision, as walk does', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 60 }), { maxLength: 20 }), fc.nat({ max: 62 }), (mains, atRev) => {
        const g = new Generation(
          mains.length,
          rev(0),
          [...mains].sort((a, b) => a - b).map((main) => rev(main)),
        )
        assert.equal(
          g.indexAt(atRev),
          g.walk((r) => r.main > atRev),
        )
      }),
      { numRuns: 500 },
    )
  })

  it('is empty without revisions (etcd TestGenerationIsEmpty)', () => {
    assert.equal(new Generation().isEmpty(), true)
    assert.equal(new Generation(1, rev(1), [rev(1)]).isEmpty(), false)
  })
})

describe('KeyIndex put, tombstone and restore', () => {
  it('puts: the first creates the generation (etcd TestKeyIndexPut)', () => {
    const ki = new KeyIndex(foo)
    ki.put(rev(5))
    assert.deepEqual(ki.modified, rev(5))
    assert.equal(describeKeyIndex(ki), '[{5}]')
    assert.deepEqual(meta(ki), ['5/1'])
    ki.put(rev(7))
    assert.deepEqual(ki.modified, rev(7))
    assert.equal(describeKeyIndex(ki), '[{5,7}]')
    assert.deepEqual(meta(ki), ['5/2'])
  })

  it('restores one generation from the newest stored value (etcd TestKeyIndexRestore)', () => {
    const ki = new KeyIndex(foo)
    ki.restore(rev(2), rev(4), 2)
    assert.deepEqual(ki.modified, rev(4))
    assert.equal(describeKeyIndex(ki), '[{4}]')
    assert.deepEqual(meta(ki), ['2/2'])
    assert.deepEqual(ki.get(4), { modified: rev(4), created: rev(2), version: 2 })
    assert.equal(ki.get(3), undefined)
    ki.put(rev(6))
    assert.deepEqual(ki.get(6), { modified: rev(6), created: rev(2), version: 3 })
  })

  it('restores a lone tombstone as a generation of unknown creation', () => {
    const ki = new KeyIndex(foo)
    ki.restoreTombstone(rev(7, 1))
    assert.deepEqual(ki.modified, rev(7, 1))
    assert.equal(describeKeyIndex(ki), '[{7.1t},{}]')
    assert.deepEqual(meta(ki), ['0/1', '0/0'])
    assert.equal(ki.get(7), undefined)
    assert.equal(ki.get(100), undefined)
    assert.deepEqual(ki.since(1), [rev(7, 1)])
    ki.put(rev(9))
    assert.deepEqual(ki.get(9), { modified: rev(9), created: rev(9), version: 1 })
  })

  it('tombstones: the tombstone ends the generation, a new empty one starts (etcd TestKeyIndexTombstone)', () => {
    const ki = new KeyIndex(foo)
    ki.put(rev(5))
    ki.tombstone(rev(7))
    assert.deepEqual(ki.modified, rev(7))
    assert.equal(describeKeyIndex(ki), '[{5,7t},{}]')
    assert.deepEqual(meta(ki), ['5/2', '0/0'])

    ki.put(rev(8))
    ki.put(rev(9))
    ki.tombstone(rev(15))
    assert.deepEqual(ki.modified, rev(15))
    assert.equal(describeKeyIndex(ki), '[{5,7t},{8,9,15t},{}]')
    assert.deepEqual(meta(ki), ['5/2', '8/3', '0/0'])

    // Not live: ErrRevisionNotFound, and nothing changes.
    assert.throws(
      () => ki.tombstone(rev(16)),
      (error: unknown) => error instanceof RevisionNotFoundError && error.code === 'MVCC_REVISION_NOT_FOUND',
    )
    assert.equal(describeKeyIndex(ki), '[{5,7t},{8,9,15t},{}]')
    assert.deepEqual(ki.modified, rev(15))
  })

  it('builds the example of etcd-storage.md §4.3', () => {
    const ki = new KeyIndex(foo)
    ki.put(rev(1))
    ki.put(rev(2))
    ki.tombstone(rev(3))
    ki.put(rev(4))
    ki.tombstone(rev(5))
    assert.equal(describeKeyIndex(ki), '[{1,2,3t},{4,5t},{}]')
  })

  it('throws MvccInvariantError where etcd panics, changing nothing', () => {
    const ki = new KeyIndex(foo)
    assertInvariant(() => ki.put(rev(0))) // not above the zero revision
    assertInvariant(() => ki.tombstone(rev(1))) // empty key index
    assertInvariant(() => ki.get(1))
    assertInvariant(() => ki.since(1))
    assertInvariant(() => ki.compact(1, new RevisionSet()))
    ki.put(rev(5, 1))
    assertInvariant(() => ki.put(rev(5, 1))) // equal
    assertInvariant(() => ki.put(rev(5, 0))) // same main, lower sub
    assertInvariant(() => ki.put(rev(4, 9)))
    assertInvariant(() => ki.tombstone(rev(5)))
    assertInvariant(() => ki.restore(rev(1), rev(9), 1)) // over existing generations
    assertInvariant(() => ki.restoreTombstone(rev(9)))
    assert.equal(describeKeyIndex(ki), '[{5.1}]')
    assert.deepEqual(ki.modified, rev(5, 1))
    // The message names the key and the revisions.
    assert.throws(() => ki.put(rev(4)), /"foo".*4.*5\.1/)
    // keep on an empty key index is a no-op (etcd returns early).
    const keep = new RevisionSet()
    new KeyIndex(foo).keep(5, keep)
    assert.equal(keep.size, 0)
  })
})

describe('KeyIndex reads', () => {
  it('gets the state at each revision across generations and tombstones (etcd TestKeyIndexGet)', () => {
    const ki = newTestKeyIndex()
    ki.compact(4, new RevisionSet())
    const live = (modified: Revision, created: Revision, version: number): KeyIndexGet => ({
      modified,
      created,
      version,
    })
    const cases: [number, KeyIndexGet | undefined][] = [
      [17, undefined],
      [16, undefined],
      // generation 3
      [15, live(rev(14, 1), rev(14), 2)],
      [14, live(rev(14, 1), rev(14), 2)],
      [13, undefined],
      [12, undefined],
      // generation 2
      [11, live(rev(10), rev(8), 2)],
      [10, live(rev(10), rev(8), 2)],
      [9, live(rev(8), rev(8), 1)],
      [8, live(rev(8), rev(8), 1)],
      [7, undefined],
      [6, undefined],
      // generation 1: revision 2 was compacted away, revision 4 keeps its version
      [5, live(rev(4), rev(2), 2)],
      [4, live(rev(4), rev(2), 2)],
      [3, undefined],
      [2, undefined],
      [1, undefined],
      [0, undefined],
    ]
    for (const [atRev, want] of cases) {
      assert.deepEqual(ki.get(atRev), want, `get(${atRev})`)
      assert.deepEqual(ki.modifiedAt(atRev), want?.modified, `modifiedAt(${atRev})`)
    }
  })

  it('lists the revisions since a revision, one per main revision (etcd TestKeyIndexSince)', () => {
    const ki = newTestKeyIndex()
    ki.compact(4, new RevisionSet())
    const all = [rev(4), rev(6), rev(8), rev(10), rev(12), rev(14, 1), rev(16)]
    const cases: [number, Revision[]][] = [
      [17, []],
      [16, all.slice(6)],
      [15, all.slice(6)],
      [14, all.slice(5)],
      [13, all.slice(5)],
      [12, all.slice(4)],
      [11, all.slice(4)],
      [10, all.slice(3)],
      [9, all.slice(3)],
      [8, all.slice(2)],
      [7, all.slice(2)],
      [6, all.slice(1)],
      [5, all.slice(1)],
      [4, all],
      [3, all],
      [2, all],
      [1, all],
      [0, all],
    ]
    for (const [since, want] of cases) assert.deepEqual(ki.since(since), want, `since(${since})`)
  })

  it('finds the generation live at a revision (etcd TestKeyIndexFindGeneration)', () => {
    const ki = newTestKeyIndex()
    const [g0, g1, g2] = ki.generations
    const cases: [number, Generation | undefined][] = [
      [0, undefined],
      [1, undefined],
      [2, g0],
      [3, g0],
      [4, g0],
      [5, g0],
      [6, undefined],
      [7, undefined],
      [8, g1],
      [9, g1],
      [10, g1],
      [11, g1],
      [12, undefined],
      [13, undefined],
      [14, g2],
      [15, g2],
      [16, undefined],
      [17, undefined],
    ]
    for (const [atRev, want] of cases) assert.equal(ki.findGeneration(atRev), want, `findGeneration(${atRev})`)
  })

  it('is empty with no generation or a single empty one (etcd TestKeyIndexIsEmpty)', () => {
    assert.equal(new KeyIndex(foo).isEmpty(), true)
    const ki = new KeyIndex(foo)
    ki.put(rev(2))
    assert.equal(ki.isEmpty(), false)
    ki.tombstone(rev(3))
    assert.equal(ki.isEmpty(), false)
    ki.compact(4, new RevisionSet())
    assert.equal(ki.isEmpty(), true)
  })
})

describe('KeyIndex compact and keep', () => {
  // etcd TestKeyIndexCompactAndKeep, with 3.5.16+ behaviour: a tombstone at the compaction
  // revision stays in the key index and in `available`, but not in `keep`.
  // [atRev, key index after compact, available, keep]
  const cases: [number, string, string[], string[]][] = [
    [1, TEST_KEY_INDEX, [], []],
    [2, TEST_KEY_INDEX, ['2'], ['2']],
    [3, TEST_KEY_INDEX, ['2'], ['2']],
    [4, '[{4,6t},{8,10,12t},{14,14.1,16t},{}]', ['4'], ['4']],
    [5, '[{4,6t},{8,10,12t},{14,14.1,16t},{}]', ['4'], ['4']],
    [6, '[{6t},{8,10,12t},{14,14.1,16t},{}]', ['6'], []],
    [7, '[{8,10,12t},{14,14.1,16t},{}]', [], []],
    [8, '[{8,10,12t},{14,14.1,16t},{}]', ['8'], ['8']],
    [9, '[{8,10,12t},{14,14.1,16t},{}]', ['8'], ['8']],
    [10, '[{10,12t},{14,14.1,16t},{}]', ['10'], ['10']],
    [11, '[{10,12t},{14,14.1,16t},{}]', ['10'], ['10']],
    [12, '[{12t},{14,14.1,16t},{}]', ['12'], []],
    [13, '[{14,14.1,16t},{}]', [], []],
    [14, '[{14.1,16t},{}]', ['14.1'], ['14.1']],
    [15, '[{14.1,16t},{}]', ['14.1'], ['14.1']],
    [16, '[{16t},{}]', ['16'], []],
    [17, '[{}]', [], []],
  ]

  it('compacts a fresh key index at each revision; keep finds the same set without the tombstone', () => {
    for (const [atRev, after, available, keep] of cases) {
      const ki = newTestKeyIndex()
      const keepSet = new RevisionSet()
      ki.keep(atRev, keepSet)
      assert.deepEqual(described(keepSet), keep, `keep(${atRev})`)
      assert.equal(describeKeyIndex(ki), TEST_KEY_INDEX, `keep(${atRev}) changes nothing`)

      const availableSet = new RevisionSet()
      ki.compact(atRev, availableSet)
      assert.equal(describeKeyIndex(ki), after, `compact(${atRev})`)
      assert.deepEqual(described(availableSet), available, `compact(${atRev}) available`)
      assert.deepEqual(ki.modified, rev(16))
      assert.equal(ki.isEmpty(), atRev === 17)
    }
  })

  it('compacts one key index step by step to the same results, and again at the same revision to no change', () => {
    const ki = newTestKeyIndex()
    for (const [atRev, after, available, keep] of cases) {
      const keepSet = new RevisionSet()
      ki.keep(atRev, keepSet)
      assert.deepEqual(described(keepSet), keep, `keep(${atRev})`)
      // Compacting an empty key index again is a bug (etcd panics): the tree has dropped it.
      for (let again = 0; again < (atRev === 17 ? 1 : 2); again++) {
        const availableSet = new RevisionSet()
        ki.compact(atRev, availableSet)
        assert.equal(describeKeyIndex(ki), after, `compact(${atRev}) #${again + 1}`)
        assert.deepEqual(described(availableSet), available, `compact(${atRev}) #${again + 1} available`)
      }
    }
  })

  it('keeps versions and creation across compaction', () => {
    const ki = newTestKeyIndex()
    ki.compact(10, new RevisionSet())
    assert.deepEqual(meta(ki), ['8/3', '14/3', '0/0'])
    assert.deepEqual(ki.get(11), { modified: rev(10), created: rev(8), version: 2 })
  })

  it('keeps the newest revision when compacting past it (etcd TestKeyIndexCompactOnFurtherRev)', () => {
    const ki = new KeyIndex(foo)
    ki.put(rev(1))
    ki.put(rev(2))
    const available = new RevisionSet()
    ki.compact(3, available)
    assert.equal(describeKeyIndex(ki), '[{2}]')
    assert.deepEqual(meta(ki), ['1/2'])
    assert.deepEqual(ki.modified, rev(2))
    assert.deepEqual(described(available), ['2'])
  })

  it('keeps a tombstone at the compaction revision for watchers starting there (etcd#18089)', () => {
    // put 1, put 2, delete 3; compact(3): the DELETE at 3 must still reach a watcher from 3.
    const ki = new KeyIndex(foo)
    ki.put(rev(1))
    ki.put(rev(2))
    ki.tombstone(rev(3))
    const keep = new RevisionSet()
    ki.keep(3, keep)
    const available = new RevisionSet()
    ki.compact(3, available)
    assert.equal(describeKeyIndex(ki), '[{3t},{}]')
    assert.deepEqual(described(available), ['3']) // the compactor keeps the tombstone's KeyValue
    assert.deepEqual(described(keep), []) // HashKV skips it, as etcd versions that dropped it
    assert.equal(ki.isEmpty(), false)
    assert.deepEqual(ki.since(3), [rev(3)])
    assert.equal(ki.get(3), undefined)
    // The next compaction above it removes it, and the key index with it.
    const next = new RevisionSet()
    ki.compact(4, next)
    assert.equal(ki.isEmpty(), true)
    assert.equal(next.size, 0)
  })

  it('keeps the put, not a tombstone, when the key is deleted and created again in one revision', () => {
    // etcd's txn validation forbids two changes of one key in a transaction; the key index still
    // answers sensibly: the state at 5 is the put 5.1.
    const ki = new KeyIndex(foo)
    ki.put(rev(3))
    ki.tombstone(rev(5))
    ki.put(rev(5, 1))
    const keep = new RevisionSet()
    ki.keep(5, keep)
    const available = new RevisionSet()
    ki.compact(5, available)
    assert.deepEqual(described(available), ['5.1'])
    assert.deepEqual(described(keep), ['5.1'])
    assert.equal(describeKeyIndex(ki), '[{5.1}]')
    assert.deepEqual(ki.get(5), { modified: rev(5, 1), created: rev(5, 1), version: 1 })
  })
})

// Seed 001 (codedump.info, "etcd存储的实现", keyIndex section; characters lost in the seed's
// re-encoding restored here):
//
//   它的generations数组有两条记录，其中generations[0]在revision 1.0时创建，当revision 2.1的时候进行
//   tombstone操作，因此该generation的created是1.0；对应的generations[1]在revision 3.3时创建，
//   紧跟着就做了tombstone操作。
//   ...
//   keyIndex.compact(n)函数可以对keyIndex数据进行压缩操作，将删除满足main revision < n的数据。
//   - compact(2)：找到了generations[0]的1.0 revision的数据进行了删除。
//   - compact(3)：找到了generations[0]的2.1 revision的数据进行了删除，此时由于generations[0]已经
//     没有数据了，所以这一整个generation被删除，原先的generations[1]变成了generations[0]。
//   - compact(4)：找到了generations[0]的3.3 revision的数据进行了删除。由于所有的generation数据都被
//     删除了，此时这个keyIndex数据可以删除了。
//
// (generations[0] is created at 1.0 and tombstoned at 2.1; generations[1] is created at 3.3 and
// "immediately followed by a tombstone". compact(n) removes data with main revision < n:
// compact(2) removes 1.0; compact(3) removes 2.1, generations[0] is then empty and removed, the
// old generations[1] becomes generations[0]; compact(4) removes 3.3, every generation is empty
// and the keyIndex can be removed.)
//
// The seed's figure is not in the text, and its "modified is 3.3" contradicts a tombstone after
// 3.3. We read generations[1]'s tombstone as the next revision, 4: `[{1,2.1t},{3.3,4t},{}]`
// (the seed's "two records" leave out the empty current generation). Every step then matches
// the seed, except the last under etcd 3.5.16+: the seed describes the older rule, which dropped
// a tombstone at the compaction revision; now it stays until the next compaction (etcd#18089).
describe('seed 001 compaction walk-through', () => {
  it('compacts [{1,2.1t},{3.3,4t},{}] step by step', () => {
    const ki = new KeyIndex(new TextEncoder().encode('test'))
    ki.put(rev(1, 0))
    ki.tombstone(rev(2, 1))
    ki.put(rev(3, 3))
    ki.tombstone(rev(4, 0))
    assert.equal(describeKeyIndex(ki), '[{1,2.1t},{3.3,4t},{}]')
    assert.deepEqual(meta(ki), ['1/2', '3.3/2', '0/0'])

    // compact(2): "removes 1.0 of generations[0]". 2.1, the tombstone at 2, is the key's state at
    // 2: compact keeps it in the available set, keep (for hashes) leaves it out.
    const keep2 = new RevisionSet()
    ki.keep(2, keep2)
    assert.deepEqual(described(keep2), [])
    const available2 = new RevisionSet()
    ki.compact(2, available2)
    assert.equal(describeKeyIndex(ki), '[{2.1t},{3.3,4t},{}]')
    assert.deepEqual(described(available2), ['2.1'])

    // compact(3): "removes 2.1; generations[0] is empty and removed; generations[1] becomes
    // generations[0]". 3.3 is the key's state at 3: available.
    const available3 = new RevisionSet()
    ki.compact(3, available3)
    assert.equal(describeKeyIndex(ki), '[{3.3,4t},{}]')
    assert.deepEqual(meta(ki), ['3.3/2', '0/0'])
    assert.deepEqual(described(available3), ['3.3'])
    assert.deepEqual(ki.get(3), { modified: rev(3, 3), created: rev(3, 3), version: 1 })

    // compact(4): "removes 3.3". The seed then removes the key index (the pre-3.5.16 rule, which
    // keep still follows); etcd now keeps the tombstone at 4 so a watcher from 4 sees the delete.
    const keep4 = new RevisionSet()
    ki.keep(4, keep4)
    assert.deepEqual(described(keep4), [])
    const available4 = new RevisionSet()
    ki.compact(4, available4)
    assert.equal(describeKeyIndex(ki), '[{4t},{}]')
    assert.deepEqual(described(available4), ['4'])
    assert.equal(ki.isEmpty(), false)
    assert.deepEqual(ki.since(4), [rev(4)])

    // compact(5): nothing is left; the tree index deletes the key index.
    const available5 = new RevisionSet()
    ki.compact(5, available5)
    assert.equal(describeKeyIndex(ki), '[{}]')
    assert.equal(ki.isEmpty(), true)
    assert.equal(available5.size, 0)
  })
})

// ---------------------------------------------------------------------------------------------
// Property test: KeyIndex against a naive model, a list of (revision, tombstone) events.

interface Event {
  readonly rev: Revision
  readonly tombstone: boolean
}

/** The model's answer to get(atRev): the last event at or below atRev, if a put. */
function modelGet(events: readonly Event[], atRev: number): KeyIndexGet | undefined {
  let last = -1
  for (let i = 0; i < events.length; i++) if ((events[i] as Event).rev.main <= atRev) last = i
  const event = events[last]
  if (event === undefined || event.tombstone) return undefined
  let first = last
  while (first > 0 && !(events[first - 1] as Event).tombstone) first--
  return { modified: event.rev, created: (events[first] as Event).rev, version: last - first + 1 }
}

/** The model's since(rev): events with main >= rev, the last of each main. */
function modelSince(events: readonly Event[], rev: number): Revision[] {
  const out: Revision[] = []
  for (const { rev: r } of events) {
    if (r.main < rev) continue
    if (out.length > 0 && (out[out.length - 1] as Revision).main === r.main) out[out.length - 1] = r
    else out.push(r)
  }
  return out
}

/**
 * The model's available set at atRev: the key's last change at or below atRev, unless it is a
 * tombstone below atRev; `keep` also leaves out a tombstone at atRev.
 */
function modelAvailable(events: readonly Event[], atRev: number, keep: boolean): string[] {
  let event: Event | undefined
  for (const e of events) if (e.rev.main <= atRev) event = e
  if (event === undefined) return []
  if (event.tombstone && (event.rev.main < atRev || keep)) return []
  return [describeRevision(event.rev)]
}

/** An operation: advance the main revision by `step` (0: same transaction, next sub), then put or delete. */
const operation = fc.record({ step: fc.integer({ min: 0, max: 3 }), tombstone: fc.boolean() })

/** Applies operations to a key index and the model; deletes of a dead key must throw RevisionNotFoundError. */
function build(operations: { step: number; tombstone: boolean }[]): { ki: KeyIndex; events: Event[]; maxMain: number } {
  const ki = new KeyIndex(foo)
  const events: Event[] = []
  let main = 1
  let sub = 0
  let live = false
  for (const [i, { step, tombstone }] of operations.entries()) {
    if (i > 0) {
      if (step === 0) sub++
      else {
        main += step
        sub = 0
      }
    }
    const r = rev(main, sub)
    if (tombstone && !live) {
      if (events.length === 0) assertInvariant(() => ki.tombstone(r))
      else assert.throws(() => ki.tombstone(r), RevisionNotFoundError)
      continue
    }
    if (tombstone) ki.tombstone(r)
    else ki.put(r)
    events.push({ rev: r, tombstone })
    live = !tombstone
  }
  return { ki, events, maxMain: main }
}

describe('KeyIndex against a naive model', () => {
  it('answers get and since like the model, before and after compaction', () => {
    fc.assert(
      fc.property(
        fc.array(operation, { minLength: 1, maxLength: 30 }),
        fc.nat({ max: 100 }),
        fc.nat({ max: 100 }),
        (operations, first, second) => {
          const { ki, events, maxMain } = build(operations)
          if (events.length === 0) return
          for (let atRev = 0; atRev <= maxMain + 1; atRev++) {
            assert.deepEqual(ki.get(atRev), modelGet(events, atRev), `get(${atRev})`)
            assert.deepEqual(ki.since(atRev), modelSince(events, atRev), `since(${atRev})`)
          }

          // Two compactions, the second at or above the first.
          const c1 = first % (maxMain + 2)
          const c2 = c1 + (second % (maxMain + 3 - c1))
          for (const c of [c1, c2]) {
            const before = describeKeyIndex(ki)
            const keep = new RevisionSet()
            ki.keep(c, keep)
            assert.equal(describeKeyIndex(ki), before, 'keep changes nothing')
            assert.deepEqual(described(keep), modelAvailable(events, c, true), `keep(${c})`)

            const available = new RevisionSet()
            ki.compact(c, available)
            assert.deepEqual(described(available), modelAvailable(events, c, false), `compact(${c})`)
            for (let atRev = c; atRev <= maxMain + 1; atRev++) {
              if (ki.isEmpty()) {
                assert.equal(modelGet(events, atRev), undefined, `compacted away, but live at ${atRev}`)
                continue
              }
              assert.deepEqual(ki.get(atRev), modelGet(events, atRev), `get(${atRev}) after compact(${c})`)
              assert.deepEqual(ki.since(atRev), modelSince(events, atRev), `since(${atRev}) after compact(${c})`)
            }
            if (ki.isEmpty()) return
          }

          // The same as one compaction at c2 of the uncompacted history.
          const fresh = build(operations).ki
          fresh.compact(c2, new RevisionSet())
          assert.equal(describeKeyIndex(ki), describeKeyIndex(fresh))
          assert.deepEqual(meta(ki), meta(fresh))
        },
      ),
      { numRuns: 1000 },
    )
  })
})
