import type { Config } from './config.js'
import { RaftInvariantError, StepLocalMessageError, StepPeerNotFoundError } from './errors.js'
import { Raft } from './raft.js'
import { encodeConfChange } from './raftpb/codec.js'
import { type AnyConfChange, confChangeAsV2, marshalConfChange } from './raftpb/confchange.js'
import {
  ConfChangeType,
  type ConfState,
  createMessage,
  EMPTY_HARD_STATE,
  EMPTY_SNAPSHOT,
  type Entry,
  EntryType,
  type HardState,
  type Index,
  isEmptyHardState,
  isEmptySnapshot,
  isHardStateEqual,
  LOCAL_APPEND_THREAD,
  LOCAL_APPLY_THREAD,
  type Message,
  MessageType,
  NONE,
  type NodeId,
  type Term,
} from './raftpb/types.js'
import type { Ready, SoftState, StateType } from './ready.js'
import type { Progress } from './tracker/progress.js'
import type { TrackerConfig } from './tracker/tracker.js'
import { entriesSize, isLocalMessage, isLocalMessageTarget, isResponseMessage } from './util.js'

/** A member of a new cluster, for {@link RawNode.bootstrap}. */
export interface Peer {
  readonly id: NodeId
  /** Opaque to raft; carried in the bootstrap conf change entries (etcd puts member JSON here). */
  readonly context?: Uint8Array
}

/** The outcome of sending a snapshot, for {@link RawNode.reportSnapshot}. */
export const SnapshotStatus = {
  SnapshotFinish: 1,
  SnapshotFailure: 2,
} as const
export type SnapshotStatus = (typeof SnapshotStatus)[keyof typeof SnapshotStatus]

/** Whether a progress belongs to a voter or a learner, for {@link RawNode.withProgress}. */
export const ProgressType = {
  ProgressTypePeer: 0,
  ProgressTypeLearner: 1,
} as const
export type ProgressType = (typeof ProgressType)[keyof typeof ProgressType]

/** The node's state without the per-peer progress (etcd's `BasicStatus`). */
export interface BasicStatus {
  readonly id: NodeId
  readonly term: Term
  readonly vote: NodeId
  readonly commit: Index
  /** The current leader; 0 when unknown. */
  readonly lead: NodeId
  readonly raftState: StateType
  readonly applied: Index
  /** The target of a leadership transfer in progress; 0 otherwise. */
  readonly leadTransferee: NodeId
}

/** The node's state, its configuration, and (on the leader) every peer's progress. */
export interface Status extends BasicStatus {
  /** A copy of the active configuration. */
  readonly config: TrackerConfig
  /** Copies of every peer's progress, on the leader only; an empty map elsewhere. */
  readonly progress: ReadonlyMap<NodeId, Progress>
}

/**
 * A Raft node driven synchronously by its host (etcd's `RawNode`). Nothing happens on its own:
 * the host calls {@link RawNode.tick} on a timer, {@link RawNode.step} for each message from a
 * peer, and processes {@link RawNode.ready} in a loop:
 *
 * ```ts
 * while (node.hasReady()) {
 *   const rd = node.ready()
 *   storage.setHardState(rd.hardState)    // 1. persist (fsync when rd.mustSync)
 *   storage.append(rd.entries)
 *   send(rd.messages)                      // 2. send
 *   apply(rd.committedEntries)             // 3. apply (conf changes: node.applyConfChange)
 *   node.advance()                         // 4. done
 * }
 * ```
 *
 * Not re-entrant: call one method at a time. A method that throws `RaftInvariantError` leaves
 * the node unusable.
 */
export class RawNode {
  /** The state machine. Internal: not part of the public contract. */
  readonly raft: Raft
  readonly #asyncStorageWrites: boolean
  #prevSoftState: SoftState
  #prevHardState: HardState
  #stepsOnAdvance: Message[] = []

