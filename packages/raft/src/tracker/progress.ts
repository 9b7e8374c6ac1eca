import { compareNodeIds, type Index, type NodeId } from '../raftpb/types.js'
import type { Inflights } from './inflights.js'
import { describeProgressState, ProgressState } from './state.js'

/**
 * The leader's view of one follower's log (etcd's `tracker.Progress`).
 *
 * The leader keeps one per peer, voter or learner, and uses it to decide what to send next.
 * See {@link ProgressState} for the three replication states.
 */
export class Progress {
  // Invariant: 0 <= match < next.
  /** The highest index known to be in the follower's log (acknowledged). */
  match: Index
  /** The index of the next entry to send to the follower. */
  next: Index
  /**
   * The highest commit index sent to the follower; lets the leader skip sending a commit index
   * that cannot advance the follower's. Invariant: sentCommit <= next - 1 except after
   * becoming Snapshot.
   */
  sentCommit: Index
  /** The replication state. */
  state: ProgressState
  /** In StateSnapshot: the index of the snapshot being sent; 0 otherwise. */
  pendingSnapshot: Index
  /**
   * Whether the follower has been heard from recently (since the last CheckQuorum round).
   * A new peer starts active so that CheckQuorum does not step down before it had a chance
   * to talk to the leader.
   */
  recentActive: boolean
  /**
   * Whether sending MsgApp to this follower is paused: in StateProbe after one probe was sent
   * (formerly called `ProbeSent`), in StateReplicate while {@link Progress.inflights} is full.
   * Cleared by an acknowledgement or a heartbeat response.
   */
  msgAppFlowPaused: boolean
  /** The MsgApp messages in flight, for flow control in StateReplicate. */
  inflights: Inflights
  /** Whether the follower is a learner (receives the log, does not vote). */
  isLearner: boolean

  constructor(init: {
    match?: Index
    next: Index
    inflights: Inflights
    isLearner?: boolean
    recentActive?: boolean
    state?: ProgressState
  }) {
    this.match = init.match ?? 0
    this.next = init.next
    this.sentCommit = 0
    this.state = init.state ?? ProgressState.StateProbe
    this.pendingSnapshot = 0
    this.recentActive = init.recentActive ?? false
    this.msgAppFlowPaused = false
    this.inflights = init.inflights
    this.isLearner = init.isLearner ?? false
  }

  /** A shallow copy: the copy shares {@link Progress.inflights} with this one. */
  clone(): Progress {
    const copy = new Progress({ next: this.next, inflights: this.inflights })
    copy.match = this.match
    copy.sentCommit = this.sentCommit
    copy.state = this.state
    copy.pendingSnapshot = this.pendingSnapshot
    copy.recentActive = this.recentActive
    copy.msgAppFlowPaused = this.msgAppFlowPaused
    copy.isLearner = this.isLearner
    return copy
  }

