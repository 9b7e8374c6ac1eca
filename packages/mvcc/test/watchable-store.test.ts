import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import fc from 'fast-check'
import type { RangeEnd } from '../src/kv-types.js'
import { KVStore } from '../src/kvstore.js'
import type { WatchStream } from '../src/watch-stream.js'
import {
  AUTO_WATCH_ID,
  EventType,
  filterNoDelete,
  filterNoPut,
  type WatchFilter,
  type WatchId,
} from '../src/watch-types.js'
import { WatchableStore } from '../src/watchable-store.js'
import { ManualClock } from './helpers/manual-clock.js'
import {
  ALL,
  describeEvents,
  type Harness,
  History,
  openHarness,
  StreamChecker,
  t,
  takeBuffered,
  tick,
  type WatchSpec,
} from './helpers/watch-harness.js'

/** Reads everything buffered in the streams through their checkers; returns how many responses. */
async function drain(streams: readonly { stream: WatchStream; checker: StreamChecker }[]): Promise<number> {
  let n = 0
  for (const { stream, checker } of streams) {
    for (const response of await takeBuffered(stream)) {
      checker.check(response)
      n++
    }
  }
  return n
}

/** Reads and advances time until no watcher is behind and nothing is buffered. */
async function quiesce(h: Harness, streams: readonly { stream: WatchStream; checker: StreamChecker }[]): Promise<void> {
  for (let round = 0; round < 10_000; round++) {
    await drain(streams)
    const { unsynced, victims } = h.store.groupSizes
    if (unsynced === 0 && victims === 0 && streams.every(({ stream }) => stream.pending === 0)) return
    await tick(h, victims > 0 ? 10 : 100)
  }
  assert.fail('the watchers never caught up')
}

function watchOn(
  entry: { stream: WatchStream; checker: StreamChecker },
  h: Harness,
  key: string,
  end: RangeEnd,
  startRev: number,
  filters: { noPut?: boolean; noDelete?: boolean } = {},
): WatchId {
  const list: WatchFilter[] = []
  if (filters.noPut === true) list.push(filterNoPut)
  if (filters.noDelete === true) list.push(filterNoDelete)
  const fromRev = startRev === 0 ? h.kv.rev() + 1 : startRev
  const id = entry.stream.watch(AUTO_WATCH_ID, t(key), end, startRev, list)
  const spec: WatchSpec = { key, end, fromRev, ...filters }
  entry.checker.add(id, spec)
  return id
}

