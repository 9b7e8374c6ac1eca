/**
 * `@etcd-ts/wal`: etcd's write-ahead log, byte-compatible with etcd 3.4 to 3.6. A directory of
 * 64 MB segment files `%016x-%016x.wal` holding framed, CRC-32C-chained `walpb.Record`s —
 * metadata, raft entries, HardStates, snapshot markers — written with one write and at most
 * one fdatasync per `save()`, with etcd's torn-tail detection and repair. A WAL written by
 * etcd reads here, and one written here reads in etcd.
 *
 * It uses raft's types and codec (`@etcd-ts/raft`) and nothing else of ours; the server
 * drives it once per raft Ready. Its file system is a seam: {@link NodeFileSystem} by default,
 * `CrashFileSystem` from `@etcd-ts/wal/testing` in tests that simulate power loss.
 *
 * @example
 * ```ts
 * import { Wal } from '@etcd-ts/wal'
 *
 * const wal = await Wal.create(dir, new TextEncoder().encode('member 1'))
 * await wal.save({ term: 1, vote: 1n, commit: 1 }, [
 *   { term: 1, index: 1, type: 0, data: new TextEncoder().encode('put a=1') },
 * ])
 * await wal.close()
 *
 * const reopened = await Wal.open(dir, { index: 0, term: 0 })
 * const { metadata, hardState, entries } = await reopened.readAll()
 * // entries[0].data is 'put a=1'; reopened appends after it from here on
 * await reopened.close()
 * ```
 *
 * @packageDocumentation
 */

export {
  CrcMismatchError,
  DecoderNotFoundError,
  InvalidRecordError,
  MetadataConflictError,
  SequenceGapError,
  SliceOutOfRangeError,
  SnapshotMismatchError,
  SnapshotNotFoundError,
  UnexpectedEofError,
  WalClosedError,
  WalExistsError,
  WalFailedError,
  WalLockedError,
  WalNotFoundError,
  WalNotWritableError,
} from './errors.js'
export type { WalFile, WalFileMode, WalFileSystem } from './file-system.js'
export type { NodeFileSystemOptions, Preallocation } from './node-file-system.js'
export { NodeFileSystem } from './node-file-system.js'
export { SEGMENT_SIZE_BYTES } from './options.js'
export type { WalLogger, WalOptions, WalReadResult, WalSnapshot } from './types.js'
export { Wal } from './wal.js'
export type { WalName } from './wal-name.js'
export { parseWalName, walName } from './wal-name.js'
export { RecordType } from './walpb.js'
