import type { Backend } from '@etcd-ts/backend'

/**
 * Where the server logs: etcd's zap fields, flattened. `fields` values are plain JSON data
 * (bigints are written as decimal or hex strings by the caller).
 */
export interface ServerLogger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/** A logger that drops everything (the default when embedding). */
export const SILENT_LOGGER: ServerLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
}

/** What the server asks of a backend factory (the app picks the adapter; the server never imports one). */
export interface BackendFactoryOptions {
  /** The backend's location: `<data-dir>/member/snap/db`. */
  readonly path: string
  readonly batchIntervalMs: number
  readonly batchLimit: number
}

/** Makes the (unopened) backend of a member; `startEtcd` opens and closes it. */
export type BackendFactory = (options: BackendFactoryOptions) => Backend

/** How auto-compaction picks the revision to keep (etcd's `--auto-compaction-mode`). */
export type AutoCompactionMode = 'periodic' | 'revision'

/**
 * Everything `startEtcd` needs: etcd's configuration, flag for flag, in the units noted. Every
 * field except `backend` and `dataDir` has etcd's default (see {@link resolveEtcdConfig}).
 */
export interface EtcdConfig {
  /** Human-readable member name (`--name`, default `default`). */
  readonly name: string
  /** Data directory (`--data-dir`, default `<name>.etcd`). */
  readonly dataDir: string
  /** Dedicated WAL directory (`--wal-dir`); default `<data-dir>/member/wal`. */
  readonly walDir: string
  /** URLs to serve clients on (`--listen-client-urls`). `localhost` binds 127.0.0.1. */
  readonly listenClientUrls: readonly string[]
  /** Client URLs advertised to the cluster (`--advertise-client-urls`). */
  readonly advertiseClientUrls: readonly string[]
  /** URLs to listen on for peer traffic (`--listen-peer-urls`). */
  readonly listenPeerUrls: readonly string[]
  /** This member's peer URLs, advertised (`--initial-advertise-peer-urls`). */
  readonly initialAdvertisePeerUrls: readonly string[]
  /** `name=peerURL,...` (`--initial-cluster`). */
  readonly initialCluster: string
  /** `new` or `existing` (`--initial-cluster-state`). */
  readonly initialClusterState: 'new' | 'existing'
  /** Cluster token hashed into the IDs (`--initial-cluster-token`, default `etcd-cluster`). */
  readonly initialClusterToken: string
  /** Applied entries between raft snapshots (`--snapshot-count`, default 100 000). */
  readonly snapshotCount: number
  /** Entries kept in the raft log after a snapshot for slow followers (default 5 000). */
  readonly snapshotCatchUpEntries: number
  /** Raft tick, ms (`--heartbeat-interval`, default 100). */
  readonly heartbeatIntervalMs: number
  /** Election timeout, ms (`--election-timeout`, default 1000). */
  readonly electionTimeoutMs: number
  /** Backend size that raises the NOSPACE alarm (`--quota-backend-bytes`; 0 → 2 GiB, < 0 → no quota). */
  readonly quotaBackendBytes: number
  /** Max operations per txn list (`--max-txn-ops`, default 128). */
  readonly maxTxnOps: number
  /** Max encoded request size, bytes (`--max-request-bytes`, default 1.5 MiB). */
  readonly maxRequestBytes: number
  /** `--auto-compaction-mode`, default `periodic`. */
  readonly autoCompactionMode: AutoCompactionMode
  /** `--auto-compaction-retention`: `0` (off), hours as a bare number, a duration (`1h30m`), or revisions. */
  readonly autoCompactionRetention: string
  /** `.snap` files kept (`--max-snapshots`, default 5; 0 = unlimited). */
  readonly maxSnapshots: number
  /** `.wal` files kept (`--max-wals`, default 5; 0 = unlimited). */
  readonly maxWals: number
  /** Backend commit interval, ms (`--backend-batch-interval`, default 100). */
  readonly backendBatchIntervalMs: number
  /** Backend commit after this many writes (`--backend-batch-limit`, default 10 000). */
  readonly backendBatchLimit: number
  /** Idle-watcher progress notify interval, ms (`--experimental-watch-progress-notify-interval`, default 10 min). */
  readonly watchProgressNotifyIntervalMs: number
  /** Checkpoint lease remaining TTLs (`--experimental-enable-lease-checkpoint`, default false). */
  readonly enableLeaseCheckpoint: boolean
  /** Persist lease checkpoints (`--experimental-enable-lease-checkpoint-persist`, default false). */
  readonly enableLeaseCheckpointPersist: boolean
  /** Reject reconfigurations that could lose quorum (`--strict-reconfig-check`, default true). */
  readonly strictReconfigCheck: boolean
  /** Makes the backend (the app's choice of adapter). */
  readonly backend: BackendFactory
  /** Where to log; default silent. */
  readonly logger: ServerLogger
}

