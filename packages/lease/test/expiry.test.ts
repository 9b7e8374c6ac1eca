// The expiry loop on a manual clock: when leases are reported, renewals, the primary-only
// rule, the retry of leases not revoked, the revoke rate limit and the bounded channel.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ExpiredCollector, fixture, flush } from './helpers.js'

// Advances in loop-sized steps, letting the reader take each batch at the time it was sent.
async function step(clock: { advance(ms: number): void }, totalMs: number, stepMs = 500): Promise<void> {
  for (let done = 0; done < totalMs; done += stepMs) {
    clock.advance(Math.min(stepMs, totalMs - done))
    await flush()
  }
}

describe('expiry', () => {
  it('reports a lease at the first loop run at or after its expiry (TTL ± one loop period)', async () => {
    const { lessor, clock } = await fixture()
    const expired = new ExpiredCollector(lessor, clock)
    lessor.promote(0)
    lessor.grant(1n, 10) // expires at 10 000, a loop run
    clock.advance(100)
    lessor.grant(2n, 10) // expires at 10 100: reported at 10 500
    await step(clock, 9_899, 1)
    assert.equal(clock.now(), 9_999)
    assert.equal(expired.batches.length, 0)
    await step(clock, 1)
    assert.deepEqual(
      expired.batches.map((batch) => [batch.at, batch.leases.map((lease) => lease.id)]),
      [[10_000, [1n]]],
    )
    await step(clock, 499, 1)
    assert.equal(expired.batches.length, 1)
    await step(clock, 1)
    assert.deepEqual(expired.batches[1]?.at, 10_500)
    assert.deepEqual(
      expired.batches[1]?.leases.map((lease) => lease.id),
      [2n],
    )
    const reported = expired.batches[1]?.leases[0]
    assert.equal(reported?.expiresAtMs, 10_100)
    assert.equal(reported?.ttlSeconds, 10)
  })

  it('renew pushes the expiry a full TTL from now', async () => {
    const { lessor, clock } = await fixture()
    const expired = new ExpiredCollector(lessor, clock)
    lessor.promote(0)
    lessor.grant(1n, 10)
    await step(clock, 9_000)
    assert.equal(await lessor.renew(1n), 10)
    await step(clock, 9_500)
    assert.equal(expired.batches.length, 0)
    await step(clock, 500)
    assert.deepEqual(expired.ids, [1n])
    assert.equal(expired.batches[0]?.at, 19_000)
  })

  it('only the primary reports: a secondary keeps leases forever, demote stops expiry', async () => {
    const { lessor, clock } = await fixture()
    const expired = new ExpiredCollector(lessor, clock)
    lessor.grant(1n, 2)
    await step(clock, 60_000, 5_000)
    assert.equal(expired.batches.length, 0)
    assert.equal(lessor.lookup(1n)?.expiresAtMs, Number.POSITIVE_INFINITY)
    lessor.promote(0)
    assert.equal(lessor.lookup(1n)?.expiresAtMs, 62_000)
    await step(clock, 1_000)
    lessor.demote()
    assert.equal(lessor.lookup(1n)?.expiresAtMs, Number.POSITIVE_INFINITY)
    await step(clock, 60_000, 5_000)
    assert.equal(expired.batches.length, 0)
    lessor.promote(0) // the full TTL again (nothing checkpointed)
    await step(clock, 2_000)
    assert.deepEqual(expired.ids, [1n])
  })

  it('reports an expired lease again after the retry interval (3 s) until it is revoked', async () => {
    const { lessor, clock } = await fixture()
    const expired = new ExpiredCollector(lessor, clock)
    lessor.promote(0)
    lessor.grant(1n, 5)
    await step(clock, 5_000)
    await step(clock, 2_500)
    assert.deepEqual(
      expired.batches.map((batch) => batch.at),
      [5_000],
    )
    await step(clock, 500)
    assert.deepEqual(
      expired.batches.map((batch) => batch.at),
      [5_000, 8_000],
    )
    lessor.revoke(1n)
    await step(clock, 10_000)
    assert.equal(expired.batches.length, 2)
  })

  it('reports 10 000 leases expiring together at most 500 per loop (1000/s), each once', async () => {
    const { lessor, clock } = await fixture()
    lessor.promote(0)
    const count = 10_000
    for (let id = 1n; id <= BigInt(count); id++) lessor.grant(id, 10)
    const expired = new ExpiredCollector(lessor, clock, (leases) => {
      for (const lease of leases) lessor.revoke(lease.id) // what the server's LeaseRevoke does
    })
    await step(clock, 9_500)
    assert.equal(expired.batches.length, 0)
    await step(clock, 10_000)
    assert.equal(expired.batches.length, 20)
    expired.batches.forEach((batch, i) => {
      assert.equal(batch.leases.length, 500)
      assert.equal(batch.at, 10_000 + 500 * i)
      for (const lease of batch.leases) assert.ok(lease.expiresAtMs <= batch.at)
    })
    const ids = expired.ids
    assert.equal(new Set(ids).size, count)
    // Per second of clock time, never more than 1000.
    const perSecond = new Map<number, number>()
    for (const batch of expired.batches) {
      const second = Math.floor(batch.at / 1000)
      perSecond.set(second, (perSecond.get(second) ?? 0) + batch.leases.length)
    }
    for (const n of perSecond.values()) assert.ok(n <= 1000)
    assert.equal(lessor.leases().length, 0)
  })

  it('honours revokeRatePerSecond and expiryCheckIntervalMs', async () => {
    const { lessor, clock } = await fixture({ revokeRatePerSecond: 100, expiryCheckIntervalMs: 200 })
    lessor.promote(0)
    for (let id = 1n; id <= 100n; id++) lessor.grant(id, 2)
    const expired = new ExpiredCollector(lessor, clock, (leases) => {
      for (const lease of leases) lessor.revoke(lease.id)
    })
    await step(clock, 2_000, 200)
    await step(clock, 800, 200)
    assert.deepEqual(
      expired.batches.map((batch) => [batch.at, batch.leases.length]),
      [
        [2_000, 20],
        [2_200, 20],
        [2_400, 20],
        [2_600, 20],
        [2_800, 20],
      ],
    )
  })

  it('keeps at most 16 batches for a slow reader; dropped leases come back after the retry interval', async () => {
    const { lessor, clock } = await fixture()
    lessor.promote(0)
    for (let id = 1n; id <= 10_000n; id++) lessor.grant(id, 10)
    clock.advance(20_000) // 21 loop runs from 10 000 to 20 000, nobody reading
    const reported = new Set<bigint>()
    const collector = new ExpiredCollector(lessor, clock, (leases) => {
      for (const lease of leases) {
        reported.add(lease.id)
        if (lessor.lookup(lease.id) !== undefined) lessor.revoke(lease.id)
      }
    })
    await flush()
    assert.equal(collector.batches.length, 16, 'the buffered batches')
    assert.equal(reported.size, 16 * 500)
    await step(clock, 10_000)
    assert.equal(reported.size, 10_000, 'the dropped ones were reported again')
    assert.equal(lessor.leases().length, 0)
  })

  it('property: with a reader revoking what it gets, no lease outlives its expiry by a loop period', async () => {
    type Action =
      | { kind: 'grant'; id: number; ttl: number }
      | { kind: 'renew' | 'revoke' | 'attach'; id: number }
      | { kind: 'advance'; ms: number }
      | { kind: 'promote'; extendMs: number }
      | { kind: 'demote' }
    const id = fc.integer({ min: 1, max: 12 })
    const action: fc.Arbitrary<Action> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({ kind: fc.constant('grant' as const), id, ttl: fc.integer({ min: -1, max: 12 }) }),
      },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('renew' as const), id }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), id }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('attach' as const), id }) },
      {
        weight: 5,
        arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4_000 }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('promote' as const), extendMs: fc.integer({ min: 0, max: 2_000 }) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('demote' as const) }) },
    )
    let runs = 0
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 40 }), async (actions) => {
        const { lessor, clock, kv } = await fixture()
        const problems: string[] = []
        const expired = new ExpiredCollector(lessor, clock, (leases) => {
          for (const lease of leases) {
            if (lease.expiresAtMs > clock.now()) problems.push(`lease ${lease.id} reported before its expiry`)
            if (!lessor.isPrimary()) continue // a demoted member's server does not revoke
            if (lessor.lookup(lease.id) !== undefined) lessor.revoke(lease.id)
          }
        })
        let keys = 0
        for (const a of actions) {
          const leaseId = BigInt((a as { id?: number }).id ?? 0)
          const exists = lessor.lookup(leaseId) !== undefined
          if (a.kind === 'grant' && !exists) lessor.grant(leaseId, a.ttl)
          else if (a.kind === 'revoke' && exists) lessor.revoke(leaseId)
          else if (a.kind === 'attach' && exists)
            kv.put(new Uint8Array([keys++ % 256, keys >> 8]), new Uint8Array(1), leaseId)
          else if (a.kind === 'renew' && exists && lessor.isPrimary()) {
            if ((lessor.lookup(leaseId)?.expiresAtMs ?? 0) > clock.now()) await lessor.renew(leaseId)
          } else if (a.kind === 'promote') lessor.promote(a.extendMs)
          else if (a.kind === 'demote') lessor.demote()
          else if (a.kind === 'advance') {
            for (let done = 0; done < a.ms; done += 250) {
              clock.advance(Math.min(250, a.ms - done))
              await flush()
            }
          }
          for (const lease of lessor.leases()) {
            if (lessor.isPrimary() && lease.expiresAtMs <= clock.now() - 500) {
              problems.push(`lease ${lease.id} (expiry ${lease.expiresAtMs}) still there at ${clock.now()}`)
            }
            if (!lessor.isPrimary() && lease.expiresAtMs !== Number.POSITIVE_INFINITY) {
              problems.push(`lease ${lease.id} expires on a secondary`)
            }
          }
        }
        lessor.stop()
        await expired.done
        runs++
        assert.deepEqual(problems, [])
      }),
      { numRuns: 150 },
    )
    assert.equal(runs, 150)
  })
})
