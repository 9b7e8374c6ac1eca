/**
 * `@etcd-ts/server`: an embeddable etcd v3 member.
 *
 * @packageDocumentation
 */

export type { BoltBucket, WriteBoltDbOptions } from './bbolt.js'
export { writeBoltDb } from './bbolt.js'
export type {
  AutoCompactionMode,
  BackendFactory,
  BackendFactoryOptions,
  EtcdConfig,
  EtcdConfigInit,
  ServerLogger,
} from './config.js'
export { ConfigError, DEFAULT_QUOTA_BYTES, ETCD_DEFAULTS, resolveEtcdConfig, SILENT_LOGGER } from './config.js'
export { DataDirError, FatalServerError } from './errors.js'
export type { Etcd } from './etcd.js'
export { startEtcd } from './etcd.js'
export { createGrpcServer } from './grpc/index.js'
export { ServerMetrics } from './metrics.js'
export type { EtcdServerComponents } from './server.js'
export { ETCD_CLUSTER_VERSION, ETCD_VERSION, EtcdServer } from './server.js'
