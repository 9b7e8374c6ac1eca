// treeIndex: the scenarios of etcd's server/storage/mvcc/index_test.go (written for this port
// from etcd-storage.md §4.4), the three `end` conventions, limits and totals, compaction's
// available and keep sets, the boot-time restore path, and a property test against a naive
// model of the whole index (key -> list of events).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compareBytes } from '@etcd-ts/backend'
import fc from 'fast-check'
import { MvccInvariantError, RevisionNotFoundError } from '../src/errors.js'
import type { KeyIndexGet } from '../src/key-index.js'
import { compareRevisions, describeRevision, type Revision } from '../src/revision.js'
import type { RevisionSet } from '../src/revision-set.js'
import { TreeIndex } from '../src/tree-index.js'

const rev = (main: number, sub = 0): Revision => ({ main, sub })
const encoder = new TextEncoder()
const k = (s: string) => encoder.encode(s)
const text = (key: Uint8Array) => new TextDecoder().decode(key)
const ALL = new Uint8Array(0)

function described(set: RevisionSet): string[] {
  return [...set].sort(compareRevisions).map(describeRevision)
}

function isRevisionNotFound(error: unknown): boolean {
  return error instanceof RevisionNotFoundError && error.code === 'MVCC_REVISION_NOT_FOUND'
}

describe('TreeIndex get, put and tombstone', () => {
  it('gets a key at each revision (etcd TestIndexGet)', () => {
    const ti = new TreeIndex()
    ti.put(k('foo'), rev(2))
    ti.put(k('foo'), rev(4))
    ti.tombstone(k('foo'), rev(6))
    const cases: [number, KeyIndexGet | undefined][] = [
      [0, undefined],
      [1, undefined],
      [2, { modified: rev(2), created: rev(2), version: 1 }],
      [3, { modified: rev(2), created: rev(2), version: 1 }],
      [4, { modified: rev(4), created: rev(2), version: 2 }],
      [5, { modified: rev(4), created: rev(2), version: 2 }],
      [6, undefined],
    ]
    for (const [atRev, want] of cases) assert.deepEqual(ti.get(k('foo'), atRev), want, `get(foo, ${atRev})`)
    assert.equal(ti.get(k('bar'), 5), undefined)
    assert.equal(ti.size, 1)
    assert.equal(ti.has(k('foo')), true)
    assert.equal(ti.has(k('bar')), false)
  })

  it('tombstones a live key; a missing or deleted one is RevisionNotFoundError (etcd TestIndexTombstone)', () => {
    const ti = new TreeIndex()
    ti.put(k('foo'), rev(1))
    ti.tombstone(k('foo'), rev(2))
    assert.equal(ti.get(k('foo'), 2), undefined)
    assert.throws(() => ti.tombstone(k('foo'), rev(3)), isRevisionNotFound)
    assert.throws(() => ti.tombstone(k('bar'), rev(3)), isRevisionNotFound)
    assert.equal(ti.size, 1) // a missing key is not added
  })

  it('throws MvccInvariantError for a revision not above the key’s last, adding no key', () => {
    const ti = new TreeIndex()
    assert.throws(() => ti.put(k('foo'), rev(0)), MvccInvariantError)
    assert.equal(ti.size, 0)
    ti.put(k('foo'), rev(5))
    assert.throws(() => ti.put(k('foo'), rev(5)), MvccInvariantError)
    assert.throws(() => ti.tombstone(k('foo'), rev(4)), MvccInvariantError)
    assert.deepEqual(ti.get(k('foo'), 10), { modified: rev(5), created: rev(5), version: 1 })
  })

  it('copies a key the first time it sees it', () => {
    const ti = new TreeIndex()
    const key = Buffer.from('foo')
    ti.put(key, rev(1))
    key[0] = 0x7a // "zoo"
    assert.equal(ti.has(k('foo')), true)
    const { keys } = ti.range(k('foo'), undefined, 1)
    assert.equal(text(keys[0] as Uint8Array), 'foo')
    assert.equal(Object.getPrototypeOf(keys[0]), Uint8Array.prototype)
  })

  it('orders keys bytewise, not as strings', () => {
    const ti = new TreeIndex()
    const keys = [[0xff], [0x61], [], [0x61, 0x00], [0xc3, 0xa9], [0x7f]].map((b) => new Uint8Array(b))
    keys.forEach((key, i) => {
      ti.put(key, rev(i + 1))
    })
    const { keys: ranged } = ti.range(new Uint8Array(0), ALL, 10)
    assert.deepEqual(
      ranged.map((key) => [...key]),
      [[], [0x61], [0x61, 0x00], [0x7f], [0xc3, 0xa9], [0xff]],
    )
  })
})

