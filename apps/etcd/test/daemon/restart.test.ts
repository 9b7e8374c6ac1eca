// Recovery: the daemon is stopped (gracefully, then with SIGKILL) and started again on the same
// data dir and ports; every key, value and revision, the compaction, leases and the revision
// counter must come back exactly. Runs on the default (durable) backend.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type EtcdTarget, startTarget, withTimeout } from '@etcd-ts/test-support'
import { type Etcd3, GRPCOutOfRangeError } from 'etcd3'
import { assertRejects, connect, currentRevision, type KvView, kind, rev, targetAvailable, view } from './support.js'

const available = targetAvailable()

describe('daemon restart recovery (etcd3 client)', { skip: !available }, () => {
  let target: EtcdTarget | undefined
  let client: Etcd3 | undefined
  const server = (): EtcdTarget => {
    if (target === undefined) throw new Error('the server did not start')
    return target
  }
  const kvClient = (): Etcd3 => {
    if (client === undefined) throw new Error('no client')
    return client
  }
  /** Closes the client, applies `stop` to the server, restarts it on the same data dir, reconnects. */
  const bounce = async (stop: (target: EtcdTarget) => Promise<void>) => {
    client?.close()
    client = undefined
    await stop(server())
    assert.equal(server().running, false)
    await server().restart()
    client = connect(server())
  }

  before(
    async () => {
      target = await startTarget(kind)
      client = connect(target)
    },
    { timeout: 60_000 },
  )
  after(
    async () => {
      client?.close()
      await target?.dispose()
    },
    { timeout: 30_000 },
  )

  it('recovers everything after a graceful stop', { timeout: 90_000 }, async () => {
    let c = kvClient()
    const count = 60
    for (let i = 0; i < count; i++) {
      await c.put(`r1/key-${String(i).padStart(3, '0')}`).value(`value-${i}`)
    }
    for (let i = 0; i < count; i += 3) await c.put(`r1/key-${String(i).padStart(3, '0')}`).value(`updated-${i}`)
    for (let i = 0; i < count; i += 5) await c.delete().key(`r1/key-${String(i).padStart(3, '0')}`)
    await c.kv.txn({
      compare: [],
      success: [
        { request_put: { key: Buffer.from('r1/txn-a'), value: Buffer.from('a') } },
        { request_put: { key: Buffer.from('r1/txn-b'), value: Buffer.from('b') } },
      ],
    })
    const lease = c.lease(600, { autoKeepAlive: false })
    const leaseId = await withTimeout(lease.grant(), 5000, 'lease grant')
    await lease.put('r1/leased').value('kept')
    lease.release()
    const midRevision = rev(await c.put('r1/marker').value('m'))
    await c.put('r1/marker').value('n')
    await c.kv.compact({ revision: midRevision })
    const lastRevision = rev(await c.put('r1/last').value('z'))

    const beforeKvs: KvView[] = (await c.getAll().prefix('r1/').exec()).kvs.map(view)
    assert.equal(beforeKvs.length, count - count / 5 + 5) // + txn-a, txn-b, leased, marker, last
    assert.equal(await currentRevision(c), lastRevision)

    await bounce((server) => server.stop())
    c = kvClient()

    const after = await c.getAll().prefix('r1/').exec()
    assert.deepEqual(after.kvs.map(view), beforeKvs, 'every key, value, revision, version and lease')
    assert.equal(rev(after), lastRevision, 'the store revision survived')
    assert.equal(after.count, String(beforeKvs.length))
    for (let i = 0; i < count; i += 5) {
      assert.equal(await c.get(`r1/key-${String(i).padStart(3, '0')}`).string(), null, 'deleted keys stay deleted')
    }
    // History is still there down to the compaction, and the compaction itself survived.
    assert.equal(await c.get('r1/marker').revision(midRevision).string(), 'm')
    await assertRejects(
      c
        .get('r1/marker')
        .revision(midRevision - 1)
        .exec(),
      GRPCOutOfRangeError,
      '11 OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted',
    )
    // The lease survived with its key.
    const ttl = await c.leaseClient.leaseTimeToLive({ ID: leaseId, keys: true })
    assert.equal(ttl.grantedTTL, '600')
    assert.ok(Number(ttl.TTL) > 0, `remaining ${ttl.TTL}`)
    assert.deepEqual(
      ttl.keys.map((key) => key.toString()),
      ['r1/leased'],
    )
    // The revision counter continues where it stopped.
    const next = await c.put('r1/after-restart').value('x')
    assert.equal(rev(next), lastRevision + 1)
    await c.leaseClient.leaseRevoke({ ID: leaseId })
  })

  it('keeps every acknowledged write after SIGKILL', { timeout: 90_000 }, async () => {
    let c = kvClient()
    const acknowledged = new Map<string, number>()
    for (let i = 0; i < 40; i++) {
      const key = `r2/key-${String(i).padStart(3, '0')}`
      acknowledged.set(key, rev(await c.put(key).value(`v${i}`)))
    }
    const lastRevision = Math.max(...acknowledged.values())

    await bounce(async (server) => {
      server.kill('SIGKILL')
      const exit = await server.waitForExit(10_000)
      assert.equal(exit.signal, 'SIGKILL')
    })
    c = kvClient()

    const after = await c.getAll().prefix('r2/').exec()
    assert.deepEqual(
      after.kvs.map((item) => [item.key.toString(), item.value.toString(), Number(item.mod_revision)]),
      [...acknowledged].map(([key, revision], i) => [key, `v${i}`, revision]),
    )
    assert.equal(rev(after), lastRevision)
    assert.equal(rev(await c.put('r2/next').value('n')), lastRevision + 1)
  })
})