describe('WatchableStore: live events', () => {
  it('sends each synced watcher one response per revision with all its events of the txn', async () => {
    const h = await openHarness()
    const { kv, store } = h
    const stream = store.newWatchStream()
    const single = stream.watch(AUTO_WATCH_ID, t('b'), undefined, 0)
    const range = stream.watch(AUTO_WATCH_ID, t('a'), t('c'), 0)
    const open = stream.watch(AUTO_WATCH_ID, t('b'), ALL, 0)
    const txn = kv.write()
    txn.put(t('c'), t('1'))
    txn.put(t('b'), t('1'))
    txn.put(t('a'), t('1'))
    txn.end() // rev 2
    kv.put(t('zz'), t('2')) // rev 3
    kv.put(t('0'), t('0')) // rev 4: nobody watches it
    const responses = await takeBuffered(stream)
    // Within a revision, watchers come in the order their first event was matched.
    const byWatcher = (a: { watchId: bigint; revision: number }, b: { watchId: bigint; revision: number }) =>
      a.revision - b.revision || Number(a.watchId - b.watchId)
    assert.deepEqual(
      [...responses].sort(byWatcher).map((r) => [r.watchId, r.revision, r.compactRevision, describeEvents(r.events)]),
      [
        [single, 2, 0, ['PUT b=1@2']],
        [range, 2, 0, ['PUT b=1@2', 'PUT a=1@2']],
        [open, 2, 0, ['PUT c=1@2', 'PUT b=1@2']],
        [open, 3, 0, ['PUT zz=2@3']],
      ],
    )
    const event = responses.find((r) => r.watchId === single)?.events[0]
    assert.deepEqual(event?.kv, {
      key: t('b'),
      value: t('1'),
      createRevision: 2,
      modRevision: 2,
      version: 1,
      lease: 0n,
    })
    assert.equal(event?.prevKv, undefined)
    await store.close()
  })

  it('sends DELETE events with only the key and the revision set', async () => {
    const { kv, store } = await openHarness()
    const stream = store.newWatchStream()
    stream.watch(AUTO_WATCH_ID, t('a'), ALL, 0)
    kv.put(t('a'), t('1'))
    kv.put(t('b'), t('1'))
    kv.deleteRange(t('a'), ALL) // rev 4
    const responses = await takeBuffered(stream)
    const last = responses[2]
    assert.equal(last?.revision, 4)
    assert.deepEqual(
      last?.events.map((e) => e.type),
      [EventType.DELETE, EventType.DELETE],
    )
    assert.deepEqual(last?.events[0]?.kv, {
      key: t('a'),
      value: new Uint8Array(0),
      createRevision: 0,
      modRevision: 4,
      version: 0,
      lease: 0n,
    })
    assert.deepEqual(describeEvents(last?.events ?? []), ['DELETE a@4', 'DELETE b@4'])
    await store.close()
  })

  it('applies filters, and sends nothing when a batch is filtered away entirely', async () => {
    const h = await openHarness()
    const { kv, store } = h
    const stream = store.newWatchStream()
    const noPut = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0, [filterNoPut])
    const noDelete = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0, [filterNoDelete])
    kv.put(t('a'), t('1'))
    kv.deleteRange(t('a'), undefined)
    const pastNoPut = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 2, [filterNoPut])
    await tick(h, 100)
    const responses = await takeBuffered(stream)
    assert.deepEqual(
      responses.map((r) => [r.watchId, describeEvents(r.events)]),
      [
        [noDelete, ['PUT a=1@2']],
        [noPut, ['DELETE a@3']],
        [pastNoPut, ['DELETE a@3']],
      ],
    )
    await store.close()
  })

  it('starts a future watcher at its start revision, synced', async () => {
    const h = await openHarness()
    const { kv, store } = h
    const stream = store.newWatchStream()
    const id = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 4)
    assert.deepEqual(store.groupSizes, { synced: 1, unsynced: 0, victims: 0 })
    kv.put(t('a'), t('2')) // 2
    kv.put(t('a'), t('3')) // 3
    kv.put(t('a'), t('4')) // 4
    kv.put(t('a'), t('5')) // 5
    await tick(h, 100)
    const responses = await takeBuffered(stream)
    assert.deepEqual(
      responses.map((r) => [r.watchId, r.revision, describeEvents(r.events)]),
      [
        [id, 4, ['PUT a=4@4']],
        [id, 5, ['PUT a=5@5']],
      ],
    )
    await store.close()
  })
})