describe('TreeIndex ranges', () => {
  // etcd TestIndexRange, plus the empty-end (no upper bound) convention.
  const allKeys = ['foo', 'foo1', 'foo2']
  const allRevs = [rev(1), rev(2), rev(3)]
  function index(): TreeIndex {
    const ti = new TreeIndex()
    allKeys.forEach((key, i) => {
      ti.put(k(key), allRevs[i] as Revision)
    })
    return ti
  }
  const cases: [string, string | undefined, number, number][] = [
    // [key, end (undefined: single key; '': no upper bound), first, last (slice of allKeys)]
    ['bar', undefined, 0, 0],
    ['foo', undefined, 0, 1],
    ['foo1', undefined, 1, 2],
    ['foo', 'foo1', 0, 1],
    ['foo', 'foo2', 0, 2],
    ['foo', 'fop', 0, 3],
    ['foo1', 'fop', 1, 3],
    ['foo2', 'fop', 2, 3],
    ['foo3', 'fop', 0, 0],
    ['fop', 'foo', 0, 0], // key >= end: nothing
    ['foo', 'foo', 0, 0],
    ['', '', 0, 3],
    ['foo', '', 0, 3],
    ['foo1', '', 1, 3],
    ['foo3', '', 0, 0],
    ['a', 'b', 0, 0],
  ]

  it('ranges over a single key, [key, end) and every key >= key (etcd TestIndexRange)', () => {
    const ti = index()
    for (const [key, end, first, last] of cases) {
      const label = `range(${key}, ${end === undefined ? 'undefined' : JSON.stringify(end)})`
      const endBytes = end === undefined ? undefined : k(end)
      const { keys, revs } = ti.range(k(key), endBytes, 3)
      assert.deepEqual(keys.map(text), allKeys.slice(first, last), label)
      assert.deepEqual(revs, allRevs.slice(first, last), label)
      assert.equal(ti.countRevisions(k(key), endBytes, 3), last - first, label)
      assert.deepEqual(ti.revisions(k(key), endBytes, 3, 0), { revs: allRevs.slice(first, last), total: last - first })
    }
  })

  it('lists only keys live at the revision', () => {
    const ti = index()
    ti.tombstone(k('foo1'), rev(4))
    ti.put(k('foo3'), rev(5))
    assert.deepEqual(ti.range(k('foo'), ALL, 1).keys.map(text), ['foo'])
    assert.deepEqual(ti.range(k('foo'), ALL, 3).keys.map(text), ['foo', 'foo1', 'foo2'])
    assert.deepEqual(ti.range(k('foo'), ALL, 4).keys.map(text), ['foo', 'foo2'])
    assert.deepEqual(ti.range(k('foo'), ALL, 5).keys.map(text), ['foo', 'foo2', 'foo3'])
    assert.deepEqual(ti.range(k('foo1'), undefined, 4), { keys: [], revs: [] })
    assert.equal(ti.countRevisions(k('foo'), ALL, 5), 3)
  })

  it('limits the revisions but counts every live key in the range', () => {
    const ti = new TreeIndex()
    for (let i = 0; i < 10; i++) ti.put(k(`key${i}`), rev(i + 1))
    ti.tombstone(k('key3'), rev(11))
    ti.put(k('key0'), rev(12))
    const atRev = 12
    assert.deepEqual(ti.revisions(k('key'), ALL, atRev, 2), { revs: [rev(12), rev(2)], total: 9 })
    assert.deepEqual(ti.revisions(k('key'), ALL, atRev, 4), { revs: [rev(12), rev(2), rev(3), rev(5)], total: 9 })
    assert.equal(ti.revisions(k('key'), ALL, atRev, 0).revs.length, 9)
    assert.equal(ti.revisions(k('key'), ALL, atRev, -1).revs.length, 9)
    assert.equal(ti.revisions(k('key'), ALL, atRev, 100).revs.length, 9)
    assert.deepEqual(ti.revisions(k('key2'), k('key5'), atRev, 1), { revs: [rev(3)], total: 2 })
    assert.deepEqual(ti.revisions(k('key2'), k('key5'), 10, 1), { revs: [rev(3)], total: 3 })
    // A single key ignores the limit, like etcd.
    assert.deepEqual(ti.revisions(k('key0'), undefined, atRev, 1), { revs: [rev(12)], total: 1 })
    assert.deepEqual(ti.revisions(k('key3'), undefined, atRev, 1), { revs: [], total: 0 })
    assert.deepEqual(ti.revisions(k('key3'), undefined, 10, 1), { revs: [rev(4)], total: 1 })
  })

  it('lists revisions since a revision across keys, sorted (etcd TestIndexRangeSince)', () => {
    const ti = new TreeIndex()
    const keys = ['foo', 'foo1', 'foo2', 'foo2', 'foo1', 'foo']
    const revs = [rev(1), rev(2), rev(3), rev(4), rev(5), rev(6)]
    keys.forEach((key, i) => {
      ti.put(k(key), revs[i] as Revision)
    })
    const cases: [string, string | undefined, Revision[]][] = [
      ['bar', undefined, []],
      ['foo', undefined, [rev(1), rev(6)]],
      ['foo', 'foo1', [rev(1), rev(6)]],
      ['foo', 'foo2', [rev(1), rev(2), rev(5), rev(6)]],
      ['foo', 'fop', revs],
      ['foo1', 'fop', [rev(2), rev(3), rev(4), rev(5)]],
      ['foo2', 'fop', [rev(3), rev(4)]],
      ['foo3', 'fop', []],
      ['foo1', '', [rev(2), rev(3), rev(4), rev(5)]],
      ['', '', revs],
    ]
    for (const [key, end, want] of cases) {
      assert.deepEqual(ti.rangeSince(k(key), end === undefined ? undefined : k(end), 1), want, `${key}..${end}`)
    }
    assert.deepEqual(ti.rangeSince(k('foo'), ALL, 4), [rev(4), rev(5), rev(6)])
    // Tombstones are events too.
    ti.tombstone(k('foo1'), rev(7))
    assert.deepEqual(ti.rangeSince(k('foo1'), undefined, 6), [rev(7)])
    // Changes of several keys in one transaction: all of them, ordered by sub.
    ti.put(k('foo2'), rev(8, 1))
    ti.put(k('foo'), rev(8, 2))
    ti.put(k('foo1'), rev(8, 0))
    assert.deepEqual(ti.rangeSince(k('foo'), ALL, 8), [rev(8, 0), rev(8, 1), rev(8, 2)])
  })

  it('ranges over a large index from the start key, in order', () => {
    const ti = new TreeIndex()
    const n = 5000
    const name = (i: number) => `key/${String(i).padStart(5, '0')}`
    for (let i = 0; i < n; i++) ti.put(k(name((i * 7919) % n)), rev(i + 1))
    assert.equal(ti.size, n)
    const { keys } = ti.range(k(name(1234)), k(name(1244)), n)
    assert.deepEqual(
      keys.map(text),
      Array.from({ length: 10 }, (_, i) => name(1234 + i)),
    )
    assert.equal(ti.countRevisions(k(name(4990)), ALL, n), 10)
    const { revs, total } = ti.revisions(k('key/'), ALL, n, 3)
    assert.equal(total, n)
    assert.equal(revs.length, 3)
  })
})

