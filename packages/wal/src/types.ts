import type { ConfState, Entry, HardState, Index, Term } from '@etcd-ts/raft'
import type { WalFileSystem } from './file-system.js'

/**
 * A point of the log where a raft snapshot was taken or received: etcd's `walpb.Snapshot`
 * (field 1 `index`, 2 `term`, 3 `conf_state`). The WAL stores it as a snapshot record, and
 * `Wal.open` starts reading at one.
 */
export interface WalSnapshot {
  /** The index of the last entry the snapshot covers; 0 for the empty snapshot `create` writes. */
  readonly index: Index
  /** The term of that entry. */
  readonly term: Term
  /**
   * The membership configuration at `index` (written by etcd 3.5+, which requires it when
   * `index > 0`; etcd 3.4 never writes it). Absent when the record has none.
   */
  readonly confState?: ConfState
}

/** What `Wal.readAll` read. The arrays are the caller's: nothing else keeps or mutates them. */
export interface WalReadResult {
  /** The metadata given to `Wal.create` (etcd writes `etcdserverpb.Metadata{NodeID, ClusterID}`). */
  readonly metadata: Uint8Array
  /** The last HardState saved; all zero when none was. */
  readonly hardState: HardState
  /**
   * The entries after the snapshot opened at, in index order, without holes: a later entry at
   * an index already read replaced it and everything after it (the raft log was overwritten).
   * May end beyond `hardState.commit`: such entries are not committed and must not be applied.
   */
  readonly entries: readonly Entry[]
}

/** Where the WAL logs (etcd's zap logger, narrowed to what the WAL uses). */
export interface WalLogger {
  warn(message: string): void
  info(message: string): void
}

/** Settings and collaborators of a {@link Wal}, validated once by every factory. */
export interface WalOptions {
  /** The file system; default: {@link NodeFileSystem} (the real disk). Tests pass a `CrashFileSystem`. */
  readonly fs?: WalFileSystem
  /** Where slow fdatasyncs, ignored files and repairs are logged; default: nowhere. */
  readonly logger?: WalLogger
  /**
   * The size, in bytes, each segment file is preallocated to (rounded up to a multiple of 8);
   * a segment is cut (the next file started) once a save ends at or beyond it, so files can be
   * slightly larger. Default 64,000,000 (etcd's `SegmentSizeBytes`). A positive integer; tests
   * use small values.
   */
  readonly segmentSizeBytes?: number
  /**
   * Skip every fdatasync of WAL files (etcd's `--unsafe-no-fsync`): fast, and anything not
   * yet written back by the OS is lost on power failure. Directory fsyncs still happen.
   * Default `false`.
   */
  readonly unsafeNoFsync?: boolean
}
