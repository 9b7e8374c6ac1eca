/**
 * `@etcd-ts/snap`: etcd's snapshotter. Raft snapshots live as CRC-32C-checked
 * `%016x-%016x.snap` files (term, index) in the snap directory (`<data-dir>/member/snap`);
 * loading picks the newest valid one and quarantines corrupt files as `<name>.broken`; purge
 * keeps the newest five; backend snapshots received from a leader are streamed to
 * `%016x.snap.db` files. The files are the ones etcd 3.4–3.6 reads and writes.
 *
 * It sits beside `@etcd-ts/wal` under the server and uses `@etcd-ts/raft` only for the
 * `raftpb.Snapshot` type and codec. The server saves a snapshot here before recording it in the
 * WAL, and at boot loads the newest one the WAL knows (`loadNewestAvailable`).
 *
 * @example With `dir` an existing directory (the example of the README, run by `test/readme.test.ts`):
 * ```ts
 * import { mkdir } from 'node:fs/promises'
 * import { join } from 'node:path'
 * import type { Snapshot } from '@etcd-ts/raft'
 * import { Snapshotter } from '@etcd-ts/snap'
 *
 * const snapshotter = new Snapshotter(dir) // the directory must exist
 *
 * const snapshot: Snapshot = {
 *   data: new TextEncoder().encode('{"Root":{}}'), // the state machine's snapshot
 *   metadata: {
 *     index: 21,
 *     term: 2,
 *     confState: { voters: [1n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
 *   },
 * }
 * await snapshotter.save(snapshot) // writes 0000000000000002-0000000000000015.snap
 *
 * const newest = await snapshotter.load() // the newest valid .snap file: index 21, term 2
 *
 * // At boot, trust only snapshots the WAL recorded (its ValidSnapshotEntries):
 * const known = await snapshotter.loadNewestAvailable([
 *   { index: 0, term: 0 },
 *   { index: 21, term: 2 },
 * ])
 *
 * const removed = await snapshotter.purge() // keep the newest 5 .snap files
 *
 * // A follower receiving the leader's backend, streamed from the request body:
 * async function* body() {
 *   yield new Uint8Array([1, 2, 3])
 * }
 * const { path, size } = await snapshotter.saveDbFrom(body(), 21) // .../0000000000000015.snap.db, 3
 * await snapshotter.releaseDbSnapshotsBefore(21) // deletes older .snap.db files
 *
 * // No snapshot yet: errors carry a stable code.
 * await mkdir(join(dir, 'fresh'))
 * const code = await new Snapshotter(join(dir, 'fresh')).load().catch((error) => error.code) // 'SNAP_NO_SNAPSHOT'
 * ```
 *
 * @packageDocumentation
 */

export type { ByteSource } from './byte-source.js'
export {
  CrcMismatchError,
  EmptySnapshotError,
  InvalidSnapshotError,
  NoDbSnapshotError,
  NoSnapshotError,
} from './errors.js'
export { dbFileName, parseSnapshotFileName, snapshotFileName } from './file-names.js'
export type { SnapFileSystem, SnapWritableFile } from './file-system.js'
export { NODE_FILE_SYSTEM } from './file-system.js'
export type { Logger } from './logger.js'
export { decodeSnapshotFile, encodeSnapshotFile, readSnapshotFile } from './snapshot-file.js'
export type { SaveDbOptions, SavedDbSnapshot, SnapshotterOptions, WalSnapshot } from './snapshotter.js'
export { DEFAULT_MAX_SNAP_FILES, Snapshotter } from './snapshotter.js'
