/**
 * The conditions a lessor user may handle, one class each. Callers branch on `code` (stable,
 * `LEASE_`-prefixed), never on the message. The messages are etcd's lessor texts
 * (`server/lease/lessor.go`) byte for byte; the server maps each code to etcd's gRPC status and
 * message (`etcdserver: requested lease not found`, ...), see the README's table. Misuse (bad
 * arguments, bad options) throws `TypeError` or `RangeError` instead.
 */
import type { LeaseId } from './types.js'

/**
 * No lease has this ID (etcd's `lease.ErrLeaseNotFound`; gRPC `NOT_FOUND`,
 * "etcdserver: requested lease not found"). Also what granting ID 0 gives, as in etcd.
 */
export class LeaseNotFoundError extends Error {
  readonly code = 'LEASE_NOT_FOUND'
  readonly id: LeaseId
  constructor(id: LeaseId, options?: ErrorOptions) {
    super('lease not found', options)
    this.name = 'LeaseNotFoundError'
    this.id = id
  }
}

/**
 * A lease with this ID exists already (etcd's `lease.ErrLeaseExists`; gRPC
 * `FAILED_PRECONDITION`, "etcdserver: lease already exists").
 */
export class LeaseExistsError extends Error {
  readonly code = 'LEASE_EXISTS'
  readonly id: LeaseId
  constructor(id: LeaseId, options?: ErrorOptions) {
    super('lease already exists', options)
    this.name = 'LeaseExistsError'
    this.id = id
  }
}

/**
 * The TTL asked for is above `MAX_LEASE_TTL_SECONDS` (9 000 000 000) (etcd's
 * `lease.ErrLeaseTTLTooLarge`; gRPC `OUT_OF_RANGE`, "etcdserver: too large lease TTL").
 */
export class LeaseTtlTooLargeError extends Error {
  readonly code = 'LEASE_TTL_TOO_LARGE'
  /** The TTL asked for, in seconds. */
  readonly ttlSeconds: number
  constructor(ttlSeconds: number, options?: ErrorOptions) {
    super('too large lease TTL', options)
    this.name = 'LeaseTtlTooLargeError'
    this.ttlSeconds = ttlSeconds
  }
}

/**
 * The lessor is not the primary (the raft leader's), or stopped being it while the call waited
 * (etcd's `lease.ErrNotPrimary`). Only the primary renews leases and answers TTL queries: the
 * server forwards the request to the leader (etcd's `LeaseRenew`), and a client retries.
 */
export class NotPrimaryError extends Error {
  readonly code = 'LEASE_NOT_PRIMARY'
  constructor(options?: ErrorOptions) {
    super('not a primary lessor', options)
    this.name = 'NotPrimaryError'
  }
}

/**
 * A record of the `lease` bucket is not a valid `leasepb.Lease` (or holds a TTL beyond
 * `Number.MAX_SAFE_INTEGER`). etcd panics here ("failed to unmarshal lease proto item").
 */
export class LeaseRecordCorruptError extends Error {
  readonly code = 'LEASE_RECORD_CORRUPT'
  constructor(detail: string, options?: ErrorOptions) {
    super(`lease: corrupt lease record: ${detail}`, options)
    this.name = 'LeaseRecordCorruptError'
  }
}
