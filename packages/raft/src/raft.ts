import { Changer, type ChangerResult } from './confchange/confchange.js'
import { restore as restoreConfig } from './confchange/restore.js'
import { type Config, type ResolvedConfig, resolveConfig } from './config.js'
import { ProposalDroppedError, RaftInvariantError } from './errors.js'
import { RaftLog } from './log.js'
import type { EntryId } from './log-unstable.js'
import type { Logger } from './logger.js'
import { VoteResult } from './quorum/quorum.js'
import { decodeConfChange, decodeConfChangeV2 } from './raftpb/codec.js'
import {
  type AnyConfChange,
  confChangeEntersJoint,
  confChangeLeavesJoint,
  describeConfChange,
  marshalConfChange,
} from './raftpb/confchange.js'
import {
  type ConfChangeV2,
  type ConfState,
  createMessage,
  describeMessageType,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  type HardState,
  type Index,
  isEmptyHardState,
  type Message,
  type MessageInit,
  MessageType,
  NONE,
  type NodeId,
  type Snapshot,
  type Term,
} from './raftpb/types.js'
import { ReadOnly, ReadOnlyOption } from './read-only.js'
import { describeStateType, type ReadState, type SoftState, StateType } from './ready.js'
import { Inflights } from './tracker/inflights.js'
import { Progress, type ProgressMap } from './tracker/progress.js'
import { ProgressState } from './tracker/state.js'
import { ProgressTracker, type TrackerConfig } from './tracker/tracker.js'
import { entriesSize, payloadsSize, voteResponseType } from './util.js'

/** Why a node campaigns; a transfer campaign ignores leader leases (Raft thesis §3.10). */
type CampaignType = 'CampaignPreElection' | 'CampaignElection' | 'CampaignTransfer'

const CAMPAIGN_TRANSFER_CONTEXT = new TextEncoder().encode('CampaignTransfer')

const hex = (id: NodeId): string => id.toString(16)

/**
 * The Raft state machine (etcd's `raft`): roles, elections, replication, membership. Internal:
 * applications drive it through `RawNode`. Pure and synchronous: messages in, messages and
 * state changes out; time arrives as {@link Raft.tick}.
 *
 * Any method may throw {@link RaftInvariantError} (etcd panics); the instance is then unusable.
 */
export class Raft {
  readonly id: NodeId
  term: Term = 0
  vote: NodeId = NONE
  readStates: ReadState[] = []
  readonly raftLog: RaftLog
  readonly maxMsgSize: number
  readonly maxUncommittedSize: number
  trk: ProgressTracker
  state: StateType = StateType.StateFollower
  /** Whether this node is a learner in the current configuration. */
  isLearner = false
  /** Messages to send now (never to this node). */
  msgs: Message[] = []
  /**
   * Messages to send only once the unstable state they depend on (term, vote, entries) is
   * durable: MsgAppResp, MsgVoteResp and MsgPreVoteResp, possibly to this node itself (Raft
   * thesis §3.8: vote and log before answering).
   */
  msgsAfterAppend: Message[] = []
  /** The current leader; NONE when unknown. */
  lead: NodeId = NONE
  /** The target of a leadership transfer in progress; NONE otherwise (thesis §3.10). */
  leadTransferee: NodeId = NONE
  /**
   * At most one conf change may be pending (in the log, not yet applied): new ones are only
   * accepted once the applied index reaches this, which is >= the latest pending one's index.
   */
  pendingConfIndex: Index = 0
  readonly disableConfChangeValidation: boolean
  /** Estimated payload bytes of the uncommitted log tail (leader only; reset on term change). */
  uncommittedSize = 0
  readOnly: ReadOnly
  /**
   * Ticks since the last election timeout (leader, candidate) or since hearing from the leader
   * (follower).
   */
  electionElapsed = 0
  /** Ticks since the last heartbeat (leader only). */
  heartbeatElapsed = 0
  readonly checkQuorum: boolean
  readonly preVote: boolean
  readonly heartbeatTimeout: number
  readonly electionTimeout: number
  /** A random number in [electionTimeout, 2 * electionTimeout - 1], redrawn on role changes. */
  randomizedElectionTimeout = 0
  readonly disableProposalForwarding: boolean
  readonly stepDownOnRemoval: boolean
  readonly logger: Logger
  readonly #random: () => number
  /** MsgReadIndex requests waiting for the first commit in the leader's term. */
  pendingReadIndexMessages: Message[] = []

  constructor(config: Config | ResolvedConfig) {
    const c = resolveConfig(config)
    this.id = c.id
    this.logger = c.logger
    this.#random = c.random
    this.raftLog = new RaftLog(c.storage, c.logger, c.maxCommittedSizePerReady)
    const { hardState, confState } = c.storage.initialState()
    this.maxMsgSize = c.maxSizePerMsg
    this.maxUncommittedSize = c.maxUncommittedEntriesSize
    this.trk = new ProgressTracker(c.maxInflightMsgs, c.maxInflightBytes)
    this.electionTimeout = c.electionTick
    this.heartbeatTimeout = c.heartbeatTick
    this.checkQuorum = c.checkQuorum
    this.preVote = c.preVote
    this.readOnly = new ReadOnly(c.readOnlyOption)
    this.disableProposalForwarding = c.disableProposalForwarding
    this.disableConfChangeValidation = c.disableConfChangeValidation
    this.stepDownOnRemoval = c.stepDownOnRemoval

    const last = this.raftLog.lastEntryId()
    const restored = this.#restoreConfig(confState, last.index)
    assertConfStatesEquivalent(confState, this.switchToConfig(restored))

    if (!isEmptyHardState(hardState)) this.loadState(hardState)
    if (c.applied > 0) this.raftLog.appliedTo(c.applied, 0)
    this.becomeFollower(this.term, NONE)

    const peers = this.trk.voterNodes().map(hex).join(',')
    this.logger.info(
      `newRaft ${hex(this.id)} [peers: [${peers}], term: ${this.term}, commit: ${this.raftLog.committed}, applied: ${this.raftLog.applied}, lastindex: ${last.index}, lastterm: ${last.term}]`,
    )
  }

