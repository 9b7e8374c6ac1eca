// EtcdServer: one etcd member (etcd's server/etcdserver/server.go and raft.go). It owns the raft
// loop — per Ready: persist to the WAL (one fsync), feed the MemoryStorage, apply the committed
// entries in order, advance — the applier, linearizable reads through batched ReadIndex, the
// lessor's expiry proposals, snapshots and purges. The gRPC services (./grpc) call its methods.
import { createHash } from 'node:crypto'
import {
  type AlarmRequest,
  AlarmRequest_AlarmAction,
  type AlarmResponseInit,
  AlarmType,
  type CompactionRequest,
  type CompactionResponseInit,
  type DeleteRangeRequest,
  type DeleteRangeResponseInit,
  EtcdError,
  type HashKVRequest,
  type HashKVResponseInit,
  type HashResponseInit,
  InternalRaftRequest,
  type InternalRaftRequestInit,
  type LeaseGrantRequest,
  type LeaseGrantResponseInit,
  type LeaseLeasesResponseInit,
  type LeaseRevokeRequest,
  type LeaseRevokeResponseInit,
  type LeaseTimeToLiveRequest,
  type LeaseTimeToLiveResponseInit,
  type MemberListResponseInit,
  type PutRequest,
  type PutResponseInit,
  type RangeRequest,
  type RangeResponseInit,
  type ResponseHeaderInit,
  type SnapshotResponseInit,
  type StatusResponseInit,
  type TxnRequest,
  type TxnResponseInit,
} from '@etcd-ts/api'
import { type Backend, type BatchTx, Buckets, type Clock, SYSTEM_CLOCK } from '@etcd-ts/backend'
import { Lessor, minLeaseTtlSeconds } from '@etcd-ts/lease'
import { type ConsistentIndex, KVStore, MetaKeys, WatchableStore } from '@etcd-ts/mvcc'
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  decodeConfChange,
  decodeConfChangeV2,
  type Entry,
  EntryType,
  isEmptyHardState,
  isEmptySnapshot,
  type MemoryStorage,
  NONE,
  RawNode,
  type ReadState,
  type Ready,
  type Snapshot,
  type SoftState,
  StateType,
} from '@etcd-ts/raft'
import type { Snapshotter } from '@etcd-ts/snap'
import type { Wal } from '@etcd-ts/wal'
import { type Alarm, AlarmStore, describeAlarm } from './alarms.js'
import { type BoltBucket, writeBoltDb } from './bbolt.js'
import { type BootstrappedStorage, bootstrapStorage } from './bootstrap.js'
import { Compactor } from './compactor.js'
import type { EtcdConfig, ServerLogger } from './config.js'
import { FatalServerError, toEtcdError } from './errors.js'
import { type ClusterId, formatId, type MemberId, RequestIdGenerator } from './ids.js'
import {
  applyDeleteRange,
  applyPut,
  applyRange,
  applyTxn,
  checkDeleteRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
  isTxnReadOnly,
  isTxnSerializable,
  type TxnStores,
} from './kv-apply.js'
import { decodeMemberJson, encodeMemberJson, type Member, type RaftCluster } from './membership.js'
import { ServerMetrics } from './metrics.js'
import { purgeWalFiles } from './purge.js'
import { BackendQuota, costTxn, type QuotaRequest } from './quota.js'
import { Wait, WaitIndex } from './wait.js'

/** The etcd version this server speaks for (Status, /version). */
export const ETCD_VERSION = '3.4.23'
/** The cluster version a 3.4 cluster settles on. */
export const ETCD_CLUSTER_VERSION = '3.4.0'

/** Apply lagging commit by more than this many entries turns proposals away (etcd's `maxGapBetweenApplyAndCommitIndex`). */
const MAX_GAP_BETWEEN_APPLY_AND_COMMIT = 5000
/** ReadIndex requests are resent this often until answered (etcd's `readIndexRetryTime`). */
const READ_INDEX_RETRY_MS = 500
/** How often old snapshot and WAL files are purged (etcd's `purgeFileInterval`). */
const PURGE_INTERVAL_MS = 30_000
/** A Ready in hand for longer than this is logged as a stalled loop. */
const LOOP_STALL_WARN_MS = 5000
/** Lease revocations proposed at once at most (etcd's `maxPendingRevokes`). */
const MAX_PENDING_REVOKES = 16
/** A snapshot response blob (etcd sends 32 KiB chunks). */
const SNAPSHOT_CHUNK_BYTES = 32 * 1024

/** What applying one entry produced, for the request waiting on it. */
interface ApplyResult {
  readonly response?: unknown
  readonly error?: unknown
  /** For a physical compaction: settles when the old revisions are gone. */
  readonly physical?: Promise<void>
}

/** Collaborators of an {@link EtcdServer}. */
export interface EtcdServerComponents {
  /** Time (ticks, timeouts, leases). Default: the real clock. */
  readonly clock?: Clock
  /** Where metrics go; default: a registry of the server's own. */
  readonly metrics?: ServerMetrics
  /** The random source of raft's election timeouts. */
  readonly random?: () => number
}

interface ReadRound {
  readonly contexts: Set<string>
  readonly waiters: { resolve(): void; reject(error: unknown): void }[]
  cancelResend?: () => void
  cancelTimeout?: () => void
}

type State = 'new' | 'running' | 'stopping' | 'stopped'

/**
 * One etcd member. Make it with {@link EtcdServer.open}, call {@link EtcdServer.start}, serve its
 * methods (each takes and returns etcd's protobuf messages), and {@link EtcdServer.stop} it.
 * Request methods reject with `EtcdError` (etcd's code and message) for everything a client can
 * cause.
 */
export class EtcdServer {
  readonly config: EtcdConfig
  readonly metrics: ServerMetrics
  readonly #logger: ServerLogger
  readonly #clock: Clock
  readonly #storage: BootstrappedStorage
  readonly #wal: Wal
  readonly #snapshotter: Snapshotter
  readonly #backend: Backend
  readonly #ci: ConsistentIndex
  readonly #raftStorage: MemoryStorage
  readonly #node: RawNode
  readonly #cluster: RaftCluster
  readonly #kv: KVStore
  readonly #watchable: WatchableStore
  readonly #lessor: Lessor
  readonly #alarms: AlarmStore
  readonly #quota: BackendQuota
  readonly #compactor: Compactor
  readonly #reqIds: RequestIdGenerator
  readonly #wait = new Wait<ApplyResult>()
  readonly #appliedWait = new WaitIndex()
  readonly #requestTimeoutMs: number
  readonly #electionTicks: number
  readonly #txnStores: TxnStores

