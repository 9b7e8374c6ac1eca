/**
 * The conditions a WAL user may handle, one class each. Callers branch on `code` (stable,
 * `WAL_`-prefixed), never on the message. Misuse (bad arguments, bad options) throws
 * `TypeError` or `RangeError` instead, and errors of the file system itself (`EIO`, `ENOSPC`,
 * ...) propagate as Node reports them.
 *
 * Where etcd has a sentinel error for the condition (`wal.ErrCRCMismatch`, ...) the comment
 * names it; the server maps ours to etcd's behaviour one to one.
 */
import type { Index, Term } from '@etcd-ts/raft'
import type { WalReadResult } from './types.js'

/** `Wal.create` found `*.wal` files in the directory (etcd: `os.ErrExist`). */
export class WalExistsError extends Error {
  readonly code = 'WAL_EXISTS'
  readonly dir: string
  constructor(dir: string, options?: ErrorOptions) {
    super(`wal: ${dir} already holds a write-ahead log`, options)
    this.name = 'WalExistsError'
    this.dir = dir
  }
}

/**
 * The directory holds no WAL file (etcd: `wal.ErrFileNotFound`), or no file starts at or
 * before the snapshot index asked for (etcd: "file not found which matches the snapshot index").
 */
export class WalNotFoundError extends Error {
  readonly code = 'WAL_NOT_FOUND'
  readonly dir: string
  /** The snapshot index no file matches; `undefined` when the directory holds no WAL file. */
  readonly index: Index | undefined
  constructor(dir: string, index?: Index, options?: ErrorOptions) {
    super(
      index === undefined
        ? `wal: no wal file found in ${dir}`
        : `wal: file not found which matches the snapshot index '${index}' in ${dir}`,
      options,
    )
    this.name = 'WalNotFoundError'
    this.dir = dir
    this.index = index
  }
}

/** The sequence numbers of the files to read do not increase by exactly one. */
export class SequenceGapError extends Error {
  readonly code = 'WAL_SEQUENCE_GAP'
  /** The first file whose sequence number does not follow its predecessor's. */
  readonly file: string
  constructor(file: string, expected: number, found: number, options?: ErrorOptions) {
    super(
      `wal: file sequence numbers do not increase continuously: expected ${expected}, found ${found} in ${file}`,
      options,
    )
    this.name = 'SequenceGapError'
    this.file = file
  }
}

/**
 * A record's CRC does not match the running CRC-32C of the log (etcd: `wal.ErrCRCMismatch`),
 * and the damage does not look like a torn write at the tail: the log is corrupt. Never
 * repaired automatically.
 */
export class CrcMismatchError extends Error {
  readonly code = 'WAL_CRC_MISMATCH'
  /** The path of the file holding the record. */
  readonly file: string
  /** The byte offset of the record's frame (its length word) in that file. */
  readonly offset: number
  constructor(file: string, offset: number, expected: number, found: number, options?: ErrorOptions) {
    super(
      `wal: crc mismatch in ${file} at offset ${offset}: record holds ${hex32(found)}, log computes ${hex32(expected)}`,
      options,
    )
    this.name = 'CrcMismatchError'
    this.file = file
    this.offset = offset
  }
}

/**
 * The log ends in the middle of a record (etcd: `io.ErrUnexpectedEOF`): the tail was torn or
 * truncated by a crash, or a frame claims more bytes than its file holds. `Wal.repair` fixes
 * this when it is in the last file; opening for read accepts it.
 */
export class UnexpectedEofError extends Error {
  readonly code = 'WAL_UNEXPECTED_EOF'
  readonly file: string
  /** The byte offset of the incomplete frame in that file (where repair truncates). */
  readonly offset: number
  constructor(file: string, offset: number, detail: string, options?: ErrorOptions) {
    super(`wal: unexpected end of log in ${file} at offset ${offset}: ${detail}`, options)
    this.name = 'UnexpectedEofError'
    this.file = file
    this.offset = offset
  }
}

/**
 * A record is not a valid `walpb.Record`, its payload does not decode, or its type is unknown
 * (etcd: "unexpected block type"). Raft's decode errors arrive wrapped as the `cause`.
 */
export class InvalidRecordError extends Error {
  readonly code = 'WAL_INVALID_RECORD'
  readonly file: string
  readonly offset: number
  constructor(file: string, offset: number, detail: string, options?: ErrorOptions) {
    super(`wal: invalid record in ${file} at offset ${offset}: ${detail}`, options)
    this.name = 'InvalidRecordError'
    this.file = file
    this.offset = offset
  }
}

