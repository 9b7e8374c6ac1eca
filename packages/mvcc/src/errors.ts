// The conditions of the mvcc package a caller may handle, one class each. Callers branch on
// `code` (documented, stable); messages may improve in any release. Where etcd has a message
// for the condition, ours is the same text.

/**
 * The key has no revision where one was asked for: etcd's `mvcc.ErrRevisionNotFound`, returned by
 * `keyIndex.tombstone` (and so by `treeIndex.Tombstone`) when the key is not live.
 * Code `MVCC_REVISION_NOT_FOUND`; message `mvcc: revision not found` (etcd's text).
 */
export class RevisionNotFoundError extends Error {
  readonly code = 'MVCC_REVISION_NOT_FOUND'
  constructor(options?: ErrorOptions) {
    super('mvcc: revision not found', options)
    this.name = 'RevisionNotFoundError'
  }
}

/**
 * Bytes read as a revision key of bucket `key` are not one: not 17 bytes (18 with the
 * tombstone marker), a separator other than `'_'`, a marker other than `'t'`, or a main or sub
 * revision that is negative or above `Number.MAX_SAFE_INTEGER`. The store's data is damaged.
 * Code `MVCC_INVALID_REVISION_KEY`.
 */
export class InvalidRevisionKeyError extends Error {
  readonly code = 'MVCC_INVALID_REVISION_KEY'
  constructor(message: string, options?: ErrorOptions) {
    super(`mvcc: invalid revision key: ${message}`, options)
    this.name = 'InvalidRevisionKeyError'
  }
}

/**
 * Bytes read as an `mvccpb.KeyValue` are not a valid encoding (truncated, a wrong wire type, a
 * bad varint) or hold a revision or version that does not fit a safe `number`. The store's data
 * is damaged. Code `MVCC_INVALID_KEY_VALUE`.
 */
export class InvalidKeyValueError extends Error {
  readonly code = 'MVCC_INVALID_KEY_VALUE'
  constructor(message: string, options?: ErrorOptions) {
    super(`mvcc: invalid KeyValue: ${message}`, options)
    this.name = 'InvalidKeyValueError'
  }
}

/**
 * An invariant of the key index was broken: a put at a revision not above the key's last one, a
 * restore over existing generations, a read or compaction of an empty key index. etcd panics in
 * these cases; they are bugs in the caller, never conditions to handle. The message names the key
 * and the revisions involved. Code `MVCC_INVARIANT_VIOLATED`.
 */
export class MvccInvariantError extends Error {
  readonly code = 'MVCC_INVARIANT_VIOLATED'
  constructor(message: string, options?: ErrorOptions) {
    super(`mvcc: ${message}`, options)
    this.name = 'MvccInvariantError'
  }
}

/** The revision asked for was compacted away (etcd's `ErrCompacted`). */
export class CompactedError extends Error {
  readonly code = 'MVCC_COMPACTED'
  /** The store's compacted revision. */
  readonly compactRevision: number
  constructor(compactRevision: number, options?: ErrorOptions) {
    super('mvcc: required revision has been compacted', options)
    this.name = 'CompactedError'
    this.compactRevision = compactRevision
  }
}

/** The revision asked for is above the current revision (etcd's `ErrFutureRev`). */
export class FutureRevError extends Error {
  readonly code = 'MVCC_FUTURE_REV'
  /** The store's current revision. */
  readonly currentRevision: number
  constructor(currentRevision: number, options?: ErrorOptions) {
    super('mvcc: required revision is a future revision', options)
    this.name = 'FutureRevError'
    this.currentRevision = currentRevision
  }
}

/** An operation was given an empty key (etcd's server: "key is not provided"). */
export class EmptyKeyError extends Error {
  readonly code = 'MVCC_EMPTY_KEY'
  constructor(options?: ErrorOptions) {
    super('mvcc: key is not provided', options)
    this.name = 'EmptyKeyError'
  }
}

/** A range whose end sorts before its key. */
export class InvalidRangeError extends Error {
  readonly code = 'MVCC_INVALID_RANGE'
  constructor(options?: ErrorOptions) {
    super('mvcc: range end is before the key', options)
    this.name = 'InvalidRangeError'
  }
}

/** The store was used before `open()` or after `close()`. */
export class StoreClosedError extends Error {
  readonly code = 'MVCC_CLOSED'
  constructor(options?: ErrorOptions) {
    super('mvcc: store is not open', options)
    this.name = 'StoreClosedError'
  }
}