describe('TreeIndex compact and keep', () => {
  // etcd TestIndexCompactAndKeep's history.
  // [key, tombstone, revision]
  const history: [string, boolean, number][] = [
    ['foo', false, 1],
    ['foo', false, 2],
    ['foo1', false, 3],
    ['foo1', false, 4],
    ['foo2', false, 5],
    ['foo2', false, 6],
    ['foo1', true, 7],
    ['foo1', false, 8],
    ['foo1', false, 9],
    ['foo', true, 10],
    ['foo', false, 11],
    ['foo', true, 12],
    ['foo', false, 13],
    ['foo1', true, 14],
    ['foo2', true, 15],
  ]
  function index(): TreeIndex {
    const ti = new TreeIndex()
    for (const [key, tombstone, main] of history) {
      if (tombstone) ti.tombstone(k(key), rev(main))
      else ti.put(k(key), rev(main))
    }
    return ti
  }
  // [atRev, available, keep, keys left]
  const cases: [number, string[], string[], number][] = [
    [1, ['1'], ['1'], 3],
    [2, ['2'], ['2'], 3],
    [4, ['2', '4'], ['2', '4'], 3],
    [6, ['2', '4', '6'], ['2', '4', '6'], 3],
    [7, ['2', '6', '7'], ['2', '6'], 3],
    [8, ['2', '6', '8'], ['2', '6', '8'], 3],
    [10, ['6', '9', '10'], ['6', '9'], 3],
    [11, ['6', '9', '11'], ['6', '9', '11'], 3],
    [12, ['6', '9', '12'], ['6', '9'], 3],
    [13, ['6', '9', '13'], ['6', '9', '13'], 3],
    [14, ['6', '13', '14'], ['6', '13'], 3],
    [15, ['13', '15'], ['13'], 2],
    [16, ['13'], ['13'], 1],
    [20, ['13'], ['13'], 1],
  ]

  it('compacts at each revision: available keeps a tombstone at the revision, keep does not', () => {
    for (const [atRev, available, keep, left] of cases) {
      const ti = index()
      assert.deepEqual(described(ti.keep(atRev)), keep, `keep(${atRev})`)
      assert.equal(ti.size, 3, 'keep changes nothing')
      assert.deepEqual(described(ti.compact(atRev)), available, `compact(${atRev})`)
      assert.equal(ti.size, left, `keys left after compact(${atRev})`)
    }
  })

  it('compacts continuously to the same sets and reads (etcd TestIndexCompactAndKeep)', () => {
    const ti = index()
    const reference = index()
    for (const [atRev, available, keep, left] of cases) {
      assert.deepEqual(described(ti.keep(atRev)), keep, `keep(${atRev})`)
      assert.deepEqual(described(ti.compact(atRev)), available, `compact(${atRev})`)
      assert.equal(ti.size, left)
      for (let at = atRev; at <= 16; at++) {
        for (const key of ['foo', 'foo1', 'foo2']) {
          assert.deepEqual(ti.get(k(key), at), reference.get(k(key), at), `get(${key}, ${at}) after compact(${atRev})`)
        }
        assert.deepEqual(ti.rangeSince(k(''), ALL, at), reference.rangeSince(k(''), ALL, at))
      }
    }
  })

  it('removes deleted keys once compacted past their tombstone; puts recreate them', () => {
    const ti = new TreeIndex()
    ti.put(k('a'), rev(1))
    ti.tombstone(k('a'), rev(2))
    ti.put(k('b'), rev(3))
    assert.equal(ti.compact(0).size, 0)
    assert.equal(ti.size, 2)
    assert.deepEqual(described(ti.compact(2)), ['2'])
    assert.equal(ti.size, 2)
    assert.deepEqual(described(ti.compact(3)), ['3'])
    assert.equal(ti.size, 1)
    assert.equal(ti.has(k('a')), false)
    assert.throws(() => ti.tombstone(k('a'), rev(4)), isRevisionNotFound)
    ti.put(k('a'), rev(5))
    assert.deepEqual(ti.get(k('a'), 5), { modified: rev(5), created: rev(5), version: 1 })
    assert.equal(new TreeIndex().compact(5).size, 0)
    assert.equal(new TreeIndex().keep(5).size, 0)
  })
})

