// Primary and secondary: promote (refresh by the election timeout, spread pile-ups), demote,
// and renewals of expired leases waiting for revocation or demotion (etcd's lessor_test.go:
// TestLessorPromote, TestLessorDemote, TestLessorRenewWithCheckpointer's neighbours).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Lessor } from '@etcd-ts/lease'
import { ExpiredCollector, fixture, flush } from './helpers.js'

function expiryCounts(lessor: Lessor, fromMs: number): number[] {
  const counts: number[] = []
  for (const lease of lessor.leases()) {
    const second = Math.floor((lease.expiresAtMs - fromMs) / 1000)
    counts[second] = (counts[second] ?? 0) + 1
  }
  return Array.from(counts, (n) => n ?? 0)
}

describe('promote', () => {
  it('refreshes every lease to now + extend + TTL, so no lease expires because leadership moved', async () => {
    const { lessor, clock } = await fixture()
    const expired = new ExpiredCollector(lessor, clock)
    lessor.grant(1n, 10)
    lessor.grant(2n, 20)
    clock.advance(100_000)
    lessor.promote(1_000)
    assert.deepEqual(
      lessor.leases().map((lease) => [lease.id, lease.expiresAtMs]),
      [
        [1n, 111_000],
        [2n, 121_000],
      ],
    )
    clock.advance(10_500)
    await flush()
    assert.equal(expired.batches.length, 0)
    clock.advance(500)
    await flush()
    assert.deepEqual(expired.ids, [1n])
  })

  it('spreads 3000 leases expiring together to at most 750 per second (etcd Promote)', async () => {
    const { lessor, clock } = await fixture()
    for (let id = 1n; id <= 3000n; id++) lessor.grant(id, 10)
    clock.advance(7)
    lessor.promote(1_000)
    const base = 7 + 1_000 + 10_000
    const leases = lessor.leases()
    assert.equal(leases[0]?.expiresAtMs, base)
    assert.equal(leases[749]?.expiresAtMs, base, 'the first 750 keep their expiry')
    assert.ok((leases[750]?.expiresAtMs ?? 0) > base)
    assert.ok(Math.abs((leases[2999]?.expiresAtMs ?? 0) - (base + 4_000)) < 1e-6, '3000 / 750 = 4 s')
    for (const n of expiryCounts(lessor, base)) assert.ok(n <= 751, `${n} in one second`)
    assert.equal(expiryCounts(lessor, base).length, 5) // [base, base + 4 s]
  })

  it('does not spread fewer than 1000 leases', async () => {
    const { lessor } = await fixture()
    for (let id = 1n; id <= 999n; id++) lessor.grant(id, 10)
    lessor.promote(0)
    assert.deepEqual(new Set(lessor.leases().map((lease) => lease.expiresAtMs)), new Set([10_000]))
  })

  it('spreads each one-second window on its own', async () => {
    const { lessor } = await fixture()
    for (let id = 1n; id <= 1000n; id++) lessor.grant(id, 10)
    for (let id = 1001n; id <= 2000n; id++) lessor.grant(id, 20)
    lessor.promote(0)
    const counts = expiryCounts(lessor, 10_000)
    assert.deepEqual(counts.slice(0, 2), [750, 250])
    assert.deepEqual(counts.slice(10, 12), [750, 250])
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      2000,
    )
  })

  it('rejects a negative or non-finite extension', async () => {
    const { lessor } = await fixture()
    assert.throws(() => lessor.promote(-1), RangeError)
    assert.throws(() => lessor.promote(Number.POSITIVE_INFINITY), RangeError)
    assert.equal(lessor.isPrimary(), false)
  })
})

describe('demote', () => {
  it('makes every lease non-expiring and the lessor a secondary; idempotent', async () => {
    const { lessor } = await fixture()
    lessor.promote(0)
    lessor.grant(1n, 10)
    assert.equal(lessor.isPrimary(), true)
    lessor.demote()
    lessor.demote()
    assert.equal(lessor.isPrimary(), false)
    assert.equal(lessor.lookup(1n)?.expiresAtMs, Number.POSITIVE_INFINITY)
    await assert.rejects(lessor.renew(1n), { code: 'LEASE_NOT_PRIMARY' })
  })
})

describe('renew of an expired lease', () => {
  async function expiredLease() {
    const f = await fixture()
    f.lessor.promote(0)
    f.lessor.grant(1n, 2)
    f.clock.advance(2_000)
    return f
  }

  it('waits for the revocation, then fails with LEASE_NOT_FOUND', async () => {
    const { lessor } = await expiredLease()
    let settled = false
    const renewal = lessor.renew(1n).finally(() => {
      settled = true
    })
    await flush()
    assert.equal(settled, false)
    lessor.revoke(1n)
    await assert.rejects(renewal, { code: 'LEASE_NOT_FOUND' })
  })

  it('fails with LEASE_NOT_PRIMARY when the lessor is demoted or stopped meanwhile', async () => {
    const a = await expiredLease()
    const renewal = a.lessor.renew(1n)
    a.lessor.demote()
    await assert.rejects(renewal, { code: 'LEASE_NOT_PRIMARY' })
    const b = await expiredLease()
    const stopped = b.lessor.renew(1n)
    b.lessor.stop()
    await assert.rejects(stopped, { code: 'LEASE_NOT_PRIMARY' })
  })

  it('gives up with the signal reason when aborted', async () => {
    const { lessor } = await expiredLease()
    const controller = new AbortController()
    const renewal = lessor.renew(1n, { signal: controller.signal })
    controller.abort(new Error('client went away'))
    await assert.rejects(renewal, /client went away/)
    lessor.revoke(1n) // nobody left waiting
  })
})