describe('WatchableStore: catching up', () => {
  it('replays history from startRev in responses of several revisions, then goes live', async () => {
    const h = await openHarness()
    const { kv, store } = h
    for (let i = 0; i < 5; i++) kv.put(t('a'), t(`${i}`)) // revs 2..6
    kv.put(t('b'), t('x')) // 7
    kv.deleteRange(t('a'), undefined) // 8
    const stream = store.newWatchStream()
    const id = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 3)
    assert.deepEqual(store.groupSizes, { synced: 0, unsynced: 1, victims: 0 })
    await tick(h, 99)
    assert.equal(stream.pending, 0, 'the loop runs every 100 ms')
    await tick(h, 1)
    assert.deepEqual(store.groupSizes, { synced: 1, unsynced: 0, victims: 0 })
    kv.put(t('a'), t('new')) // 9
    const responses = await takeBuffered(stream)
    assert.deepEqual(
      responses.map((r) => [r.watchId, r.revision, describeEvents(r.events)]),
      [
        [id, 8, ['PUT a=1@3', 'PUT a=2@4', 'PUT a=3@5', 'PUT a=4@6', 'DELETE a@8']],
        [id, 9, ['PUT a=new@9']],
      ],
    )
    await store.close()
  })

  it('cuts catch-up responses at maxRevisionsPerResponse revisions and never splits a revision', async () => {
    const h = await openHarness({ maxRevisionsPerResponse: 3, syncReadLimit: 9 })
    const { kv, store } = h
    const history = new History(kv)
    for (let i = 0; i < 10; i++) history.put(['a', `${i}`], ['b', `${i}`]) // 2 keys per revision
    const big = Array.from({ length: 12 }, (_, i): [string, string] => [`c${i}`, 'big']) // above the read limit
    history.put(...big)
    history.put(['a', 'last'])
    const stream = store.newWatchStream()
    const checker = new StreamChecker(history, 3)
    const entry = { stream, checker }
    const all = watchOn(entry, h, 'a', ALL, 1)
    const onlyC = watchOn(entry, h, 'c', t('d'), 2)
    const sizes: number[] = []
    for (let i = 0; i < 20 && store.groupSizes.unsynced > 0; i++) {
      await tick(h, 100)
      for (const response of await takeBuffered(stream)) {
        checker.check(response) // at most 3 revisions, revisions whole, nothing lost or repeated
        if (response.watchId === all) sizes.push(new Set(response.events.map((e) => e.kv.modRevision)).size)
      }
    }
    checker.assertComplete()
    assert.ok(sizes.includes(3), `responses of 3 revisions: ${sizes}`)
    assert.equal(checker.received(onlyC), 12)
    assert.equal(checker.received(all), 10 * 2 + 12 + 1)
    await store.close()
  })

  it('sends a victim back to catch up when revisions were written since it fell behind', async () => {
    const h = await openHarness({ streamBufferLength: 1 })
    const { kv, store } = h
    const stream = store.newWatchStream()
    const id = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0)
    kv.put(t('a'), t('1')) // 2: buffered
    kv.put(t('a'), t('2')) // 3: the victim holds it
    kv.put(t('a'), t('3')) // 4: the victim misses it
    assert.deepEqual(store.groupSizes, { synced: 0, unsynced: 0, victims: 1 })
    const seen: string[] = []
    const take = async () => {
      for (const r of await takeBuffered(stream)) seen.push(`${r.watchId}@${r.revision}: ${describeEvents(r.events)}`)
    }
    await take()
    await tick(h, 10)
    assert.deepEqual(store.groupSizes, { synced: 0, unsynced: 1, victims: 0 })
    await take()
    await tick(h, 100)
    await take()
    assert.deepEqual(seen, [`${id}@2: PUT a=1@2`, `${id}@3: PUT a=2@3`, `${id}@4: PUT a=3@4`])
    assert.deepEqual(store.groupSizes, { synced: 1, unsynced: 0, victims: 0 })
    await store.close()
  })

  it('moves a watcher to synced only once it saw the revision current after its read', async () => {
    const h = await openHarness()
    const { kv, store } = h
    const history = new History(kv)
    history.put(['a', '1'])
    const stream = store.newWatchStream()
    const checker = new StreamChecker(history)
    watchOn({ stream, checker }, h, 'a', undefined, 2)
    h.clock.advance(100) // the pass starts and awaits its backend read
    history.put(['a', '2']) // written while the pass reads
    history.put(['a', '3'])
    await store.settle()
    assert.deepEqual(store.groupSizes, { synced: 0, unsynced: 1, victims: 0 }, 'still behind')
    await quiesce(h, [{ stream, checker }])
    checker.assertComplete()
    assert.deepEqual(store.groupSizes, { synced: 1, unsynced: 0, victims: 0 })
    await store.close()
  })

  it('handles many unsynced watchers, maxWatchersPerSync at a time', async () => {
    const h = await openHarness({ maxWatchersPerSync: 7 })
    const { kv, store } = h
    const history = new History(kv)
    for (let i = 0; i < 30; i++) history.put([`k${i % 5}`, `${i}`])
    const stream = store.newWatchStream()
    const checker = new StreamChecker(history)
    for (let i = 0; i < 40; i++) watchOn({ stream, checker }, h, `k${i % 5}`, undefined, 1 + (i % 30))
    await tick(h, 100)
    assert.equal(store.groupSizes.unsynced, 40 - 7)
    await quiesce(h, [{ stream, checker }])
    checker.assertComplete()
    await store.close()
  })
})