  /**
   * Creates a node from a configuration. A restarted node recovers term, vote, commit and
   * membership from `config.storage`; a new cluster calls {@link RawNode.bootstrap}.
   *
   * @throws ConfigError for an invalid configuration.
   */
  constructor(config: Config) {
    this.raft = new Raft(config)
    this.#asyncStorageWrites = config.asyncStorageWrites ?? false
    this.#prevSoftState = this.raft.softState()
    this.#prevHardState = this.raft.hardState()
  }

  /**
   * Starts a brand-new cluster with the given members: their ConfChangeAddNode entries are
   * appended (committed, not yet applied) so that the application sees them in the first
   * Ready. The storage must be empty.
   *
   * @throws TypeError without peers; RangeError when the storage is not empty.
   */
  bootstrap(peers: readonly Peer[]): void {
    if (peers.length === 0) throw new TypeError('must provide at least one peer to Bootstrap')
    if (this.raft.raftLog.storage.lastIndex() !== 0) throw new RangeError("can't bootstrap a nonempty Storage")
    // Nothing is persisted yet: the first Ready must carry a HardState.
    this.#prevHardState = EMPTY_HARD_STATE
    this.raft.becomeFollower(1, NONE)
    const entries: Entry[] = peers.map((peer, i) => ({
      term: 1,
      index: i + 1,
      type: EntryType.EntryConfChange,
      data: encodeConfChange({
        id: 0n,
        type: ConfChangeType.ConfChangeAddNode,
        nodeId: peer.id,
        context: peer.context ?? new Uint8Array(0),
      }),
    }))
    this.raft.raftLog.append(entries)
    // Apply them now so that the application may campaign right away. They reach the
    // application again through Ready.committedEntries (applied is not moved), and applying an
    // AddNode twice is harmless.
    this.raft.raftLog.committed = entries.length
    for (const peer of peers) {
      this.raft.applyConfChange(
        confChangeAsV2({ id: 0n, type: ConfChangeType.ConfChangeAddNode, nodeId: peer.id, context: new Uint8Array(0) }),
      )
    }
  }

  /** Advances logical time by one tick (heartbeats, election timeouts). */
  tick(): void {
    this.raft.tick()
  }

  /**
   * Advances the election clock without the side effects of a tick: for quiesced groups that
   * skip ticking while idle. Use with care.
   */
  tickQuiesced(): void {
    this.raft.electionElapsed++
  }

  /** Starts an election (a pre-election with `preVote`) now, if this node may campaign. */
  campaign(): void {
    this.raft.step(createMessage({ type: MessageType.MsgHup }))
  }

  /**
   * Proposes data to append to the log. The entry is appended on the leader (this node, or the
   * leader it forwards to); watch `Ready.committedEntries` for it.
   *
   * @throws ProposalDroppedError when it cannot be accepted now (no leader, transfer in
   *   progress, ...); retry later.
   */
  propose(data: Uint8Array): void {
    this.raft.step(
      createMessage({
        type: MessageType.MsgProp,
        from: this.raft.id,
        entries: [{ term: 0, index: 0, type: EntryType.EntryNormal, data }],
      }),
    )
  }

  /**
   * Proposes a membership change. It takes effect when the application, having seen it in
   * `Ready.committedEntries`, calls {@link RawNode.applyConfChange}.
   *
   * @throws ProposalDroppedError as {@link RawNode.propose}.
   */
  proposeConfChange(cc: AnyConfChange): void {
    const { type, data } = marshalConfChange(cc)
    this.raft.step(createMessage({ type: MessageType.MsgProp, entries: [{ term: 0, index: 0, type, data }] }))
  }

  /**
   * Applies a committed membership change and returns the resulting configuration (to persist
   * with the next snapshot).
   *
   * @throws RaftInvariantError when the change is invalid for the current configuration.
   */
  applyConfChange(cc: AnyConfChange): ConfState {
    return this.raft.applyConfChange(confChangeAsV2(cc))
  }

