/**
 * `@etcd-ts/backend`: the storage contract etcd-ts's server codes against (etcd's
 * `backend.Backend`): buckets, one batched write transaction, reads that see buffered writes,
 * concurrent reads with a consistent view, snapshots, hash, size and defrag. It depends on
 * nothing of ours; adapters (`@etcd-ts/backend-level`, `@etcd-ts/backend-memory`) depend on it,
 * and `@etcd-ts/backend-conformance` checks them.
 *
 * Like Level's abstract-level, it also carries the implementation every adapter shares:
 * {@link BufferedBackend} does the buffering, batching and commit scheduling over a small
 * {@link StorageEngine} (a flat, ordered key-value store) that each adapter provides.
 *
 * @example
 * ```ts
 * import { Buckets } from '@etcd-ts/backend'
 *
 * const tx = backend.batchTx()
 * tx.lock()
 * tx.unsafeCreateBucket(Buckets.Meta)
 * tx.unsafePut(Buckets.Meta, key, value)
 * tx.unlock() // visible to readers now; committed within batchIntervalMs
 * backend.readTx().unsafeGet(Buckets.Meta, key) // value
 * ```
 *
 * @packageDocumentation
 */
export type { BucketName } from './buckets.js'
export { assertBucketName, Buckets } from './buckets.js'
export {
  BufferedBackend,
  DEFAULT_BATCH_INTERVAL_MS,
  DEFAULT_BATCH_LIMIT,
  SYSTEM_CLOCK,
} from './buffered-backend.js'
export { bytesEqual, compareBytes, concatBytes } from './bytes.js'
export type { EngineBatch, EngineRange, EngineView, StorageEngine } from './engine.js'
export {
  BackendNotOpenError,
  BucketNotFoundError,
  CommitFailedError,
  SnapshotCorruptError,
  TxAlreadyLockedError,
  TxClosedError,
  TxNotLockedError,
} from './errors.js'
export type { SnapshotRecord } from './snapshot-format.js'
export { decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT } from './snapshot-format.js'
export type {
  Backend,
  BackendComponents,
  BackendOptions,
  BackendSnapshot,
  BatchTx,
  Clock,
  ConcurrentReadTx,
  HashIgnore,
  Logger,
  PreCommitHook,
  RangeResult,
  ReadTx,
} from './types.js'
