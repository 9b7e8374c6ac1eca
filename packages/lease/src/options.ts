import type { LessorOptions } from './types.js'

/** The longest TTL a lease may have, in seconds (etcd's `MaxLeaseTTL`). */
export const MAX_LEASE_TTL_SECONDS = 9_000_000_000

/** Default `expiryCheckIntervalMs`: etcd's lessor loop runs every 500 ms. */
export const DEFAULT_EXPIRY_CHECK_INTERVAL_MS = 500
/** Default `revokeRatePerSecond`: etcd's `leaseRevokeRate`. */
export const DEFAULT_REVOKE_RATE_PER_SECOND = 1000
/** Default `expiredLeaseRetryIntervalMs`: etcd's `defaultExpiredleaseRetryInterval`. */
export const DEFAULT_EXPIRED_LEASE_RETRY_INTERVAL_MS = 3000
/** Default `checkpointIntervalMs`: etcd's `defaultLeaseCheckpointInterval` (5 min). */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 300_000

/**
 * etcd's shortest lease TTL for a raft timing (`server/etcdserver/server.go`): one and a half
 * election timeouts, counted in whole ticks, rounded up to whole seconds:
 * `ceil(floor(3 × electionTicks / 2) × heartbeatMs / 1000)`. With etcd's defaults (heartbeat
 * 100 ms, election timeout 1000 ms, so 10 ticks) that is 2 s: a client asking for a 1-second
 * lease gets 2.
 *
 * @param timing.heartbeatMs - the raft tick, in ms (etcd's `--heartbeat-interval`).
 * @param timing.electionTicks - the election timeout in ticks: `floor(electionMs / heartbeatMs)`.
 * @throws RangeError unless both are positive integers.
 */
export function minLeaseTtlSeconds(timing: { readonly heartbeatMs: number; readonly electionTicks: number }): number {
  const { heartbeatMs, electionTicks } = timing
  positiveInteger(heartbeatMs, 'heartbeatMs')
  positiveInteger(electionTicks, 'electionTicks')
  return Math.ceil((Math.floor((3 * electionTicks) / 2) * heartbeatMs) / 1000)
}

/** Default `minLeaseTtlSeconds`: etcd's rule for its default timing, 2 s. */
export const DEFAULT_MIN_LEASE_TTL_SECONDS = minLeaseTtlSeconds({ heartbeatMs: 100, electionTicks: 10 })

/** {@link LessorOptions} with every default applied. */
export interface ResolvedLessorOptions {
  readonly minLeaseTtlSeconds: number
  readonly expiryCheckIntervalMs: number
  readonly revokeRatePerSecond: number
  readonly expiredLeaseRetryIntervalMs: number
  readonly checkpointIntervalMs: number
  readonly checkpointPersist: boolean
  /** Expired leases reported per loop at most (etcd: `leaseRevokeRate / 2`). */
  readonly revokeLimitPerLoop: number
}

/**
 * Validates `options` and applies the defaults.
 *
 * @throws TypeError or RangeError naming the offending field.
 */
export function resolveLessorOptions(options: LessorOptions | undefined): ResolvedLessorOptions {
  if (options === undefined) options = {}
  else if (typeof options !== 'object' || options === null) throw new TypeError('lessor: options must be an object')
  const {
    minLeaseTtlSeconds = DEFAULT_MIN_LEASE_TTL_SECONDS,
    expiryCheckIntervalMs = DEFAULT_EXPIRY_CHECK_INTERVAL_MS,
    revokeRatePerSecond = DEFAULT_REVOKE_RATE_PER_SECOND,
    expiredLeaseRetryIntervalMs = DEFAULT_EXPIRED_LEASE_RETRY_INTERVAL_MS,
    checkpointIntervalMs = DEFAULT_CHECKPOINT_INTERVAL_MS,
    checkpointPersist = false,
  } = options
  positiveInteger(minLeaseTtlSeconds, 'options.minLeaseTtlSeconds')
  if (minLeaseTtlSeconds > MAX_LEASE_TTL_SECONDS) {
    throw new RangeError(
      `lessor: options.minLeaseTtlSeconds must be at most ${MAX_LEASE_TTL_SECONDS}, got ${minLeaseTtlSeconds}`,
    )
  }
  positiveInteger(expiryCheckIntervalMs, 'options.expiryCheckIntervalMs')
  positiveInteger(revokeRatePerSecond, 'options.revokeRatePerSecond')
  positiveInteger(expiredLeaseRetryIntervalMs, 'options.expiredLeaseRetryIntervalMs')
  positiveInteger(checkpointIntervalMs, 'options.checkpointIntervalMs')
  if (typeof checkpointPersist !== 'boolean') {
    throw new TypeError(`lessor: options.checkpointPersist must be a boolean, got ${typeof checkpointPersist}`)
  }
  return {
    minLeaseTtlSeconds,
    expiryCheckIntervalMs,
    revokeRatePerSecond,
    expiredLeaseRetryIntervalMs,
    checkpointIntervalMs,
    checkpointPersist,
    revokeLimitPerLoop: Math.max(1, Math.floor((revokeRatePerSecond * expiryCheckIntervalMs) / 1000)),
  }
}

function positiveInteger(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`lessor: ${field} must be a positive integer, got ${String(value)}`)
  }
}