  /**
   * Hands the node a message from a peer (or, with async storage writes, from a local thread).
   *
   * @throws StepLocalMessageError for a local-only message type from the network.
   * @throws StepPeerNotFoundError for a response from a peer not in the configuration.
   * @throws ProposalDroppedError for a forwarded proposal that cannot be accepted.
   */
  step(message: Message): void {
    // Local message types arriving from the network are refused.
    if (isLocalMessage(message.type) && !isLocalMessageTarget(message.from)) throw new StepLocalMessageError()
    if (
      isResponseMessage(message.type) &&
      !isLocalMessageTarget(message.from) &&
      !this.raft.trk.progress.has(message.from)
    ) {
      throw new StepPeerNotFoundError()
    }
    this.raft.step(message)
  }

  /**
   * Takes what is to be persisted, sent and applied, and marks it as handed out: the next
   * Ready will not repeat it. Call {@link RawNode.advance} once it is done (unless
   * `asyncStorageWrites`).
   */
  ready(): Ready {
    const ready = this.#readyWithoutAccept()
    this.#acceptReady(ready)
    return ready
  }

  #readyWithoutAccept(): Ready {
    const r = this.raft
    const softState = r.softState()
    const hardState = r.hardState()
    const entries = r.raftLog.nextUnstableEnts()
    let messages = r.msgs
    const softChanged =
      softState.lead !== this.#prevSoftState.lead || softState.raftState !== this.#prevSoftState.raftState
    const hardChanged = !isHardStateEqual(hardState, this.#prevHardState)
    const ready: Ready = {
      softState: softChanged ? softState : undefined,
      hardState: hardChanged ? hardState : EMPTY_HARD_STATE,
      readStates: r.readStates,
      entries,
      snapshot: r.raftLog.nextUnstableSnapshot() ?? EMPTY_SNAPSHOT,
      committedEntries: r.raftLog.nextCommittedEnts(this.#applyUnstableEntries()),
      messages,
      mustSync: mustSync(hardState, this.#prevHardState, entries.length),
    }
    if (this.#asyncStorageWrites) {
      // Persisting and applying become messages to the local threads.
      messages = [...messages]
      if (needStorageAppendMsg(r, ready)) messages.push(newStorageAppendMsg(r, ready))
      if (ready.committedEntries.length > 0) messages.push(newStorageApplyMsg(r, ready.committedEntries))
    } else if (r.msgsAfterAppend.length > 0) {
      // The Ready contract already says: send only after persisting. Responses to this node
      // are stepped in advance().
      messages = [...messages]
      for (const m of r.msgsAfterAppend) if (m.to !== r.id) messages.push(m)
    }
    return messages === ready.messages ? ready : { ...ready, messages }
  }

  // Marks the Ready as handed out. Nothing may change the node between readyWithoutAccept and
  // this call.
  #acceptReady(ready: Ready): void {
    const r = this.raft
    if (ready.softState !== undefined) this.#prevSoftState = ready.softState
    if (!isEmptyHardState(ready.hardState)) this.#prevHardState = ready.hardState
    if (ready.readStates.length !== 0) r.readStates = []
    if (!this.#asyncStorageWrites) {
      if (this.#stepsOnAdvance.length !== 0) {
        throw new RaftInvariantError('two accepted Ready structs without call to Advance')
      }
      for (const m of r.msgsAfterAppend) if (m.to === r.id) this.#stepsOnAdvance.push(m)
      if (needStorageAppendRespMsg(r, ready)) this.#stepsOnAdvance.push(newStorageAppendRespMsg(r, ready))
      if (ready.committedEntries.length > 0) {
        this.#stepsOnAdvance.push(newStorageApplyRespMsg(r, ready.committedEntries))
      }
    }
    r.msgs = []
    r.msgsAfterAppend = []
    r.raftLog.acceptUnstable()
    const committed = ready.committedEntries
    if (committed.length > 0) {
      const last = committed[committed.length - 1] as Entry
      r.raftLog.acceptApplying(last.index, entriesSize(committed), this.#applyUnstableEntries())
    }
  }

  // Whether committed entries may be applied before they are persisted locally: yes with
  // synchronous writes (persisting comes first in the Ready loop anyway).
  #applyUnstableEntries(): boolean {
    return !this.#asyncStorageWrites
  }

  /** Whether {@link RawNode.ready} has anything to hand out. */
  hasReady(): boolean {
    const r = this.raft
    const softState = r.softState()
    if (softState.lead !== this.#prevSoftState.lead || softState.raftState !== this.#prevSoftState.raftState)
      return true
    const hardState = r.hardState()
    if (!isEmptyHardState(hardState) && !isHardStateEqual(hardState, this.#prevHardState)) return true
    if (r.raftLog.hasNextUnstableSnapshot()) return true
    if (r.msgs.length > 0 || r.msgsAfterAppend.length > 0) return true
    if (r.raftLog.hasNextUnstableEnts() || r.raftLog.hasNextCommittedEnts(this.#applyUnstableEntries())) return true
    return r.readStates.length !== 0
  }

  /**
   * Tells the node that the last Ready was persisted, sent and applied. Not used with
   * `asyncStorageWrites` (the local threads' responses take its place).
   *
   * @throws RaftInvariantError when called with `asyncStorageWrites`.
   */
  advance(): void {
    if (this.#asyncStorageWrites)
      throw new RaftInvariantError('Advance must not be called when using AsyncStorageWrites')
    const steps = this.#stepsOnAdvance
    this.#stepsOnAdvance = []
    for (const m of steps) this.raft.step(m)
  }

  /** The node's state, configuration and (on the leader) every peer's progress, copied. */
  status(): Status {
    const basic = this.basicStatus()
    const progress = new Map<NodeId, Progress>()
    if (basic.raftState === 2) {
      this.raft.trk.visit((id, pr) => {
        const copy = pr.clone()
        copy.inflights = pr.inflights.clone()
        progress.set(id, copy)
      })
    }
    return { ...basic, config: this.raft.trk.config.clone(), progress }
  }

  /** The node's state without configuration and progress (cheap). */
  basicStatus(): BasicStatus {
    const r = this.raft
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.raftLog.committed,
      lead: r.lead,
      raftState: r.state,
      applied: r.raftLog.applied,
      leadTransferee: r.leadTransferee,
    }
  }

  /**
   * Calls `visit` with every peer's progress in ID order, without copying. The progress must
   * not be modified or kept.
   */
  withProgress(visit: (id: NodeId, type: ProgressType, progress: Readonly<Progress>) => void): void {
    this.raft.trk.visit((id, pr) => {
      visit(id, pr.isLearner ? ProgressType.ProgressTypeLearner : ProgressType.ProgressTypePeer, pr)
    })
  }

  /** Reports that the last message to `id` could not be delivered (the leader probes it again). */
  reportUnreachable(id: NodeId): void {
    this.raft.step(createMessage({ type: MessageType.MsgUnreachable, from: id }))
  }

  /** Reports whether a snapshot sent to `id` was applied. */
  reportSnapshot(id: NodeId, status: SnapshotStatus): void {
    this.raft.step(
      createMessage({ type: MessageType.MsgSnapStatus, from: id, reject: status === SnapshotStatus.SnapshotFailure }),
    )
  }

  /** Asks the leader (this node, or the leader it forwards to) to hand leadership to `transferee`. */
  transferLeader(transferee: NodeId): void {
    this.raft.step(createMessage({ type: MessageType.MsgTransferLeader, from: transferee }))
  }

  /**
   * Makes a follower forget its leader, without campaigning: with PreVote and CheckQuorum it
   * then grants pre-votes at once (useful when the leader was removed). No-op on leaders and
   * candidates, and refused (logged) with lease-based reads.
   */
  forgetLeader(): void {
    this.raft.step(createMessage({ type: MessageType.MsgForgetLeader }))
  }

  /**
   * Requests a read index: a `ReadState` with `context` arrives in a later Ready once the
   * leader has confirmed its leadership; reads are linearizable once the state machine has
   * applied its index.
   */
  readIndex(context: Uint8Array): void {
    this.raft.step(
      createMessage({
        type: MessageType.MsgReadIndex,
        entries: [{ term: 0, index: 0, type: EntryType.EntryNormal, data: context }],
      }),
    )
  }
}

/**
 * Whether a Ready must be written with a sync: the term, the vote or the log changed (the
 * state a node must persist before answering RPCs, Raft Figure 2).
 */
export function mustSync(state: HardState, previous: HardState, entries: number): boolean {
  return entries !== 0 || state.vote !== previous.vote || state.term !== previous.term
}

function needStorageAppendMsg(r: Raft, ready: Ready): boolean {
  // Entries, hard state or snapshot to write, or messages waiting for earlier writes.
  return (
    ready.entries.length > 0 ||
    !isEmptyHardState(ready.hardState) ||
    !isEmptySnapshot(ready.snapshot) ||
    r.msgsAfterAppend.length > 0
  )
}

function needStorageAppendRespMsg(r: Raft, ready: Ready): boolean {
  // Raft needs to hear about stable entries or an applied snapshot. Checking for any unstable
  // entries (not only this Ready's) is deliberate: see newStorageAppendRespMsg.
  return r.raftLog.hasNextOrInProgressUnstableEnts() || !isEmptySnapshot(ready.snapshot)
}

// The work for the local append thread: write entries, hard state and snapshot, then deliver
// the responses (messages waiting for durability, then the append acknowledgement).
function newStorageAppendMsg(r: Raft, ready: Ready): Message {
  const hasHardState = !isEmptyHardState(ready.hardState)
  // Self-directed MsgAppResp first: handling it while the entries are still in the unstable
  // log keeps raftLog.term() on its fast path.
  const responses = [...r.msgsAfterAppend]
  if (needStorageAppendRespMsg(r, ready)) responses.push(newStorageAppendRespMsg(r, ready))
  return createMessage({
    type: MessageType.MsgStorageAppend,
    to: LOCAL_APPEND_THREAD,
    from: r.id,
    entries: ready.entries,
    // The fields of a HardState, only when there is one to write.
    term: hasHardState ? ready.hardState.term : 0,
    vote: hasHardState ? ready.hardState.vote : NONE,
    commit: hasHardState ? ready.hardState.commit : 0,
    snapshot: isEmptySnapshot(ready.snapshot) ? undefined : ready.snapshot,
    responses,
  })
}

/**
 * The acknowledgement raft gets once this Ready's (and all earlier) entries, hard state and
 * snapshot are durable. It names the log's last entry and carries the current term; raft
 * ignores it if the term changed meanwhile, because a later append may then still overwrite
 * those entries on disk (an ABA race: the same index rewritten with an older term by a
 * returning leader). Sent for any non-empty unstable log, not only with new entries, so that
 * after term changes some acknowledgement eventually matches and the unstable log is trimmed.
 */
function newStorageAppendRespMsg(r: Raft, ready: Ready): Message {
  let index = 0
  let logTerm = 0
  if (r.raftLog.hasNextOrInProgressUnstableEnts()) {
    const last = r.raftLog.lastEntryId()
    index = last.index
    logTerm = last.term
  }
  return createMessage({
    type: MessageType.MsgStorageAppendResp,
    to: r.id,
    from: LOCAL_APPEND_THREAD,
    term: r.term,
    index,
    logTerm,
    snapshot: isEmptySnapshot(ready.snapshot) ? undefined : ready.snapshot,
  })
}

// The work for the local apply thread: apply the committed entries, then acknowledge.
function newStorageApplyMsg(r: Raft, entries: readonly Entry[]): Message {
  return createMessage({
    type: MessageType.MsgStorageApply,
    to: LOCAL_APPLY_THREAD,
    from: r.id,
    // Committed entries apply under no particular term.
    term: 0,
    entries,
    responses: [newStorageApplyRespMsg(r, entries)],
  })
}

function newStorageApplyRespMsg(r: Raft, entries: readonly Entry[]): Message {
  return createMessage({ type: MessageType.MsgStorageApplyResp, to: r.id, from: LOCAL_APPLY_THREAD, term: 0, entries })
}
