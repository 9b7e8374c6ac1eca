/**
 * Test helpers shared by etcd-ts packages; private, never published, used from tests only.
 *
 * @packageDocumentation
 */
export type { ChildProcessHandle, RealEtcd, StartRealEtcdOptions } from './etcd-process.js'
export { findBinary, spawnTracked, startRealEtcd, stopProcess } from './etcd-process.js'
export { freePort, makeTempDir, removeDir } from './fs-net.js'
export { requireBinary } from './require-binary.js'