describe('WatchableStore: compaction', () => {
  it('answers a watch starting below the compacted revision with compactRevision, and removes it', async () => {
    const h = await openHarness()
    const { kv, store } = h
    for (let i = 0; i < 5; i++) kv.put(t('a'), t(`${i}`)) // 2..6
    kv.deleteRange(t('a'), undefined) // 7
    kv.put(t('b'), t('1')) // 8
    await kv.compact(7).done
    const stream = store.newWatchStream()
    const compacted = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 6)
    const atCompactRev = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 7)
    await tick(h, 100)
    const responses = await takeBuffered(stream)
    assert.deepEqual(
      responses.map((r) => [r.watchId, r.revision, r.compactRevision, describeEvents(r.events)]),
      [
        [compacted, 0, 7, []],
        // etcd #18089: the tombstone at the compaction revision is still delivered.
        [atCompactRev, 8, 0, ['DELETE a@7']],
      ],
    )
    assert.throws(() => stream.cancel(compacted), { name: 'WatcherNotExistError' })
    assert.deepEqual(store.groupSizes, { synced: 1, unsynced: 0, victims: 0 })
    await store.close()
  })

  it('cancels an unsynced watcher that falls behind a compaction', async () => {
    const h = await openHarness()
    const { kv, store } = h
    for (let i = 0; i < 5; i++) kv.put(t('a'), t(`${i}`)) // 2..6
    const stream = store.newWatchStream()
    const id = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 2)
    await kv.compact(4).done
    await tick(h, 100)
    const responses = await takeBuffered(stream)
    assert.deepEqual(
      responses.map((r) => [r.watchId, r.compactRevision]),
      [[id, 4]],
    )
    assert.deepEqual(store.groupSizes, { synced: 0, unsynced: 0, victims: 0 })
    await store.close()
  })

  it('cancels a victim that falls behind a compaction once its pending response is out', async () => {
    const h = await openHarness({ streamBufferLength: 1 })
    const { kv, store } = h
    const stream = store.newWatchStream()
    const id = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0)
    kv.put(t('a'), t('1')) // 2: buffered
    kv.put(t('a'), t('2')) // 3: victim holds it
    kv.put(t('a'), t('3')) // 4
    kv.put(t('a'), t('4')) // 5
    await kv.compact(5).done
    assert.deepEqual(store.groupSizes, { synced: 0, unsynced: 0, victims: 1 })
    const seen: [WatchId, number, string[]][] = []
    for (let i = 0; i < 5; i++) {
      for (const r of await takeBuffered(stream)) seen.push([r.watchId, r.compactRevision, describeEvents(r.events)])
      await tick(h, 10)
      await tick(h, 100)
    }
    assert.deepEqual(seen, [
      [id, 0, ['PUT a=1@2']],
      [id, 0, ['PUT a=2@3']],
      [id, 5, []],
    ])
    await store.close()
  })

  it('cancels rather than skip events when a compaction runs during the catch-up read', async () => {
    const clock = new ManualClock()
    const memory = new MemoryBackend({}, { clock })
    await memory.open()
    // Holds the next read of the watchable store until released; it then reads the live store.
    const gate: { armed: boolean; release?: () => void } = { armed: false }
    const backend = new Proxy(memory, {
      get(target, prop) {
        if (prop === 'readTx') {
          return () => {
            const tx = target.readTx()
            if (!gate.armed) return tx
            gate.armed = false
            return {
              unsafeGet: tx.unsafeGet.bind(tx),
              hasBucket: tx.hasBucket.bind(tx),
              unsafeForEach: tx.unsafeForEach.bind(tx),
              unsafeRange: async (...args: Parameters<typeof tx.unsafeRange>) => {
                await new Promise<void>((resolve) => {
                  gate.release = resolve
                })
                return tx.unsafeRange(...args)
              },
            }
          }
        }
        const value = Reflect.get(target, prop)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const kv = new KVStore(backend, {}, { clock })
    await kv.open()
    const store = new WatchableStore(kv, {}, { clock })
    const h: Harness = { clock, backend: memory, kv, store }
    const history = new History(kv)
    for (let i = 0; i < 5; i++) history.put(['a', `${i}`]) // 2..6
    const stream = store.newWatchStream()
    const checker = new StreamChecker(history)
    const id = watchOn({ stream, checker }, h, 'a', undefined, 2)
    gate.armed = true
    clock.advance(100) // the pass reads [2, 6], held at the gate
    assert.ok(gate.release !== undefined)
    await kv.compact(5).done // deletes revisions 2..4 under the pass
    gate.release()
    await store.settle()
    for (const response of await takeBuffered(stream)) checker.check(response)
    assert.equal(checker.compacted(id), 5)
    await store.close()
  })

  it('retries a compacted response that did not fit the buffer', async () => {
    const h = await openHarness({ streamBufferLength: 1 })
    const { kv, store } = h
    kv.put(t('a'), t('1'))
    kv.put(t('a'), t('2'))
    await kv.compact(3).done
    const stream = store.newWatchStream()
    const filler = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0)
    stream.requestProgress(filler) // fills the buffer
    const id = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 2)
    await tick(h, 100)
    assert.equal(store.groupSizes.unsynced, 1)
    const first = await takeBuffered(stream)
    assert.equal(first[0]?.watchId, filler)
    await tick(h, 100)
    const second = await takeBuffered(stream)
    assert.deepEqual(
      second.map((r) => [r.watchId, r.compactRevision]),
      [[id, 3]],
    )
    await store.close()
  })
})

