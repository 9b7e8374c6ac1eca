// Watch through the npm etcd3 client (one stream per client, watchers attached one at a time,
// `progress_notify: true` on every create) and through its raw duplex stream for the protocol
// details the client hides (watch IDs, created/cancel/progress responses).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sleep, withTimeout } from '@etcd-ts/test-support'
import type { IWatchRequest, IWatchResponse } from 'etcd3'
import { currentRevision, events, kv, openWatch, rev, TEST_TIMEOUT_MS, targetAvailable, useDaemon } from './support.js'

const available = targetAvailable()

/** What a DELETE event's kv looks like: only key and mod_revision are set. */
const deleted = (key: string, modRevision: number) => kv(key, '', 0, modRevision, 0)

describe('daemon Watch (etcd3 client)', { skip: !available }, () => {
  const daemon = useDaemon()
  const options = { timeout: TEST_TIMEOUT_MS }

  it('delivers live put and delete events of a key, one response per revision', options, async () => {
    const { client } = daemon
    const watcher = await openWatch(client.watch().key('w1/k'))
    try {
      const recorder = watcher.recorder
      const puts: string[] = []
      watcher.watcher.on('put', (item) => puts.push(item.value.toString()))
      const r1 = rev(await client.put('w1/k').value('a'))
      await client.put('w1/other').value('not watched')
      await client.put('w1/k').value('b')
      await client.delete().key('w1/k')
      const responses = await recorder.take(3)
      assert.deepEqual(events(responses), [
        { type: 'Put', kv: kv('w1/k', 'a', r1, r1, 1) },
        { type: 'Put', kv: kv('w1/k', 'b', r1, r1 + 2, 2) },
        { type: 'Delete', kv: deleted('w1/k', r1 + 3) },
      ])
      assert.deepEqual(
        responses.map((response) => rev(response)),
        [r1, r1 + 2, r1 + 3],
        'live responses carry the revision of their events',
      )
      for (const response of responses) {
        assert.equal(response.watch_id, watcher.watcher.id)
        assert.equal(response.created, false)
        assert.equal(response.canceled, false)
        assert.notEqual(response.header.cluster_id, '0')
      }
      assert.deepEqual(puts, ['a', 'b'])
    } finally {
      await watcher.cancel()
    }
    // After the cancel, nothing more arrives for it (the client would throw on an unknown id).
    await client.put('w1/k').value('after-cancel')
    await sleep(200)
  })

  it('watches a prefix and only that prefix', options, async () => {
    const { client } = daemon
    const watcher = await openWatch(client.watch().prefix('w2/'))
    try {
      const recorder = watcher.recorder
      const r1 = rev(await client.put('w2/a').value('1'))
      await client.put('w20').value('outside')
      await client.put('w2').value('outside')
      await client.put('w2/b/c').value('2')
      await client.delete().prefix('w2/')
      const responses = await recorder.take(4)
      assert.deepEqual(events(responses), [
        { type: 'Put', kv: kv('w2/a', '1', r1, r1, 1) },
        { type: 'Put', kv: kv('w2/b/c', '2', r1 + 3, r1 + 3, 1) },
        { type: 'Delete', kv: deleted('w2/a', r1 + 4) },
        { type: 'Delete', kv: deleted('w2/b/c', r1 + 4) },
      ])
      assert.equal(responses.length, 3, 'the two deletes of one DeleteRange come in one response')
    } finally {
      await watcher.cancel()
    }
  })

  it('replays history from an old revision, then continues live', options, async () => {
    const { client } = daemon
    const r1 = rev(await client.put('w3/k').value('1'))
    await client.put('w3/k').value('2')
    await client.delete().key('w3/k')
    await client.put('w3/k').value('3')
    const watcher = await openWatch(
      client
        .watch()
        .key('w3/k')
        .startRevision(String(r1 + 1)),
    )
    try {
      const recorder = watcher.recorder
      const history = await recorder.take(3)
      assert.deepEqual(events(history), [
        { type: 'Put', kv: kv('w3/k', '2', r1, r1 + 1, 2) },
        { type: 'Delete', kv: deleted('w3/k', r1 + 2) },
        { type: 'Put', kv: kv('w3/k', '3', r1 + 3, r1 + 3, 1) },
      ])
      for (const response of history) {
        const newest = Math.max(...response.events.map((event) => Number(event.kv.mod_revision)))
        assert.ok(rev(response) >= newest, 'a response header is at least as new as its events')
      }
      const r5 = rev(await client.put('w3/k').value('4'))
      const all = await recorder.take(4)
      assert.deepEqual(events(all).at(-1), { type: 'Put', kv: kv('w3/k', '4', r1 + 3, r5, 2) })
    } finally {
      await watcher.cancel()
    }
  })

  it('sends previous key-values with prev_kv (not for creations)', options, async () => {
    const { client } = daemon
    const watcher = await openWatch(client.watch().key('w4/k').withPreviousKV())
    try {
      const recorder = watcher.recorder
      const r1 = rev(await client.put('w4/k').value('1'))
      await client.put('w4/k').value('2')
      await client.delete().key('w4/k')
      const responses = await recorder.take(3)
      assert.deepEqual(events(responses), [
        { type: 'Put', kv: kv('w4/k', '1', r1, r1, 1) },
        { type: 'Put', kv: kv('w4/k', '2', r1, r1 + 1, 2), prev: kv('w4/k', '1', r1, r1, 1) },
        { type: 'Delete', kv: deleted('w4/k', r1 + 2), prev: kv('w4/k', '2', r1, r1 + 1, 2) },
      ])
    } finally {
      await watcher.cancel()
    }
  })

  it('filters events server-side with only(put) and only(delete)', options, async () => {
    const { client } = daemon
    const putsOnly = await openWatch(client.watch().prefix('w5/').only('put'))
    const deletesOnly = await openWatch(client.watch().prefix('w5/').only('delete'))
    try {
      assert.notEqual(putsOnly.watcher.id, deletesOnly.watcher.id)
      const puts = putsOnly.recorder
      const deletes = deletesOnly.recorder
      const r1 = rev(await client.put('w5/a').value('1'))
      await client.delete().key('w5/a')
      await client.put('w5/a').value('2')
      await client.delete().key('w5/a')
      assert.deepEqual(events(await puts.take(2)), [
        { type: 'Put', kv: kv('w5/a', '1', r1, r1, 1) },
        { type: 'Put', kv: kv('w5/a', '2', r1 + 2, r1 + 2, 1) },
      ])
      assert.deepEqual(events(await deletes.take(2)), [
        { type: 'Delete', kv: deleted('w5/a', r1 + 1) },
        { type: 'Delete', kv: deleted('w5/a', r1 + 3) },
      ])
      await sleep(200)
      assert.equal(events(puts.responses).length, 2, 'no filtered event slipped through')
      assert.equal(events(deletes.responses).length, 2, 'no filtered event slipped through')
    } finally {
      await putsOnly.cancel()
      await deletesOnly.cancel()
    }
  })

  it('delivers the events of one txn together, at one revision', options, async () => {
    const { client } = daemon
    const watcher = await openWatch(client.watch().prefix('w6/'))
    try {
      const recorder = watcher.recorder
      await client.put('w6/c').value('old')
      const txn = await client
        .if('w6/c', 'Value', '==', 'old')
        .then(client.put('w6/a').value('1'), client.put('w6/b').value('2'), client.delete().key('w6/c'))
        .commit()
      const r = rev(txn)
      const responses = await recorder.take(4)
      assert.equal(responses.length, 2)
      assert.deepEqual(events(responses.slice(1)), [
        { type: 'Put', kv: kv('w6/a', '1', r, r, 1) },
        { type: 'Put', kv: kv('w6/b', '2', r, r, 1) },
        { type: 'Delete', kv: deleted('w6/c', r) },
      ])
      assert.equal(rev(responses[1] as IWatchResponse), r)
    } finally {
      await watcher.cancel()
    }
  })

  it('speaks the raw protocol: ids from 0, created/progress/cancel responses', options, async () => {
    const { client } = daemon
    const stream = await withTimeout(client.watchClient.watch(), 5000, 'watch stream')
    const received: IWatchResponse[] = []
    const waiters: (() => void)[] = []
    stream.on('data', (response) => {
      received.push(response)
      for (const waiter of waiters.splice(0)) waiter()
    })
    stream.on('error', () => {}) // the final cancel() surfaces as CANCELLED
    let cursor = 0
    const next = async (): Promise<IWatchResponse> => {
      const index = cursor++
      while (received.length <= index) {
        await withTimeout(
          new Promise<void>((resolve) => waiters.push(resolve)),
          5000,
          `watch response #${index + 1} (got ${JSON.stringify(received.map((r) => [r.watch_id, r.created, r.canceled, r.events.length]))})`,
        )
      }
      return received[index] as IWatchResponse
    }
    const send = (request: IWatchRequest) => stream.write(request)
    try {
      const now = await currentRevision(client)
      send({ create_request: { key: Buffer.from('w7/k') } })
      const first = await next()
      assert.equal(first.created, true)
      assert.equal(first.canceled, false)
      assert.equal(first.watch_id, '0', 'watch ids start at 0 on each stream')
      assert.equal(rev(first), now, 'the created response carries the current revision')
      assert.deepEqual(first.events, [])

      send({ create_request: { key: Buffer.from('w7/'), range_end: Buffer.from('w70'), prev_kv: true } })
      const second = await next()
      assert.equal(second.created, true)
      assert.equal(second.watch_id, '1')

      send({ progress_request: {} })
      const progress = await next()
      assert.equal(progress.watch_id, '-1', 'a progress response is not addressed to one watcher')
      assert.equal(progress.created, false)
      assert.equal(progress.canceled, false)
      assert.deepEqual(progress.events, [])
      assert.equal(rev(progress), now)

      const r1 = rev(await client.put('w7/k').value('v'))
      const a = await next()
      const b = await next()
      assert.deepEqual(
        [a.watch_id, b.watch_id].sort(),
        ['0', '1'],
        'each watcher gets its own response for the same event',
      )
      for (const response of [a, b]) {
        assert.deepEqual(events([response]), [{ type: 'Put', kv: kv('w7/k', 'v', r1, r1, 1) }])
        assert.equal(rev(response), r1)
      }

      send({ cancel_request: { watch_id: 0 } })
      const canceled = await next()
      assert.equal(canceled.watch_id, '0')
      assert.equal(canceled.canceled, true)
      assert.deepEqual(canceled.events, [])

      const r2 = rev(await client.put('w7/k').value('w'))
      const only = await next()
      assert.equal(only.watch_id, '1', 'the canceled watcher gets nothing more')
      assert.deepEqual(events([only]), [
        { type: 'Put', kv: kv('w7/k', 'w', r1, r2, 2), prev: kv('w7/k', 'v', r1, r1, 1) },
      ])

      // A range whose end is before its start cannot be watched.
      send({ create_request: { key: Buffer.from('w7/z'), range_end: Buffer.from('w7/a') } })
      const invalid = await next()
      assert.equal(invalid.created, true)
      assert.equal(invalid.canceled, true)
      assert.equal(invalid.watch_id, '-1')
      assert.equal(invalid.cancel_reason, 'mvcc: watcher range is empty')

      send({ create_request: { key: Buffer.from('w7/k'), watch_id: 1 } })
      const duplicate = await next()
      assert.equal(duplicate.created, true)
      assert.equal(duplicate.canceled, true)
      assert.equal(duplicate.watch_id, '-1')
      assert.equal(duplicate.cancel_reason, 'mvcc: duplicate watch ID provided on the WatchStream')

      send({ create_request: { key: Buffer.from('w7/k'), watch_id: 7 } })
      const chosen = await next()
      assert.equal(chosen.created, true)
      assert.equal(chosen.canceled, false)
      assert.equal(chosen.watch_id, '7', 'a requested id is used')
      assert.equal(received.length, 10, 'no unexpected responses')
    } finally {
      stream.cancel()
    }
  })
})
