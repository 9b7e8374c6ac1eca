/**
 * Test helpers shared by etcd-ts packages; private, never published, used from tests only.
 *
 * @packageDocumentation
 */
export type { ChildProcessHandle, RealEtcd, StartRealEtcdOptions } from './etcd-process.js'
export { findBinary, spawnTracked, startRealEtcd, stopProcess } from './etcd-process.js'
export type { EtcdctlOptions, EtcdctlResult } from './etcdctl.js'
export { runEtcdctl, spawnEtcdctl } from './etcdctl.js'
export { freePort, makeTempDir, removeDir } from './fs-net.js'
export { probeGrpcRange, probeHealth } from './readiness.js'
export { requireBinary } from './require-binary.js'
export type { EtcdTarget, StartTargetOptions, TargetKind } from './target.js'
export { startEtcdTs, startRealEtcdTarget, startTarget, TARGET_ENV, targetKindFromEnv } from './target.js'
export type { WaitUntilOptions } from './timeouts.js'
export { sleep, TimeoutError, waitUntil, withTimeout } from './timeouts.js'
export type { ProcessExit, SpawnProcessOptions, TrackedProcess } from './tracked-process.js'
export { spawnProcess } from './tracked-process.js'