describe('TreeIndex restore (boot)', () => {
  it('rebuilds from bucket `key` in revision order: first sight from the stored KeyValue, then puts and deletes', () => {
    // Bucket `key` after compaction at 4 of: foo put 1, put 2, delete 3, put 5; bar put 2 (ver 1),
    // put 4, delete 6; baz put 1, delete 4 (compacted to the tombstone).
    const ti = new TreeIndex()
    ti.restore(k('bar'), rev(2), rev(4), 2)
    ti.restoreTombstone(k('baz'), rev(4, 1))
    ti.restore(k('foo'), rev(5), rev(5), 1)
    assert.equal(ti.restoreTombstone(k('bar'), rev(6)), true)
    ti.restore(k('foo'), rev(1), rev(7), 99) // a later revision of a known key is a plain put
    assert.equal(ti.size, 3)
    assert.deepEqual(ti.get(k('bar'), 5), { modified: rev(4), created: rev(2), version: 2 })
    assert.equal(ti.get(k('bar'), 6), undefined)
    assert.equal(ti.get(k('baz'), 4), undefined)
    assert.deepEqual(ti.rangeSince(k('baz'), undefined, 4), [rev(4, 1)])
    assert.deepEqual(ti.get(k('foo'), 7), { modified: rev(7), created: rev(5), version: 2 })
    // A tombstone of a key that is not live changes nothing (etcd logs a warning and goes on).
    assert.equal(ti.restoreTombstone(k('bar'), rev(8)), false)
    assert.deepEqual(ti.rangeSince(k('bar'), undefined, 0), [rev(4), rev(6)])
    assert.throws(() => ti.restore(k('foo'), rev(1), rev(7), 1), MvccInvariantError)
  })
})

