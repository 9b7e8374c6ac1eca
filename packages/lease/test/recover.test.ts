// Recovery: leases come back from the lease bucket (TTL raised to the minimum, remaining TTL
// kept, not expiring until promoted), keys are re-attached from what the server reads in mvcc;
// on LevelDB, across a real close and reopen.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Buckets } from '@etcd-ts/backend'
import { LevelBackend } from '@etcd-ts/backend-level'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { encodeLeaseRecord, Lessor, leaseIdToBytes } from '@etcd-ts/lease'
import { ExpiredCollector, FakeKv, flush, KV_BUCKET, ManualClock, text } from './helpers.js'

describe('recover', () => {
  it('rebuilds leases from the bucket and re-attaches the keys it is given', async () => {
    const clock = new ManualClock()
    const backend = new MemoryBackend({}, { clock })
    await backend.open()
    const first = new Lessor({ checkpointPersist: true }, { backend, clock })
    await first.start()
    first.promote(0)
    first.grant(1n, 10)
    first.grant(2n, 3)
    first.grant(-5n, 100)
    first.checkpoint(-5n, 40)
    first.stop()

    const warnings: string[] = []
    const second = new Lessor(
      { minLeaseTtlSeconds: 5 },
      { backend, clock, logger: { info() {}, warn: (m) => warnings.push(m) } },
    )
    await second.start()
    await second.recover([
      { leaseId: 1n, key: text('a') },
      { leaseId: 1n, key: text('b') },
      { leaseId: -5n, key: text('c') },
      { leaseId: 9n, key: text('orphan') },
    ])
    assert.deepEqual(
      second
        .leases()
        .map((lease) => [lease.id, lease.ttlSeconds, lease.remainingTtlSeconds, lease.expiresAtMs, lease.itemCount]),
      [
        [-5n, 100, 40, Number.POSITIVE_INFINITY, 1],
        [1n, 10, 0, Number.POSITIVE_INFINITY, 2],
        [2n, 5, 0, Number.POSITIVE_INFINITY, 0], // raised to the new minimum
      ],
    )
    assert.equal(second.getLease(text('b')), 1n)
    assert.equal(second.getLease(text('orphan')), 0n)
    assert.match(warnings.join('\n'), /1 key\(s\) name a lease that does not exist/)
    second.promote(1_000)
    assert.equal(second.lookup(-5n)?.expiresAtMs, 1_000 + 40_000, 'the checkpointed remaining TTL counts')
    assert.equal(second.lookup(1n)?.expiresAtMs, 1_000 + 10_000)
  })

  it('replaces the in-memory state (after a snapshot restore); on the primary leases expire again', async () => {
    const clock = new ManualClock()
    const backend = new MemoryBackend({}, { clock })
    await backend.open()
    const lessor = new Lessor({}, { backend, clock })
    await lessor.start()
    lessor.promote(0)
    lessor.grant(1n, 10)
    lessor.attach(1n, [text('a')])
    // Someone else's state arrives in the backend (as a restored snapshot would bring it).
    const tx = backend.batchTx()
    tx.lock()
    tx.unsafeDelete(Buckets.Lease, leaseIdToBytes(1n))
    tx.unsafePut(
      Buckets.Lease,
      leaseIdToBytes(2n),
      encodeLeaseRecord({ id: 2n, ttlSeconds: 20, remainingTtlSeconds: 0 }),
    )
    tx.unlock()
    clock.advance(5_000)
    await lessor.recover()
    assert.equal(lessor.lookup(1n), undefined)
    assert.equal(lessor.getLease(text('a')), 0n)
    assert.equal(lessor.lookup(2n)?.expiresAtMs, 5_000 + 20_000)
  })

  it('fails with LEASE_RECORD_CORRUPT on a damaged record', async () => {
    for (const [key, value] of [
      [leaseIdToBytes(1n), Uint8Array.of(0x08)], // truncated varint
      [leaseIdToBytes(1n), Uint8Array.of(0x0a, 0x01, 0x01)], // ID with wire type 2
      [leaseIdToBytes(2n), encodeLeaseRecord({ id: 1n, ttlSeconds: 10, remainingTtlSeconds: 0 })], // key ≠ ID
      [Uint8Array.of(1), encodeLeaseRecord({ id: 1n, ttlSeconds: 10, remainingTtlSeconds: 0 })], // key not 8 bytes
    ] as const) {
      const backend = new MemoryBackend()
      await backend.open()
      const tx = backend.batchTx()
      tx.lock()
      tx.unsafeCreateBucket(Buckets.Lease)
      tx.unsafePut(Buckets.Lease, key, value)
      tx.unlock()
      const lessor = new Lessor({}, { backend, clock: new ManualClock() })
      await assert.rejects(lessor.start(), { code: 'LEASE_RECORD_CORRUPT' })
    }
  })

  it('survives a close and reopen of a LevelDB backend', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'etcd-ts-lease-'))
    try {
      const location = join(dir, 'db')
      const clock = new ManualClock()
      {
        const backend = new LevelBackend({ location }, { clock })
        await backend.open()
        const kv = new FakeKv(backend)
        const lessor = new Lessor({}, { backend, clock, rangeDeleter: kv.rangeDeleter })
        kv.lessor = lessor
        await lessor.start()
        lessor.grant(0x694d67ed2bfbea03n, 10)
        lessor.grant(2n, 600)
        lessor.grant(3n, 30)
        kv.put(text('a'), text('1'), 0x694d67ed2bfbea03n)
        kv.put(text('b'), text('2'), 0x694d67ed2bfbea03n)
        lessor.revoke(3n)
        lessor.stop()
        await backend.close()
      }
      const backend = new LevelBackend({ location }, { clock })
      await backend.open()
      const kv = new FakeKv(backend)
      const lessor = new Lessor({}, { backend, clock, rangeDeleter: kv.rangeDeleter })
      kv.lessor = lessor
      await lessor.start()
      // What the server reads from mvcc: live keys carrying a lease.
      await lessor.recover([
        { leaseId: 0x694d67ed2bfbea03n, key: text('a') },
        { leaseId: 0x694d67ed2bfbea03n, key: text('b') },
      ])
      assert.deepEqual(
        lessor.leases().map((lease) => [lease.id, lease.ttlSeconds, lease.itemCount]),
        [
          [2n, 600, 0],
          [0x694d67ed2bfbea03n, 10, 2],
        ],
      )
      const expired = new ExpiredCollector(lessor, clock, (leases) => {
        for (const lease of leases) lessor.revoke(lease.id)
      })
      lessor.promote(1_000)
      clock.advance(11_000)
      await flush()
      assert.deepEqual(expired.ids, [0x694d67ed2bfbea03n])
      assert.equal(backend.readTx().unsafeGet(KV_BUCKET, text('a')), undefined)
      assert.equal(backend.readTx().unsafeGet(Buckets.Lease, leaseIdToBytes(0x694d67ed2bfbea03n)), undefined)
      lessor.stop()
      await backend.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