describe('WatchableStore: slow consumers', () => {
  it('delivers every event exactly once, in order, to hundreds of watchers of unread streams', async () => {
    const h = await openHarness()
    const { kv, store } = h
    const history = new History(kv)
    const streams = Array.from({ length: 3 }, () => {
      const stream = store.newWatchStream()
      return { stream, checker: new StreamChecker(history) }
    })
    const keys = Array.from({ length: 40 }, (_, i) => `key${String(i).padStart(2, '0')}`)
    let w = 0
    const addWatchers = (n: number, past: boolean) => {
      for (let i = 0; i < n; i++, w++) {
        const entry = streams[w % streams.length] as (typeof streams)[number]
        const key = keys[w % keys.length] as string
        const startRev = past ? 1 + (w % kv.rev()) : 0
        switch (w % 4) {
          case 0:
            watchOn(entry, h, key, undefined, startRev)
            break
          case 1:
            watchOn(entry, h, key, t(keys[Math.min(keys.length - 1, (w % keys.length) + 5)] as string), startRev)
            break
          case 2:
            watchOn(entry, h, key, ALL, startRev, { noDelete: w % 8 === 2 })
            break
          default:
            watchOn(entry, h, key, undefined, startRev, { noPut: w % 8 === 3 })
        }
      }
    }
    addWatchers(200, false)
    let maxVictims = 0
    for (let i = 0; i < 3000; i++) {
      const r = i * 7919
      if (i % 10 === 9) history.delete(keys[r % keys.length] as string)
      else if (i % 25 === 0)
        history.put([keys[r % keys.length] as string, `t${i}`], [keys[(r + 1) % keys.length] as string, `u${i}`])
      else history.put([keys[r % keys.length] as string, `v${i}`])
      if (i === 1000) addWatchers(100, true) // catch-up watchers joining a store under load
      if (i % 100 === 0) await tick(h, 10) // victims retry, in vain: nobody reads
      if (i % 300 === 0) await tick(h, 100)
      maxVictims = Math.max(maxVictims, store.groupSizes.victims)
      for (const { stream } of streams) assert.ok(stream.pending <= 128, 'the buffer is bounded')
    }
    assert.ok(maxVictims > 100, `most watchers became victims (${maxVictims})`)
    await quiesce(h, streams)
    for (const { checker } of streams) checker.assertComplete()
    assert.deepEqual(store.groupSizes, { synced: 300, unsynced: 0, victims: 0 })
    await store.close()
  })
})