/** The parts of {@link EtcdConfig} a caller must give; everything else defaults as etcd does. */
export type EtcdConfigInit = Partial<EtcdConfig> & Pick<EtcdConfig, 'backend'>

/** etcd's defaults (3.4), for every field with one. */
export const ETCD_DEFAULTS = {
  name: 'default',
  listenClientUrls: ['http://localhost:2379'],
  advertiseClientUrls: ['http://localhost:2379'],
  listenPeerUrls: ['http://localhost:2380'],
  initialAdvertisePeerUrls: ['http://localhost:2380'],
  initialClusterState: 'new',
  initialClusterToken: 'etcd-cluster',
  snapshotCount: 100_000,
  snapshotCatchUpEntries: 5_000,
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1_000,
  quotaBackendBytes: 0,
  maxTxnOps: 128,
  maxRequestBytes: 1.5 * 1024 * 1024,
  autoCompactionMode: 'periodic',
  autoCompactionRetention: '0',
  maxSnapshots: 5,
  maxWals: 5,
  backendBatchIntervalMs: 100,
  backendBatchLimit: 10_000,
  watchProgressNotifyIntervalMs: 10 * 60 * 1000,
  enableLeaseCheckpoint: false,
  enableLeaseCheckpointPersist: false,
  strictReconfigCheck: true,
} as const

/** The quota when `quotaBackendBytes` is 0: 2 GiB (etcd's `DefaultQuotaBytes`). */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024

/** A configuration that etcd would refuse; the message is one line, fit to print. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'ETCD_CONFIG'
}

/**
 * Applies etcd's defaults to `init` and checks it.
 *
 * @throws ConfigError naming the offending option.
 */
export function resolveEtcdConfig(init: EtcdConfigInit): EtcdConfig {
  if (typeof init.backend !== 'function') throw new ConfigError('backend: a backend factory is required')
  const name = init.name ?? ETCD_DEFAULTS.name
  const dataDir = init.dataDir ?? `${name}.etcd`
  const initialAdvertisePeerUrls = init.initialAdvertisePeerUrls ?? ETCD_DEFAULTS.initialAdvertisePeerUrls
  const config: EtcdConfig = {
    name,
    dataDir,
    walDir: init.walDir ?? '',
    listenClientUrls: init.listenClientUrls ?? ETCD_DEFAULTS.listenClientUrls,
    advertiseClientUrls: init.advertiseClientUrls ?? ETCD_DEFAULTS.advertiseClientUrls,
    listenPeerUrls: init.listenPeerUrls ?? ETCD_DEFAULTS.listenPeerUrls,
    initialAdvertisePeerUrls,
    initialCluster: init.initialCluster ?? `${name}=${initialAdvertisePeerUrls.join(`,${name}=`)}`,
    initialClusterState: init.initialClusterState ?? ETCD_DEFAULTS.initialClusterState,
    initialClusterToken: init.initialClusterToken ?? ETCD_DEFAULTS.initialClusterToken,
    snapshotCount: init.snapshotCount ?? ETCD_DEFAULTS.snapshotCount,
    snapshotCatchUpEntries: init.snapshotCatchUpEntries ?? ETCD_DEFAULTS.snapshotCatchUpEntries,
    heartbeatIntervalMs: init.heartbeatIntervalMs ?? ETCD_DEFAULTS.heartbeatIntervalMs,
    electionTimeoutMs: init.electionTimeoutMs ?? ETCD_DEFAULTS.electionTimeoutMs,
    quotaBackendBytes: init.quotaBackendBytes ?? ETCD_DEFAULTS.quotaBackendBytes,
    maxTxnOps: init.maxTxnOps ?? ETCD_DEFAULTS.maxTxnOps,
    maxRequestBytes: init.maxRequestBytes ?? ETCD_DEFAULTS.maxRequestBytes,
    autoCompactionMode: init.autoCompactionMode ?? ETCD_DEFAULTS.autoCompactionMode,
    autoCompactionRetention: init.autoCompactionRetention ?? ETCD_DEFAULTS.autoCompactionRetention,
    maxSnapshots: init.maxSnapshots ?? ETCD_DEFAULTS.maxSnapshots,
    maxWals: init.maxWals ?? ETCD_DEFAULTS.maxWals,
    backendBatchIntervalMs: init.backendBatchIntervalMs ?? ETCD_DEFAULTS.backendBatchIntervalMs,
    backendBatchLimit: init.backendBatchLimit ?? ETCD_DEFAULTS.backendBatchLimit,
    watchProgressNotifyIntervalMs: init.watchProgressNotifyIntervalMs ?? ETCD_DEFAULTS.watchProgressNotifyIntervalMs,
    enableLeaseCheckpoint: init.enableLeaseCheckpoint ?? ETCD_DEFAULTS.enableLeaseCheckpoint,
    enableLeaseCheckpointPersist: init.enableLeaseCheckpointPersist ?? ETCD_DEFAULTS.enableLeaseCheckpointPersist,
    strictReconfigCheck: init.strictReconfigCheck ?? ETCD_DEFAULTS.strictReconfigCheck,
    backend: init.backend,
    logger: init.logger ?? SILENT_LOGGER,
  }
  validate(config)
  return config
}

