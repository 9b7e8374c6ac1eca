// Opening a member's storage (etcd's server/etcdserver/bootstrap.go): a new member creates its
// WAL and seeds raft with the initial cluster; a restarted one loads the newest snapshot the
// WAL vouches for, replays the WAL after it into a MemoryStorage and reopens the backend, which
// resumes from its consistent index.
import { constants } from 'node:fs'
import { access, mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Metadata } from '@etcd-ts/api'
import type { Backend } from '@etcd-ts/backend'
import { ConsistentIndex } from '@etcd-ts/mvcc'
import { type HardState, isEmptySnapshot, MemoryStorage, type Snapshot } from '@etcd-ts/raft'
import { NoSnapshotError, Snapshotter } from '@etcd-ts/snap'
import { UnexpectedEofError, Wal } from '@etcd-ts/wal'
import { ConfigError, type EtcdConfig } from './config.js'
import { DataDirError } from './errors.js'
import type { ClusterId, MemberId } from './ids.js'
import { RaftCluster } from './membership.js'

/** Where a member keeps its files under `--data-dir`. */
export interface DataDirLayout {
  readonly memberDir: string
  readonly walDir: string
  readonly snapDir: string
  /** The backend: `member/snap/db`. */
  readonly backendPath: string
}

/** The layout of `config.dataDir` (and `config.walDir`). */
export function dataDirLayout(config: Pick<EtcdConfig, 'dataDir' | 'walDir'>): DataDirLayout {
  const memberDir = join(config.dataDir, 'member')
  const snapDir = join(memberDir, 'snap')
  return {
    memberDir,
    walDir: config.walDir !== '' ? config.walDir : join(memberDir, 'wal'),
    snapDir,
    backendPath: join(snapDir, 'db'),
  }
}

/** What {@link bootstrapStorage} opened: everything the server runs on. */
export interface BootstrappedStorage {
  readonly layout: DataDirLayout
  readonly isNew: boolean
  readonly memberId: MemberId
  readonly clusterId: ClusterId
  readonly cluster: RaftCluster
  readonly wal: Wal
  readonly snapshotter: Snapshotter
  readonly backend: Backend
  readonly consistentIndex: ConsistentIndex
  readonly raftStorage: MemoryStorage
  /** The snapshot raft restarts from (empty for a new member). */
  readonly snapshot: Snapshot | undefined
  readonly hardState: HardState
}

/** Logs the few things bootstrapping says. */
export interface BootstrapLogger {
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
}

/**
 * Opens (or creates) the member's WAL, snapshots and backend.
 *
 * @throws DataDirError when the data dir is unusable; ConfigError for a bad initial cluster;
 *   whatever the WAL or backend throw for corrupt files.
 */
export async function bootstrapStorage(config: EtcdConfig, logger: BootstrapLogger): Promise<BootstrappedStorage> {
  const layout = dataDirLayout(config)
  await prepareDir(config.dataDir)
  await prepareDir(layout.memberDir)
  await prepareDir(layout.snapDir)
  const haveWal = await Wal.exists(layout.walDir)
  const snapshotter = new Snapshotter(layout.snapDir)
  const backend = config.backend({
    path: layout.backendPath,
    batchIntervalMs: config.backendBatchIntervalMs,
    batchLimit: config.backendBatchLimit,
  })
  await backend.open()
  try {
    const consistentIndex = new ConsistentIndex(backend)
    backend.setPreCommitHook((tx) => consistentIndex.unsafeSave(tx))
    if (!haveWal) {
      if (consistentIndex.get() !== 0) {
        throw new DataDirError(
          `${config.dataDir}: the backend holds data (consistent index ${consistentIndex.get()}) but there is no WAL`,
        )
      }
      if (config.initialClusterState === 'existing') {
        throw new ConfigError('initial-cluster-state existing: joining an existing cluster is not supported yet')
      }
      const cluster = RaftCluster.fromInitialCluster(
        config.initialCluster,
        config.initialClusterToken,
        config.name,
        config.initialAdvertisePeerUrls,
      )
      await prepareDir(join(layout.walDir, '..'))
      const metadata = Metadata.encode({ NodeID: cluster.localId, ClusterID: cluster.clusterId })
      const wal = await Wal.create(layout.walDir, metadata)
      logger.info('starting local member', {
        'local-member-id': cluster.localId.toString(16),
        'cluster-id': cluster.clusterId.toString(16),
      })
      return {
        layout,
        isNew: true,
        memberId: cluster.localId,
        clusterId: cluster.clusterId,
        cluster,
        wal,
        snapshotter,
        backend,
        consistentIndex,
        raftStorage: new MemoryStorage(),
        snapshot: undefined,
        hardState: { term: 0, vote: 0n, commit: 0 },
      }
    }
    return await restart(config, layout, snapshotter, backend, consistentIndex, logger)
  } catch (error) {
    await backend.close().catch(() => {})
    throw error
  }
}

