import { decodeSnapshot, encodeSnapshot, type Snapshot } from '@etcd-ts/raft'
import { crc32c } from '@node-rs/crc32'
import { CrcMismatchError, EmptySnapshotError, InvalidSnapshotError } from './errors.js'
import { checkFileSystem, NODE_FILE_SYSTEM, type SnapFileSystem } from './file-system.js'
import { decodeSnappb, encodeSnappb } from './snappb.js'

/**
 * The bytes of the `.snap` file for `snapshot`: `snappb.Snapshot{crc, data}` where `data` is the
 * marshaled `raftpb.Snapshot` and `crc` is its CRC-32C (Castagnoli) computed from 0, with no
 * chaining (etcd `api/snap/snapshotter.go`, `save`).
 *
 * ```
 * 08 <crc: uint32 varint>  12 <len: varint> <raftpb.Snapshot: len bytes>
 * ```
 *
 * If the CRC happens to be 0 (odds 2^-32) etcd's reader, and ours, take the file for empty: we
 * write it anyway, as etcd does, and loading falls back to the previous snapshot.
 *
 * @returns A new array.
 * @throws RangeError if the snapshot's index or term is not an integer in [0, 2^53 - 1] or an ID
 *   in its configuration is not in [0, 2^64 - 1] (from `encodeSnapshot`).
 */
export function encodeSnapshotFile(snapshot: Snapshot): Uint8Array {
  const data = encodeSnapshot(snapshot)
  return encodeSnappb({ crc: crc32c(data) >>> 0, data })
}

/**
 * Verifies and decodes the bytes of a `.snap` file, in etcd's order (`snap.Read`): non-empty;
 * the envelope decodes; its data is non-empty and its crc is not 0; the crc matches; the raft
 * snapshot decodes. Does not check that the metadata matches any file name.
 *
 * @param path Only used to name the file in errors.
 * @returns The snapshot; its `data` is a view into `bytes`.
 * @throws EmptySnapshotError (`SNAP_EMPTY`) if `bytes`, the data or the crc is empty.
 * @throws CrcMismatchError (`SNAP_CRC_MISMATCH`) if the crc does not match the data.
 * @throws InvalidSnapshotError (`SNAP_INVALID`) if the envelope or the raft snapshot does not
 *   decode (the decoder's error is the `cause`).
 */
export function decodeSnapshotFile(bytes: Uint8Array, path?: string): Snapshot {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`snap: bytes must be a Uint8Array, got ${typeof bytes}`)
  if (bytes.length === 0) throw new EmptySnapshotError(path)
  let envelope: ReturnType<typeof decodeSnappb>
  try {
    envelope = decodeSnappb(bytes)
  } catch (error) {
    throw new InvalidSnapshotError(path, (error as Error).message, { cause: error })
  }
  if (envelope.data.length === 0 || envelope.crc === 0) throw new EmptySnapshotError(path)
  const computed = crc32c(envelope.data) >>> 0
  if (computed !== envelope.crc) throw new CrcMismatchError(path, envelope.crc, computed)
  try {
    return decodeSnapshot(envelope.data)
  } catch (error) {
    // The crc matched, so these are the bytes that were written: a writer's bug or a file
    // that was never a raft snapshot, not disk corruption.
    throw new InvalidSnapshotError(path, `raftpb: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * Reads one `.snap` file and verifies it (see {@link decodeSnapshotFile}). Does not rename
 * anything: quarantining broken files is `Snapshotter.load`'s job.
 *
 * @param fs The file system; default the real one.
 * @throws EmptySnapshotError (`SNAP_EMPTY`), CrcMismatchError (`SNAP_CRC_MISMATCH`) or
 *   InvalidSnapshotError (`SNAP_INVALID`), each naming `path`.
 * @throws the file system's error (`ENOENT`, `EACCES`, `EIO`, …) if the file cannot be read.
 */
export async function readSnapshotFile(path: string, fs: SnapFileSystem = NODE_FILE_SYSTEM): Promise<Snapshot> {
  if (typeof path !== 'string' || path === '') throw new TypeError('snap: path must be a non-empty string')
  checkFileSystem(fs, 'fs')
  return decodeSnapshotFile(await fs.readFile(path), path)
}
