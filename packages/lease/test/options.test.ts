// etcd's minimum lease TTL rule and the option defaults.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  DEFAULT_EXPIRED_LEASE_RETRY_INTERVAL_MS,
  DEFAULT_EXPIRY_CHECK_INTERVAL_MS,
  DEFAULT_MIN_LEASE_TTL_SECONDS,
  DEFAULT_REVOKE_RATE_PER_SECOND,
  MAX_LEASE_TTL_SECONDS,
  minLeaseTtlSeconds,
} from '@etcd-ts/lease'

describe('minLeaseTtlSeconds', () => {
  it('is ceil(floor(3 × electionTicks / 2) × heartbeat) in seconds: 2 s for etcd defaults', () => {
    assert.equal(minLeaseTtlSeconds({ heartbeatMs: 100, electionTicks: 10 }), 2) // 15 × 100 ms = 1.5 s
    assert.equal(minLeaseTtlSeconds({ heartbeatMs: 100, electionTicks: 15 }), 3) // 22 × 100 ms = 2.2 s
    assert.equal(minLeaseTtlSeconds({ heartbeatMs: 50, electionTicks: 20 }), 2) // 30 × 50 ms = 1.5 s
    assert.equal(minLeaseTtlSeconds({ heartbeatMs: 10, electionTicks: 3 }), 1) // 4 × 10 ms
    assert.equal(minLeaseTtlSeconds({ heartbeatMs: 500, electionTicks: 10 }), 8) // 7.5 s
    assert.throws(() => minLeaseTtlSeconds({ heartbeatMs: 0, electionTicks: 10 }), /heartbeatMs/)
    assert.throws(() => minLeaseTtlSeconds({ heartbeatMs: 100, electionTicks: 1.5 }), /electionTicks/)
  })

  it("has etcd's constants as defaults", () => {
    assert.equal(DEFAULT_MIN_LEASE_TTL_SECONDS, 2)
    assert.equal(MAX_LEASE_TTL_SECONDS, 9_000_000_000)
    assert.equal(DEFAULT_EXPIRY_CHECK_INTERVAL_MS, 500)
    assert.equal(DEFAULT_REVOKE_RATE_PER_SECOND, 1000)
    assert.equal(DEFAULT_EXPIRED_LEASE_RETRY_INTERVAL_MS, 3000)
    assert.equal(DEFAULT_CHECKPOINT_INTERVAL_MS, 300_000)
  })
})