async function restart(
  _config: EtcdConfig,
  layout: DataDirLayout,
  snapshotter: Snapshotter,
  backend: Backend,
  consistentIndex: ConsistentIndex,
  logger: BootstrapLogger,
): Promise<BootstrappedStorage> {
  const walSnapshots = await Wal.validSnapshotEntries(layout.walDir)
  let snapshot: Snapshot | undefined
  try {
    snapshot = await snapshotter.loadNewestAvailable(walSnapshots)
  } catch (error) {
    if (!(error instanceof NoSnapshotError)) throw error
  }
  if (snapshot !== undefined && isEmptySnapshot(snapshot)) snapshot = undefined
  if (snapshot !== undefined && consistentIndex.get() < snapshot.metadata.index) {
    throw new DataDirError(
      `${layout.backendPath}: the backend's consistent index ${consistentIndex.get()} is below the snapshot index ${snapshot.metadata.index}` +
        ' (a backend that keeps nothing across restarts, such as --backend memory, cannot restart after a snapshot; remove the data dir to start afresh)',
    )
  }
  const walSnapshot = snapshot === undefined ? { index: 0, term: 0 } : snapshot.metadata
  const read = await readWal(layout.walDir, walSnapshot, logger)
  const metadata = Metadata.decode(read.metadata)
  const memberId = metadata.NodeID ?? 0n
  const clusterId = metadata.ClusterID ?? 0n
  if (memberId === 0n || clusterId === 0n) {
    throw new DataDirError(`${layout.walDir}: the WAL metadata has no member ID or cluster ID`)
  }
  const cluster = await RaftCluster.recover(memberId, clusterId, backend.readTx())
  const raftStorage = new MemoryStorage()
  if (snapshot !== undefined) raftStorage.applySnapshot(snapshot)
  raftStorage.setHardState(read.hardState)
  raftStorage.append(read.entries)
  logger.info('restarting local member', {
    'local-member-id': memberId.toString(16),
    'cluster-id': clusterId.toString(16),
    'commit-index': read.hardState.commit,
  })
  return {
    layout,
    isNew: false,
    memberId,
    clusterId,
    cluster,
    wal: read.wal,
    snapshotter,
    backend,
    consistentIndex,
    raftStorage,
    snapshot,
    hardState: read.hardState,
  }
}

/** Opens the WAL at `snapshot` and reads it; a torn tail (a crash mid-write) is repaired once. */
async function readWal(
  dir: string,
  snapshot: { readonly index: number; readonly term: number },
  logger: BootstrapLogger,
): Promise<{
  wal: Wal
  metadata: Uint8Array
  hardState: HardState
  entries: readonly import('@etcd-ts/raft').Entry[]
}> {
  for (let attempt = 0; ; attempt++) {
    const wal = await Wal.open(dir, { index: snapshot.index, term: snapshot.term })
    try {
      const { metadata, hardState, entries } = await wal.readAll()
      return { wal, metadata, hardState, entries }
    } catch (error) {
      await wal.close().catch(() => {})
      if (!(error instanceof UnexpectedEofError) || attempt > 0) throw error
      logger.warn('WAL has a torn tail; repairing', { 'wal-dir': dir })
      if (!(await Wal.repair(dir))) throw error
    }
  }
}

/** Creates `dir` (0700) if missing and checks that it is a writable directory. */
async function prepareDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw new DataDirError(`cannot create directory ${dir}: ${(error as Error).message}`, { cause: error })
  }
  const info = await stat(dir).catch((error: unknown) => {
    throw new DataDirError(`cannot access ${dir}: ${(error as Error).message}`, { cause: error })
  })
  if (!info.isDirectory()) throw new DataDirError(`${dir} is not a directory`)
  try {
    await access(dir, constants.W_OK | constants.R_OK | constants.X_OK)
  } catch (error) {
    throw new DataDirError(`${dir} is not writable: ${(error as Error).message}`, { cause: error })
  }
}
