// The lessor's API on the memory backend: grant, lookup, attach/detach, leases(), timeToLive,
// renew, errors (etcd's lessor_test.go cases where they apply).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Buckets } from '@etcd-ts/backend'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import {
  DEFAULT_MIN_LEASE_TTL_SECONDS,
  decodeLeaseRecord,
  formatLeaseId,
  LeaseExistsError,
  LeaseNotFoundError,
  LeaseTtlTooLargeError,
  Lessor,
  leaseIdToBytes,
  MAX_LEASE_TTL_SECONDS,
  NO_LEASE,
  NotPrimaryError,
} from '@etcd-ts/lease'
import { fixture, ManualClock, text } from './helpers.js'

describe('grant', () => {
  it('grants with the TTL asked for, persists leasepb.Lease under the 8-byte BE ID', async () => {
    const { lessor, backend } = await fixture()
    const lease = lessor.grant(1n, 10)
    assert.equal(lease.id, 1n)
    assert.equal(lease.ttlSeconds, 10)
    assert.equal(lease.remainingTtlSeconds, 0)
    assert.equal(lease.expiresAtMs, Number.POSITIVE_INFINITY, 'not primary: never expires')
    const stored = backend.readTx().unsafeGet(Buckets.Lease, leaseIdToBytes(1n))
    assert.deepEqual(stored, Uint8Array.of(0x08, 0x01, 0x10, 0x0a))
    assert.deepEqual(decodeLeaseRecord(stored as Uint8Array), { id: 1n, ttlSeconds: 10, remainingTtlSeconds: 0 })
  })

  it('raises a TTL below the minimum (2 s by default, 0 and negatives included)', async () => {
    const { lessor } = await fixture()
    assert.equal(DEFAULT_MIN_LEASE_TTL_SECONDS, 2)
    assert.equal(lessor.grant(1n, 1).ttlSeconds, 2)
    assert.equal(lessor.grant(2n, 0).ttlSeconds, 2)
    assert.equal(lessor.grant(3n, -5).ttlSeconds, 2)
    assert.equal(lessor.grant(4n, 3).ttlSeconds, 3)
    const custom = await fixture({ minLeaseTtlSeconds: 5 })
    assert.equal(custom.lessor.grant(1n, 1).ttlSeconds, 5)
  })

  it('expires ttl seconds from now on the primary', async () => {
    const { lessor, clock } = await fixture()
    clock.advance(1234)
    lessor.promote(0)
    assert.equal(lessor.grant(1n, 10).expiresAtMs, 1234 + 10_000)
  })

  it('rejects ID 0, a TTL above 9 000 000 000 and a taken ID with etcd typed errors', async () => {
    const { lessor } = await fixture()
    assert.throws(() => lessor.grant(0n, 10), { code: 'LEASE_NOT_FOUND', message: 'lease not found' })
    assert.throws(
      () => lessor.grant(1n, MAX_LEASE_TTL_SECONDS + 1),
      (error: unknown) => {
        assert.ok(error instanceof LeaseTtlTooLargeError)
        assert.equal(error.code, 'LEASE_TTL_TOO_LARGE')
        assert.equal(error.message, 'too large lease TTL')
        assert.equal(error.ttlSeconds, 9_000_000_001)
        return true
      },
    )
    assert.equal(lessor.grant(1n, MAX_LEASE_TTL_SECONDS).ttlSeconds, 9_000_000_000)
    assert.throws(
      () => lessor.grant(1n, 10),
      (error: unknown) => {
        assert.ok(error instanceof LeaseExistsError)
        assert.equal(error.code, 'LEASE_EXISTS')
        assert.equal(error.message, 'lease already exists')
        assert.equal(error.id, 1n)
        return true
      },
    )
    assert.equal(lessor.lookup(1n)?.ttlSeconds, 9_000_000_000, 'the failed grant changed nothing')
  })

  it('takes any int64 ID, negative ones included, and rejects what is not one', async () => {
    const { lessor, backend } = await fixture()
    lessor.grant(-1n, 10)
    lessor.grant(2n ** 63n - 1n, 10)
    assert.deepEqual(
      backend.readTx().unsafeGet(Buckets.Lease, leaseIdToBytes(-1n))?.slice(0, 11),
      Uint8Array.of(0x08, ...Array(9).fill(0xff), 0x01),
    )
    assert.throws(() => lessor.grant(2n ** 63n, 10), RangeError)
    assert.throws(() => lessor.grant(1 as unknown as bigint, 10), TypeError)
    assert.throws(() => lessor.grant(5n, 1.5), RangeError)
    assert.throws(() => lessor.grant(5n, Number.NaN), RangeError)
    assert.equal(lessor.lookup(5n), undefined)
  })
})

