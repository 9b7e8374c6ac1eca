/**
 * `etcd-ts`: the etcd-ts daemon. It reads etcd 3.4's flags, `ETCD_*` environment variables and
 * YAML config file exactly as the `etcd` binary does (same names, defaults, syntax and error
 * messages), picks the storage adapter (`--backend level|memory`), builds a zap-shaped JSON
 * logger, and runs `startEtcd` of `@etcd-ts/server` until SIGINT or SIGTERM. It is the
 * composition root of DESIGN.md §1: the only place an adapter meets the server.
 *
 * The binary is `etcd-ts` (`dist/cli.js`); this entry exposes the pieces for tests and embedders.
 *
 * @example
 * ```ts
 * import { parseDaemonArgs } from 'etcd-ts'
 *
 * const options = parseDaemonArgs(['--name', 'infra1', '--snapshot-count=5000'], { ETCD_BACKEND: 'memory' })
 * options.config.name // 'infra1'
 * options.config.dataDir // 'infra1.etcd'
 * options.config.snapshotCount // 5000
 * options.backend // 'memory'
 * ```
 *
 * @packageDocumentation
 */
export type { BackendKind, BackendLogger } from './backend-factory.js'
export { BACKEND_KINDS, backendFactory } from './backend-factory.js'
export type {
  DaemonCommand,
  DaemonOptions,
  DaemonServerConfig,
  ParseDaemonArgsOptions,
} from './config.js'
export { parseDaemonArgs } from './config.js'
export type { DaemonArgsErrorCode } from './errors.js'
export { DaemonArgsError } from './errors.js'
export type { FlagKind, FlagSpec, FlagSupport, FlagValue } from './flags.js'
export { FLAGS } from './flags.js'
export { formatGoDuration, parseGoDuration } from './go-syntax.js'
export type { DaemonLogger, LoggerComponents, LoggerOptions, LogLevel, LogSink } from './logger.js'
export { createLogger, LOG_LEVELS } from './logger.js'
export type { MainComponents, RunningEtcd, ShutdownSignal, SignalSource, StartEtcd } from './main.js'
export { main } from './main.js'
export type { DaemonNotice, SettingSource } from './settings.js'
export { ETCD_API_VERSION, versionText } from './version.js'
