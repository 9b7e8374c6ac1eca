// Compaction through the npm etcd3 client: Compact's bounds and errors, reads below and at the
// compact revision, and what a watch from a compacted revision looks like to etcd3 (a generic
// EtcdError 'Watcher canceled: ' — etcd puts no cancel_reason on a compaction cancel) and on the wire.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withTimeout } from '@etcd-ts/test-support'
import { EtcdError, GRPCOutOfRangeError, type IWatchResponse } from 'etcd3'
import {
  assertRejects,
  currentRevision,
  events,
  kv,
  nextEvent,
  openWatch,
  rev,
  TEST_TIMEOUT_MS,
  targetAvailable,
  useDaemon,
} from './support.js'

const available = targetAvailable()
const compacted = '11 OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted'
const future = '11 OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision'

describe('daemon compaction (etcd3 client)', { skip: !available }, () => {
  const daemon = useDaemon()
  const options = { timeout: TEST_TIMEOUT_MS }
  let compactRevision = 0
  let first = 0

  it('compacts: reads below fail, at and above the compact revision work', options, async () => {
    const { client } = daemon
    first = rev(await client.put('c1/k').value('v1'))
    await client.put('c1/k').value('v2')
    await client.put('c1/k').value('v3')
    await client.put('c1/k').value('v4')
    compactRevision = first + 2
    const response = await client.kv.compact({ revision: compactRevision })
    assert.equal(rev(response), first + 3, 'Compact answers with the current revision')
    assert.equal(await currentRevision(client), first + 3, 'compaction is not a write')

    await assertRejects(
      client
        .get('c1/k')
        .revision(first + 1)
        .exec(),
      GRPCOutOfRangeError,
      compacted,
    )
    await assertRejects(client.get('c1/k').revision(1).exec(), GRPCOutOfRangeError, compacted)
    await assertRejects(client.getAll().prefix('c1/').revision(first).keys(), GRPCOutOfRangeError, compacted)
    const atCompact = await client.get('c1/k').revision(compactRevision).exec()
    assert.deepEqual(
      atCompact.kvs.map((item) => item.value.toString()),
      ['v3'],
    )
    assert.equal(await client.get('c1/k').string(), 'v4')
    // revision 0 means "latest", never "compacted".
    assert.equal(await client.get('c1/k').revision(0).string(), 'v4')
  })

  it('rejects compacting at or below the compact revision and above the current one', options, async () => {
    const { client } = daemon
    assert.ok(compactRevision > 0, 'runs after the first test')
    await assertRejects(client.kv.compact({ revision: compactRevision }), GRPCOutOfRangeError, compacted)
    await assertRejects(client.kv.compact({ revision: compactRevision - 1 }), GRPCOutOfRangeError, compacted)
    const now = await currentRevision(client)
    await assertRejects(client.kv.compact({ revision: now + 1 }), GRPCOutOfRangeError, future)
    // Compacting at the current revision is allowed; physical waits for the backend.
    const response = await client.kv.compact({ revision: now, physical: true })
    assert.equal(rev(response), now)
    await assertRejects(
      client
        .get('c1/k')
        .revision(now - 1)
        .exec(),
      GRPCOutOfRangeError,
      compacted,
    )
    assert.equal(await client.get('c1/k').revision(now).string(), 'v4')
    compactRevision = now
  })

  it('cancels a watch from a compacted revision: etcd3 emits EtcdError("Watcher canceled: ")', options, async () => {
    const { client } = daemon
    assert.ok(first > 0, 'runs after the first test')
    // watcher() attaches listeners before the stream connects, so the cancel cannot be missed.
    const watcher = client.watch().key('c1/k').startRevision(String(first)).watcher()
    const errored = nextEvent<[Error]>(watcher, 'error', 5000)
    const [connected] = await nextEvent<[IWatchResponse]>(watcher, 'connected', 5000)
    assert.equal(connected.created, true)
    const [error] = await errored
    assert.equal(error.constructor, EtcdError, `expected a plain EtcdError, got ${error.constructor.name}`)
    assert.equal(error.message, 'Watcher canceled: ')
  })

  it('cancels a compacted watch on the wire with compact_revision and a header at revision 0', options, async () => {
    const { client } = daemon
    const now = await currentRevision(client)
    const stream = await withTimeout(client.watchClient.watch(), 5000, 'watch stream')
    const received: IWatchResponse[] = []
    stream.on('error', () => {})
    const two = new Promise<void>((resolve) =>
      stream.on('data', (response) => {
        received.push(response)
        if (received.length === 2) resolve()
      }),
    )
    try {
      stream.write({ create_request: { key: Buffer.from('c1/k'), start_revision: compactRevision - 1 } })
      await withTimeout(two, 5000, 'created and canceled responses')
      const [created, canceled] = received as [IWatchResponse, IWatchResponse]
      assert.equal(created.created, true)
      assert.equal(created.canceled, false)
      assert.equal(created.watch_id, '0')
      assert.equal(rev(created), now)
      assert.equal(canceled.watch_id, '0')
      assert.equal(canceled.canceled, true)
      assert.equal(canceled.created, false)
      assert.equal(canceled.compact_revision, String(compactRevision))
      assert.equal(canceled.cancel_reason, '')
      assert.deepEqual(canceled.events, [])
      assert.equal(canceled.header.revision, '0', 'the compaction cancel has a header at revision 0')
      assert.notEqual(canceled.header.member_id, '0')
    } finally {
      stream.cancel()
    }
  })

  it('watches from exactly the compact revision', options, async () => {
    const { client } = daemon
    const r = rev(await client.put('c1/k').value('v5'))
    const { recorder, cancel } = await openWatch(client.watch().key('c1/k').startRevision(String(compactRevision)))
    try {
      // The event at the compact revision itself is still there.
      const responses = await recorder.take(2)
      assert.deepEqual(events(responses), [
        { type: 'Put', kv: kv('c1/k', 'v4', first, compactRevision, 4) },
        { type: 'Put', kv: kv('c1/k', 'v5', first, r, 5) },
      ])
    } finally {
      await cancel()
    }
  })
})
