import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { RangeEnd } from '../src/kv-types.js'
import { WatcherGroup } from '../src/watcher-group.js'
import { ALL, inRange, t } from './helpers/watch-harness.js'

interface TestWatcher {
  readonly name: string
  readonly key: Uint8Array
  readonly end: RangeEnd
  readonly keyText: string
}

const w = (name: string, key: string, end?: string): TestWatcher => ({
  name,
  key: t(key),
  end: end === undefined ? undefined : end === '' ? ALL : t(end),
  keyText: key,
})

function watchersOf(group: WatcherGroup<TestWatcher>, key: string): string[] {
  const out: string[] = []
  group.visitWatchersOf(t(key), (watcher) => out.push(watcher.name))
  return out.sort()
}

describe('WatcherGroup', () => {
  it('finds single-key, range and open-ended watchers of a key', () => {
    const group = new WatcherGroup<TestWatcher>()
    const watchers = [
      w('a1', 'a'),
      w('a2', 'a'),
      w('ab', 'a', 'c'),
      w('ab2', 'a', 'c'),
      w('b+', 'b', ''),
      w('all', '\0', ''),
    ]
    for (const watcher of watchers) group.add(watcher)
    group.add(watchers[0] as TestWatcher) // twice: no-op
    assert.equal(group.size, 6)
    assert.deepEqual(watchersOf(group, 'a'), ['a1', 'a2', 'ab', 'ab2', 'all'])
    assert.deepEqual(watchersOf(group, 'b'), ['ab', 'ab2', 'all', 'b+'])
    assert.deepEqual(watchersOf(group, 'zzzz'), ['all', 'b+'])
    assert.deepEqual(watchersOf(group, ''), [])
    assert.equal(group.delete(watchers[2] as TestWatcher), true)
    assert.equal(group.delete(watchers[2] as TestWatcher), false)
    assert.deepEqual(watchersOf(group, 'b'), ['ab2', 'all', 'b+'])
    group.delete(watchers[3] as TestWatcher)
    group.delete(watchers[0] as TestWatcher)
    assert.deepEqual(watchersOf(group, 'a'), ['a2', 'all'])
    assert.deepEqual(
      [...group].map((x) => x.name),
      ['a2', 'b+', 'all'],
    )
    assert.ok(group.has(watchers[1] as TestWatcher))
    assert.ok(!group.has(watchers[0] as TestWatcher))
  })

  it('agrees with a naive scan (property)', () => {
    const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 3 })
    const spec = fc.oneof(
      key.map((k) => ({ key: k, end: undefined as string | undefined })),
      fc.tuple(key, key).map(([a, b]) => (a < b ? { key: a, end: b } : { key: b, end: `${a}a` })),
      key.map((k) => ({ key: k, end: '' })),
    )
    fc.assert(
      fc.property(
        fc.array(fc.tuple(spec, fc.boolean()), { maxLength: 40 }),
        fc.array(key, { maxLength: 10 }),
        (ops, probes) => {
          const group = new WatcherGroup<TestWatcher>()
          const naive: TestWatcher[] = []
          ops.forEach(([sp, remove], i) => {
            const watcher = w(`w${i}`, sp.key, sp.end)
            group.add(watcher)
            naive.push(watcher)
            if (remove && i % 2 === 0) {
              const victim = naive.splice(Math.floor(naive.length / 2), 1)[0] as TestWatcher
              group.delete(victim)
            }
          })
          assert.equal(group.size, naive.length)
          for (const probe of probes) {
            const want = naive
              .filter((x) => inRange(probe, x.keyText, x.end))
              .map((x) => x.name)
              .sort()
            assert.deepEqual(watchersOf(group, probe), want)
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
