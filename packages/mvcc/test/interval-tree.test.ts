import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compareBytes } from '@etcd-ts/backend'
import fc from 'fast-check'
import { compareIntervalEnds, type Interval, IntervalTree, intervalsOverlap } from '../src/interval-tree.js'

const t = (text: string): Uint8Array => new TextEncoder().encode(text)
const s = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
const iv = (begin: string, end: string): Interval => ({ begin: t(begin), end: t(end) })
const show = (i: Interval) => `[${s(i.begin)},${i.end.length === 0 ? '∞' : s(i.end)})`

function overlapping(tree: IntervalTree<number>, query: Interval): string[] {
  const out: string[] = []
  tree.visitOverlapping(query, (interval) => {
    out.push(show(interval))
  })
  return out
}

function containing(tree: IntervalTree<number>, key: string): string[] {
  const out: string[] = []
  tree.visitContaining(t(key), (interval) => {
    out.push(show(interval))
  })
  return out
}

describe('IntervalTree', () => {
  it('compares ends with the empty end as +∞', () => {
    assert.equal(compareIntervalEnds(t(''), t('')), 0)
    assert.ok(compareIntervalEnds(t(''), t('\xff\xff')) > 0)
    assert.ok(compareIntervalEnds(t('a'), t('')) < 0)
    assert.ok(compareIntervalEnds(t('a'), t('b')) < 0)
    assert.ok(intervalsOverlap(iv('a', ''), iv('zzz', 'zzzz')))
    assert.ok(!intervalsOverlap(iv('a', 'b'), iv('b', '')))
    assert.ok(intervalsOverlap(iv('a', 'b'), { begin: t('a'), end: t('a\0') }))
  })

  it('stores, replaces and deletes exact intervals', () => {
    const tree = new IntervalTree<number>()
    tree.set(iv('a', 'c'), 1)
    tree.set(iv('a', ''), 2)
    tree.set(iv('a', 'c'), 3)
    assert.equal(tree.size, 2)
    assert.equal(tree.get(iv('a', 'c')), 3)
    assert.equal(tree.get(iv('a', '')), 2)
    assert.equal(tree.get(iv('a', 'b')), undefined)
    assert.equal(tree.delete(iv('a', 'b')), false)
    assert.equal(tree.delete(iv('a', 'c')), true)
    assert.equal(tree.size, 1)
    assert.deepEqual(
      [...tree.entries()].map(([i, v]) => [show(i), v]),
      [['[a,∞)', 2]],
    )
  })

  it('refuses empty intervals', () => {
    const tree = new IntervalTree<number>()
    assert.throws(() => tree.set(iv('b', 'a'), 1), RangeError)
    assert.throws(() => tree.set(iv('b', 'b'), 1), RangeError)
    tree.set(iv('', ''), 1) // the whole key space
    assert.deepEqual(containing(tree, ''), ['[,∞)'])
  })

  it('finds intervals containing a key and overlapping a range, +∞ ends included', () => {
    const tree = new IntervalTree<number>()
    for (const [b, e] of [
      ['a', 'c'],
      ['b', 'd'],
      ['c', ''],
      ['x', 'y'],
      ['foo', 'fop'],
      ['', 'a'],
    ] as const) {
      tree.set(iv(b, e), 0)
    }
    assert.deepEqual(containing(tree, 'a'), ['[a,c)'])
    assert.deepEqual(containing(tree, 'b'), ['[a,c)', '[b,d)'])
    assert.deepEqual(containing(tree, 'c'), ['[b,d)', '[c,∞)'])
    assert.deepEqual(containing(tree, 'foo'), ['[c,∞)', '[foo,fop)'])
    assert.deepEqual(containing(tree, 'zzz'), ['[c,∞)'])
    assert.deepEqual(containing(tree, '\0'), ['[,a)'])
    assert.deepEqual(overlapping(tree, iv('d', 'x')), ['[c,∞)', '[foo,fop)'])
    assert.deepEqual(overlapping(tree, iv('y', '')), ['[c,∞)'])
    assert.deepEqual(overlapping(tree, iv('', '')).length, 6)
    assert.ok(tree.intersects(iv('fo', 'foo\0')))
    tree.delete(iv('c', ''))
    assert.ok(!tree.intersects(iv('y', '')))
    assert.deepEqual(containing(tree, 'zzz'), [])
  })

  it('stops a visit when the visitor returns false', () => {
    const tree = new IntervalTree<number>()
    for (let i = 0; i < 20; i++) tree.set(iv(String.fromCharCode(97 + i), ''), i)
    let seen = 0
    tree.visitContaining(t('z'), () => {
      seen++
      return seen < 3
    })
    assert.equal(seen, 3)
  })

  it('agrees with a naive list under random inserts, deletes and queries (property)', () => {
    // Keys over a tiny alphabet so that intervals collide, nest and share bounds.
    const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\0'), maxLength: 3 })
    const interval = fc
      .tuple(key, key, fc.boolean())
      .filter(([b, e, inf]) => inf || compareBytes(t(b), t(e)) < 0)
      .map(([b, e, inf]) => iv(b, inf ? '' : e))
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), interval, value: fc.nat(100) }),
      fc.record({ kind: fc.constant('delete' as const), interval }),
      fc.record({ kind: fc.constant('contain' as const), key }),
      fc.record({ kind: fc.constant('overlap' as const), interval }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const tree = new IntervalTree<number>()
        const naive = new Map<string, { interval: Interval; value: number }>()
        const id = (i: Interval) => `${s(i.begin)}|${i.end.length === 0 ? '∞' : s(i.end)}`
        const sorted = (list: string[]) => [...list].sort()
        for (const o of ops) {
          switch (o.kind) {
            case 'set':
              tree.set(o.interval, o.value)
              naive.set(id(o.interval), { interval: o.interval, value: o.value })
              break
            case 'delete':
              assert.equal(tree.delete(o.interval), naive.delete(id(o.interval)))
              break
            case 'contain': {
              // etcd's point query: [k, k + "\0").
              const point = iv(o.key, `${o.key}\0`)
              const want = [...naive.values()]
                .filter(({ interval: i }) => intervalsOverlap(i, point))
                .map(({ interval: i }) => show(i))
              assert.deepEqual(sorted(containing(tree, o.key)), sorted(want))
              break
            }
            case 'overlap': {
              const want = [...naive.values()]
                .filter(({ interval: i }) => intervalsOverlap(i, o.interval))
                .map(({ interval: i }) => show(i))
              assert.deepEqual(sorted(overlapping(tree, o.interval)), sorted(want))
              assert.equal(tree.intersects(o.interval), want.length > 0)
              break
            }
          }
          assert.equal(tree.size, naive.size)
        }
        // In order, with the values last set.
        const entries = [...tree.entries()]
        for (let i = 1; i < entries.length; i++) {
          const [a] = entries[i - 1] as [Interval, number]
          const [b] = entries[i] as [Interval, number]
          const c = compareBytes(a.begin, b.begin) || compareIntervalEnds(a.end, b.end)
          assert.ok(c < 0)
        }
        for (const [i, v] of entries) assert.equal(v, naive.get(id(i))?.value)
      }),
      { numRuns: 300 },
    )
  })

  it('stays balanced: 10 000 sequential inserts and deletes', () => {
    const tree = new IntervalTree<number>()
    const key = (i: number) => t(i.toString().padStart(6, '0'))
    for (let i = 0; i < 10_000; i++) tree.set({ begin: key(i), end: key(i + 5) }, i)
    let n = 0
    tree.visitContaining(key(5000), () => {
      n++
    })
    assert.equal(n, 5)
    for (let i = 0; i < 10_000; i += 2) tree.delete({ begin: key(i), end: key(i + 5) })
    assert.equal(tree.size, 5000)
    n = 0
    tree.visitContaining(key(5000), () => {
      n++
    })
    assert.equal(n, 2)
  })
})