describe('revoke', () => {
  it('deletes the lease, its record and its keys; unknown IDs are LEASE_NOT_FOUND', async () => {
    const { lessor, backend, kv } = await fixture()
    lessor.grant(1n, 10)
    kv.put(text('a'), text('1'), 1n)
    kv.put(text('b'), text('2'), 1n)
    kv.put(text('c'), text('3'))
    lessor.revoke(1n)
    assert.equal(lessor.lookup(1n), undefined)
    assert.equal(backend.readTx().unsafeGet(Buckets.Lease, leaseIdToBytes(1n)), undefined)
    assert.equal(kv.get(text('a')), undefined)
    assert.equal(kv.get(text('b')), undefined)
    assert.deepEqual(kv.get(text('c')), text('3'))
    assert.equal(lessor.getLease(text('a')), NO_LEASE)
    assert.throws(
      () => lessor.revoke(1n),
      (error: unknown) => error instanceof LeaseNotFoundError && error.id === 1n,
    )
    assert.throws(() => lessor.revoke(0n), { code: 'LEASE_NOT_FOUND' })
  })

  it('lets the ID be granted again afterwards', async () => {
    const { lessor } = await fixture()
    lessor.grant(1n, 10)
    lessor.revoke(1n)
    assert.equal(lessor.grant(1n, 20).ttlSeconds, 20)
  })
})

describe('attach, detach, getLease', () => {
  it('tracks which lease holds each key, bytewise', async () => {
    const { lessor } = await fixture()
    lessor.grant(1n, 10)
    lessor.grant(2n, 10)
    const k1 = Uint8Array.of(0, 255, 1)
    lessor.attach(1n, [k1, text('x')])
    assert.equal(lessor.getLease(Uint8Array.of(0, 255, 1)), 1n)
    assert.equal(lessor.getLease(Uint8Array.of(0, 255)), NO_LEASE)
    assert.equal(lessor.lookup(1n)?.itemCount, 2)
    lessor.attach(2n, [text('x')]) // moves
    assert.equal(lessor.getLease(text('x')), 2n)
    assert.equal(lessor.lookup(1n)?.itemCount, 1)
    lessor.detach(1n, [text('x')]) // not held by 1: ignored
    assert.equal(lessor.getLease(text('x')), 2n)
    lessor.detach(2n, [text('x')])
    assert.equal(lessor.getLease(text('x')), NO_LEASE)
    assert.throws(() => lessor.attach(3n, [text('y')]), { code: 'LEASE_NOT_FOUND' })
    assert.throws(() => lessor.detach(3n, [text('y')]), { code: 'LEASE_NOT_FOUND' })
    assert.throws(() => lessor.attach(1n, ['y' as unknown as Uint8Array]), TypeError)
  })
})

