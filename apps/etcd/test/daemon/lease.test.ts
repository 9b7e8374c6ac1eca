// Leases through the npm etcd3 client: grant, keepalive (once, and the client's automatic loop),
// time-to-live, revoke, expiry deleting attached keys, and the exact errors. Expiry tests use
// 2-3 s TTLs and bounded waits.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sleep, waitUntil, withTimeout } from '@etcd-ts/test-support'
import {
  EtcdLeaseInvalidError,
  GRPCFailedPreconditionError,
  GRPCOutOfRangeError,
  type ILeaseKeepAliveResponse,
} from 'etcd3'
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

describe('daemon Lease (etcd3 client)', { skip: !available }, () => {
  const daemon = useDaemon()
  const options = { timeout: TEST_TIMEOUT_MS }

  it('grants, attaches keys, reports time-to-live, keeps alive once, lists leases', options, async () => {
    const { client } = daemon
    const lease = client.lease(30, { autoKeepAlive: false })
    try {
      const id = await withTimeout(lease.grant(), 5000, 'lease grant')
      assert.match(id, /^[1-9]\d*$/, 'a server-chosen lease ID is positive')
      const r1 = rev(await lease.put('l1/a').value('1'))
      await lease.put('l1/b').value('2')
      assert.deepEqual(
        (await client.getAll().prefix('l1/').exec()).kvs.map((item) => item.lease),
        [id, id],
      )

      const ttl = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true })
      assert.equal(ttl.ID, id)
      assert.equal(ttl.grantedTTL, '30')
      assert.ok(Number(ttl.TTL) >= 28 && Number(ttl.TTL) <= 30, `remaining TTL ${ttl.TTL}`)
      assert.deepEqual(ttl.keys.map((key) => key.toString()).sort(), ['l1/a', 'l1/b'])
      assert.equal(rev(ttl), r1 + 1)
      const withoutKeys = await client.leaseClient.leaseTimeToLive({ ID: id })
      assert.deepEqual(withoutKeys.keys, [])

      const alive = await withTimeout(lease.keepaliveOnce(), 5000, 'keepaliveOnce')
      assert.equal(alive.ID, id)
      assert.equal(alive.TTL, '30', 'a keepalive answers with the granted TTL')
      assert.equal(rev(alive), r1 + 1)
      assert.notEqual(alive.header.member_id, '0')

      const leases = await client.leaseClient.leaseLeases()
      assert.ok(
        leases.leases.some((status) => status.ID === id),
        `${id} in ${JSON.stringify(leases.leases)}`,
      )
    } finally {
      await lease.revoke()
    }
  })

  it('raises a small TTL to the minimum, rejects a huge one, honours and guards explicit IDs', options, async () => {
    const { client } = daemon
    const small = await client.leaseClient.leaseGrant({ TTL: 1 })
    try {
      assert.equal(small.TTL, '2', 'TTL 1 is raised to the minimum (1.5 x election timeout)')
      await assertRejects(
        client.leaseClient.leaseGrant({ TTL: 9_000_000_001 }),
        GRPCOutOfRangeError,
        '11 OUT_OF_RANGE: etcdserver: too large lease TTL',
      )
      const chosen = await client.leaseClient.leaseGrant({ TTL: 30, ID: 0x1234_5678 })
      assert.equal(chosen.ID, String(0x1234_5678))
      assert.equal(chosen.TTL, '30')
      await assertRejects(
        client.leaseClient.leaseGrant({ TTL: 30, ID: 0x1234_5678 }),
        GRPCFailedPreconditionError,
        '9 FAILED_PRECONDITION: etcdserver: lease already exists',
      )
      await client.leaseClient.leaseRevoke({ ID: 0x1234_5678 })
    } finally {
      await client.leaseClient.leaseRevoke({ ID: small.ID })
    }
  })

  it('revokes: attached keys are deleted at one revision; the lease is then gone', options, async () => {
    const { client } = daemon
    const lease = client.lease(30, { autoKeepAlive: false })
    const id = await withTimeout(lease.grant(), 5000, 'lease grant')
    const r1 = rev(await lease.put('l3/a').value('1'))
    await lease.put('l3/b').value('2')
    await client.put('l3/c').value('no lease')
    const watch = await openWatch(client.watch().prefix('l3/'))
    try {
      await client.leaseClient.leaseRevoke({ ID: id })
      const responses = await watch.recorder.take(2)
      assert.deepEqual(events(responses), [
        { type: 'Delete', kv: kv('l3/a', '', 0, r1 + 3, 0) },
        { type: 'Delete', kv: kv('l3/b', '', 0, r1 + 3, 0) },
      ])
      assert.equal(await currentRevision(client), r1 + 3)
      assert.deepEqual(await client.getAll().prefix('l3/').keys(), ['l3/c'])

      const ttl = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true })
      assert.equal(ttl.TTL, '-1', 'an unknown lease has TTL -1, not an error')
      assert.equal(ttl.grantedTTL, '0')
      assert.deepEqual(ttl.keys, [])
      await assertRejects(lease.keepaliveOnce(), EtcdLeaseInvalidError, `Lease ${id} is expired or revoked`)
      await assertRejects(
        client.leaseClient.leaseRevoke({ ID: id }),
        EtcdLeaseInvalidError,
        /etcdserver: requested lease not found/,
      )
      const leases = await client.leaseClient.leaseLeases()
      assert.ok(!leases.leases.some((status) => status.ID === id))

      // On the wire, a keepalive for an unknown lease is TTL 0, not an error.
      const stream = await withTimeout(client.leaseClient.leaseKeepAlive(), 5000, 'keepalive stream')
      try {
        stream.on('error', () => {})
        const answer = new Promise<ILeaseKeepAliveResponse>((resolve) => stream.on('data', resolve))
        stream.write({ ID: id })
        const response = await withTimeout(answer, 5000, 'keepalive answer')
        assert.equal(response.ID, id)
        assert.equal(response.TTL, '0')
      } finally {
        stream.cancel()
      }
    } finally {
      await watch.cancel()
      lease.release()
    }
  })

  it('expires a lease that is not kept alive and deletes its keys', { timeout: 20_000 }, async () => {
    const { client } = daemon
    const lease = client.lease(2, { autoKeepAlive: false })
    const id = await withTimeout(lease.grant(), 5000, 'lease grant')
    const granted = Date.now()
    const r1 = rev(await lease.put('l4/a').value('1'))
    await lease.put('l4/b').value('2')
    const watch = await openWatch(client.watch().prefix('l4/'))
    try {
      const responses = await watch.recorder.take(2, 10_000)
      const elapsed = Date.now() - granted
      assert.ok(elapsed >= 1500, `expired after ${elapsed} ms, before its 2 s TTL`)
      const [first, second] = events(responses)
      assert.equal(first?.type, 'Delete')
      assert.equal(second?.type, 'Delete')
      assert.deepEqual([first?.kv.key, second?.kv.key], ['l4/a', 'l4/b'])
      assert.equal(first?.kv.mod_revision, r1 + 2, 'both keys go in one revision')
      assert.equal(second?.kv.mod_revision, r1 + 2)
      assert.deepEqual(await client.getAll().prefix('l4/').keys(), [])
      const ttl = await client.leaseClient.leaseTimeToLive({ ID: id })
      assert.equal(ttl.TTL, '-1')
      await assertRejects(lease.keepaliveOnce(), EtcdLeaseInvalidError, `Lease ${id} is expired or revoked`)
    } finally {
      await watch.cancel()
      lease.release()
    }
  })

  it('keeps a lease alive automatically past its TTL, and reports it lost once revoked', {
    timeout: 20_000,
  }, async () => {
    const { client } = daemon
    const lease = client.lease(2)
    const keepaliveTtls: string[] = []
    lease.on('keepaliveSucceeded', (response: ILeaseKeepAliveResponse) => keepaliveTtls.push(response.TTL))
    try {
      const id = await withTimeout(lease.grant(), 5000, 'lease grant')
      await lease.put('l5/k').value('v')
      await sleep(3500)
      assert.equal(await client.get('l5/k').string(), 'v', 'the key outlived its 2 s TTL')
      assert.ok(keepaliveTtls.length >= 3, `${keepaliveTtls.length} keepalives in 3.5 s (every TTL/3)`)
      assert.deepEqual(new Set(keepaliveTtls), new Set(['2']), 'every keepalive answers with the granted TTL')
      const ttl = await client.leaseClient.leaseTimeToLive({ ID: id })
      assert.ok(Number(ttl.TTL) >= 0 && Number(ttl.TTL) <= 2, `remaining ${ttl.TTL}`)

      const lost = nextEvent<[Error]>(lease, 'lost', 5000)
      await client.leaseClient.leaseRevoke({ ID: id })
      const [error] = await lost
      assert.ok(error instanceof EtcdLeaseInvalidError, `lost with ${String(error)}`)
      assert.equal(lease.revoked(), true)
      await waitUntil(async () => (await client.get('l5/k').exists()) === false, {
        timeoutMs: 5000,
        what: 'the key to go with its lease',
      })
    } finally {
      await lease.revoke()
    }
  })
})