// ---------------------------------------------------------------------------------------------
// Property test: TreeIndex against a naive model, a map from key to its list of events.

interface Event {
  readonly rev: Revision
  readonly tombstone: boolean
}
type Model = Map<string, { key: Uint8Array; events: Event[] }>

const UNIVERSE = [[], [0x61], [0x61, 0x00], [0x61, 0x62], [0x62], [0xff]].map((b) => new Uint8Array(b))
const hexOf = (key: Uint8Array) => Buffer.from(key).toString('hex')

function lastAtOrBelow(events: readonly Event[], atRev: number): number {
  let last = -1
  for (let i = 0; i < events.length; i++) if ((events[i] as Event).rev.main <= atRev) last = i
  return last
}

function modelGet(events: readonly Event[], atRev: number): KeyIndexGet | undefined {
  const last = lastAtOrBelow(events, atRev)
  const event = events[last]
  if (event === undefined || event.tombstone) return undefined
  let first = last
  while (first > 0 && !(events[first - 1] as Event).tombstone) first--
  return { modified: event.rev, created: (events[first] as Event).rev, version: last - first + 1 }
}

function modelSince(events: readonly Event[], rev: number): Revision[] {
  const out: Revision[] = []
  for (const { rev: r } of events) {
    if (r.main < rev) continue
    if (out.length > 0 && (out[out.length - 1] as Revision).main === r.main) out[out.length - 1] = r
    else out.push(r)
  }
  return out
}

/** The model's keys in the range, in bytewise order. */
function modelKeys(model: Model, key: Uint8Array, end: Uint8Array | undefined): { key: Uint8Array; events: Event[] }[] {
  return [...model.values()]
    .filter(({ key: candidate }) => {
      if (end === undefined) return compareBytes(candidate, key) === 0
      if (compareBytes(candidate, key) < 0) return false
      return end.length === 0 || compareBytes(candidate, end) < 0
    })
    .sort((a, b) => compareBytes(a.key, b.key))
}

function modelRange(model: Model, key: Uint8Array, end: Uint8Array | undefined, atRev: number) {
  const keys: string[] = []
  const revs: Revision[] = []
  for (const entry of modelKeys(model, key, end)) {
    const got = modelGet(entry.events, atRev)
    if (got === undefined) continue
    keys.push(hexOf(entry.key))
    revs.push(got.modified)
  }
  return { keys, revs }
}