describe('WatchableStore: restore', () => {
  it('moves synced watchers to unsynced; they catch up with what the snapshot holds', async () => {
    const clock = new ManualClock()
    const leaderBackend = new MemoryBackend({}, { clock })
    await leaderBackend.open()
    const leader = new KVStore(leaderBackend, {}, { clock })
    await leader.open()
    const h = await openHarness()
    const history = new History(h.kv)
    const leaderHistory = new History(leader)
    for (let i = 0; i < 5; i++) {
      history.put(['a', `${i}`])
      leaderHistory.put(['a', `${i}`])
    }
    for (let i = 5; i < 12; i++) leaderHistory.put(['a', `${i}`], [`b${i}`, 'x'])
    leaderHistory.delete('b', 'c')
    const stream = h.store.newWatchStream()
    const checker = new StreamChecker(leaderHistory)
    const entry = { stream, checker }
    watchOn(entry, h, 'a', undefined, 0)
    watchOn(entry, h, 'b', t('c'), 0)
    watchOn(entry, h, 'a', undefined, 3) // unsynced already
    watchOn(entry, h, 'a', undefined, 9) // future
    const snapshot = await leaderBackend.snapshot()
    await h.backend.restore(snapshot.chunks())
    await h.store.restore()
    assert.equal(h.kv.rev(), leader.rev())
    assert.deepEqual(h.store.groupSizes, { synced: 0, unsynced: 4, victims: 0 })
    await quiesce(h, [entry])
    checker.assertComplete()
    assert.deepEqual(h.store.groupSizes, { synced: 4, unsynced: 0, victims: 0 })
    // Live again.
    const rev = new History(h.kv).put(['a', 'live'])
    const live = await takeBuffered(stream)
    assert.ok(live.length === 3 && live.every((r) => r.revision === rev))
    await h.store.close()
    await leader.close()
  })
})

describe('WatchableStore: lifecycle', () => {
  it('close ends every stream and releases the write hook; the KV store stays usable', async () => {
    const h = await openHarness()
    const stream = h.store.newWatchStream()
    stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0)
    const waiting = stream.responses().next()
    await h.store.close()
    await h.store.close()
    assert.deepEqual(await waiting, { done: true, value: undefined })
    assert.equal(h.kv.put(t('a'), t('1')), 2)
    assert.equal(h.clock.pendingTimers >= 0, true)
  })

  it('validates its options', async () => {
    const h = await openHarness()
    assert.throws(() => new WatchableStore(h.kv, { streamBufferLength: 0 }), /streamBufferLength/)
    assert.throws(() => new WatchableStore(h.kv, { syncIntervalMs: 1.5 }), /syncIntervalMs/)
  })
})

// --- the property -----------------------------------------------------------------------------

type Command =
  | { kind: 'put'; keys: number[]; value: number }
  | { kind: 'delete'; key: number; range: boolean }
  | {
      kind: 'watch'
      stream: number
      key: number
      end: 'single' | 'range' | 'all'
      startBack: number
      filter: 0 | 1 | 2
    }
  | { kind: 'cancel'; pick: number }
  | { kind: 'read'; stream: number; count: number }
  | { kind: 'advance'; ms: number; settle: boolean }
  | { kind: 'compact'; back: number }
  | { kind: 'progress'; stream: number; pick: number; all: boolean }
  | { kind: 'restore' }

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f']

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      keys: fc.uniqueArray(fc.nat(KEYS.length - 1), { minLength: 1, maxLength: 3 }),
      value: fc.nat(99),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat(KEYS.length - 1), range: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('watch' as const),
      stream: fc.nat(2),
      key: fc.nat(KEYS.length - 1),
      end: fc.constantFrom('single' as const, 'range' as const, 'all' as const),
      // <0: future, 0: from now, >0: that many revisions back
      startBack: fc.integer({ min: -3, max: 30 }),
      filter: fc.constantFrom(0 as const, 0 as const, 1 as const, 2 as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      stream: fc.nat(2),
      count: fc.integer({ min: 1, max: 6 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(0, 1, 5, 10, 50, 100, 150),
      // Without settling, the catch-up pass started reads while later commands write.
      settle: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.integer({ min: 5, max: 40 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('progress' as const),
      stream: fc.nat(2),
      pick: fc.nat(),
      all: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const) }) },
)

/** Advances the clock until every compaction given has finished (they pause between batches). */
async function finishCompactions(h: Harness, compactions: Promise<void>[]): Promise<void> {
  for (const done of compactions.splice(0)) {
    let finished = false
    done.then(
      () => {
        finished = true
      },
      () => {
        finished = true
      },
    )
    for (let i = 0; i < 1000 && !finished; i++) await tick(h, 1)
    assert.ok(finished, 'compaction finished')
  }
}

