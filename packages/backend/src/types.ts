import type { BucketName } from './buckets.js'

/** Keys and values of a range read, in ascending key order. Callers must not mutate the arrays. */
export interface RangeResult {
  readonly keys: Uint8Array[]
  readonly values: Uint8Array[]
}

/**
 * Reads of one view of the store: committed data plus every write transaction already unlocked
 * (buffered, not yet committed) — etcd's read buffer semantics.
 *
 * Key arrays given are not kept; value arrays returned must not be mutated.
 */
export interface ReadTx {
  /**
   * The value of `key` in `bucket`, or `undefined`. Synchronous: point reads are the hot path
   * (mvcc reads values by revision).
   *
   * @throws BucketNotFoundError when the bucket does not exist.
   */
  unsafeGet(bucket: BucketName, key: Uint8Array): Uint8Array | undefined
  /**
   * The entries with `key <= k < end` in ascending order, at most `limit` of them (0: no
   * limit). Without `end` (or with an empty one), only `key` itself.
   *
   * @throws BucketNotFoundError when the bucket does not exist.
   */
  unsafeRange(bucket: BucketName, key: Uint8Array, end?: Uint8Array, limit?: number): Promise<RangeResult>
  /**
   * Calls `visit` for every entry of the bucket in ascending key order; `visit` may return
   * `false` to stop.
   *
   * @throws BucketNotFoundError when the bucket does not exist.
   */
  unsafeForEach(bucket: BucketName, visit: (key: Uint8Array, value: Uint8Array) => void | boolean): Promise<void>
  /** Whether the bucket exists in this view. */
  hasBucket(bucket: BucketName): boolean
}

/**
 * A read transaction with a consistent view for its whole life, even while commits proceed
 * and writers go on (etcd's `ConcurrentReadTx`): what was committed or unlocked when it was
 * opened, nothing later. Close it when done: it pins storage resources.
 */
export interface ConcurrentReadTx extends ReadTx {
  /** Releases the view. Idempotent. Later reads throw `TxClosedError`. */
  close(): void
}

/**
 * The one write transaction (etcd's `batchTx`): writes are buffered, become visible to readers
 * when the transaction is unlocked, and reach storage in batches — when `batchIntervalMs`
 * passes, when `batchLimit` writes are pending at unlock, or on `forceCommit()`.
 *
 * A locked transaction is a synchronous critical section: lock, read and write, unlock,
 * without awaiting in between (a second `lock()` while locked throws `TxAlreadyLockedError`).
 * A commit never contains part of a transaction that is still locked. Reads inside see the
 * transaction's own writes.
 *
 * Writes keep the key and value arrays given: callers must not mutate them afterwards.
 */
export interface BatchTx extends ReadTx {
  /** Takes the lock. @throws TxAlreadyLockedError when already locked. */
  lock(): void
  /**
   * Releases the lock: the transaction's writes become visible to readers and count toward
   * `batchLimit` (reaching it starts a commit).
   */
  unlock(): void
  /** Creates a bucket; no-op if it exists. */
  unsafeCreateBucket(bucket: BucketName): void
  /** Deletes a bucket and everything in it; no-op if it does not exist. */
  unsafeDeleteBucket(bucket: BucketName): void
  /** Writes `value` at `key`. @throws BucketNotFoundError, TxNotLockedError. */
  unsafePut(bucket: BucketName, key: Uint8Array, value: Uint8Array): void
  /** Like `unsafePut`, for keys that only grow (etcd's revision keys): a storage hint. */
  unsafeSeqPut(bucket: BucketName, key: Uint8Array, value: Uint8Array): void
  /** Deletes `key`; no-op if absent. @throws BucketNotFoundError, TxNotLockedError. */
  unsafeDelete(bucket: BucketName, key: Uint8Array): void
}

/**
 * Runs inside every commit, with the write transaction locked, just before the batch is
 * written: what it writes is part of the same atomic batch. The server writes its consistent
 * index here (etcd's `OnPreCommitUnsafe`). Must be synchronous.
 */
