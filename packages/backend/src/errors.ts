import type { BucketName } from './buckets.js'

/** The backend is not open (never opened, or closed). */
export class BackendNotOpenError extends Error {
  readonly code = 'BACKEND_NOT_OPEN'
  constructor(options?: ErrorOptions) {
    super('backend: not open', options)
    this.name = 'BackendNotOpenError'
  }
}

/** The bucket does not exist (create it first, in a write transaction). */
export class BucketNotFoundError extends Error {
  readonly code = 'BACKEND_BUCKET_NOT_FOUND'
  readonly bucket: BucketName
  constructor(bucket: BucketName, options?: ErrorOptions) {
    super(`backend: bucket ${JSON.stringify(bucket)} does not exist`, options)
    this.name = 'BucketNotFoundError'
    this.bucket = bucket
  }
}

/** A write was attempted without holding the write transaction's lock. */
export class TxNotLockedError extends Error {
  readonly code = 'BACKEND_TX_NOT_LOCKED'
  constructor(options?: ErrorOptions) {
    super('backend: the write transaction is not locked (call lock() first)', options)
    this.name = 'TxNotLockedError'
  }
}

/**
 * The write transaction is already locked: someone holds it across an `await`. Write
 * transactions are synchronous critical sections; see `BatchTx`.
 */
export class TxAlreadyLockedError extends Error {
  readonly code = 'BACKEND_TX_LOCKED'
  constructor(options?: ErrorOptions) {
    super('backend: the write transaction is already locked', options)
    this.name = 'TxAlreadyLockedError'
  }
}

/** A read transaction was used after `close()`. */
export class TxClosedError extends Error {
  readonly code = 'BACKEND_TX_CLOSED'
  constructor(options?: ErrorOptions) {
    super('backend: the read transaction is closed', options)
    this.name = 'TxClosedError'
  }
}

/**
 * Committing to storage failed. The backend refuses further writes: what was acknowledged as
 * committed is intact, but the batch that failed may or may not be on disk. Restart from disk.
 */
export class CommitFailedError extends Error {
  readonly code = 'BACKEND_COMMIT_FAILED'
  constructor(options?: ErrorOptions) {
    super('backend: commit failed; the backend refuses further writes', options)
    this.name = 'CommitFailedError'
  }
}

/** A snapshot stream given to `restore()` is not a backend snapshot, or is damaged. */
export class SnapshotCorruptError extends Error {
  readonly code = 'BACKEND_SNAPSHOT_CORRUPT'
  constructor(message: string, options?: ErrorOptions) {
    super(`backend: snapshot: ${message}`, options)
    this.name = 'SnapshotCorruptError'
  }
}