  #restoreConfig(confState: ConfState, lastIndex: Index): ChangerResult {
    return restoreConfig(confState, {
      maxInflight: this.trk.maxInflight,
      maxInflightBytes: this.trk.maxInflightBytes,
      lastIndex,
    })
  }

  hasLeader(): boolean {
    return this.lead !== NONE
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state }
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed }
  }

  /**
   * Queues a message. Votes and append acknowledgements wait in msgsAfterAppend until the
   * state they answer for is durable; everything else goes out with the next Ready.
   */
  send(init: MessageInit): void {
    let term = init.term ?? 0
    const type = init.type
    if (
      type === MessageType.MsgVote ||
      type === MessageType.MsgVoteResp ||
      type === MessageType.MsgPreVote ||
      type === MessageType.MsgPreVoteResp
    ) {
      // Campaign messages carry the term they campaign for (pre-votes: the next term).
      if (term === 0) this.#panic(`term should be set when sending ${describeMessageType(type)}`)
    } else {
      if (term !== 0) this.#panic(`term should not be set when sending ${describeMessageType(type)} (was ${term})`)
      // Proposals and read requests are forwarded to the leader as if local: no term.
      if (type !== MessageType.MsgProp && type !== MessageType.MsgReadIndex) term = this.term
    }
    // A literal with every field: spreading `init` and then adding fields costs V8 a slow path
    // (~1-3 µs per message, measured by the bench), and this is raft's hottest allocation.
    const message: Message = {
      type,
      to: init.to ?? NONE,
      from: init.from === undefined || init.from === NONE ? this.id : init.from,
      term,
      logTerm: init.logTerm ?? 0,
      index: init.index ?? 0,
      entries: init.entries ?? [],
      commit: init.commit ?? 0,
      vote: init.vote ?? NONE,
      snapshot: init.snapshot,
      reject: init.reject ?? false,
      rejectHint: init.rejectHint ?? 0,
      context: init.context ?? EMPTY_BYTES,
      responses: init.responses ?? [],
    }
    if (type === MessageType.MsgAppResp || type === MessageType.MsgVoteResp || type === MessageType.MsgPreVoteResp) {
      // Durability first (thesis §3.8): never publish a vote or acknowledge an append before
      // it is on stable storage. Rejections could go out early, but are rare; err on safety.
      this.msgsAfterAppend.push(message)
    } else {
      if (message.to === this.id)
        this.#panic(`message should not be self-addressed when sending ${describeMessageType(type)}`)
      this.msgs.push(message)
    }
  }

  /** Sends entries the peer lacks (or an empty append carrying the commit index). */
  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true)
  }

  /**
   * Sends an append with the entries `to` lacks and the commit index, or a snapshot when the
   * entries are compacted away. Returns whether a message was sent: not when the flow to the
   * peer is paused, nor when there is nothing to send and `sendIfEmpty` is false.
   */
  maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to) as Progress
    if (pr.isPaused()) return false

    const prevIndex = pr.next - 1
    const prevTerm = this.raftLog.term(prevIndex)
    // The log was truncated past next: only a snapshot can catch the peer up.
    if (prevTerm === undefined) return this.maybeSendSnapshot(to, pr)

    let entries: readonly Entry[] = []
    // In a throttled StateReplicate only send an empty MsgApp: if every message that filled
    // the window was lost, the empty one still gets acked or rejected and frees the window.
    if (pr.state !== ProgressState.StateReplicate || !pr.inflights.full()) {
      try {
        entries = this.raftLog.entries(pr.next, this.maxMsgSize)
      } catch (error) {
        if ((error as { code?: string }).code === 'RAFT_COMPACTED') return this.maybeSendSnapshot(to, pr)
        throw error
      }
    }
    if (entries.length === 0 && !sendIfEmpty) return false

    const commit = this.raftLog.committed
    this.send({ to, type: MessageType.MsgApp, index: prevIndex, logTerm: prevTerm, entries, commit })
    pr.sentEntries(entries.length, payloadsSize(entries))
    pr.sentCommitIndex(commit)
    return true
  }

  /** Sends the newest snapshot to `to` and pauses replication until it lands. */
  maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) {
      this.logger.debug(`ignore sending snapshot to ${hex(to)} since it is not recently active`)
      return false
    }
    let snapshot: Snapshot
    try {
      snapshot = this.raftLog.snapshot()
    } catch (error) {
      if ((error as { code?: string }).code === 'RAFT_SNAPSHOT_TEMPORARILY_UNAVAILABLE') {
        this.logger.debug(
          `${hex(this.id)} failed to send snapshot to ${hex(to)} because snapshot is temporarily unavailable`,
        )
        return false
      }
      throw error
    }
    if (snapshot.metadata.index === 0) this.#panic('need non-empty snapshot')
    const { index, term } = snapshot.metadata
    this.logger.debug(
      `${hex(this.id)} [firstindex: ${this.raftLog.firstIndex()}, commit: ${this.raftLog.committed}] sent snapshot[index: ${index}, term: ${term}] to ${hex(to)} [${pr}]`,
    )
    pr.becomeSnapshot(index)
    this.logger.debug(`${hex(this.id)} paused sending replication messages to ${hex(to)} [${pr}]`)
    this.send({ to, type: MessageType.MsgSnap, snapshot })
    return true
  }

  /**
   * Sends a heartbeat. Its commit index is capped at the peer's match: a follower must never
   * commit past what it is known to hold.
   */
  sendHeartbeat(to: NodeId, context: Uint8Array): void {
    const pr = this.trk.progress.get(to) as Progress
    const commit = Math.min(pr.match, this.raftLog.committed)
    this.send({ to, type: MessageType.MsgHeartbeat, commit, context })
    pr.sentCommitIndex(commit)
  }

  /** Sends appends to every peer that is not up to date. */
  bcastAppend(): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendAppend(id)
    })
  }

  /** Sends heartbeats to every peer, carrying the newest pending read request's context. */
  bcastHeartbeat(): void {
    this.bcastHeartbeatWithCtx(this.readOnly.lastPendingRequestCtx() ?? EMPTY_BYTES)
  }

  bcastHeartbeatWithCtx(context: Uint8Array): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendHeartbeat(id, context)
    })
  }

  /**
   * Records that the application applied entries up to `index` (`size` bytes). A leader whose
   * joint configuration is to be left automatically proposes leaving it once applied.
   */
  appliedTo(index: Index, size: number): void {
    const newApplied = Math.max(index, this.raftLog.applied)
    this.raftLog.appliedTo(newApplied, size)

    if (this.trk.config.autoLeave && newApplied >= this.pendingConfIndex && this.state === StateType.StateLeader) {
      // An empty ConfChangeV2 with no data: its size registers as zero, so it is never
      // refused for size. It can be dropped during a leadership transfer; then this is retried
      // on the next applied entry.
      const { type, data } = marshalConfChange(undefined)
      const message = createMessage({ type: MessageType.MsgProp, entries: [{ term: 0, index: 0, type, data }] })
      try {
        this.step(message)
        this.logger.info(`initiating automatic transition out of joint configuration ${this.trk.config}`)
      } catch (error) {
        if (!(error instanceof ProposalDroppedError)) throw error
        this.logger.debug(
          `not initiating automatic transition out of joint configuration ${this.trk.config}: ${error.message}`,
        )
      }
    }
  }

  /** Records that the snapshot was persisted and applied. */
  appliedSnap(snapshot: Snapshot): void {
    const index = snapshot.metadata.index
    this.raftLog.stableSnapTo(index)
    this.appliedTo(index, 0)
  }

  /**
   * Advances the commit index to what a quorum has acknowledged, if it is an entry of the
   * current term (Raft §5.4.2). Leader only. Returns whether it moved.
   */
  maybeCommit(): boolean {
    return this.raftLog.maybeCommit({ term: this.term, index: this.trk.committed() })
  }

  reset(term: Term): void {
    if (this.term !== term) {
      this.term = term
      this.vote = NONE
    }
    this.lead = NONE
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.resetRandomizedElectionTimeout()
    this.abortLeaderTransfer()
    this.trk.resetVotes()
    const lastIndex = this.raftLog.lastIndex()
    const progress = this.trk.progress
    for (const id of progress.sortedIds()) {
      const old = progress.get(id) as Progress
      const fresh = new Progress({
        match: id === this.id ? lastIndex : 0,
        next: lastIndex + 1,
        inflights: new Inflights(this.trk.maxInflight, this.trk.maxInflightBytes),
        isLearner: old.isLearner,
      })
      progress.set(id, fresh)
    }
    this.pendingConfIndex = 0
    this.uncommittedSize = 0
    this.readOnly = new ReadOnly(this.readOnly.option)
  }

  /**
   * Appends proposed entries to the leader's log at the current term. Returns false (and drops
   * them) when they would take the uncommitted tail over its size limit.
   */
  appendEntry(proposed: readonly Entry[]): boolean {
    let last = this.raftLog.lastIndex()
    const entries = proposed.map((e, i) => ({ term: this.term, index: last + 1 + i, type: e.type, data: e.data }))
    if (!this.increaseUncommittedSize(entries)) {
      this.logger.warn(
        `${hex(this.id)} appending new entries to log would exceed uncommitted entry size limit; dropping proposal`,
      )
      return false
    }
    last = this.raftLog.append(entries)
    // The leader acknowledges its own entries once they are durable, like a follower would:
    // this MsgAppResp to itself is delivered after the next Ready is persisted.
    this.send({ to: this.id, type: MessageType.MsgAppResp, index: last })
    return true
  }

  /** Advances logical time by one tick. */
  tick(): void {
    if (this.state === StateType.StateLeader) this.tickHeartbeat()
    else this.tickElection()
  }

  /** Followers and candidates: campaign once the randomized election timeout passes. */
  tickElection(): void {
    this.electionElapsed++
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0
      this.#stepLocal(createMessage({ from: this.id, type: MessageType.MsgHup }), 'error occurred during election')
    }
  }

  /** Leaders: heartbeat every heartbeat timeout, and check the quorum every election timeout. */
  tickHeartbeat(): void {
    this.heartbeatElapsed++
    this.electionElapsed++

    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0
      if (this.checkQuorum) {
        this.#stepLocal(
          createMessage({ from: this.id, type: MessageType.MsgCheckQuorum }),
          'error occurred during checking sending heartbeat',
        )
      }
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === StateType.StateLeader && this.leadTransferee !== NONE) this.abortLeaderTransfer()
    }

    if (this.state !== StateType.StateLeader) return

    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0
      this.#stepLocal(
        createMessage({ from: this.id, type: MessageType.MsgBeat }),
        'error occurred during checking sending heartbeat',
      )
    }
  }

  #stepLocal(message: Message, what: string): void {
    try {
      this.step(message)
    } catch (error) {
      if (!(error instanceof ProposalDroppedError)) throw error
      this.logger.debug(`${what}: ${error.message}`)
    }
  }

  becomeFollower(term: Term, lead: NodeId): void {
    this.reset(term)
    this.lead = lead
    this.state = StateType.StateFollower
    this.logger.info(`${hex(this.id)} became follower at term ${this.term}`)
  }

  becomeCandidate(): void {
    if (this.state === StateType.StateLeader) this.#panic('invalid transition [leader -> candidate]')
    this.reset(this.term + 1)
    this.vote = this.id
    this.state = StateType.StateCandidate
    this.logger.info(`${hex(this.id)} became candidate at term ${this.term}`)
  }

  becomePreCandidate(): void {
    if (this.state === StateType.StateLeader) this.#panic('invalid transition [leader -> pre-candidate]')
    // A pre-candidate changes role and step function only: neither term nor vote.
    this.trk.resetVotes()
    this.lead = NONE
    this.state = StateType.StatePreCandidate
    this.logger.info(`${hex(this.id)} became pre-candidate at term ${this.term}`)
  }

  becomeLeader(): void {
    if (this.state === StateType.StateFollower) this.#panic('invalid transition [follower -> leader]')
    this.reset(this.term)
    this.lead = this.id
    this.state = StateType.StateLeader
    // The leader trivially replicates to itself; reset() set its match to the last index.
    const pr = this.trk.progress.get(this.id) as Progress
    pr.becomeReplicate()
    // The leader is always recently active; MsgCheckQuorum preserves this.
    pr.recentActive = true
    // There may be a conf change in the uncommitted tail; conservatively wait for all of it
    // to be applied before accepting a new one (scanning the tail could be expensive).
    this.pendingConfIndex = this.raftLog.lastIndex()
    // An empty entry of the new term: committing it commits everything before (Raft §5.4.2).
    if (!this.appendEntry([{ term: 0, index: 0, type: EntryType.EntryNormal, data: EMPTY_BYTES }])) {
      this.#panic('empty entry was dropped')
    }
    // An empty entry's payload size is 0, so the uncommitted quota is still untouched.
    this.logger.info(`${hex(this.id)} became leader at term ${this.term}`)
  }

  hup(type: CampaignType): void {
    if (this.state === StateType.StateLeader) {
      this.logger.debug(`${hex(this.id)} ignoring MsgHup because already leader`)
      return
    }
    if (!this.promotable()) {
      this.logger.warn(`${hex(this.id)} is unpromotable and can not campaign`)
      return
    }
    if (this.hasUnappliedConfChanges()) {
      this.logger.warn(
        `${hex(this.id)} cannot campaign at term ${this.term} since there are still pending configuration changes to apply`,
      )
      return
    }
    this.logger.info(`${hex(this.id)} is starting a new election at term ${this.term}`)
    this.campaign(type)
  }

  /** Whether committed but unapplied entries include a conf change (scanned page by page). */
  hasUnappliedConfChanges(): boolean {
    if (this.raftLog.applied >= this.raftLog.committed) return false
    let found = false
    const lo = this.raftLog.applied + 1
    const hi = this.raftLog.committed + 1
    this.raftLog.scan(lo, hi, this.raftLog.maxApplyingEntsSize, (entries) => {
      found = entries.some((e) => e.type === EntryType.EntryConfChange || e.type === EntryType.EntryConfChangeV2)
      return !found
    })
    return found
  }

  /** Starts an election (or pre-election). Callers check that this node may campaign. */
  campaign(type: CampaignType): void {
    if (!this.promotable()) {
      // Callers check this; stay safe anyway.
      this.logger.warn(`${hex(this.id)} is unpromotable; campaign() should have been called`)
    }
    let term: Term
    let voteMsg: MessageType
    if (type === 'CampaignPreElection') {
      this.becomePreCandidate()
      voteMsg = MessageType.MsgPreVote
      // Pre-votes ask for the next term without incrementing ours yet.
      term = this.term + 1
    } else {
      this.becomeCandidate()
      voteMsg = MessageType.MsgVote
      term = this.term
    }
    const ids = this.trk.voterNodes()
    for (const id of ids) {
      if (id === this.id) {
        // The self-vote counts once it is durable, like any other vote.
        this.send({ to: id, term, type: voteResponseType(voteMsg) })
        continue
      }
      const last = this.raftLog.lastEntryId()
      this.logger.info(
        `${hex(this.id)} [logterm: ${last.term}, index: ${last.index}] sent ${describeMessageType(voteMsg)} request to ${hex(id)} at term ${this.term}`,
      )
      const context = type === 'CampaignTransfer' ? CAMPAIGN_TRANSFER_CONTEXT : EMPTY_BYTES
      this.send({ to: id, term, type: voteMsg, index: last.index, logTerm: last.term, context })
    }
  }

  poll(id: NodeId, type: MessageType, granted: boolean): ReturnType<ProgressTracker['tallyVotes']> {
    if (granted) {
      this.logger.info(`${hex(this.id)} received ${describeMessageType(type)} from ${hex(id)} at term ${this.term}`)
    } else {
      this.logger.info(
        `${hex(this.id)} received ${describeMessageType(type)} rejection from ${hex(id)} at term ${this.term}`,
      )
    }
    this.trk.recordVote(id, granted)
    return this.trk.tallyVotes()
  }

  /**
   * Handles one message: first its term (stepping down on a newer one), then by type and role.
   *
   * @throws ProposalDroppedError when a proposal cannot be accepted.
   */
  step(m: Message): void {
    if (m.term === 0) {
      // A local message.
    } else if (m.term > this.term) {
      if (m.type === MessageType.MsgVote || m.type === MessageType.MsgPreVote) {
        const force = bytesEqual(m.context, CAMPAIGN_TRANSFER_CONTEXT)
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout
        if (!force && inLease) {
          // Within the minimum election timeout of hearing from a leader, neither update the
          // term nor grant a vote (thesis §4.2.3).
          const last = this.raftLog.lastEntryId()
          this.logger.info(
            `${hex(this.id)} [logterm: ${last.term}, index: ${last.index}, vote: ${hex(this.vote)}] ignored ${describeMessageType(m.type)} from ${hex(m.from)} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}: lease is not expired (remaining ticks: ${this.electionTimeout - this.electionElapsed})`,
          )
          return
        }
      }
      if (m.type === MessageType.MsgPreVote) {
        // Never change term in response to a pre-vote.
      } else if (m.type === MessageType.MsgPreVoteResp && !m.reject) {
        // Pre-votes are requested for a future term: a granted one keeps ours until the
        // pre-election is won. A rejection carries the rejecter's (newer) term: step down.
      } else {
        this.logger.info(
          `${hex(this.id)} [term: ${this.term}] received a ${describeMessageType(m.type)} message with higher term from ${hex(m.from)} [term: ${m.term}]`,
        )
        if (m.type === MessageType.MsgApp || m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgSnap) {
          this.becomeFollower(m.term, m.from)
        } else {
          this.becomeFollower(m.term, NONE)
        }
      }
    } else if (m.term < this.term) {
      if (
        (this.checkQuorum || this.preVote) &&
        (m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgApp)
      ) {
        // A leader of an older term: our term may have grown while partitioned, and with
        // CheckQuorum or PreVote that no longer disrupts the cluster on its own. Tell the
        // leader our term so it steps down and a fresh election frees us.
        this.send({ to: m.from, type: MessageType.MsgAppResp })
      } else if (m.type === MessageType.MsgPreVote) {
        // Answer stale pre-votes, or a cluster upgrading to PreVote could deadlock.
        const last = this.raftLog.lastEntryId()
        this.logger.info(
          `${hex(this.id)} [logterm: ${last.term}, index: ${last.index}, vote: ${hex(this.vote)}] rejected ${describeMessageType(m.type)} from ${hex(m.from)} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}`,
        )
        this.send({ to: m.from, term: this.term, type: MessageType.MsgPreVoteResp, reject: true })
      } else if (m.type === MessageType.MsgStorageAppendResp) {
        if (m.index !== 0) {
          // The entries may have been overwritten in the unstable log in a later term (see
          // RawNode's storage append responses): do not treat them as stable.
          this.logger.info(
            `${hex(this.id)} [term: ${this.term}] ignored entry appends from a ${describeMessageType(m.type)} message with lower term [term: ${m.term}]`,
          )
        }
        // A snapshot holds committed state, valid whatever the term.
        if (m.snapshot !== undefined) this.appliedSnap(m.snapshot)
      } else {
        this.logger.info(
          `${hex(this.id)} [term: ${this.term}] ignored a ${describeMessageType(m.type)} message with lower term from ${hex(m.from)} [term: ${m.term}]`,
        )
      }
      return
    }

    switch (m.type) {
      case MessageType.MsgHup:
        this.hup(this.preVote ? 'CampaignPreElection' : 'CampaignElection')
        break
      case MessageType.MsgStorageAppendResp:
        if (m.index !== 0) this.raftLog.stableTo({ term: m.logTerm, index: m.index })
        if (m.snapshot !== undefined) this.appliedSnap(m.snapshot)
        break
      case MessageType.MsgStorageApplyResp:
        if (m.entries.length > 0) {
          const index = (m.entries[m.entries.length - 1] as Entry).index
          this.appliedTo(index, entriesSize(m.entries))
          this.reduceUncommittedSize(payloadsSize(m.entries))
        }
        break
      case MessageType.MsgVote:
      case MessageType.MsgPreVote:
        this.#handleVoteRequest(m)
        break
      default:
        if (this.state === StateType.StateLeader) this.#stepLeader(m)
        else if (this.state === StateType.StateFollower) this.#stepFollower(m)
        else this.#stepCandidate(m)
    }
  }

  #handleVoteRequest(m: Message): void {
    // We can vote if this repeats a vote we cast, if we have not voted and know no leader in
    // this term, or if this is a pre-vote for a future term...
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.MsgPreVote && m.term > this.term)
    // ...and the candidate's log is at least as up to date as ours (Raft §5.4.1).
    const last = this.raftLog.lastEntryId()
    const candidate: EntryId = { term: m.logTerm, index: m.index }
    if (canVote && this.raftLog.isUpToDate(candidate)) {
      // Learners vote too when asked: a learner may have been promoted without knowing it yet
      // (etcd-io/etcd#7625), and the candidate may need its vote.
      this.logger.info(
        `${hex(this.id)} [logterm: ${last.term}, index: ${last.index}, vote: ${hex(this.vote)}] cast ${describeMessageType(m.type)} for ${hex(m.from)} [logterm: ${candidate.term}, index: ${candidate.index}] at term ${this.term}`,
      )
      // Answer with the message's term, not ours: for a pre-vote ours may be older, and the
      // candidate would ignore an answer from the past.
      this.send({ to: m.from, term: m.term, type: voteResponseType(m.type) })
      if (m.type === MessageType.MsgVote) {
        // Only real votes are recorded.
        this.electionElapsed = 0
        this.vote = m.from
      }
    } else {
      this.logger.info(
        `${hex(this.id)} [logterm: ${last.term}, index: ${last.index}, vote: ${hex(this.vote)}] rejected ${describeMessageType(m.type)} from ${hex(m.from)} [logterm: ${candidate.term}, index: ${candidate.index}] at term ${this.term}`,
      )
      this.send({ to: m.from, term: this.term, type: voteResponseType(m.type), reject: true })
    }
  }

  #stepLeader(m: Message): void {
    // Messages that need no progress for m.from.
    switch (m.type) {
      case MessageType.MsgBeat:
        this.bcastHeartbeat()
        return
      case MessageType.MsgCheckQuorum:
        if (!this.trk.quorumActive()) {
          this.logger.warn(`${hex(this.id)} stepped down to follower since quorum is not active`)
          this.becomeFollower(this.term, NONE)
        }
        // Everyone but us is inactive until heard from before the next check.
        this.trk.visit((id, pr) => {
          if (id !== this.id) pr.recentActive = false
        })
        return
      case MessageType.MsgProp:
        this.#propose(m)
        return
      case MessageType.MsgReadIndex:
        // The only voter: answer at once. Only if that voter is this node: a leader demoted to
        // learner keeps leading its term, while the sole voter may already lead a later one and
        // have committed more (a stale read the simulator found; etcd-io/raft has the shortcut
        // without this check).
        if (this.trk.isSingleton() && this.trk.config.voters.incoming.has(this.id)) {
          const response = this.responseToReadIndexReq(m, this.raftLog.committed)
          if (response !== undefined) this.send(response)
          return
        }
        // Until it has committed an entry of its term, a new leader does not know the commit
        // index (thesis §6.4): postpone.
        if (!this.committedEntryInCurrentTerm()) {
          this.pendingReadIndexMessages.push(m)
          return
        }
        this.#sendReadIndexResponse(m)
        return
      case MessageType.MsgForgetLeader:
        return // no-op on the leader
    }

    // The rest needs m.from's progress.
    const pr = this.trk.progress.get(m.from)
    if (pr === undefined) {
      this.logger.debug(`${hex(this.id)} no progress available for ${hex(m.from)}`)
      return
    }
    switch (m.type) {
      case MessageType.MsgAppResp:
        this.#handleAppendResponse(m, pr)
        return
      case MessageType.MsgHeartbeatResp:
        pr.recentActive = true
        pr.msgAppFlowPaused = false
        // A paused follower (full inflights) still gets an empty append here, so it recovers
        // when every message that filled the window was lost. A caught-up follower in
        // StateProbe (after ReportUnreachable) gets one too, so its answer moves it back to
        // StateReplicate. StateSnapshot is always paused, so nothing goes out for it.
        if (pr.match < this.raftLog.lastIndex() || pr.state === ProgressState.StateProbe) this.sendAppend(m.from)

        if (this.readOnly.option !== ReadOnlyOption.ReadOnlySafe || m.context.length === 0) return
        {
          const acks = this.readOnly.recvAck(m.from, m.context)
          if (acks === undefined || this.trk.config.voters.voteResult(acks) !== VoteResult.VoteWon) return
        }
        for (const status of this.readOnly.advance(m)) {
          const response = this.responseToReadIndexReq(status.request, status.index)
          if (response !== undefined) this.send(response)
        }
        return
      case MessageType.MsgSnapStatus:
        if (pr.state !== ProgressState.StateSnapshot) return
        if (!m.reject) {
          pr.becomeProbe()
          this.logger.debug(
            `${hex(this.id)} snapshot succeeded, resumed sending replication messages to ${hex(m.from)} [${pr}]`,
          )
        } else {
          // Forget the pending snapshot first, or probing would start after a snapshot that
          // never landed.
          pr.pendingSnapshot = 0
          pr.becomeProbe()
          this.logger.debug(
            `${hex(this.id)} snapshot failed, resumed sending replication messages to ${hex(m.from)} [${pr}]`,
          )
        }
        // After a snapshot, wait for the follower's MsgAppResp before the next append; after
        // a failure, wait a heartbeat interval before retrying.
        pr.msgAppFlowPaused = true
        return
      case MessageType.MsgUnreachable:
        // During optimistic replication an unreachable peer has most likely lost a MsgApp.
        if (pr.state === ProgressState.StateReplicate) pr.becomeProbe()
        this.logger.debug(`${hex(this.id)} failed to send message to ${hex(m.from)} because it is unreachable [${pr}]`)
        return
      case MessageType.MsgTransferLeader:
        this.#handleTransferLeader(m, pr)
        return
    }
  }

  #propose(m: Message): void {
    if (m.entries.length === 0) this.#panic(`${hex(this.id)} stepped empty MsgProp`)
    // Removed from the configuration while leading: drop new proposals.
    if (!this.trk.progress.has(this.id)) throw new ProposalDroppedError()
    if (this.leadTransferee !== NONE) {
      this.logger.debug(
        `${hex(this.id)} [term ${this.term}] transfer leadership to ${hex(this.leadTransferee)} is in progress; dropping proposal`,
      )
      throw new ProposalDroppedError()
    }

    let entries = m.entries
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Entry
      let cc: AnyConfChange | undefined
      if (entry.type === EntryType.EntryConfChange) cc = decodeConfChange(entry.data)
      else if (entry.type === EntryType.EntryConfChangeV2) cc = decodeConfChangeV2(entry.data)
      if (cc === undefined) continue

      const alreadyPending = this.pendingConfIndex > this.raftLog.applied
      const alreadyJoint = this.trk.config.voters.isJoint()
      const wantsLeaveJoint = 'changes' in cc ? cc.changes.length === 0 : false
      let failedCheck = ''
      if (alreadyPending) {
        failedCheck = `possible unapplied conf change at index ${this.pendingConfIndex} (applied to ${this.raftLog.applied})`
      } else if (alreadyJoint && !wantsLeaveJoint) {
        failedCheck = 'must transition out of joint config first'
      } else if (!alreadyJoint && wantsLeaveJoint) {
        failedCheck = 'not in joint state; refusing empty conf change'
      }
      if (failedCheck !== '' && !this.disableConfChangeValidation) {
        this.logger.info(
          `${hex(this.id)} ignoring conf change ${describeConfChange(cc)} at config ${this.trk.config}: ${failedCheck}`,
        )
        // Keep the slot, as an empty normal entry.
        if (entries === m.entries) entries = [...m.entries]
        ;(entries as Entry[])[i] = { term: 0, index: 0, type: EntryType.EntryNormal, data: EMPTY_BYTES }
      } else {
        this.pendingConfIndex = this.raftLog.lastIndex() + i + 1
      }
    }

    if (!this.appendEntry(entries)) throw new ProposalDroppedError()
    this.bcastAppend()
  }

  #handleAppendResponse(m: Message, pr: Progress): void {
    // Also reached from advance(): the leader acknowledges its own appended entries.
    pr.recentActive = true

    if (m.reject) {
      // rejectHint is where the follower guesses the logs match, and logTerm the term it has
      // there (0 from old versions or an empty log). With divergent uncommitted tails, probing
      // one entry at a time could take hours, so skip every index of ours whose term is above
      // the follower's term at the hint (findConflictByTerm): one round trip per term instead
      // of per entry. See etcd-io/raft's stepLeader for the full argument.
      this.logger.debug(
        `${hex(this.id)} received MsgAppResp(rejected, hint: (index ${m.rejectHint}, term ${m.logTerm})) from ${hex(m.from)} for index ${m.index}`,
      )
      let nextProbeIndex = m.rejectHint
      if (m.logTerm > 0) nextProbeIndex = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index
      if (pr.maybeDecrTo(m.index, nextProbeIndex)) {
        this.logger.debug(`${hex(this.id)} decreased progress of ${hex(m.from)} to [${pr}]`)
        if (pr.state === ProgressState.StateReplicate) pr.becomeProbe()
        this.sendAppend(m.from)
      }
      return
    }

    // Update when the acknowledgement raises match, or when it confirms the match of a probing
    // follower (so a caught-up follower in StateProbe returns to StateReplicate). Not for
    // StateSnapshot: there match == index means the snapshot has not landed.
    if (!(pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === ProgressState.StateProbe))) return

    if (pr.state === ProgressState.StateProbe) {
      pr.becomeReplicate()
    } else if (pr.state === ProgressState.StateSnapshot && pr.match + 1 >= this.raftLog.firstIndex()) {
      // Whatever snapshot actually landed, the log can now catch the follower up.
      this.logger.debug(
        `${hex(this.id)} recovered from needing snapshot, resumed sending replication messages to ${hex(m.from)} [${pr}]`,
      )
      // Through StateProbe, which takes the snapshot into account.
      pr.becomeProbe()
      pr.becomeReplicate()
    } else if (pr.state === ProgressState.StateReplicate) {
      pr.inflights.freeLE(m.index)
    }

    if (this.maybeCommit()) {
      // The commit index moved in this term: pending read requests can be answered.
      this.#releasePendingReadIndexMessages()
      this.bcastAppend()
    } else if (this.id !== m.from && pr.canBumpCommit(this.raftLog.committed)) {
      // The follower may lack the latest commit index: send it now rather than with the next
      // heartbeat.
      this.sendAppend(m.from)
    }
    // The flow may have reopened (probe → replicate, or several inflights freed): send as
    // many appends as allowed, but no empty ones.
    if (this.id !== m.from) {
      while (this.maybeSendAppend(m.from, false)) {
        // keep sending
      }
    }
    // A leadership transfer waits for the transferee to catch up.
    if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) {
      this.logger.info(`${hex(this.id)} sent MsgTimeoutNow to ${hex(m.from)} after received MsgAppResp`)
      this.sendTimeoutNow(m.from)
    }
  }

  #handleTransferLeader(m: Message, pr: Progress): void {
    if (pr.isLearner) {
      this.logger.debug(`${hex(this.id)} is learner. Ignored transferring leadership`)
      return
    }
    const transferee = m.from
    const last = this.leadTransferee
    if (last !== NONE) {
      if (last === transferee) {
        this.logger.info(
          `${hex(this.id)} [term ${this.term}] transfer leadership to ${hex(transferee)} is in progress, ignores request to same node ${hex(transferee)}`,
        )
        return
      }
      this.abortLeaderTransfer()
      this.logger.info(`${hex(this.id)} [term ${this.term}] abort previous transferring leadership to ${hex(last)}`)
    }
    if (transferee === this.id) {
      this.logger.debug(`${hex(this.id)} is already leader. Ignored transferring leadership to self`)
      return
    }
    this.logger.info(`${hex(this.id)} [term ${this.term}] starts to transfer leadership to ${hex(transferee)}`)
    // The transfer must finish within an election timeout.
    this.electionElapsed = 0
    this.leadTransferee = transferee
    if (pr.match === this.raftLog.lastIndex()) {
      this.sendTimeoutNow(transferee)
      this.logger.info(
        `${hex(this.id)} sends MsgTimeoutNow to ${hex(transferee)} immediately as ${hex(transferee)} already has up-to-date log`,
      )
    } else {
      this.sendAppend(transferee)
    }
  }

  // Shared by StateCandidate and StatePreCandidate: each counts only its own kind of votes
  // (a candidate may still get stale pre-vote answers from its pre-candidacy).
  #stepCandidate(m: Message): void {
    const myVoteRespType =
      this.state === StateType.StatePreCandidate ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp
    switch (m.type) {
      case MessageType.MsgProp:
        this.logger.info(`${hex(this.id)} no leader at term ${this.term}; dropping proposal`)
        throw new ProposalDroppedError()
      case MessageType.MsgApp:
        this.becomeFollower(m.term, m.from) // always m.term === this.term
        this.handleAppendEntries(m)
        return
      case MessageType.MsgHeartbeat:
        this.becomeFollower(m.term, m.from)
        this.handleHeartbeat(m)
        return
      case MessageType.MsgSnap:
        this.becomeFollower(m.term, m.from)
        this.handleSnapshot(m)
        return
      case myVoteRespType: {
        const { granted, rejected, result } = this.poll(m.from, m.type, !m.reject)
        this.logger.info(
          `${hex(this.id)} has received ${granted} ${describeMessageType(m.type)} votes and ${rejected} vote rejections`,
        )
        if (result === VoteResult.VoteWon) {
          if (this.state === StateType.StatePreCandidate) {
            this.campaign('CampaignElection')
          } else {
            this.becomeLeader()
            this.bcastAppend()
          }
        } else if (result === VoteResult.VoteLost) {
          // A pre-vote answer carries the pre-candidate's future term; keep ours.
          this.becomeFollower(this.term, NONE)
        }
        return
      }
      case MessageType.MsgTimeoutNow:
        this.logger.debug(
          `${hex(this.id)} [term ${this.term} state ${describeStateType(this.state)}] ignored MsgTimeoutNow from ${hex(m.from)}`,
        )
        return
    }
  }

  #stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.MsgProp:
        if (this.lead === NONE) {
          this.logger.info(`${hex(this.id)} no leader at term ${this.term}; dropping proposal`)
          throw new ProposalDroppedError()
        }
        if (this.disableProposalForwarding) {
          this.logger.info(
            `${hex(this.id)} not forwarding to leader ${hex(this.lead)} at term ${this.term}; dropping proposal`,
          )
          throw new ProposalDroppedError()
        }
        this.send({ ...m, to: this.lead, term: 0 })
        return
      case MessageType.MsgApp:
        this.electionElapsed = 0
        this.lead = m.from
        this.handleAppendEntries(m)
        return
      case MessageType.MsgHeartbeat:
        this.electionElapsed = 0
        this.lead = m.from
        this.handleHeartbeat(m)
        return
      case MessageType.MsgSnap:
        this.electionElapsed = 0
        this.lead = m.from
        this.handleSnapshot(m)
        return
      case MessageType.MsgTransferLeader:
        if (this.lead === NONE) {
          this.logger.info(`${hex(this.id)} no leader at term ${this.term}; dropping leader transfer msg`)
          return
        }
        this.send({ ...m, to: this.lead, term: 0 })
        return
      case MessageType.MsgForgetLeader:
        if (this.readOnly.option === ReadOnlyOption.ReadOnlyLeaseBased) {
          this.logger.error('ignoring MsgForgetLeader due to ReadOnlyLeaseBased')
          return
        }
        if (this.lead !== NONE) {
          this.logger.info(`${hex(this.id)} forgetting leader ${hex(this.lead)} at term ${this.term}`)
          this.lead = NONE
        }
        return
      case MessageType.MsgTimeoutNow:
        this.logger.info(
          `${hex(this.id)} [term ${this.term}] received MsgTimeoutNow from ${hex(m.from)} and starts an election to get leadership.`,
        )
        // Transfers never pre-vote: no partition to recover from, no need for the extra round.
        this.hup('CampaignTransfer')
        return
      case MessageType.MsgReadIndex:
        if (this.lead === NONE) {
          this.logger.info(`${hex(this.id)} no leader at term ${this.term}; dropping index reading msg`)
          return
        }
        this.send({ ...m, to: this.lead, term: 0 })
        return
      case MessageType.MsgReadIndexResp:
        if (m.entries.length !== 1) {
          this.logger.error(
            `${hex(this.id)} invalid format of MsgReadIndexResp from ${hex(m.from)}, entries count: ${m.entries.length}`,
          )
          return
        }
        this.readStates.push({ index: m.index, requestCtx: (m.entries[0] as Entry).data })
        return
    }
  }

  handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      this.send({ to: m.from, type: MessageType.MsgAppResp, index: this.raftLog.committed })
      return
    }
    const lastNewIndex = this.raftLog.maybeAppend(
      { term: m.term, prev: { term: m.logTerm, index: m.index }, entries: m.entries },
      m.commit,
    )
    if (lastNewIndex !== undefined) {
      this.send({ to: m.from, type: MessageType.MsgAppResp, index: lastNewIndex })
      return
    }
    this.logger.debug(
      `${hex(this.id)} [logterm: ${this.raftLog.term(m.index) ?? 0}, index: ${m.index}] rejected MsgApp [logterm: ${m.logTerm}, index: ${m.index}] from ${hex(m.from)}`,
    )
    // Hint where the logs may match: the largest (index, term) at or below the message's with
    // a term <= the message's log term, skipping our divergent uncommitted tail. m.index is at
    // least the commit index here, so the search stays within the valid range.
    const hint = this.raftLog.findConflictByTerm(Math.min(m.index, this.raftLog.lastIndex()), m.logTerm)
    this.send({
      to: m.from,
      type: MessageType.MsgAppResp,
      index: m.index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    })
  }

  handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit)
    this.send({ to: m.from, type: MessageType.MsgHeartbeatResp, context: m.context })
  }

  handleSnapshot(m: Message): void {
    const snapshot = m.snapshot ?? { data: EMPTY_BYTES, metadata: { index: 0, term: 0, confState: emptyConfState() } }
    const { index, term } = snapshot.metadata
    if (this.restore(snapshot)) {
      this.logger.info(
        `${hex(this.id)} [commit: ${this.raftLog.committed}] restored snapshot [index: ${index}, term: ${term}]`,
      )
      this.send({ to: m.from, type: MessageType.MsgAppResp, index: this.raftLog.lastIndex() })
    } else {
      this.logger.info(
        `${hex(this.id)} [commit: ${this.raftLog.committed}] ignored snapshot [index: ${index}, term: ${term}]`,
      )
      this.send({ to: m.from, type: MessageType.MsgAppResp, index: this.raftLog.committed })
    }
  }

  /**
   * Restores the log and configuration from a snapshot. Returns false when it was ignored:
   * obsolete, or (defensively) not applicable to this node.
   */
  restore(snapshot: Snapshot): boolean {
    if (snapshot.metadata.index <= this.raftLog.committed) return false
    if (this.state !== StateType.StateFollower) {
      // Defense in depth: never happens, but a leader restoring a snapshot must not stay leader.
      this.logger.warn(`${hex(this.id)} attempted to restore snapshot as leader; should never happen`)
      this.becomeFollower(this.term + 1, NONE)
      return false
    }
    // Defense in depth: lots of code assumes this node is in the configuration. learnersNext
    // need not be checked: its members are in votersOutgoing.
    const cs = snapshot.metadata.confState
    if (![cs.voters, cs.learners, cs.votersOutgoing].some((ids) => ids.includes(this.id))) {
      this.logger.warn(
        `${hex(this.id)} attempted to restore snapshot but it is not in the ConfState ${describeConfStateGo(cs)}; should never happen`,
      )
      return false
    }

    const id: EntryId = { term: snapshot.metadata.term, index: snapshot.metadata.index }
    if (this.raftLog.matchTerm(id)) {
      // We already have the snapshot's last entry: just move the commit index.
      const last = this.raftLog.lastEntryId()
      this.logger.info(
        `${hex(this.id)} [commit: ${this.raftLog.committed}, lastindex: ${last.index}, lastterm: ${last.term}] fast-forwarded commit to snapshot [index: ${id.index}, term: ${id.term}]`,
      )
      this.raftLog.commitTo(snapshot.metadata.index)
      return false
    }

    this.raftLog.restore(snapshot)
    // Rebuild the configuration and progress from scratch.
    this.trk = new ProgressTracker(this.trk.maxInflight, this.trk.maxInflightBytes)
    let restored: ChangerResult
    try {
      restored = this.#restoreConfig(cs, this.raftLog.lastIndex())
    } catch (error) {
      // A bug in conf change handling, or a corrupted snapshot.
      throw new RaftInvariantError(`unable to restore config ${describeConfStateGo(cs)}: ${(error as Error).message}`, {
        cause: error,
      })
    }
    assertConfStatesEquivalent(cs, this.switchToConfig(restored))

    const last = this.raftLog.lastEntryId()
    this.logger.info(
      `${hex(this.id)} [commit: ${this.raftLog.committed}, lastindex: ${last.index}, lastterm: ${last.term}] restored snapshot [index: ${id.index}, term: ${id.term}]`,
    )
    return true
  }

  /** Whether this node may become leader: it is a voter and has no snapshot to apply first. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id)
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasNextOrInProgressSnapshot()
  }

  /**
   * Applies a committed conf change to the configuration.
   *
   * @throws RaftInvariantError when the change is invalid for the current configuration.
   */
  applyConfChange(cc: ConfChangeV2): ConfState {
    const changer = new Changer(this.trk, this.raftLog.lastIndex())
    let result: ChangerResult
    try {
      if (confChangeLeavesJoint(cc)) {
        result = changer.leaveJoint()
      } else {
        const joint = confChangeEntersJoint(cc)
        result =
          joint !== undefined ? changer.enterJoint(joint.autoLeave, ...cc.changes) : changer.simple(...cc.changes)
      }
    } catch (error) {
      throw new RaftInvariantError((error as Error).message, { cause: error })
    }
    return this.switchToConfig(result)
  }

  /**
   * Installs a configuration and reacts to it: a removed or demoted leader may step down; a
   * leader commits what the new quorum allows and probes new peers.
   */
  switchToConfig({ config, progress }: { config: TrackerConfig; progress: ProgressMap }): ConfState {
    this.trk.applyConfig(config, progress)
    this.logger.info(`${hex(this.id)} switched to configuration ${this.trk.config}`)
    const cs = this.trk.confState()
    const pr = this.trk.progress.get(this.id)
    // Whether this node is a learner; false once removed.
    this.isLearner = pr?.isLearner ?? false

    if ((pr === undefined || this.isLearner) && this.state === StateType.StateLeader) {
      // Removed or demoted while leading: step down if asked to. (Demotions are refused at
      // the time of writing but handled like removals.)
      if (this.stepDownOnRemoval) this.becomeFollower(this.term, NONE)
      return cs
    }
    // The rest is for a leader with other voters.
    if (this.state !== StateType.StateLeader || cs.voters.length === 0) return cs

    if (this.maybeCommit()) {
      // The new quorum commits more: tell everyone in the new configuration.
      this.bcastAppend()
    } else {
      // Probe new peers now rather than waiting for a heartbeat or the next proposal.
      this.trk.visit((id) => {
        if (id !== this.id) this.maybeSendAppend(id, false)
      })
    }
    // A transfer to a node no longer a voter is abandoned.
    if (this.leadTransferee !== NONE && !this.trk.config.voters.ids().has(this.leadTransferee)) {
      this.abortLeaderTransfer()
    }
    return cs
  }

  loadState(state: HardState): void {
    if (state.commit < this.raftLog.committed || state.commit > this.raftLog.lastIndex()) {
      this.#panic(
        `${hex(this.id)} state.commit ${state.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
      )
    }
    this.raftLog.committed = state.commit
    this.term = state.term
    this.vote = state.vote
  }

  /** Whether the randomized election timeout has passed. */
  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout
  }

  resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.#random() * this.electionTimeout)
  }

  sendTimeoutNow(to: NodeId): void {
    this.send({ to, type: MessageType.MsgTimeoutNow })
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE
  }

  /** Whether this node has committed an entry of its own term. */
  committedEntryInCurrentTerm(): boolean {
    // A leader's term is never 0, so an unknown term (0) never matches.
    return (this.raftLog.term(this.raftLog.committed) ?? 0) === this.term
  }

  /**
   * The answer to a read request at `readIndex`: a message for a remote requester, or (for
   * this node's own request) a ReadState recorded here and `undefined` returned.
   */
  responseToReadIndexReq(request: Message, readIndex: Index): MessageInit | undefined {
    if (request.from === NONE || request.from === this.id) {
      this.readStates.push({ index: readIndex, requestCtx: (request.entries[0] as Entry).data })
      return undefined
    }
    return { type: MessageType.MsgReadIndexResp, to: request.from, index: readIndex, entries: request.entries }
  }

  /**
   * Accounts for proposed entries in the uncommitted tail; false if they would exceed the
   * limit. An empty tail accepts any size, and empty payloads (a new leader's entry, leaving a
   * joint configuration) are never refused.
   */
  increaseUncommittedSize(entries: readonly Entry[]): boolean {
    const size = payloadsSize(entries)
    if (this.uncommittedSize > 0 && size > 0 && this.uncommittedSize + size > this.maxUncommittedSize) return false
    this.uncommittedSize += size
    return true
  }

  /** Accounts for committed (applied) entries leaving the uncommitted tail; never below 0. */
  reduceUncommittedSize(size: number): void {
    // The estimate may undercount, never overcount: saturate at 0.
    this.uncommittedSize = size > this.uncommittedSize ? 0 : this.uncommittedSize - size
  }

  #releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0) return
    if (!this.committedEntryInCurrentTerm()) {
      this.logger.error('pending MsgReadIndex should be released only after first commit in current term')
      return
    }
    const messages = this.pendingReadIndexMessages
    this.pendingReadIndexMessages = []
    for (const m of messages) this.#sendReadIndexResponse(m)
  }

  #sendReadIndexResponse(m: Message): void {
    const context = (m.entries[0] as Entry).data
    if (this.readOnly.option === ReadOnlyOption.ReadOnlySafe) {
      // Confirm leadership with a heartbeat round first; this node acks its own request.
      this.readOnly.addRequest(this.raftLog.committed, m)
      this.readOnly.recvAck(this.id, context)
      this.bcastHeartbeatWithCtx(context)
    } else {
      const response = this.responseToReadIndexReq(m, this.raftLog.committed)
      if (response !== undefined) this.send(response)
    }
  }

  /**
   * Steps the messages waiting for durability that target this node, and queues the rest to
   * send; repeats until none are left (stepping may produce more).
   */
  advanceMessagesAfterAppend(): void {
    for (;;) {
      const messages = this.msgsAfterAppend
      if (messages.length === 0) return
      this.msgsAfterAppend = []
      this.stepOrSend(messages)
    }
  }

  stepOrSend(messages: readonly Message[]): void {
    for (const m of messages) {
      if (m.to === this.id) this.step(m)
      else this.msgs.push(m)
    }
  }

  #panic(message: string): never {
    this.logger.error(message)
    throw new RaftInvariantError(message)
  }
}

function emptyConfState(): ConfState {
  return { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

// Go's %+v of a ConfState, for the rare log lines that print one.
function describeConfStateGo(cs: ConfState): string {
  const list = (ids: readonly NodeId[]) => `[${ids.join(' ')}]`
  return `{Voters:${list(cs.voters)} Learners:${list(cs.learners)} VotersOutgoing:${list(cs.votersOutgoing)} LearnersNext:${list(cs.learnersNext)} AutoLeave:${cs.autoLeave}}`
}

/**
 * Checks that two ConfStates describe the same configuration (order within lists aside).
 *
 * @throws RaftInvariantError when they differ: a bug in conf change handling.
 */
export function assertConfStatesEquivalent(a: ConfState, b: ConfState): void {
  const same = (x: readonly NodeId[], y: readonly NodeId[]) => {
    const set = new Set(x)
    return set.size === new Set(y).size && y.every((id) => set.has(id))
  }
  if (
    !same(a.voters, b.voters) ||
    !same(a.learners, b.learners) ||
    !same(a.votersOutgoing, b.votersOutgoing) ||
    !same(a.learnersNext, b.learnersNext) ||
    a.autoLeave !== b.autoLeave
  ) {
    throw new RaftInvariantError(
      `ConfStates not equivalent after sorting:\n${describeConfStateGo(a)}\n${describeConfStateGo(b)}`,
    )
  }
}