function modelAvailable(model: Model, atRev: number, keep: boolean): string[] {
  const out: Revision[] = []
  for (const { events } of model.values()) {
    const event = events[lastAtOrBelow(events, atRev)]
    if (event === undefined) continue
    if (event.tombstone && (event.rev.main < atRev || keep)) continue
    out.push(event.rev)
  }
  return out.sort(compareRevisions).map(describeRevision)
}

/** Whether the key's history survives compaction at atRev: not when deleted below atRev. */
function survives(events: readonly Event[], atRev: number): boolean {
  const last = events[events.length - 1] as Event
  return !(last.tombstone && last.rev.main < atRev)
}

const BOUNDS: (Uint8Array | undefined)[] = [undefined, ALL, ...UNIVERSE.slice(1), new Uint8Array([0x61, 0x63])]

function checkReads(ti: TreeIndex, model: Model, fromRev: number, toRev: number): void {
  for (let atRev = fromRev; atRev <= toRev; atRev++) {
    for (const key of UNIVERSE) {
      const entry = model.get(hexOf(key))
      assert.deepEqual(ti.get(key, atRev), entry && modelGet(entry.events, atRev), `get(${hexOf(key)}, ${atRev})`)
      for (const end of BOUNDS) {
        const label = `(${hexOf(key)}, ${end && hexOf(end)}, ${atRev})`
        const want = modelRange(model, key, end, atRev)
        const got = ti.range(key, end, atRev)
        assert.deepEqual({ keys: got.keys.map(hexOf), revs: got.revs }, want, `range${label}`)
        assert.equal(ti.countRevisions(key, end, atRev), want.keys.length, `countRevisions${label}`)
        const limit = atRev % 3
        const wantRevs = end === undefined || limit === 0 ? want.revs : want.revs.slice(0, limit)
        assert.deepEqual(ti.revisions(key, end, atRev, limit), { revs: wantRevs, total: want.keys.length })
        const since = modelKeys(model, key, end)
          .flatMap(({ events }) => modelSince(events, atRev))
          .sort(compareRevisions)
        assert.deepEqual(ti.rangeSince(key, end, atRev), since, `rangeSince${label}`)
      }
    }
  }
}

describe('TreeIndex against a naive model', () => {
  const operation = fc.record({
    key: fc.nat({ max: UNIVERSE.length - 1 }),
    step: fc.integer({ min: 0, max: 2 }),
    tombstone: fc.boolean(),
  })

  it('answers every read like the model, before and after compaction', () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 25 }), fc.nat({ max: 100 }), (operations, seed) => {
        const ti = new TreeIndex()
        const model: Model = new Map()
        let main = 1
        let sub = 0
        for (const [i, { key: which, step, tombstone }] of operations.entries()) {
          if (i > 0) {
            if (step === 0) sub++
            else {
              main += step
              sub = 0
            }
          }
          const key = UNIVERSE[which] as Uint8Array
          const r = rev(main, sub)
          const entry = model.get(hexOf(key))
          const live = entry !== undefined && !(entry.events[entry.events.length - 1] as Event).tombstone
          if (tombstone && !live) {
            assert.throws(() => ti.tombstone(key, r), isRevisionNotFound)
            continue
          }
          if (tombstone) ti.tombstone(key, r)
          else ti.put(key, r)
          if (entry === undefined) model.set(hexOf(key), { key, events: [{ rev: r, tombstone }] })
          else entry.events.push({ rev: r, tombstone })
        }
        assert.equal(ti.size, model.size)
        checkReads(ti, model, 0, main + 1)

        const atRev = seed % (main + 2)
        assert.deepEqual(described(ti.keep(atRev)), modelAvailable(model, atRev, true), `keep(${atRev})`)
        assert.deepEqual(described(ti.compact(atRev)), modelAvailable(model, atRev, false), `compact(${atRev})`)
        for (const [name, { events }] of model) if (!survives(events, atRev)) model.delete(name)
        assert.equal(ti.size, model.size, `keys left after compact(${atRev})`)
        checkReads(ti, model, atRev, main + 1)
      }),
      { numRuns: 150 },
    )
  })
})