function validate(c: EtcdConfig): void {
  if (c.name === '') throw new ConfigError('name: must not be empty')
  if (c.dataDir === '') throw new ConfigError('data-dir: must not be empty')
  for (const [flag, urls] of [
    ['listen-client-urls', c.listenClientUrls],
    ['advertise-client-urls', c.advertiseClientUrls],
    ['listen-peer-urls', c.listenPeerUrls],
    ['initial-advertise-peer-urls', c.initialAdvertisePeerUrls],
  ] as const) {
    if (urls.length === 0) throw new ConfigError(`${flag}: at least one URL is required`)
    for (const url of urls) checkUrl(flag, url)
  }
  if (c.initialClusterState !== 'new' && c.initialClusterState !== 'existing') {
    throw new ConfigError(
      `initial-cluster-state: must be "new" or "existing", got ${JSON.stringify(c.initialClusterState)}`,
    )
  }
  positive('snapshot-count', c.snapshotCount)
  positive('snapshot-catchup-entries', c.snapshotCatchUpEntries)
  positive('heartbeat-interval', c.heartbeatIntervalMs)
  positive('election-timeout', c.electionTimeoutMs)
  if (c.electionTimeoutMs < 5 * c.heartbeatIntervalMs) {
    throw new ConfigError(
      `election-timeout[${c.electionTimeoutMs}ms] should be at least as 5 times as heartbeat-interval[${c.heartbeatIntervalMs}ms]`,
    )
  }
  if (c.electionTimeoutMs > 50_000) {
    throw new ConfigError(`election-timeout[${c.electionTimeoutMs}ms] is too long, and should be set less than 50000ms`)
  }
  if (!Number.isSafeInteger(c.quotaBackendBytes)) {
    throw new ConfigError(`quota-backend-bytes: must be an integer, got ${c.quotaBackendBytes}`)
  }
  positive('max-txn-ops', c.maxTxnOps)
  positive('max-request-bytes', c.maxRequestBytes)
  if (c.autoCompactionMode !== 'periodic' && c.autoCompactionMode !== 'revision') {
    throw new ConfigError(`auto-compaction-mode: unknown mode ${JSON.stringify(c.autoCompactionMode)}`)
  }
  nonNegative('max-snapshots', c.maxSnapshots)
  nonNegative('max-wals', c.maxWals)
  positive('backend-batch-interval', c.backendBatchIntervalMs)
  positive('backend-batch-limit', c.backendBatchLimit)
  positive('experimental-watch-progress-notify-interval', c.watchProgressNotifyIntervalMs)
}

function checkUrl(flag: string, url: string): void {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigError(`${flag}: invalid URL ${JSON.stringify(url)}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:' && parsed.protocol !== 'unix:') {
    throw new ConfigError(`${flag}: URL scheme must be http, https, unix or unixs: ${url}`)
  }
}

function positive(flag: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ConfigError(`${flag}: must be a positive integer, got ${value}`)
}

function nonNegative(flag: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(`${flag}: must be a non-negative integer, got ${value}`)
  }
}
