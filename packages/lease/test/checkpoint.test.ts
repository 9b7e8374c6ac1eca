// Checkpoints: the primary records long leases' remaining TTL through the checkpointer (a raft
// proposal applied on every member), so that a new leader does not restart them (etcd #9888).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Buckets } from '@etcd-ts/backend'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import {
  type Checkpointer,
  decodeLeaseRecord,
  type LeaseCheckpoint,
  Lessor,
  type LessorOptions,
  leaseIdToBytes,
} from '@etcd-ts/lease'
import { ExpiredCollector, fixture, flush, ManualClock } from './helpers.js'

// Two members sharing a clock; what the primary's checkpointer sends is "committed" and applied
// on both, as raft would.
async function cluster(options: LessorOptions = {}) {
  const clock = new ManualClock()
  const proposals: (readonly LeaseCheckpoint[])[] = []
  const members: Lessor[] = []
  const checkpointer: Checkpointer = (checkpoints) => {
    proposals.push(checkpoints)
    for (const member of members) {
      for (const { id, remainingTtlSeconds } of checkpoints) member.checkpoint(id, remainingTtlSeconds)
    }
  }
  const backends: MemoryBackend[] = []
  for (let i = 0; i < 2; i++) {
    const backend = new MemoryBackend({}, { clock })
    await backend.open()
    backends.push(backend)
    const lessor = new Lessor({ checkpointIntervalMs: 60_000, ...options }, { backend, clock, checkpointer })
    await lessor.start()
    members.push(lessor)
  }
  const [a, b] = members as [Lessor, Lessor]
  const grant = (id: bigint, ttl: number) => {
    for (const member of members) member.grant(id, ttl)
  }
  return { clock, proposals, a, b, grant, backends }
}

