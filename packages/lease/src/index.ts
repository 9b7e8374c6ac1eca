/**
 * `@etcd-ts/lease`: etcd's lessor. Leases with a TTL hold keys; the primary lessor (the raft
 * leader's) finds expired leases on a min-heap and reports them, at most 1000 a second, for the
 * server to revoke through raft; a revoke deletes the lease's keys and its record in one write
 * transaction. Checkpoints keep long leases' remaining TTL across leader changes; leases live
 * in the backend's `lease` bucket as `leasepb.Lease`. Time comes from an injected clock. It
 * depends on `@etcd-ts/backend` only; mvcc and the server use it.
 *
 * @example
 * ```ts
 * import { MemoryBackend } from '@etcd-ts/backend-memory'
 * import { Lessor } from '@etcd-ts/lease'
 *
 * const backend = new MemoryBackend()
 * await backend.open()
 * const lessor = new Lessor({}, { backend, clock }) // clock: now() and setTimer(ms, fn)
 * await lessor.start()
 * lessor.promote(1000) // this member leads: leases expire from now on
 * const lease = lessor.grant(0x694d67ed2bfbea03n, 10) // { id, ttlSeconds: 10, expiresAtMs: now + 10 000, ... }
 * lessor.attach(lease.id, [new TextEncoder().encode('a')]) // mvcc does this for put --lease
 * clock.advance(4000)
 * const ttl = await lessor.renew(lease.id) // 10: a full TTL from now again
 * const status = lessor.timeToLive(lease.id, { keys: true }) // { ttlSeconds: 10, grantedTtlSeconds: 10, keys: [a] }
 *
 * // The server's loop (in a cluster it proposes LeaseRevoke through raft instead).
 * const revoker = (async () => {
 *   for await (const expired of lessor.expiredLeases()) {
 *     for (const { id } of expired) lessor.revoke(id)
 *   }
 * })()
 * ```
 *
 * @packageDocumentation
 */
export {
  LeaseExistsError,
  LeaseNotFoundError,
  LeaseRecordCorruptError,
  LeaseTtlTooLargeError,
  NotPrimaryError,
} from './errors.js'
export { formatLeaseId, NO_LEASE } from './lease-id.js'
export type { LeaseRecord } from './leasepb.js'
export { decodeLeaseRecord, encodeLeaseRecord, leaseIdFromBytes, leaseIdToBytes } from './leasepb.js'
export { EXPIRED_LEASES_CAPACITY, Lessor, MAX_LEASE_CHECKPOINT_BATCH_SIZE } from './lessor.js'
export {
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  DEFAULT_EXPIRED_LEASE_RETRY_INTERVAL_MS,
  DEFAULT_EXPIRY_CHECK_INTERVAL_MS,
  DEFAULT_MIN_LEASE_TTL_SECONDS,
  DEFAULT_REVOKE_RATE_PER_SECOND,
  MAX_LEASE_TTL_SECONDS,
  minLeaseTtlSeconds,
} from './options.js'
export type {
  Checkpointer,
  Clock,
  Lease,
  LeaseCheckpoint,
  LeaseId,
  LeaseItem,
  LeaseItemBinding,
  LeaseTimeToLive,
  LessorBackend,
  LessorComponents,
  LessorOptions,
  Logger,
  RangeDeleter,
  TxnDelete,
} from './types.js'
