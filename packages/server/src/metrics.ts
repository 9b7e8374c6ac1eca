import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** Exponential buckets, as Prometheus' Go client `ExponentialBuckets(start, factor, count)`. */
function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const out: number[] = []
  for (let i = 0, value = start; i < count; i++, value *= factor) out.push(value)
  return out
}

/**
 * The server's Prometheus metrics, with etcd's names and help texts (the ones dashboards and
 * `etcdctl check datascale` read), in a registry of its own so that several members can live
 * in one process. Process metrics (`process_resident_memory_bytes`, …) come from prom-client's
 * default collectors.
 */
export class ServerMetrics {
  readonly registry = new Registry()

  readonly hasLeader = this.#gauge(
    'etcd_server_has_leader',
    'Whether or not a leader exists. 1 is existence, 0 is not.',
  )
  readonly isLeader = this.#gauge(
    'etcd_server_is_leader',
    'Whether or not this member is a leader. 1 if is, 0 otherwise.',
  )
  readonly leaderChanges = this.#counter('etcd_server_leader_changes_seen_total', 'The number of leader changes seen.')
  readonly proposalsCommitted = this.#gauge(
    'etcd_server_proposals_committed_total',
    'The total number of consensus proposals committed.',
  )
  readonly proposalsApplied = this.#gauge(
    'etcd_server_proposals_applied_total',
    'The total number of consensus proposals applied.',
  )
  readonly proposalsPending = this.#gauge(
    'etcd_server_proposals_pending',
    'The current number of pending proposals to commit.',
  )
  readonly proposalsFailed = this.#counter(
    'etcd_server_proposals_failed_total',
    'The total number of failed proposals seen.',
  )
  readonly slowApplies = this.#counter(
    'etcd_server_slow_apply_total',
    'The total number of slow apply requests (likely overloaded from slow disk).',
  )
  readonly slowReadIndexes = this.#counter(
    'etcd_server_slow_read_indexes_total',
    "The total number of pending read indexes not in sync with leader's or timed out read index requests.",
  )
  readonly readIndexFailed = this.#counter(
    'etcd_server_read_indexes_failed_total',
    'The total number of failed read indexes seen.',
  )
  readonly heartbeatSendFailures = this.#counter(
    'etcd_server_heartbeat_send_failures_total',
    'The total number of leader heartbeat send failures (likely overloaded from slow disk).',
  )
  readonly quotaBackendBytes = this.#gauge(
    'etcd_server_quota_backend_bytes',
    'Current backend storage quota size in bytes.',
  )
  readonly serverId = new Gauge({
    name: 'etcd_server_id',
    help: "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
    labelNames: ['server_id'],
    registers: [this.registry],
  })
  readonly serverVersion = new Gauge({
    name: 'etcd_server_version',
    help: "Which version is running. 1 for 'server_version' label with current version.",
    labelNames: ['server_version'],
    registers: [this.registry],
  })
  readonly clusterVersion = new Gauge({
    name: 'etcd_cluster_version',
    help: "Which version is running. 1 for 'cluster_version' label with current cluster version",
    labelNames: ['cluster_version'],
    registers: [this.registry],
  })
  readonly walFsyncSeconds = new Histogram({
    name: 'etcd_disk_wal_fsync_duration_seconds',
    help: 'The latency distributions of fsync called by WAL.',
    buckets: exponentialBuckets(0.001, 2, 14),
    registers: [this.registry],
  })
  readonly walWriteBytes = this.#gauge('etcd_disk_wal_write_bytes_total', 'Total number of bytes written in WAL.')
  readonly backendCommitSeconds = new Histogram({
    name: 'etcd_disk_backend_commit_duration_seconds',
    help: 'The latency distributions of commit called by backend.',
    buckets: exponentialBuckets(0.001, 2, 14),
    registers: [this.registry],
  })
  readonly backendSnapshotSeconds = new Histogram({
    name: 'etcd_disk_backend_snapshot_duration_seconds',
    help: 'The latency distribution of backend snapshots.',
    buckets: exponentialBuckets(0.01, 2, 17),
    registers: [this.registry],
  })
  readonly dbTotalSize = this.#gauge(
    'etcd_mvcc_db_total_size_in_bytes',
    'Total size of the underlying database physically allocated in bytes.',
  )
  readonly dbTotalSizeInUse = this.#gauge(
    'etcd_mvcc_db_total_size_in_use_in_bytes',
    'Total size of the underlying database logically in use in bytes.',
  )
  readonly keysTotal = this.#gauge('etcd_debugging_mvcc_keys_total', 'Total number of keys.')
  readonly watchers = this.#gauge('etcd_debugging_mvcc_watcher_total', 'Total number of watchers.')
  readonly watchStreams = this.#gauge('etcd_debugging_mvcc_watch_stream_total', 'Total number of watch streams.')
  readonly compactRevision = this.#gauge(
    'etcd_debugging_mvcc_compact_revision',
    'The revision of the last compaction in store.',
  )
  readonly currentRevision = this.#gauge('etcd_debugging_mvcc_current_revision', 'The current revision of store.')
  readonly leaseGranted = this.#counter('etcd_debugging_lease_granted_total', 'The total number of granted leases.')
  readonly leaseRevoked = this.#counter('etcd_debugging_lease_revoked_total', 'The total number of revoked leases.')
  readonly snapshotSaveSeconds = new Histogram({
    name: 'etcd_debugging_snap_save_total_duration_seconds',
    help: 'The total latency distributions of save called by snapshot.',
    buckets: exponentialBuckets(0.001, 2, 14),
    registers: [this.registry],
  })
  readonly grpcHandled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'Total number of RPCs completed on the server, regardless of success or failure.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'],
    registers: [this.registry],
  })
  readonly grpcStarted = new Counter({
    name: 'grpc_server_started_total',
    help: 'Total number of RPCs started on the server.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'],
    registers: [this.registry],
  })

  constructor(options: { readonly processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry })
  }

  /** The metrics in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  /** The content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType
  }

  #gauge(name: string, help: string): Gauge {
    return new Gauge({ name, help, registers: [this.registry] })
  }

  #counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] })
  }
}
