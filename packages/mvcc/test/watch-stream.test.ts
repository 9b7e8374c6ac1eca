import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AUTO_WATCH_ID, INVALID_WATCH_ID } from '../src/watch-types.js'
import { ALL, describeEvents, openHarness, t, takeBuffered, tick } from './helpers/watch-harness.js'

describe('WatchStream', () => {
  it('assigns watch IDs from 0, skipping those taken, and refuses duplicates', async () => {
    const { store } = await openHarness()
    const stream = store.newWatchStream()
    assert.equal(stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0), 0n)
    assert.equal(stream.watch(2n, t('a'), undefined, 0), 2n)
    assert.equal(stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0), 1n)
    assert.equal(stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0), 3n)
    assert.throws(
      () => stream.watch(2n, t('b'), undefined, 0),
      (error: Error & { code?: string }) =>
        error.code === 'MVCC_DUPLICATE_WATCH_ID' &&
        error.message === 'mvcc: duplicate watch ID provided on the WatchStream',
    )
    // IDs are per stream.
    assert.equal(store.newWatchStream().watch(AUTO_WATCH_ID, t('a'), undefined, 0), 0n)
    // A canceled auto ID is not handed out again by the counter.
    stream.cancel(0n)
    assert.equal(stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0), 4n)
    await store.close()
  })

  it('refuses an empty range, bad arguments, and watches on a closed stream', async () => {
    const { store } = await openHarness()
    const stream = store.newWatchStream()
    const emptyRange = (error: Error & { code?: string }) =>
      error.code === 'MVCC_EMPTY_WATCHER_RANGE' && error.message === 'mvcc: watcher range is empty'
    assert.throws(() => stream.watch(AUTO_WATCH_ID, t('b'), t('a'), 0), emptyRange)
    assert.throws(() => stream.watch(AUTO_WATCH_ID, t('b'), t('b'), 0), emptyRange)
    assert.equal(stream.watch(AUTO_WATCH_ID, t('b'), ALL, 0), 0n, 'an empty end is +∞, not an empty range')
    assert.throws(() => stream.watch(AUTO_WATCH_ID, t('b'), undefined, -1), RangeError)
    assert.throws(() => stream.watch(AUTO_WATCH_ID, t('b'), undefined, 1.5), RangeError)
    assert.throws(() => stream.watch(1 as unknown as bigint, t('b'), undefined, 0), TypeError)
    stream.close()
    assert.throws(
      () => stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0),
      (error: Error & { code?: string }) => error.code === 'MVCC_WATCH_STREAM_CLOSED',
    )
    await store.close()
    assert.throws(
      () => store.newWatchStream(),
      (error: Error & { code?: string }) => error.code === 'MVCC_CLOSED',
    )
  })

  it('cancels watchers: no more events; unknown IDs are an error', async () => {
    const { store, kv } = await openHarness()
    const stream = store.newWatchStream()
    const a = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0)
    const b = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0)
    kv.put(t('a'), t('1'))
    stream.cancel(a)
    kv.put(t('a'), t('2'))
    const responses = await takeBuffered(stream)
    assert.deepEqual(
      responses.map((r) => [r.watchId, describeEvents(r.events)]),
      [
        [a, ['PUT a=1@2']],
        [b, ['PUT a=1@2']],
        [b, ['PUT a=2@3']],
      ],
    )
    assert.throws(
      () => stream.cancel(a),
      (error: Error & { code?: string }) =>
        error.code === 'MVCC_WATCHER_NOT_EXIST' && error.message === 'mvcc: watcher does not exist',
    )
    assert.throws(
      () => stream.cancel(77n),
      (error: Error & { code?: string }) => error.code === 'MVCC_WATCHER_NOT_EXIST',
    )
    await store.close()
  })

  it('close ends the iterator after what is buffered, and wakes a waiting reader', async () => {
    const { store, kv } = await openHarness()
    const stream = store.newWatchStream()
    stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0)
    kv.put(t('a'), t('1'))
    stream.close()
    stream.close()
    kv.put(t('a'), t('2'))
    const seen: string[][] = []
    for await (const response of stream.responses()) seen.push(describeEvents(response.events))
    assert.deepEqual(seen, [['PUT a=1@2']])

    const other = store.newWatchStream()
    const waiting = other.responses().next()
    other.close()
    assert.deepEqual(await waiting, { done: true, value: undefined })
    await store.close()
  })

  it('hands a response straight to a waiting reader; leaving the loop closes the stream', async () => {
    const { store, kv } = await openHarness()
    const stream = store.newWatchStream()
    const id = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0)
    const next = stream.responses().next()
    kv.put(t('a'), t('1'))
    assert.equal(stream.pending, 0)
    const first = await next
    assert.equal(first.done, false)
    assert.deepEqual(describeEvents(first.done ? [] : first.value.events), ['PUT a=1@2'])
    kv.put(t('a'), t('2'))
    for await (const response of stream.responses()) {
      assert.deepEqual(describeEvents(response.events), ['PUT a=2@3'])
      break
    }
    assert.throws(() => stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0), { name: 'WatchStreamClosedError' })
    assert.throws(() => stream.cancel(id), { name: 'WatcherNotExistError' })
    await store.close()
  })

  it('sends progress only for a synced watcher at or past its start revision', async () => {
    const h = await openHarness()
    const { store, kv } = h
    kv.put(t('a'), t('1')) // rev 2
    kv.put(t('a'), t('2')) // rev 3
    const stream = store.newWatchStream()
    const live = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 0)
    const past = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 2)
    const future = stream.watch(AUTO_WATCH_ID, t('a'), undefined, 5)
    assert.equal(stream.requestProgress(live), true)
    assert.equal(stream.requestProgress(past), false, 'unsynced')
    assert.equal(stream.requestProgress(future), false, 'current revision 3 is before its start 5')
    assert.equal(stream.requestProgress(99n), false, 'unknown')
    assert.equal(stream.requestProgressAll(), false, 'not all synced')
    await tick(h, 100) // past catches up
    kv.put(t('b'), t('x')) // rev 4
    assert.equal(stream.requestProgressAll(), false, 'future still waits for 5')
    kv.put(t('b'), t('y')) // rev 5
    assert.equal(stream.requestProgress(future), true)
    assert.equal(stream.requestProgressAll(), true)
    const responses = await takeBuffered(stream)
    assert.deepEqual(
      responses.map((r) => [r.watchId, r.revision, describeEvents(r.events)]),
      [
        [live, 3, []],
        [past, 3, ['PUT a=1@2', 'PUT a=2@3']],
        [future, 5, []],
        [INVALID_WATCH_ID, 5, []],
      ],
    )
    assert.equal(stream.rev(), 5)
    // No watchers: all synced, trivially.
    assert.equal(store.newWatchStream().requestProgressAll(), true)
    await store.close()
  })

  it('drops progress when the buffer is full instead of blocking', async () => {
    const { store, kv } = await openHarness({ streamBufferLength: 2 })
    const stream = store.newWatchStream()
    const id = stream.watch(AUTO_WATCH_ID, t('k'), undefined, 0)
    assert.equal(stream.requestProgress(id), true)
    assert.equal(stream.requestProgressAll(), true)
    assert.equal(stream.requestProgress(id), false)
    assert.equal(stream.requestProgressAll(), false)
    kv.put(t('k'), t('v'))
    assert.equal(stream.pending, 2)
    assert.deepEqual(store.groupSizes, { synced: 0, unsynced: 0, victims: 1 })
    assert.equal(stream.requestProgress(id), false, 'a victim is not synced')
    await store.close()
  })
})