/** Two metadata records of the log differ (etcd: `wal.ErrMetadataConflict`). */
export class MetadataConflictError extends Error {
  readonly code = 'WAL_METADATA_CONFLICT'
  constructor(options?: ErrorOptions) {
    super('wal: conflicting metadata found', options)
    this.name = 'MetadataConflictError'
  }
}

/** The log's snapshot record at the index asked for has another term (etcd: `wal.ErrSnapshotMismatch`). */
export class SnapshotMismatchError extends Error {
  readonly code = 'WAL_SNAPSHOT_MISMATCH'
  readonly index: Index
  readonly expectedTerm: Term
  readonly foundTerm: Term
  constructor(index: Index, expectedTerm: Term, foundTerm: Term, options?: ErrorOptions) {
    super(`wal: snapshot mismatch at index ${index}: expected term ${expectedTerm}, found ${foundTerm}`, options)
    this.name = 'SnapshotMismatchError'
    this.index = index
    this.expectedTerm = expectedTerm
    this.foundTerm = foundTerm
  }
}

/**
 * The log holds no snapshot record for the snapshot it was opened at (etcd:
 * `wal.ErrSnapshotNotFound`). From `readAll`, the error carries what was read, as etcd returns
 * the data together with the error.
 */
export class SnapshotNotFoundError extends Error {
  readonly code = 'WAL_SNAPSHOT_NOT_FOUND'
  readonly index: Index
  /** What `readAll` read (undefined from `verify`). */
  readonly result: WalReadResult | undefined
  constructor(index: Index, result?: WalReadResult, options?: ErrorOptions) {
    super(`wal: snapshot not found: no snapshot record at index ${index}`, options)
    this.name = 'SnapshotNotFoundError'
    this.index = index
    this.result = result
  }
}

/**
 * A WAL file is locked by another open `Wal` of this or another process (etcd:
 * `fileutil.ErrLocked`). Close the other one first.
 */
export class WalLockedError extends Error {
  readonly code = 'WAL_LOCKED'
  readonly file: string
  constructor(file: string, options?: ErrorOptions) {
    super(`wal: ${file} is locked by another process or another open wal`, options)
    this.name = 'WalLockedError'
    this.file = file
  }
}

/** The `Wal` was closed. */
export class WalClosedError extends Error {
  readonly code = 'WAL_CLOSED'
  constructor(options?: ErrorOptions) {
    super('wal: closed', options)
    this.name = 'WalClosedError'
  }
}

/**
 * An entry's index would leave a hole in the log read (etcd: `wal.ErrSliceOutOfRange`): it is
 * more than one past the last entry read.
 */
export class SliceOutOfRangeError extends Error {
  readonly code = 'WAL_SLICE_OUT_OF_RANGE'
  readonly index: Index
  constructor(snapshotIndex: Index, index: Index, term: Term, entries: number, options?: ErrorOptions) {
    super(
      `wal: slice bounds out of range: snapshot index ${snapshotIndex}, entry index ${index} (term ${term}) after ${entries} entries`,
      options,
    )
    this.name = 'SliceOutOfRangeError'
    this.index = index
  }
}

/**
 * `readAll` was called on a `Wal` with nothing to read (etcd: `wal.ErrDecoderNotFound`): one
 * returned by `create`, or one whose `readAll` already ran (successfully or not).
 */
export class DecoderNotFoundError extends Error {
  readonly code = 'WAL_DECODER_NOT_FOUND'
  constructor(options?: ErrorOptions) {
    super('wal: decoder not found: readAll runs once, on a wal returned by open or openForRead', options)
    this.name = 'DecoderNotFoundError'
  }
}

/**
 * A write (`save`, `saveSnapshot`, `releaseLockTo`) on a `Wal` that is not appending: it was
 * opened for read, or `readAll` has not completed on a `Wal` opened for write.
 */
export class WalNotWritableError extends Error {
  readonly code = 'WAL_NOT_WRITABLE'
  constructor(reason: string, options?: ErrorOptions) {
    super(`wal: not writable: ${reason}`, options)
    this.name = 'WalNotWritableError'
  }
}

/**
 * An earlier write failed (the `cause`), so what the tail file holds is unknown: the `Wal`
 * refuses further writes and must be closed (etcd's server exits on such an error).
 */
export class WalFailedError extends Error {
  readonly code = 'WAL_FAILED'
  constructor(cause: unknown) {
    super('wal: an earlier write failed; close the wal', { cause })
    this.name = 'WalFailedError'
  }
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}