export type PreCommitHook = (tx: BatchTx) => void

/** Which entries `hash()` leaves out (etcd leaves out `meta/consistent_index` and `meta/term`). */
export type HashIgnore = (bucket: BucketName, key: Uint8Array) => boolean

/**
 * A consistent image of the whole store, streamed: leader → follower transfer, and etcd's
 * `Maintenance.Snapshot`. Its format is the backend's own (see `SNAPSHOT_FORMAT`), the same for
 * every adapter, so any adapter can restore any adapter's snapshot.
 */
export interface BackendSnapshot {
  /** The exact number of bytes `chunks()` yields. */
  readonly size: number
  /** The bytes, in chunks; iterate once. */
  chunks(): AsyncIterable<Uint8Array>
  /** Releases the view it reads from. Idempotent. */
  close(): Promise<void>
}

/** The storage contract the server codes against (etcd's `backend.Backend`). */
export interface Backend {
  /** Opens the store (creating it if needed). Idempotent. */
  open(): Promise<void>
  /** Commits what is pending, then closes. Idempotent. */
  close(): Promise<void>
  /** The write transaction (always the same object). */
  batchTx(): BatchTx
  /** Reads of the live store (not a stable view across awaits). */
  readTx(): ReadTx
  /** A read transaction with a consistent view; close it when done. */
  concurrentReadTx(): ConcurrentReadTx
  /** Commits everything unlocked so far; resolves once it is durable (for durable adapters). */
  forceCommit(): Promise<void>
  /**
   * Drops every write not yet committed and refuses later commits and writes, as a crash would:
   * for a server that stops on a fatal error in the middle of applying an entry (the WAL still
   * has the entries, and they are applied again on restart). `close()` then commits nothing.
   * Optional: a backend without it keeps its pending writes.
   */
  abandon?(reason: unknown): void
  /** Sets (or clears) the hook that runs inside every commit. */
  setPreCommitHook(hook: PreCommitHook | undefined): void
  /** A consistent snapshot of everything committed or unlocked when called. */
  snapshot(): Promise<BackendSnapshot>
  /**
   * Replaces the whole store with a snapshot's contents (as produced by `snapshot()` of any
   * adapter), atomically: on failure the previous contents remain.
   *
   * @throws SnapshotCorruptError when the stream is not a valid snapshot.
   */
  restore(source: AsyncIterable<Uint8Array>, options?: { signal?: AbortSignal }): Promise<void>
  /**
   * A CRC-32C over every bucket name and (key, value) not ignored, buckets in name order, keys
   * in order (etcd's backend hash): equal contents give equal hashes on every adapter. Commits
   * pending writes first.
   */
  hash(ignore?: HashIgnore): Promise<number>
  /** Bytes of storage the store takes (etcd's `Size()`, what the quota compares). Cached; cheap. */
  size(): number
  /** Bytes of that in use by live data (etcd's `SizeInUse()`). Cached; cheap. */
  sizeInUse(): number
  /** Reclaims space left by deletes (etcd's defrag). Writes wait until it is done. */
  defrag(): Promise<void>
}

/** Time, injected (STYLE §4): `now()` in ms and a one-shot timer returning its cancel function. */
export interface Clock {
  now(): number
  setTimer(ms: number, callback: () => void): () => void
}

/** Where the backend logs; default: nowhere. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** Settings every adapter accepts. */
export interface BackendOptions {
  /** Commit pending writes this often, in ms. Default 100 (etcd's `--backend-batch-interval`). */
  readonly batchIntervalMs?: number
  /** Commit at unlock once this many writes are pending. Default 10 000 (etcd's `--backend-batch-limit`). */
  readonly batchLimit?: number
}

/** Collaborators every adapter takes. */
export interface BackendComponents {
  /** Default: the real clock (`Date.now`, `setTimeout`). */
  readonly clock?: Clock
  readonly logger?: Logger
}
