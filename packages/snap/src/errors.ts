import type { Index } from '@etcd-ts/raft'

/**
 * No `.snap` file in the directory could be used: there is none, every one was broken (and
 * renamed to `<name>.broken`), or none matched the WAL's snapshot entries. etcd's
 * `ErrNoSnapshot`. A fresh member has no snapshot; the server then replays the WAL from the start.
 */
export class NoSnapshotError extends Error {
  readonly code = 'SNAP_NO_SNAPSHOT'
  /** The snapshot directory that was searched. */
  readonly dir: string
  constructor(dir: string, options?: ErrorOptions) {
    super(`snap: no available snapshot in ${dir}`, options)
    this.name = 'NoSnapshotError'
    this.dir = dir
  }
}

/**
 * A snapshot file is empty: zero bytes, no data, or a stored CRC of 0. etcd's
 * `ErrEmptySnapshot`. Loading renames such a file to `<name>.broken`.
 */
export class EmptySnapshotError extends Error {
  readonly code = 'SNAP_EMPTY'
  /** The file, when the bytes came from one. */
  readonly path: string | undefined
  constructor(path: string | undefined, options?: ErrorOptions) {
    super(`snap: empty snapshot${path === undefined ? '' : ` in ${path}`}`, options)
    this.name = 'EmptySnapshotError'
    this.path = path
  }
}

/**
 * The CRC-32C stored in a snapshot file does not match its data: the file is corrupt. etcd's
 * `ErrCRCMismatch`. Loading renames such a file to `<name>.broken`.
 */
export class CrcMismatchError extends Error {
  readonly code = 'SNAP_CRC_MISMATCH'
  /** The file, when the bytes came from one. */
  readonly path: string | undefined
  /** The CRC stored in the file (uint32). */
  readonly stored: number
  /** The CRC-32C computed over the stored data (uint32). */
  readonly computed: number
  constructor(path: string | undefined, stored: number, computed: number, options?: ErrorOptions) {
    super(
      `snap: crc mismatch${path === undefined ? '' : ` in ${path}`}: stored ${hex32(stored)}, computed ${hex32(computed)}`,
      options,
    )
    this.name = 'CrcMismatchError'
    this.path = path
    this.stored = stored
    this.computed = computed
  }
}

/**
 * Snapshot file bytes do not decode: the `snappb.Snapshot` envelope or the `raftpb.Snapshot`
 * inside it is not valid protobuf (truncated, bad wire type, a value out of range). Loading
 * renames such a file to `<name>.broken`. The decoder's error is the `cause`.
 */
export class InvalidSnapshotError extends Error {
  readonly code = 'SNAP_INVALID'
  /** The file, when the bytes came from one. */
  readonly path: string | undefined
  constructor(path: string | undefined, detail: string, options?: ErrorOptions) {
    super(`snap: invalid snapshot${path === undefined ? '' : ` in ${path}`}: ${detail}`, options)
    this.name = 'InvalidSnapshotError'
    this.path = path
  }
}

/**
 * There is no backend snapshot `%016x.snap.db` for the requested index. etcd's `ErrNoDBSnapshot`
 * ("snap: snapshot file doesn't exist").
 */
export class NoDbSnapshotError extends Error {
  readonly code = 'SNAP_NO_DB_SNAPSHOT'
  /** The path that was looked for. */
  readonly path: string
  readonly index: Index
  constructor(path: string, index: Index, options?: ErrorOptions) {
    super(`snap: snapshot file doesn't exist: ${path}`, options)
    this.name = 'NoDbSnapshotError'
    this.path = path
    this.index = index
  }
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}