describe('lookup, leases, timeToLive', () => {
  it('lists leases soonest expiry first, then by ID', async () => {
    const { lessor, clock } = await fixture()
    lessor.promote(0)
    lessor.grant(3n, 30)
    lessor.grant(1n, 10)
    clock.advance(100)
    lessor.grant(2n, 10)
    lessor.grant(4n, 10)
    assert.deepEqual(
      lessor.leases().map((lease) => lease.id),
      [1n, 2n, 4n, 3n],
    )
    lessor.demote()
    assert.deepEqual(
      lessor.leases().map((lease) => lease.id),
      [1n, 2n, 3n, 4n],
    )
  })

  it('answers TTL truncated like etcd, the granted TTL and sorted keys; -1 for an unknown lease', async () => {
    const { lessor, clock } = await fixture()
    lessor.promote(0)
    lessor.grant(0x694d67ed2bfbea03n, 600)
    clock.advance(1)
    lessor.attach(0x694d67ed2bfbea03n, [text('b'), text('a'), Uint8Array.of(0xff)])
    const ttl = lessor.timeToLive(0x694d67ed2bfbea03n, { keys: true })
    assert.equal(ttl.ttlSeconds, 599, 'etcdctl: granted with TTL(600s), remaining(599s)')
    assert.equal(ttl.grantedTtlSeconds, 600)
    assert.deepEqual(ttl.keys, [text('a'), text('b'), Uint8Array.of(0xff)])
    assert.deepEqual(lessor.timeToLive(0x694d67ed2bfbea03n).keys, [])
    assert.deepEqual(lessor.timeToLive(7n), { id: 7n, ttlSeconds: -1, grantedTtlSeconds: 0, keys: [] })
    assert.equal(formatLeaseId(0x694d67ed2bfbea03n), '694d67ed2bfbea03')
    assert.equal(formatLeaseId(-1n), 'ffffffffffffffff')
  })

  it('answers 0 or less for an expired lease not yet revoked, and refuses on a secondary', async () => {
    const { lessor, clock } = await fixture()
    lessor.promote(0)
    lessor.grant(1n, 2)
    clock.advance(2_400)
    assert.equal(lessor.timeToLive(1n).ttlSeconds, 0)
    assert.ok(!Object.is(lessor.timeToLive(1n).ttlSeconds, -0))
    lessor.demote()
    assert.throws(() => lessor.timeToLive(1n), NotPrimaryError)
  })
})

describe('renew', () => {
  it('renews only on the primary, and extends to a full TTL from now', async () => {
    const { lessor, clock } = await fixture()
    lessor.grant(1n, 10)
    await assert.rejects(lessor.renew(1n), { code: 'LEASE_NOT_PRIMARY', message: 'not a primary lessor' })
    lessor.promote(0)
    clock.advance(4_000)
    assert.equal(await lessor.renew(1n), 10)
    assert.equal(lessor.lookup(1n)?.expiresAtMs, 14_000)
    await assert.rejects(lessor.renew(2n), { code: 'LEASE_NOT_FOUND' })
  })
})

describe('construction', () => {
  it('validates options and components, naming the field', async () => {
    const backend = new MemoryBackend()
    assert.throws(() => new Lessor({ minLeaseTtlSeconds: 0 }, { backend }), /minLeaseTtlSeconds/)
    assert.throws(() => new Lessor({ expiryCheckIntervalMs: -1 }, { backend }), /expiryCheckIntervalMs/)
    assert.throws(() => new Lessor({ checkpointIntervalMs: 1.5 }, { backend }), /checkpointIntervalMs/)
    assert.throws(
      () => new Lessor({ checkpointPersist: 'yes' as unknown as boolean }, { backend }),
      /checkpointPersist/,
    )
    assert.throws(() => new Lessor({}, {} as never), /components.backend/)
    assert.throws(() => new Lessor({}, { backend, clock: {} as ManualClock }), /components.clock/)
  })

  it('start and stop are idempotent; stop ends the expired-lease iteration', async () => {
    const clock = new ManualClock() // the lessor's alone: the backend has its own
    const backend = new MemoryBackend({}, { clock: new ManualClock() })
    await backend.open()
    const lessor = new Lessor(undefined, { backend, clock })
    await Promise.all([lessor.start(), lessor.start()])
    assert.equal(clock.pending, 1, 'the expiry loop')
    await lessor.start()
    const iteration = (async () => {
      const seen = []
      for await (const batch of lessor.expiredLeases()) seen.push(batch)
      return seen
    })()
    lessor.stop()
    lessor.stop()
    assert.deepEqual(await iteration, [])
    await lessor.start() // again: the loop runs, nothing reloaded
    lessor.stop()
    assert.equal(clock.pending, 0, 'no timer left behind')
    const late = new Lessor(undefined, { backend, clock })
    const starting = late.start()
    late.stop() // while loading
    await starting
    assert.equal(clock.pending, 0, 'stopped before the loop was armed')
  })
})