describe('WatchableStore: exactly-once delivery (property)', () => {
  it('delivers each watcher its history exactly once, in order, under random interleavings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 20, maxLength: 150, size: 'medium' }),
        fc.record({
          streamBufferLength: fc.integer({ min: 1, max: 4 }),
          maxRevisionsPerResponse: fc.integer({ min: 1, max: 4 }),
          syncReadLimit: fc.integer({ min: 1, max: 8 }),
          maxWatchersPerSync: fc.integer({ min: 1, max: 4 }),
        }),
        async (commands, options) => {
          const h = await openHarness(options, { compactionBatchLimit: 2 })
          const { kv, store } = h
          const history = new History(kv)
          const streams = Array.from({ length: 3 }, () => ({
            stream: store.newWatchStream(),
            checker: new StreamChecker(history, options.maxRevisionsPerResponse),
          }))
          const active: { entry: (typeof streams)[number]; id: WatchId }[] = []
          const compactions: Promise<void>[] = []
          for (const c of commands) {
            switch (c.kind) {
              case 'put':
                history.put(...c.keys.map((k): [string, string] => [KEYS[k] as string, `${c.value}`]))
                break
              case 'delete':
                history.delete(KEYS[c.key] as string, c.range ? KEYS[Math.min(c.key + 2, KEYS.length - 1)] : undefined)
                break
              case 'watch': {
                const entry = streams[c.stream] as (typeof streams)[number]
                const key = KEYS[c.key] as string
                const end = c.end === 'single' ? undefined : c.end === 'all' ? ALL : t(`${key}z`)
                const rev = kv.rev()
                const startRev =
                  c.startBack === 0 ? 0 : c.startBack < 0 ? rev - c.startBack : Math.max(1, rev - c.startBack)
                const id = watchOn(entry, h, key, end, startRev, { noPut: c.filter === 1, noDelete: c.filter === 2 })
                active.push({ entry, id })
                break
              }
              case 'cancel': {
                if (active.length === 0) break
                const [victim] = active.splice(c.pick % active.length, 1)
                if (victim === undefined) break
                if (victim.entry.checker.compacted(victim.id) !== 0) break
                try {
                  victim.entry.stream.cancel(victim.id)
                  victim.entry.checker.canceled(victim.id)
                } catch (error) {
                  // Removed by a compacted response still in the buffer.
                  assert.equal((error as { code?: string }).code, 'MVCC_WATCHER_NOT_EXIST')
                  victim.entry.checker.canceled(victim.id)
                }
                break
              }
              case 'read': {
                const { stream, checker } = streams[c.stream] as (typeof streams)[number]
                const iterator = stream.responses()
                for (let i = 0; i < c.count && stream.pending > 0; i++) {
                  const result = await iterator.next()
                  if (result.done !== true) checker.check(result.value)
                }
                break
              }
              case 'advance':
                if (c.settle) await tick(h, c.ms)
                else h.clock.advance(c.ms)
                break
              case 'compact': {
                const rev = Math.max(kv.compactRev() + 1, kv.rev() - c.back)
                if (rev > kv.rev()) break
                compactions.push(kv.compact(rev).done)
                break
              }
              case 'restore':
                // KVStore.restore waits for compactions, and one pausing on the clock never ends.
                await finishCompactions(h, compactions)
                // The backend is unchanged: a snapshot of exactly what the store holds.
                await store.restore()
                break
              case 'progress': {
                const entry = streams[c.stream] as (typeof streams)[number]
                if (c.all) {
                  if (entry.stream.requestProgressAll()) entry.checker.progressAllSent()
                  break
                }
                const mine = active.filter((a) => a.entry === entry)
                const pick = mine[c.pick % Math.max(1, mine.length)]
                if (pick !== undefined) entry.stream.requestProgress(pick.id)
                break
              }
            }
            for (const { stream } of streams) assert.ok(stream.pending <= options.streamBufferLength)
          }
          await quiesce(h, streams)
          for (const { checker } of streams) checker.assertComplete()
          await finishCompactions(h, compactions)
          await store.close()
          await kv.close()
        },
      ),
      { numRuns: 500 },
    )
  })
})