describe('checkpoints', () => {
  it('records the remaining TTL of long leases every interval, on every member', async () => {
    const { clock, proposals, a, b, grant } = await cluster()
    a.promote(1_000)
    grant(1n, 600)
    grant(2n, 60) // not more than one interval: never checkpointed
    clock.advance(60_000)
    assert.deepEqual(proposals, [[{ id: 1n, remainingTtlSeconds: 540 }]])
    assert.equal(a.lookup(1n)?.remainingTtlSeconds, 540)
    assert.equal(b.lookup(1n)?.remainingTtlSeconds, 540)
    assert.equal(b.lookup(2n)?.remainingTtlSeconds, 0)
    clock.advance(60_000)
    assert.deepEqual(proposals.at(-1), [{ id: 1n, remainingTtlSeconds: 480 }])
  })

  it('keeps the remaining TTL across a leader change (no restart of the TTL)', async () => {
    const { clock, a, b, grant } = await cluster()
    a.promote(1_000)
    grant(1n, 600)
    clock.advance(120_000) // two checkpoints: 480 s left
    a.demote() // leader lost
    b.promote(1_000) // new leader, election timeout 1 s
    assert.equal(b.lookup(1n)?.expiresAtMs, 120_000 + 1_000 + 480_000)
    assert.equal(b.timeToLive(1n).ttlSeconds, 481)
    const expired = new ExpiredCollector(b, clock)
    clock.advance(480_500)
    await flush()
    assert.equal(expired.batches.length, 0)
    clock.advance(500)
    await flush()
    assert.deepEqual(expired.ids, [1n])
    assert.equal(expired.batches[0]?.at, 601_000)
  })

  it('without a checkpointer a new leader restarts the full TTL (etcd #9888)', async () => {
    const clock = new ManualClock()
    const f = await fixture({}, {}, clock)
    f.lessor.grant(1n, 600)
    f.lessor.promote(1_000)
    clock.advance(120_000)
    f.lessor.demote()
    f.lessor.promote(1_000)
    assert.equal(f.lessor.lookup(1n)?.expiresAtMs, 120_000 + 1_000 + 600_000)
  })

  it('renew clears a recorded remaining TTL through the checkpointer before refreshing', async () => {
    const { clock, proposals, a, b, grant } = await cluster()
    a.promote(0)
    grant(1n, 600)
    clock.advance(60_000)
    assert.equal(b.lookup(1n)?.remainingTtlSeconds, 540)
    assert.equal(await a.renew(1n), 600)
    assert.deepEqual(proposals.at(-1), [{ id: 1n, remainingTtlSeconds: 0 }])
    assert.equal(b.lookup(1n)?.remainingTtlSeconds, 0)
    assert.equal(a.lookup(1n)?.expiresAtMs, 60_000 + 600_000)
    const count = proposals.length
    assert.equal(await a.renew(1n), 600)
    assert.equal(proposals.length, count, 'nothing to clear the second time')
  })

  it('renew waits for an asynchronous checkpointer and survives its failure', async () => {
    const clock = new ManualClock()
    const warnings: string[] = []
    let release: (() => void) | undefined
    let fail = false
    const f = await fixture(
      { checkpointIntervalMs: 60_000 },
      {
        logger: { info() {}, warn: (message) => warnings.push(message) },
        checkpointer: (checkpoints) => {
          if (fail) return Promise.reject(new Error('proposal dropped'))
          return new Promise<void>((resolve) => {
            release = () => {
              for (const c of checkpoints) f.lessor.checkpoint(c.id, c.remainingTtlSeconds)
              resolve()
            }
          })
        },
      },
      clock,
    )
    f.lessor.promote(0)
    f.lessor.grant(1n, 600)
    f.lessor.checkpoint(1n, 300)
    let renewed: number | undefined
    const renewal = f.lessor.renew(1n).then((ttl) => {
      renewed = ttl
    })
    await flush()
    assert.equal(renewed, undefined, 'waits for the clearing checkpoint to apply')
    release?.()
    await renewal
    assert.equal(renewed, 600)
    assert.equal(f.lessor.lookup(1n)?.remainingTtlSeconds, 0)
    fail = true
    f.lessor.checkpoint(1n, 300)
    assert.equal(await f.lessor.renew(1n), 600)
    assert.equal(f.lessor.lookup(1n)?.expiresAtMs, 600_000, 'a full TTL even though the clear failed')
    assert.match(warnings.join('\n'), /proposal dropped/)
  })

  it('sends at most 1000 checkpoints per call', async () => {
    const { clock, proposals, a, grant } = await cluster()
    a.promote(0)
    for (let id = 1n; id <= 2500n; id++) grant(id, 600)
    clock.advance(60_000)
    assert.deepEqual(
      proposals.map((batch) => batch.length),
      [1000, 1000, 500],
    )
  })

  it('ignores a checkpoint of an unknown lease and rejects a negative remaining TTL', async () => {
    const { lessor } = await fixture()
    lessor.checkpoint(9n, 10)
    assert.equal(lessor.lookup(9n), undefined)
    lessor.grant(1n, 10)
    assert.throws(() => lessor.checkpoint(1n, -1), RangeError)
  })

  it('persists checkpoints with checkpointPersist, so the remaining TTL survives a restart', async () => {
    for (const checkpointPersist of [false, true]) {
      const { clock, a, grant, backends } = await cluster({ checkpointPersist })
      a.promote(0)
      grant(1n, 600)
      clock.advance(60_000)
      const backend = backends[1] as MemoryBackend
      const record = decodeLeaseRecord(backend.readTx().unsafeGet(Buckets.Lease, leaseIdToBytes(1n)) as Uint8Array)
      assert.equal(record.remainingTtlSeconds, checkpointPersist ? 540 : 0)
      const restarted = new Lessor({}, { backend, clock })
      await restarted.start()
      assert.equal(restarted.lookup(1n)?.remainingTtlSeconds, checkpointPersist ? 540 : 0)
      restarted.promote(1_000)
      assert.equal(restarted.lookup(1n)?.expiresAtMs, 60_000 + 1_000 + (checkpointPersist ? 540_000 : 600_000))
    }
  })
})
