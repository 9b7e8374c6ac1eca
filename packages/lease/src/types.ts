import type { BatchTx, ReadTx } from '@etcd-ts/backend'

/**
 * A lease ID: a signed 64-bit integer, as etcd's `lease.LeaseID` (int64). The server picks
 * positive ones (a request ID masked to 63 bits); a client may ask for any non-zero value.
 * `0n` is {@link NO_LEASE}.
 */
export type LeaseId = bigint

/**
 * What a lease holds: a key of the KV store, as its bytes (etcd's `LeaseItem{Key}`). Items are
 * compared bytewise; the lessor keeps the arrays it is given (do not mutate them).
 */
export type LeaseItem = Uint8Array

/**
 * A lease as the lessor sees it at one moment: plain data, a copy (later changes to the lease
 * do not show in it).
 */
export interface Lease {
  readonly id: LeaseId
  /** The granted TTL, in seconds (raised to the lessor's minimum). */
  readonly ttlSeconds: number
  /**
   * The remaining TTL last checkpointed, in seconds; 0 when none is set (then the next promote
   * restarts the full TTL).
   */
  readonly remainingTtlSeconds: number
  /**
   * When the lease expires, in the clock's ms; `Infinity` while it does not expire (the lessor
   * is not the primary).
   */
  readonly expiresAtMs: number
  /** How many items (keys) are attached. */
  readonly itemCount: number
}

/**
 * What `LeaseTimeToLive` answers (etcd's `LeaseTimeToLiveResponse` without its header).
 */
export interface LeaseTimeToLive {
  readonly id: LeaseId
  /**
   * Whole seconds left before the lease expires, truncated as etcd truncates (a lease granted
   * 600 s answers 599 a moment later); 0 or less once expired and not yet revoked; -1 when the
   * lease does not exist.
   */
  readonly ttlSeconds: number
  /** The granted TTL, in seconds; 0 when the lease does not exist. */
  readonly grantedTtlSeconds: number
  /** The attached keys in bytewise order, when asked for (`keys: true`); otherwise empty. */
  readonly keys: readonly Uint8Array[]
}

/** One lease's remaining TTL to record through raft (etcd's `LeaseCheckpoint`). */
export interface LeaseCheckpoint {
  readonly id: LeaseId
  /** Seconds left when the checkpoint was taken; 0 clears a recorded remaining TTL. */
  readonly remainingTtlSeconds: number
}

/**
 * Where the primary lessor sends checkpoints (etcd's `Checkpointer`): the server proposes them
 * as one `LeaseCheckpointRequest` raft entry, and every member applies each one with
 * {@link Lessor.checkpoint}. The array is the callee's to keep. It may return a Promise that
 * resolves once the entry is applied (etcd's proposal waits for that): `renew` awaits it
 * before refreshing a lease whose remaining TTL it clears; the expiry loop does not wait.
 * Rejections are logged, never thrown back.
 */
export type Checkpointer = (checkpoints: readonly LeaseCheckpoint[]) => void | Promise<void>

/**
 * A write transaction of the KV store that deletes keys (etcd's `TxnDelete`, which mvcc's
 * write txn implements).
 *
 * Contract: from the moment the {@link RangeDeleter} returns it until `end()`, it holds the
 * backend's write transaction locked (`batchTx().lock()` … `unlock()`), so that `revoke` can
 * delete the lease record through the same `batchTx()` and everything lands in one backend
 * transaction and one mvcc revision.
 */
export interface TxnDelete {
  /**
   * Deletes the keys in `[key, end)`, or only `key` without `end` (the lessor passes one key
   * at a time, no `end`). If the store tracks leases, it detaches each deleted key through
   * {@link Lessor.detach}, as etcd's mvcc does; the lessor also forgets the keys itself.
   */
  deleteRange(key: Uint8Array, end?: Uint8Array): void
  /** Ends the transaction: one new revision if anything changed; unlocks the backend. */
  end(): void
}

/**
 * Opens a {@link TxnDelete} on the KV store (etcd's `RangeDeleter`). Synchronous; the server
 * wires it to mvcc's write txn.
 */
export type RangeDeleter = () => TxnDelete

/** Time, injected (STYLE §4): `now()` in ms and a one-shot timer returning its cancel function. */
export interface Clock {
  now(): number
  setTimer(ms: number, callback: () => void): () => void
}

/** Where the lessor logs; default: nowhere. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
}

/** The part of `@etcd-ts/backend`'s `Backend` the lessor uses. */
export interface LessorBackend {
  batchTx(): BatchTx
  readTx(): ReadTx
}

/** One key attached to one lease, as the server reads them from mvcc for {@link Lessor.recover}. */
export interface LeaseItemBinding {
  readonly leaseId: LeaseId
  readonly key: LeaseItem
}

/** Settings of a {@link Lessor}. Every field is optional. */
export interface LessorOptions {
  /**
   * The shortest TTL granted, in seconds: shorter requests (and records recovered with a
   * shorter TTL) are raised to it. Default 2, etcd's rule for its default timing (see
   * {@link minLeaseTtlSeconds}). Integer ≥ 1.
   */
  readonly minLeaseTtlSeconds?: number
  /** How often the expiry loop runs, in ms. Default 500 (etcd's lessor loop). */
  readonly expiryCheckIntervalMs?: number
  /**
   * At most this many expired leases are reported per second (etcd's `leaseRevokeRate`): each
   * loop reports at most `revokeRatePerSecond × expiryCheckIntervalMs / 1000` (500), and
   * `promote` spreads expiries to at most 3/4 of it per second. Default 1000.
   */
  readonly revokeRatePerSecond?: number
  /**
   * An expired lease still not revoked this long after it was reported is reported again, in
   * ms (etcd's `ExpiredLeasesRetryInterval`). Default 3000.
   */
  readonly expiredLeaseRetryIntervalMs?: number
  /**
   * How often the primary checkpoints the remaining TTL of a lease that has more than this
   * left, in ms (etcd's `CheckpointInterval`). Only with a `checkpointer`. Default 300 000 (5 min).
   */
  readonly checkpointIntervalMs?: number
  /**
   * Whether applied checkpoints are written to the lease bucket, so that a remaining TTL also
   * survives a restart (etcd's `--experimental-enable-lease-checkpoint-persist`, always on from
   * etcd 3.6). Default false.
   */
  readonly checkpointPersist?: boolean
}

/** Collaborators of a {@link Lessor}. */
export interface LessorComponents {
  /** Where lease records live (the `lease` bucket). */
  readonly backend: LessorBackend
  /** Default: the real clock (`@etcd-ts/backend`'s `SYSTEM_CLOCK`). Tests pass a manual one. */
  readonly clock?: Clock
  readonly logger?: Logger
  /**
   * Deletes a revoked lease's keys (mvcc's write txn). Without one, `revoke` only deletes the
   * lease. It may close over a KV store built after the lessor (the two refer to each other).
   */
  readonly rangeDeleter?: RangeDeleter
  /** Turns checkpoints into raft proposals. Without one, nothing is checkpointed (etcd's default). */
  readonly checkpointer?: Checkpointer
}