  #state: State = 'new'
  // Invariant: snapshotIndex <= applied <= committed.
  #applied = 0
  #committed = 0
  #snapshotIndex = 0
  #confState: ConfState
  #term = 0
  #lead: MemberId = NONE
  #isLeader = false
  #loopRunning = false
  // What the raft loop is doing, for the stall warning.
  #loopStep = 'idle'
  #loopStepSince = 0
  #loopStallWarnedAt = 0
  #loopScheduled = false
  #loopIdle: (() => void) | undefined
  #cancelTick: (() => void) | undefined
  #cancelPurge: (() => void) | undefined
  #leaderWaiters: { resolve(): void; reject(error: unknown): void }[] = []
  #readPending: { resolve(): void; reject(error: unknown): void }[] = []
  #readRound: ReadRound | undefined
  #pendingRevokes = 0
  #campaignAfterAdvance = false
  #published = false
  #publishing = false
  #settingVersion = false
  #readyResolve!: () => void
  #doneResolve!: () => void
  #doneReject!: (error: unknown) => void
  /** Settles once this member has published itself and serves requests (etcd's `ReadyNotify`). */
  readonly ready: Promise<void>
  /** Settles when the member has stopped; rejects if it stopped on a fatal error. */
  readonly done: Promise<void>

  private constructor(config: EtcdConfig, storage: BootstrappedStorage, components: EtcdServerComponents) {
    this.config = config
    this.#logger = config.logger
    this.#clock = components.clock ?? SYSTEM_CLOCK
    this.metrics = components.metrics ?? new ServerMetrics()
    this.#storage = storage
    this.#wal = storage.wal
    this.#snapshotter = storage.snapshotter
    this.#backend = storage.backend
    this.#ci = storage.consistentIndex
    this.#raftStorage = storage.raftStorage
    this.#cluster = storage.cluster
    this.#requestTimeoutMs = 5000 + 2 * config.electionTimeoutMs
    this.#electionTicks = Math.max(1, Math.floor(config.electionTimeoutMs / config.heartbeatIntervalMs))
    this.#reqIds = new RequestIdGenerator(storage.memberId, this.#clock.now())
    this.ready = new Promise<void>((resolve) => {
      this.#readyResolve = resolve
    })
    this.done = new Promise<void>((resolve, reject) => {
      this.#doneResolve = resolve
      this.#doneReject = reject
    })
    // Nobody has to await `done`: a fatal stop must not become an unhandled rejection.
    this.done.catch(() => {})

    const logger = this.#logger
    const kvHolder: { kv?: KVStore } = {}
    this.#lessor = new Lessor(
      {
        minLeaseTtlSeconds: minLeaseTtlSeconds({
          heartbeatMs: config.heartbeatIntervalMs,
          electionTicks: this.#electionTicks,
        }),
        checkpointPersist: config.enableLeaseCheckpointPersist,
      },
      {
        backend: this.#backend,
        clock: this.#clock,
        logger: { info: (m) => logger.debug(m), warn: (m) => logger.warn(m) },
        rangeDeleter: () => (kvHolder.kv as KVStore).write(),
        checkpointer: config.enableLeaseCheckpoint
          ? (checkpoints) =>
              this.#raftRequest({
                leaseCheckpoint: {
                  checkpoints: checkpoints.map((c) => ({ ID: c.id, remainingTTL: c.remainingTtlSeconds })),
                },
              }).then(() => {})
          : undefined,
      },
    )
    this.#kv = new KVStore(this.#backend, {}, { lessor: this.#lessor, clock: this.#clock })
    kvHolder.kv = this.#kv
    this.#watchable = new WatchableStore(this.#kv, {}, { clock: this.#clock })
    this.#alarms = new AlarmStore(this.#backend)
    this.#quota = new BackendQuota(config.quotaBackendBytes, () => this.#backend.size())
    this.#compactor = new Compactor(
      { mode: config.autoCompactionMode, retention: config.autoCompactionRetention },
      {
        clock: this.#clock,
        logger,
        revision: () => this.#kv.rev(),
        compact: async (revision) => {
          await this.compact({ revision, physical: false })
        },
      },
    )
    const lessor = this.#lessor
    const kv = this.#kv
    this.#txnStores = {
      read: () => kv.read(),
      write: () => kv.write(),
      leases: { hasLease: (id) => lessor.lookup(id) !== undefined },
    }

    const snapshot = storage.snapshot
    this.#confState = snapshot?.metadata.confState ?? {
      voters: [],
      learners: [],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    }
    if (snapshot !== undefined) {
      this.#snapshotIndex = snapshot.metadata.index
      this.#applied = snapshot.metadata.index
    }
    this.#committed = storage.hardState.commit
    this.#term = storage.hardState.term
    this.#node = new RawNode({
      id: storage.memberId,
      electionTick: this.#electionTicks,
      heartbeatTick: 1,
      storage: this.#raftStorage,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 512,
      maxUncommittedEntriesSize: 1 << 30,
      checkQuorum: true,
      preVote: true,
      random: components.random,
      logger: {
        debug: (m) => logger.debug(m),
        info: (m) => logger.info(m),
        warn: (m) => logger.warn(m),
        error: (m) => logger.error(m),
      },
    })
  }

  /**
   * Opens a member's storage under `config.dataDir` (creating a new member, or restarting one)
   * and builds the server; nothing runs until {@link start}.
   *
   * @throws DataDirError, ConfigError, or a storage error for corrupt files.
   */
  static async open(config: EtcdConfig, components: EtcdServerComponents = {}): Promise<EtcdServer> {
    const storage = await bootstrapStorage(config, config.logger)
    let server: EtcdServer | undefined
    try {
      server = new EtcdServer(config, storage, components)
      await server.#recover(storage)
      return server
    } catch (error) {
      await storage.wal.close().catch(() => {})
      await storage.backend.close().catch(() => {})
      throw error
    }
  }

  async #recover(storage: BootstrappedStorage): Promise<void> {
    await this.#alarms.recover()
    await this.#lessor.start()
    await this.#kv.open()
    if (this.#alarms.has(AlarmType.NOSPACE)) this.#logger.warn('NOSPACE alarm is active: writes are refused')
    if (storage.isNew) {
      const initial = storage.cluster.members()
      this.#node.bootstrap(
        initial.map((member) => ({
          id: member.id,
          context: new TextEncoder().encode(encodeMemberJson({ ...member, clientUrls: [] }, { attributes: true })),
        })),
      )
      // The runtime membership starts empty: members join as their conf changes apply.
      for (const member of initial) this.#cluster.removeMemberQuietly(member.id)
    }
    this.metrics.serverId.set({ server_id: formatId(this.id) }, 1)
    this.metrics.serverVersion.set({ server_version: ETCD_VERSION }, 1)
    this.metrics.quotaBackendBytes.set(Number.isFinite(this.#quota.maxBytes) ? this.#quota.maxBytes : 0)
  }

  // --- identity and state -----------------------------------------------------------------------

  /** This member's ID. */
  get id(): MemberId {
    return this.#storage.memberId
  }

  get clusterId(): ClusterId {
    return this.#storage.clusterId
  }

  /** The current raft term. */
  get term(): number {
    return this.#term
  }

  /** The leader's ID, 0n when there is none. */
  get leader(): MemberId {
    return this.#lead
  }

  get isLeader(): boolean {
    return this.#isLeader
  }

  get appliedIndex(): number {
    return this.#applied
  }

  get committedIndex(): number {
    return this.#committed
  }

  /** The KV store (reads, and the previous values watch events need). */
  get kv(): KVStore {
    return this.#kv
  }

  /** The watchable store the Watch service opens streams on. */
  get watchable(): WatchableStore {
    return this.#watchable
  }

  /** The backend (sizes for metrics and status). */
  get backend(): Backend {
    return this.#backend
  }

  /** The cluster members. */
  get cluster(): RaftCluster {
    return this.#cluster
  }

  /** Raised alarms. */
  alarms(): Alarm[] {
    return this.#alarms.get(AlarmType.NONE)
  }

  /**
   * A response header by etcd's rules (`v3rpc/header.go`): cluster and member IDs, the raft
   * term, and `revision` — the current store revision when not given (or 0).
   */
  header(revision = 0): ResponseHeaderInit {
    return {
      clusterId: this.clusterId,
      memberId: this.id,
      revision: revision === 0 ? this.#kv.rev() : revision,
      raftTerm: this.#term,
    }
  }

  #fill(header: ResponseHeaderInit | undefined): ResponseHeaderInit {
    return this.header(header?.revision ?? 0)
  }

  // --- lifecycle ------------------------------------------------------------------------------

  /** Starts the raft loop, the ticker, the lessor's expiry handling and the purge timer. Idempotent. */
  start(): void {
    if (this.#state !== 'new') return
    this.#state = 'running'
    // Campaign once raft has applied what it has (a new member's bootstrap conf changes).
    if (this.#node.hasReady()) this.#campaignAfterAdvance = true
    else this.#maybeCampaignAlone()
    this.#armTick()
    this.#cancelPurge = this.#every(PURGE_INTERVAL_MS, () => {
      void this.#purge()
    })
    void this.#revokeExpiredLeases()
    this.#schedule()
  }

  /**
   * A member alone in its configuration needs no election timeout: it campaigns at once (at
   * start, and on restart once the WAL's conf changes have rebuilt the configuration).
   */
  #maybeCampaignAlone(): void {
    if (this.#state !== 'running' || this.#lead !== NONE) return
    const status = this.#node.status()
    const voters = [...status.config.voters.ids()]
    if (voters.length === 1 && voters[0] === this.id && status.raftState !== StateType.StateLeader) {
      this.#node.campaign()
    }
  }

  /**
   * Stops the member: no new requests; the raft loop finishes the Ready in hand (its entries
   * are applied); waiting requests fail with `etcdserver: server stopped`; the backend is
   * committed and closed; the WAL is closed. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return
    if (this.#state === 'stopping') return this.done.catch(() => {})
    await this.#shutdown(undefined)
  }

  async #shutdown(fatal: unknown): Promise<void> {
    this.#state = 'stopping'
    this.#cancelTick?.()
    this.#cancelPurge?.()
    this.#compactor.stop()
    if (this.#loopRunning) {
      await new Promise<void>((resolve) => {
        this.#loopIdle = resolve
      })
    }
    const stopped = new EtcdError('STOPPED')
    this.#wait.failAll(stopped)
    this.#appliedWait.failAll(stopped)
    this.#failReads(stopped)
    for (const waiter of this.#leaderWaiters.splice(0)) waiter.reject(stopped)
    this.#lessor.stop()
    const errors: unknown[] = []
    const step = async (what: () => Promise<void>) => {
      try {
        await what()
      } catch (error) {
        errors.push(error)
      }
    }
    await step(() => this.#watchable.close())
    await step(() => this.#kv.close())
    // After a fatal error the pending batch may hold a half-applied entry: never commit it.
    if (fatal === undefined) await step(() => this.#backend.forceCommit())
    await step(() => this.#backend.close())
    await step(() => this.#wal.close())
    this.#state = 'stopped'
    if (fatal !== undefined) {
      this.#doneReject(fatal)
    } else if (errors.length > 0) {
      this.#doneReject(errors[0])
      throw errors[0]
    } else {
      this.#doneResolve()
    }
  }

  #fatal(error: unknown): void {
    if (this.#state !== 'running') return
    // As a crash would: what the backend has not committed is dropped (the WAL has the entries,
    // and the consistent index says which to apply again), so no half-applied entry persists.
    this.#backend.abandon?.(error)
    this.#logger.error('stopping the member on a fatal error', { error: String(error) })
    const fatal = new FatalServerError(`etcd-ts: ${(error as Error)?.message ?? String(error)}`, { cause: error })
    void this.#shutdown(fatal).catch(() => {})
  }

  #assertRunning(): void {
    if (this.#state !== 'running') throw new EtcdError('STOPPED')
  }

  #every(ms: number, run: () => void): () => void {
    let cancel: () => void = () => {}
    let stopped = false
    const arm = () => {
      cancel = this.#clock.setTimer(ms, () => {
        if (stopped) return
        run()
        arm()
      })
    }
    arm()
    return () => {
      stopped = true
      cancel()
    }
  }

  #armTick(): void {
    this.#cancelTick = this.#every(this.config.heartbeatIntervalMs, () => {
      if (this.#state !== 'running') return
      this.#node.tick()
      this.#schedule()
      this.#checkLoopProgress()
    })
  }

  /** Warns (every 5 s at most) while one Ready has been in hand for over 5 s: a stuck disk. */
  #checkLoopProgress(): void {
    if (!this.#loopRunning) return
    const now = this.#clock.now()
    const blockedMs = now - this.#loopStepSince
    if (blockedMs > LOOP_STALL_WARN_MS && now - this.#loopStallWarnedAt > LOOP_STALL_WARN_MS) {
      this.#loopStallWarnedAt = now
      this.#logger.warn('raft loop is blocked', { step: this.#loopStep, 'blocked-ms': Math.round(blockedMs) })
    }
  }

  #step(name: string): void {
    this.#loopStep = name
    this.#loopStepSince = this.#clock.now()
  }

  // --- the raft loop --------------------------------------------------------------------------

  #schedule(): void {
    if (this.#loopScheduled || this.#state !== 'running') return
    this.#loopScheduled = true
    setImmediate(() => {
      this.#loopScheduled = false
      void this.#runLoop()
    })
  }

  async #runLoop(): Promise<void> {
    if (this.#loopRunning || this.#state !== 'running') return
    this.#loopRunning = true
    try {
      while (this.#state === 'running' && this.#node.hasReady()) {
        const rd = this.#node.ready()
        this.#step('handle ready')
        await this.#handleReady(rd)
        this.#node.advance()
        if (this.#campaignAfterAdvance) {
          this.#campaignAfterAdvance = false
          this.#maybeCampaignAlone()
        }
      }
    } catch (error) {
      this.#loopRunning = false
      this.#loopIdle?.()
      this.#fatal(error)
      return
    }
    this.#loopRunning = false
    const idle = this.#loopIdle
    this.#loopIdle = undefined
    idle?.()
    if (this.#state === 'running' && this.#node.hasReady()) this.#schedule()
  }

  async #handleReady(rd: Ready): Promise<void> {
    if (rd.softState !== undefined) this.#onSoftState(rd.softState)
    if (rd.readStates.length > 0) this.#onReadStates(rd.readStates)
    // (A cluster's leader sends rd.messages here, before persisting: Raft thesis §10.2.1.)
    const hasSnapshot = !isEmptySnapshot(rd.snapshot)
    if (hasSnapshot) {
      // The .snap file first: a WAL snapshot record must never exist without its file.
      this.#step('save snapshot')
      await this.#snapshotter.save(rd.snapshot)
      await this.#wal.saveSnapshot({
        index: rd.snapshot.metadata.index,
        term: rd.snapshot.metadata.term,
        confState: rd.snapshot.metadata.confState,
      })
    }
    const hardStateChanged = !isEmptyHardState(rd.hardState)
    if (rd.entries.length > 0 || hardStateChanged) {
      const started = performance.now()
      this.#step('wal save')
      await this.#wal.save(rd.hardState, rd.entries)
      if (rd.mustSync) this.metrics.walFsyncSeconds.observe((performance.now() - started) / 1000)
    }
    if (hardStateChanged) {
      this.#raftStorage.setHardState(rd.hardState)
      this.#term = rd.hardState.term
      if (rd.hardState.commit > this.#committed) {
        this.#committed = rd.hardState.commit
        this.metrics.proposalsCommitted.set(this.#committed)
      }
    }
    if (hasSnapshot) {
      this.#step('apply snapshot')
      await this.#wal.sync()
      this.#raftStorage.applySnapshot(rd.snapshot)
      await this.#applySnapshot(rd.snapshot)
    }
    if (rd.entries.length > 0) this.#raftStorage.append(rd.entries)
    if (rd.committedEntries.length > 0) this.#applyEntries(rd.committedEntries)
    if (this.#applied - this.#snapshotIndex > this.config.snapshotCount) {
      this.#step('trigger snapshot')
      await this.#triggerSnapshot()
    }
  }

  #onSoftState(ss: SoftState): void {
    if (ss.lead !== this.#lead) {
      if (ss.lead !== NONE) this.metrics.leaderChanges.inc()
      if (this.#lead !== NONE || ss.lead !== NONE) {
        this.#logger.info(ss.lead === NONE ? 'raft.node: lost leader' : 'raft.node: elected leader', {
          'local-member-id': formatId(this.id),
          leader: formatId(ss.lead),
          term: this.#node.basicStatus().term,
        })
      }
    }
    this.#lead = ss.lead
    this.metrics.hasLeader.set(ss.lead === NONE ? 0 : 1)
    const wasLeader = this.#isLeader
    this.#isLeader = ss.raftState === StateType.StateLeader
    this.metrics.isLeader.set(this.#isLeader ? 1 : 0)
    if (wasLeader && !this.#isLeader) {
      this.#lessor.demote()
      this.#compactor.pause()
    } else if (!wasLeader && this.#isLeader) {
      this.#compactor.resume()
    }
    if (ss.lead !== NONE) {
      for (const waiter of this.#leaderWaiters.splice(0)) waiter.resolve()
    }
  }

  #applyEntries(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.index <= this.#applied) continue
      const backendHasIt = entry.index <= this.#ci.get()
      switch (entry.type) {
        case EntryType.EntryNormal:
          this.#applyEntryNormal(entry, backendHasIt)
          break
        case EntryType.EntryConfChange:
          this.#applyConfChange(decodeConfChange(entry.data), entry, backendHasIt)
          break
        case EntryType.EntryConfChangeV2: {
          const cc = decodeConfChangeV2(entry.data)
          this.#confState = this.#node.applyConfChange(cc)
          break
        }
      }
      this.#applied = entry.index
      // In the same synchronous stretch as the entry's writes (etcd #13766).
      if (!backendHasIt) this.#ci.set(entry.index, entry.term)
    }
    this.metrics.proposalsApplied.set(this.#applied)
    this.metrics.currentRevision.set(this.#kv.rev())
    this.#appliedWait.trigger(this.#applied)
  }

  #applyEntryNormal(entry: Entry, backendHasIt: boolean): void {
    if (entry.data.length === 0) {
      // The new leader's empty entry: once it applies, every earlier entry has, and the
      // lessor may start expiring leases (etcd promotes here).
      if (this.#isLeader && entry.term === this.#term) {
        this.#lessor.promote(this.config.electionTimeoutMs)
        this.#afterLeaderCommit()
      }
      return
    }
    let request: InternalRaftRequest
    try {
      request = InternalRaftRequest.decode(entry.data)
    } catch (error) {
      throw new FatalServerError(`cannot decode raft entry ${entry.index}: ${(error as Error).message}`, {
        cause: error,
      })
    }
    const id = request.ID !== 0n ? request.ID : (request.header?.ID ?? 0n)
    if (backendHasIt) {
      // Its effects are in the backend already (a replay after restart); nobody waits.
      this.#wait.trigger(id, {})
      return
    }
    const result = this.#applyRequest(request)
    if (result.error instanceof EtcdError && result.error.code === 'NO_SPACE' && !this.#alarms.has(AlarmType.NOSPACE)) {
      this.#raiseNoSpace()
    }
    this.#wait.trigger(id, result)
  }

  #applyRequest(r: InternalRaftRequest): ApplyResult {
    try {
      // etcd's corrupt applier refuses every write (and a raft Range) while CORRUPT is raised.
      if (
        this.#alarms.has(AlarmType.CORRUPT) &&
        (r.deleteRange !== undefined ||
          r.range !== undefined ||
          r.compaction !== undefined ||
          r.leaseGrant !== undefined ||
          r.leaseRevoke !== undefined)
      ) {
        return { error: new EtcdError('CORRUPT') }
      }
      if (r.put !== undefined) return this.#applyPut(r.put)
      if (r.deleteRange !== undefined)
        return { response: this.#write((txn) => applyDeleteRange(txn, r.deleteRange as DeleteRangeRequest)) }
      if (r.txn !== undefined) return this.#applyTxn(r.txn)
      if (r.range !== undefined) {
        const view = this.#kv.read()
        try {
          return { response: applyRange(view, r.range) }
        } finally {
          view.end()
        }
      }
      if (r.compaction !== undefined) {
        const { done } = this.#kv.compact(r.compaction.revision)
        return { response: { header: { revision: this.#kv.rev() } }, physical: done.then(() => {}) }
      }
      if (r.leaseGrant !== undefined) return this.#applyLeaseGrant(r.leaseGrant)
      if (r.leaseRevoke !== undefined) {
        this.#lessor.revoke(r.leaseRevoke.ID)
        this.metrics.leaseRevoked.inc()
        return { response: { header: { revision: this.#kv.rev() } } }
      }
      if (r.leaseCheckpoint !== undefined) {
        for (const checkpoint of r.leaseCheckpoint.checkpoints) {
          this.#lessor.checkpoint(checkpoint.ID, checkpoint.remainingTTL)
        }
        return { response: { header: { revision: this.#kv.rev() } } }
      }
      if (r.alarm !== undefined) return { response: this.#applyAlarm(r.alarm) }
      if (r.clusterMemberAttrSet !== undefined) {
        const { memberID, memberAttributes } = r.clusterMemberAttrSet
        this.#withBatchTx((tx) =>
          this.#cluster.updateAttributes(
            memberID,
            memberAttributes?.name ?? '',
            memberAttributes?.clientUrls ?? [],
            tx,
          ),
        )
        return { response: {} }
      }
      if (r.clusterVersionSet !== undefined) {
        const version = r.clusterVersionSet.ver
        this.#withBatchTx((tx) => this.#cluster.setVersion(version, tx))
        this.metrics.clusterVersion.reset()
        this.metrics.clusterVersion.set({ cluster_version: version }, 1)
        return { response: {} }
      }
      // v2 requests, auth requests and anything newer: nothing to do here yet.
      return { response: {} }
    } catch (error) {
      // A broken invariant stops the member (the raft loop turns it into a fatal stop).
      if (error instanceof FatalServerError) throw error
      return { error: toEtcdError(error) }
    }
  }

  #write<T>(run: (txn: ReturnType<KVStore['write']>) => T): T {
    const txn = this.#kv.write()
    try {
      return run(txn)
    } finally {
      txn.end()
    }
  }

  #withBatchTx(run: (tx: BatchTx) => void): void {
    const tx = this.#backend.batchTx()
    tx.lock()
    try {
      run(tx)
    } finally {
      tx.unlock()
    }
  }

  #applyPut(p: PutRequest): ApplyResult {
    if (this.#alarms.has(AlarmType.CORRUPT)) return { error: new EtcdError('CORRUPT') }
    if (this.#alarms.has(AlarmType.NOSPACE)) return { error: new EtcdError('NO_SPACE') }
    const fits = this.#quota.available({ kind: 'put', request: p })
    if (p.lease !== 0n && this.#lessor.lookup(p.lease) === undefined) return { error: new EtcdError('LEASE_NOT_FOUND') }
    const response = this.#write((txn) => applyPut(txn, p))
    this.#quota.charge({ kind: 'put', request: p })
    return fits ? { response } : { response, error: new EtcdError('NO_SPACE') }
  }

  #applyTxn(t: TxnRequest): ApplyResult {
    if (this.#alarms.has(AlarmType.CORRUPT)) return { error: new EtcdError('CORRUPT') }
    const cost = costTxn(t)
    if (this.#alarms.has(AlarmType.NOSPACE) && cost > 0) return { error: new EtcdError('NO_SPACE') }
    const fits = this.#quota.available({ kind: 'txn', request: t })
    const response = applyTxn(this.#txnStores, t)
    if (cost > 0) this.#quota.charge({ kind: 'txn', request: t })
    return fits ? { response } : { response, error: new EtcdError('NO_SPACE') }
  }

  #applyLeaseGrant(g: LeaseGrantRequest): ApplyResult {
    if (this.#alarms.has(AlarmType.NOSPACE)) return { error: new EtcdError('NO_SPACE') }
    const fits = this.#quota.available({ kind: 'leaseGrant' })
    const lease = this.#lessor.grant(g.ID, g.TTL)
    this.#quota.charge({ kind: 'leaseGrant' })
    this.metrics.leaseGranted.inc()
    const response: LeaseGrantResponseInit = {
      header: { revision: this.#kv.rev() },
      ID: lease.id,
      TTL: lease.ttlSeconds,
    }
    return fits ? { response } : { response, error: new EtcdError('NO_SPACE') }
  }

  #applyAlarm(a: AlarmRequest): AlarmResponseInit {
    const toMember = (alarm: Alarm) => ({ memberID: alarm.memberId, alarm: alarm.alarm })
    switch (a.action) {
      case AlarmRequest_AlarmAction.GET:
        return { alarms: this.#alarms.get(a.alarm).map(toMember) }
      case AlarmRequest_AlarmAction.ACTIVATE: {
        if (a.alarm === AlarmType.NONE) return {}
        const before = this.#alarms.get(a.alarm).length
        const alarm = this.#alarms.activate(a.memberID, a.alarm)
        if (alarm === undefined) return {}
        if (before === 0) this.#logger.warn('alarm raised', { alarm: describeAlarm(alarm), from: formatId(a.memberID) })
        return { alarms: [toMember(alarm)] }
      }
      case AlarmRequest_AlarmAction.DEACTIVATE: {
        const alarm = this.#alarms.deactivate(a.memberID, a.alarm)
        if (alarm === undefined) return {}
        if (!this.#alarms.has(a.alarm)) this.#logger.warn('alarm disarmed', { alarm: describeAlarm(alarm) })
        return { alarms: [toMember(alarm)] }
      }
      default:
        return {}
    }
  }

  #applyConfChange(cc: ConfChange, entry: Entry, backendHasIt: boolean): void {
    this.#confState = this.#node.applyConfChange(cc)
    if (!backendHasIt) {
      this.#withBatchTx((tx) => {
        switch (cc.type) {
          case ConfChangeType.ConfChangeAddNode:
          case ConfChangeType.ConfChangeAddLearnerNode: {
            const member = decodeMemberJson(new TextDecoder().decode(cc.context))
            const existing = this.#cluster.member(cc.nodeId)
            // Raft attributes only: the member publishes its name and client URLs once started.
            const added: Member = {
              id: cc.nodeId,
              peerUrls: member.peerUrls,
              isLearner: cc.type === ConfChangeType.ConfChangeAddLearnerNode,
              name: existing?.name ?? '',
              clientUrls: existing?.clientUrls ?? [],
            }
            this.#cluster.addMember(added, tx)
            break
          }
          case ConfChangeType.ConfChangeRemoveNode:
            this.#cluster.removeMember(cc.nodeId, tx)
            break
          case ConfChangeType.ConfChangeUpdateNode: {
            const member = decodeMemberJson(new TextDecoder().decode(cc.context))
            this.#cluster.updateRaftAttributes(cc.nodeId, member.peerUrls, tx)
            break
          }
        }
      })
    }
    this.#logger.info('applied a configuration change through raft', {
      'local-member-id': formatId(this.id),
      'raft-conf-change': cc.type,
      'raft-conf-change-node-id': formatId(cc.nodeId),
      index: entry.index,
    })
    this.#wait.trigger(cc.id, { response: { members: this.#cluster.members() } })
    // Raft counts the change as applied only after advance(): campaign then.
    this.#campaignAfterAdvance = true
  }

  async #applySnapshot(snapshot: Snapshot): Promise<void> {
    // A follower receiving the leader's snapshot replaces its backend with the leader's
    // (arrives with clusters and rafthttp). A single member never receives one.
    throw new FatalServerError(
      `received a raft snapshot at index ${snapshot.metadata.index}; applying snapshots from a leader is not supported yet`,
    )
  }

  /** Takes a raft snapshot at the applied index (etcd's `EtcdServer.snapshot`). */
  async #triggerSnapshot(): Promise<void> {
    const index = this.#applied
    const started = performance.now()
    // The backend must hold everything up to the snapshot before the WAL lets go of it.
    await this.#backend.forceCommit()
    const data = new TextEncoder().encode(this.#cluster.toSnapshotJson())
    const snapshot = this.#raftStorage.createSnapshot(index, this.#confState, data)
    await this.#snapshotter.save(snapshot)
    await this.#wal.saveSnapshot({ index, term: snapshot.metadata.term, confState: this.#confState })
    await this.#wal.releaseLockTo(index)
    const catchUp = this.config.snapshotCatchUpEntries
    if (index > catchUp) {
      const compactIndex = index - catchUp
      if (compactIndex > this.#raftStorage.firstIndex()) this.#raftStorage.compact(compactIndex)
    }
    this.#snapshotIndex = index
    this.metrics.snapshotSaveSeconds.observe((performance.now() - started) / 1000)
    this.#logger.info('saved snapshot', { 'snapshot-index': index })
  }

  async #purge(): Promise<void> {
    try {
      if (this.config.maxSnapshots > 0) await this.#snapshotter.purge(this.config.maxSnapshots)
      if (this.config.maxWals > 0) {
        const removed = await purgeWalFiles(this.#storage.layout.walDir, this.config.maxWals, this.#snapshotIndex)
        for (const name of removed) this.#logger.info('purged', { path: name })
      }
    } catch (error) {
      this.#logger.warn('failed to purge files', { error: String(error) })
    }
  }

  // --- proposals ------------------------------------------------------------------------------

  /**
   * Proposes `request` and waits for its apply result (etcd's `processInternalRaftRequestOnce`).
   *
   * @throws EtcdError TOO_MANY_REQUESTS, REQUEST_TOO_LARGE, TIMEOUT, STOPPED, or the apply error.
   */
  async #raftRequest(request: InternalRaftRequestInit): Promise<ApplyResult> {
    this.#assertRunning()
    if (this.#committed > this.#applied + MAX_GAP_BETWEEN_APPLY_AND_COMMIT) throw new EtcdError('TOO_MANY_REQUESTS')
    const id = this.#reqIds.next()
    const data = InternalRaftRequest.encode({ ...request, header: { ID: id } })
    if (data.length > this.config.maxRequestBytes) throw new EtcdError('REQUEST_TOO_LARGE')
    const deadline = this.#clock.now() + this.#requestTimeoutMs
    if (this.#lead === NONE) await this.#waitForLeader(this.#requestTimeoutMs)
    const result = this.#wait.register(id)
    this.metrics.proposalsPending.inc()
    const cancel = this.#clock.setTimer(Math.max(0, deadline - this.#clock.now()), () => {
      this.#wait.fail(id, new EtcdError('TIMEOUT'))
    })
    try {
      try {
        this.#node.propose(data)
      } catch (error) {
        this.#wait.fail(id, new EtcdError('TIMEOUT', { cause: error }))
      }
      this.#schedule()
      const applied = await result
      if (applied.error !== undefined) throw applied.error
      return applied
    } catch (error) {
      this.metrics.proposalsFailed.inc()
      throw error
    } finally {
      cancel()
      this.metrics.proposalsPending.dec()
    }
  }

  #waitForLeader(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          cancel()
          resolve()
        },
        reject: (error: unknown) => {
          cancel()
          reject(error)
        },
      }
      const cancel = this.#clock.setTimer(timeoutMs, () => {
        const at = this.#leaderWaiters.indexOf(waiter)
        if (at >= 0) this.#leaderWaiters.splice(at, 1)
        reject(new EtcdError('TIMEOUT'))
      })
      this.#leaderWaiters.push(waiter)
    })
  }

  #raiseNoSpace(): void {
    this.#raftRequest({
      alarm: { action: AlarmRequest_AlarmAction.ACTIVATE, memberID: this.id, alarm: AlarmType.NOSPACE },
    }).catch((error: unknown) => this.#logger.warn('failed to raise the NOSPACE alarm', { error: String(error) }))
  }

  /** etcd's quota check before proposing: over quota raises the NOSPACE alarm and refuses. */
  #checkQuota(request: QuotaRequest): void {
    if (this.#quota.available(request)) return
    this.#raiseNoSpace()
    throw new EtcdError('NO_SPACE')
  }

  // --- linearizable reads ---------------------------------------------------------------------

  /**
   * Waits until this member has applied everything committed when the call was made (etcd's
   * `linearizableReadNotify`): callers in the same round share one ReadIndex.
   */
  linearizableReadNotify(): Promise<void> {
    if (this.#state !== 'running') return Promise.reject(new EtcdError('STOPPED'))
    return new Promise<void>((resolve, reject) => {
      this.#readPending.push({ resolve, reject })
      this.#startReadRound()
    })
  }

  #startReadRound(): void {
    if (this.#readRound !== undefined || this.#readPending.length === 0 || this.#state !== 'running') return
    const round: ReadRound = { contexts: new Set(), waiters: this.#readPending }
    this.#readPending = []
    this.#readRound = round
    round.cancelTimeout = this.#clock.setTimer(this.#requestTimeoutMs, () => {
      if (this.#readRound !== round) return
      this.metrics.slowReadIndexes.inc()
      this.#finishReadRound(round, new EtcdError('TIMEOUT'))
    })
    this.#sendReadIndex(round)
  }

  #sendReadIndex(round: ReadRound): void {
    const context = Buffer.alloc(8)
    context.writeBigUInt64BE(this.#reqIds.next())
    round.contexts.add(context.toString('hex'))
    this.#node.readIndex(new Uint8Array(context))
    this.#schedule()
    // Resend with a new ID until answered (etcd #20418: every ID sent in a round counts).
    round.cancelResend = this.#clock.setTimer(READ_INDEX_RETRY_MS, () => {
      if (this.#readRound === round && this.#state === 'running') this.#sendReadIndex(round)
    })
  }

  #afterLeaderCommit(): void {
    // A leader answers ReadIndex only once it committed an entry of its term: resend now.
    const round = this.#readRound
    if (round !== undefined) {
      round.cancelResend?.()
      this.#sendReadIndex(round)
    }
    if (!this.#published) void this.#publish()
  }

  #onReadStates(states: readonly ReadState[]): void {
    const round = this.#readRound
    if (round === undefined) return
    for (const state of states) {
      if (!round.contexts.has(Buffer.from(state.requestCtx).toString('hex'))) continue
      const index = state.index
      this.#finishReadRound(round, undefined)
      const waiters = round.waiters
      this.#appliedWait.wait(index).then(
        () => {
          for (const waiter of waiters) waiter.resolve()
        },
        (error: unknown) => {
          for (const waiter of waiters) waiter.reject(error)
        },
      )
      return
    }
  }

  #finishReadRound(round: ReadRound, error: unknown): void {
    round.cancelResend?.()
    round.cancelTimeout?.()
    if (this.#readRound === round) this.#readRound = undefined
    if (error !== undefined) {
      this.metrics.readIndexFailed.inc()
      for (const waiter of round.waiters) waiter.reject(error)
    }
    this.#startReadRound()
  }

  #failReads(error: unknown): void {
    const round = this.#readRound
    if (round !== undefined) {
      round.cancelResend?.()
      round.cancelTimeout?.()
      this.#readRound = undefined
      for (const waiter of round.waiters) waiter.reject(error)
    }
    for (const waiter of this.#readPending.splice(0)) waiter.reject(error)
  }

  // --- publishing this member ------------------------------------------------------------------

  async #publish(): Promise<void> {
    if (this.#publishing || this.#published) return
    this.#publishing = true
    try {
      while (this.#state === 'running' && !this.#published) {
        try {
          await this.#raftRequest({
            clusterMemberAttrSet: {
              memberID: this.id,
              memberAttributes: { name: this.config.name, clientUrls: [...this.config.advertiseClientUrls] },
            },
          })
          this.#published = true
          this.#logger.info('published local member to cluster through raft', {
            'local-member-id': formatId(this.id),
            'cluster-id': formatId(this.clusterId),
          })
          this.#readyResolve()
        } catch (error) {
          if (this.#state !== 'running') return
          this.#logger.warn('failed to publish local member to cluster through raft', { error: String(error) })
        }
      }
      if (this.#isLeader && this.#cluster.version === '') void this.#setClusterVersion()
    } finally {
      this.#publishing = false
    }
  }

  async #setClusterVersion(): Promise<void> {
    if (this.#settingVersion) return
    this.#settingVersion = true
    try {
      await this.#raftRequest({ clusterVersionSet: { ver: ETCD_CLUSTER_VERSION } })
      this.#logger.info('set initial cluster version', { 'cluster-version': ETCD_CLUSTER_VERSION })
    } catch (error) {
      this.#logger.warn('failed to set the cluster version', { error: String(error) })
    } finally {
      this.#settingVersion = false
    }
  }

  // --- lease expiry -----------------------------------------------------------------------------

  async #revokeExpiredLeases(): Promise<void> {
    try {
      for await (const leases of this.#lessor.expiredLeases()) {
        for (const lease of leases) {
          if (this.#state !== 'running') return
          // Only a leader revokes, and only while it still is (etcd #12528).
          if (!this.#isLeader) continue
          while (this.#pendingRevokes >= MAX_PENDING_REVOKES) await new Promise((r) => setImmediate(r))
          this.#pendingRevokes++
          this.#raftRequest({ leaseRevoke: { ID: lease.id } })
            .then(() => this.metrics.leaseRevoked.inc())
            .catch((error: unknown) => {
              if (error instanceof EtcdError && error.code === 'LEASE_NOT_FOUND') return
              if (this.#state === 'running') {
                this.#logger.warn('failed to revoke an expired lease', {
                  'lease-id': formatId(lease.id),
                  error: String(error),
                })
              }
            })
            .finally(() => {
              this.#pendingRevokes--
            })
        }
      }
    } catch (error) {
      if (this.#state === 'running') this.#logger.warn('lease expiry loop failed', { error: String(error) })
    }
  }

  // --- the KV API ------------------------------------------------------------------------------

  /** KV.Range. Linearizable unless `serializable`. */
  async range(r: RangeRequest): Promise<RangeResponseInit> {
    checkRangeRequest(r)
    if (!r.serializable) await this.linearizableReadNotify()
    else this.#assertRunning()
    const view = this.#kv.read()
    let response: RangeResponseInit
    try {
      response = applyRange(view, r)
    } catch (error) {
      throw toEtcdError(error)
    } finally {
      view.end()
    }
    return { ...response, header: this.#fill(response.header) }
  }

  /** KV.Put. */
  async put(r: PutRequest): Promise<PutResponseInit> {
    checkPutRequest(r)
    this.#checkQuota({ kind: 'put', request: r })
    const { response } = await this.#raftRequest({ put: r })
    const put = response as PutResponseInit
    return { ...put, header: this.#fill(put.header) }
  }

  /** KV.DeleteRange. */
  async deleteRange(r: DeleteRangeRequest): Promise<DeleteRangeResponseInit> {
    checkDeleteRequest(r)
    const { response } = await this.#raftRequest({ deleteRange: r })
    const deleted = response as DeleteRangeResponseInit
    return { ...deleted, header: this.#fill(deleted.header) }
  }

  /** KV.Txn. A txn that only reads is served locally (after a ReadIndex unless serializable). */
  async txn(r: TxnRequest): Promise<TxnResponseInit> {
    checkTxnRequest(r, this.config.maxTxnOps)
    if (isTxnReadOnly(r)) {
      if (!isTxnSerializable(r)) await this.linearizableReadNotify()
      else this.#assertRunning()
      let response: TxnResponseInit
      try {
        response = applyTxn(this.#txnStores, r)
      } catch (error) {
        throw toEtcdError(error)
      }
      return { ...response, header: this.#fill(response.header) }
    }
    this.#checkQuota({ kind: 'txn', request: r })
    const { response } = await this.#raftRequest({ txn: r })
    const txn = response as TxnResponseInit
    return { ...txn, header: this.#fill(txn.header) }
  }

  /** KV.Compact; with `physical`, waits until the old revisions are deleted and committed. */
  async compact(r: CompactionRequest): Promise<CompactionResponseInit> {
    const result = await this.#raftRequest({ compaction: r })
    if (r.physical && result.physical !== undefined) {
      await result.physical
      await this.#backend.forceCommit()
    }
    return { header: this.header() }
  }

  // --- the Lease API ---------------------------------------------------------------------------

  /** Lease.LeaseGrant: ID 0 picks a positive ID from the request ID generator. */
  async leaseGrant(r: LeaseGrantRequest): Promise<LeaseGrantResponseInit> {
    this.#checkQuota({ kind: 'leaseGrant' })
    let id = r.ID
    while (id === 0n) id = this.#reqIds.next() & 0x7fff_ffff_ffff_ffffn
    const { response } = await this.#raftRequest({ leaseGrant: { TTL: r.TTL, ID: id } })
    const grant = response as LeaseGrantResponseInit
    return { ...grant, header: this.#fill(grant.header) }
  }

  /** Lease.LeaseRevoke. */
  async leaseRevoke(r: LeaseRevokeRequest): Promise<LeaseRevokeResponseInit> {
    await this.#raftRequest({ leaseRevoke: r })
    return { header: this.header() }
  }

  /**
   * One keep-alive (etcd's `LeaseRenew`): the lease's full TTL once refreshed.
   *
   * @throws LeaseNotFoundError (from `@etcd-ts/lease`) for an unknown or expired lease;
   *   EtcdError otherwise.
   */
  async leaseRenew(id: bigint): Promise<number> {
    this.#assertRunning()
    if (!this.#isLeader) {
      await this.#waitForLeader(this.#requestTimeoutMs)
      if (!this.#isLeader) throw new EtcdError('NOT_LEADER')
    }
    try {
      return await this.#lessor.renew(id)
    } catch (error) {
      if ((error as { code?: unknown }).code === 'LEASE_NOT_FOUND') throw error
      throw toEtcdError(error)
    }
  }

  /** Lease.LeaseTimeToLive: an unknown lease answers TTL -1 (not an error, as etcd). */
  async leaseTimeToLive(r: LeaseTimeToLiveRequest): Promise<LeaseTimeToLiveResponseInit> {
    this.#assertRunning()
    const ttl = this.#lessor.timeToLive(r.ID, { keys: r.keys })
    if (ttl.ttlSeconds === -1) return { header: this.header(), ID: r.ID, TTL: -1 }
    return {
      header: this.header(),
      ID: r.ID,
      TTL: ttl.ttlSeconds,
      grantedTTL: ttl.grantedTtlSeconds,
      keys: r.keys ? [...ttl.keys] : [],
    }
  }

  /** Lease.LeaseLeases. */
  async leaseLeases(): Promise<LeaseLeasesResponseInit> {
    this.#assertRunning()
    return { header: this.header(), leases: this.#lessor.leases().map((lease) => ({ ID: lease.id })) }
  }

  // --- the Maintenance and Cluster APIs ----------------------------------------------------------

  /** Maintenance.Alarm (through raft, as etcd 3.4: even GET). No header, as etcd 3.4. */
  async alarm(r: AlarmRequest): Promise<AlarmResponseInit> {
    const { response } = await this.#raftRequest({ alarm: r })
    return response as AlarmResponseInit
  }

  /** Maintenance.Status. */
  async status(): Promise<StatusResponseInit> {
    this.#assertRunning()
    const errors: string[] = []
    if (this.#lead === NONE) errors.push('etcdserver: no leader')
    for (const alarm of this.#alarms.get(AlarmType.NONE)) errors.push(describeAlarm(alarm))
    const dbSize = this.#backend.size()
    this.metrics.dbTotalSize.set(dbSize)
    return {
      header: this.header(),
      version: ETCD_VERSION,
      dbSize,
      leader: this.#lead,
      raftIndex: this.#committed,
      raftTerm: this.#term,
      raftAppliedIndex: this.#applied,
      errors,
      dbSizeInUse: this.#backend.sizeInUse(),
      isLearner: this.#cluster.member(this.id)?.isLearner ?? false,
      dbSizeQuota: Number.isFinite(this.#quota.maxBytes) ? this.#quota.maxBytes : 0,
    }
  }

  /** Maintenance.Hash: CRC-32C of the whole backend but the consistent index. */
  async hash(): Promise<HashResponseInit> {
    this.#assertRunning()
    const revision = this.#kv.rev()
    await this.#backend.forceCommit()
    const hash = await this.#backend.hash(
      (bucket, key) =>
        bucket === Buckets.Meta && (equalBytes(key, MetaKeys.ConsistentIndex) || equalBytes(key, MetaKeys.Term)),
    )
    return { header: this.header(revision), hash }
  }

  /** Maintenance.HashKV. */
  async hashKV(r: HashKVRequest): Promise<HashKVResponseInit> {
    this.#assertRunning()
    // etcd 3.4 refuses the compacted revision itself too (3.5.5+ hashes it).
    if (r.revision > 0 && r.revision <= this.#kv.compactRev()) throw new EtcdError('COMPACTED')
    let hash: Awaited<ReturnType<KVStore['hashByRev']>>
    try {
      hash = await this.#kv.hashByRev(r.revision)
    } catch (error) {
      throw toEtcdError(error)
    }
    return {
      // The header has the current revision, not the hashed one (etcd's header rule).
      header: this.header(),
      hash: hash.hash,
      compactRevision: hash.compactRevision,
      hashRevision: hash.revision,
    }
  }

  /** Maintenance.Defragment. No header, as etcd 3.4. */
  async defragment(): Promise<Record<string, never>> {
    this.#assertRunning()
    await this.#backend.defrag()
    this.metrics.dbTotalSize.set(this.#backend.size())
    return {}
  }

  /**
   * Maintenance.Snapshot: the backend as a bbolt database file, as etcd sends it (so `etcdctl
   * snapshot status` and `snapshot restore` read it, and a real etcd restores from it), in
   * 32 KiB blobs with `remainingBytes` counting down, then one blob with the SHA-256 of all of
   * it. The file is a whole number of 4 KiB pages, so with the trailer its size is 32 (mod 512),
   * which etcdctl checks.
   */
  async *snapshot(): AsyncGenerator<SnapshotResponseInit> {
    this.#assertRunning()
    const started = performance.now()
    const db = await this.#boltSnapshot()
    const sha = createHash('sha256')
    let remaining = db.length
    for (let at = 0; at < db.length; at += SNAPSHOT_CHUNK_BYTES) {
      const blob = db.subarray(at, at + SNAPSHOT_CHUNK_BYTES)
      sha.update(blob)
      remaining -= blob.length
      yield { header: this.header(), remainingBytes: remaining, blob }
    }
    yield { header: this.header(), remainingBytes: 0, blob: new Uint8Array(sha.digest()) }
    this.metrics.backendSnapshotSeconds.observe((performance.now() - started) / 1000)
  }

  /** Every etcd bucket of one consistent view of the backend, written as a bbolt file. */
  async #boltSnapshot(): Promise<Uint8Array> {
    const tx = this.#backend.concurrentReadTx()
    try {
      const names = Object.values(Buckets)
        .filter((name) => tx.hasBucket(name))
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      const buckets: BoltBucket[] = []
      for (const name of names) {
        const entries: [Uint8Array, Uint8Array][] = []
        await tx.unsafeForEach(name, (key, value) => {
          entries.push([key.slice(), value.slice()])
        })
        buckets.push({ name: Buffer.from(name), entries })
      }
      return writeBoltDb(buckets)
    } finally {
      tx.close()
    }
  }

  /** Cluster.MemberList (the header carries no revision, as etcd's cluster RPCs). */
  async memberList(): Promise<MemberListResponseInit> {
    this.#assertRunning()
    return {
      header: { clusterId: this.clusterId, memberId: this.id, raftTerm: this.#term },
      members: this.#cluster.members().map((member) => ({
        ID: member.id,
        name: member.name,
        peerURLs: [...member.peerUrls],
        clientURLs: [...member.clientUrls],
        isLearner: member.isLearner,
      })),
    }
  }

  /** Whether the member is healthy for `/health`: a leader, no alarm. */
  health(): { readonly healthy: boolean; readonly reason: string } {
    if (this.#state !== 'running') return { healthy: false, reason: 'STOPPED' }
    if (this.#alarms.get(AlarmType.NONE).length > 0) return { healthy: false, reason: 'ALARM' }
    if (this.#lead === NONE) return { healthy: false, reason: 'NO_LEADER' }
    return { healthy: true, reason: '' }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function _concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