  /** Moves to `state`, unpausing the flow and forgetting pending snapshot and inflights. */
  resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false
    this.pendingSnapshot = 0
    this.state = state
    this.inflights.reset()
  }

  /**
   * Moves to StateProbe. Coming from StateSnapshot, the pending snapshot is assumed to have
   * landed, so probing starts after it.
   */
  becomeProbe(): void {
    if (this.state === ProgressState.StateSnapshot) {
      const pendingSnapshot = this.pendingSnapshot
      this.resetState(ProgressState.StateProbe)
      this.next = Math.max(this.match + 1, pendingSnapshot + 1)
    } else {
      this.resetState(ProgressState.StateProbe)
      this.next = this.match + 1
    }
    this.sentCommit = Math.min(this.sentCommit, this.next - 1)
  }

  /** Moves to StateReplicate, sending optimistically from `match + 1`. */
  becomeReplicate(): void {
    this.resetState(ProgressState.StateReplicate)
    this.next = this.match + 1
  }

  /** Moves to StateSnapshot while the snapshot at `snapshotIndex` is sent. */
  becomeSnapshot(snapshotIndex: Index): void {
    this.resetState(ProgressState.StateSnapshot)
    this.pendingSnapshot = snapshotIndex
    this.next = snapshotIndex + 1
    this.sentCommit = snapshotIndex
  }

  /**
   * Records that a MsgApp with `entries` entries totalling `bytes` was sent, appending at
   * indexes >= next. Only valid in StateProbe and StateReplicate.
   *
   * @throws Error in StateSnapshot (a raft bug).
   */
  sentEntries(entries: number, bytes: number): void {
    switch (this.state) {
      case ProgressState.StateReplicate:
        if (entries > 0) {
          this.next += entries
          this.inflights.add(this.next - 1, bytes)
        }
        // A message that fills the window (or one sent into a full window) acts as a probe:
        // the flow pauses until an acknowledgement frees room.
        this.msgAppFlowPaused = this.inflights.full()
        break
      case ProgressState.StateProbe:
        // In StateProbe, a non-empty MsgApp is the probe; wait for its answer.
        if (entries > 0) this.msgAppFlowPaused = true
        break
      default:
        throw new Error(`sending append in unhandled state ${describeProgressState(this.state)}`)
    }
  }

  /** Whether sending commit index `index` may advance the follower's commit index. */
  canBumpCommit(index: Index): boolean {
    // The follower's commit can reach at most next-1 from what was sent; once a commit index
    // that gets it there was sent, more are pointless until next moves.
    return index > this.sentCommit && this.sentCommit < this.next - 1
  }

  /** Records that commit index `commit` was sent to the follower. */
  sentCommitIndex(commit: Index): void {
    this.sentCommit = commit
  }

  /**
   * Handles a MsgAppResp acknowledging `index`. Returns false when the acknowledgement is stale
   * (not above match); otherwise raises match (and next if needed), unpauses, returns true.
   */
  maybeUpdate(index: Index): boolean {
    if (index <= this.match) return false
    this.match = index
    this.next = Math.max(this.next, index + 1)
    this.msgAppFlowPaused = false
    return true
  }

  /**
   * Handles a MsgApp rejection: the follower rejected an append at index `rejected` and hints
   * that its log may match up to `matchHint`. Returns false for a stale rejection (out of
   * order or duplicated, the Progress knows better); otherwise lowers next and returns true.
   */
  maybeDecrTo(rejected: Index, matchHint: Index): boolean {
    if (this.state === ProgressState.StateReplicate) {
      // A rejection at or below match is stale.
      if (rejected <= this.match) return false
      // Fall back to just after the last known match.
      this.next = this.match + 1
      this.sentCommit = Math.min(this.sentCommit, this.next - 1)
      return true
    }
    // Outside StateReplicate one entry is probed at a time, so a genuine rejection is of next-1.
    if (this.next - 1 !== rejected) return false
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1)
    this.sentCommit = Math.min(this.sentCommit, this.next - 1)
    this.msgAppFlowPaused = false
    return true
  }

  /**
   * Whether sending log entries to this follower is throttled: waiting for a probe's answer,
   * a full inflight window, or a snapshot in flight.
   */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.StateProbe:
      case ProgressState.StateReplicate:
        return this.msgAppFlowPaused
      default:
        return true
    }
  }

  /** `StateReplicate match=5 next=6 learner paused pendingSnap=3 inactive inflight=2[full]`, as etcd prints it. */
  toString(): string {
    let out = `${describeProgressState(this.state)} match=${this.match} next=${this.next}`
    if (this.isLearner) out += ' learner'
    if (this.isPaused()) out += ' paused'
    if (this.pendingSnapshot > 0) out += ` pendingSnap=${this.pendingSnapshot}`
    if (!this.recentActive) out += ' inactive'
    const inflight = this.inflights.count()
    if (inflight > 0) {
      out += ` inflight=${inflight}`
      if (this.inflights.full()) out += '[full]'
    }
    return out
  }
}

/**
 * The progress of every peer, by ID (etcd's `tracker.ProgressMap`). Iteration follows insertion
 * order; {@link ProgressMap.sortedIds} gives the ascending order raft uses wherever the order
 * is observable (messages, status output).
 */
export class ProgressMap extends Map<NodeId, Progress> {
  // Cache of the sorted keys; cleared whenever the key set may change. A plain field, not a
  // #private one: Map's constructor calls set() before subclass fields exist.
  private sortedCache: NodeId[] | undefined

  override set(id: NodeId, progress: Progress): this {
    if (!this.has(id)) this.sortedCache = undefined
    return super.set(id, progress)
  }

  override delete(id: NodeId): boolean {
    const deleted = super.delete(id)
    if (deleted) this.sortedCache = undefined
    return deleted
  }

  override clear(): void {
    super.clear()
    this.sortedCache = undefined
  }

  /** The peer IDs in ascending order. The array is cached: do not mutate it. */
  sortedIds(): readonly NodeId[] {
    if (this.sortedCache === undefined) this.sortedCache = [...this.keys()].sort(compareNodeIds)
    return this.sortedCache
  }

  /** One `ID: progress` line per peer in ascending ID order, as etcd prints it. */
  override toString(): string {
    let out = ''
    for (const id of this.sortedIds()) out += `${id}: ${this.get(id)}\n`
    return out
  }
}
