import { JointConfig } from '../quorum/joint.js'
import { MajorityConfig } from '../quorum/majority.js'
import { type AckedIndexer, VoteResult } from '../quorum/quorum.js'
import { type ConfState, compareNodeIds, type Index, type NodeId } from '../raftpb/types.js'
import { type Progress, ProgressMap } from './progress.js'

/**
 * The membership configuration: who votes, who learns (etcd's `tracker.Config`).
 *
 * Invariants (checked by the confchange `Changer`): learners and voters are disjoint;
 * `learnersNext` holds only outgoing voters waiting to become learners; outside a joint
 * configuration `learnersNext` is empty and `autoLeave` is false.
 */
export class TrackerConfig {
  /** The voters, as a joint configuration whose outgoing half is empty unless joint. */
  voters: JointConfig
  /**
   * Whether raft leaves the joint configuration by itself (proposes an empty ConfChangeV2)
   * once it is committed. Only meaningful while joint.
   */
  autoLeave: boolean
  /** Learners: receive the log but do not vote. Disjoint from both voter halves. */
  learners: Set<NodeId>
  /**
   * Nodes demoted to learner while still voters of the outgoing half; they become learners
   * when the joint configuration is left (Raft thesis §4.3 has no learners; this is etcd's).
   */
  learnersNext: Set<NodeId>

  constructor(init?: {
    voters?: JointConfig
    autoLeave?: boolean
    learners?: Iterable<NodeId>
    learnersNext?: Iterable<NodeId>
  }) {
    this.voters = init?.voters ?? new JointConfig()
    this.autoLeave = init?.autoLeave ?? false
    this.learners = new Set(init?.learners)
    this.learnersNext = new Set(init?.learnersNext)
  }

  /** A deep copy. */
  clone(): TrackerConfig {
    return new TrackerConfig({
      voters: this.voters.clone(),
      autoLeave: this.autoLeave,
      learners: this.learners,
      learnersNext: this.learnersNext,
    })
  }

  /** `voters=(1 2 3)&&(1 2) learners=(4) learners_next=(3) autoleave`, as etcd prints it. */
  toString(): string {
    let out = `voters=${this.voters}`
    if (this.learners.size > 0) out += ` learners=${new MajorityConfig(this.learners)}`
    if (this.learnersNext.size > 0) out += ` learners_next=${new MajorityConfig(this.learnersNext)}`
    if (this.autoLeave) out += ' autoleave'
    return out
  }
}

/** Reads each voter's acknowledged index from its `match`. */
class MatchAckIndexer implements AckedIndexer {
  constructor(private readonly progress: ProgressMap) {}
  ackedIndex(voterId: NodeId): Index | undefined {
    return this.progress.get(voterId)?.match
  }
}

/** Vote counts of an election: yes and no votes of voters, and the outcome so far. */
export interface VoteTally {
  readonly granted: number
  readonly rejected: number
  readonly result: VoteResult
}

/**
 * The leader's bookkeeping of the configuration, every peer's {@link Progress}, and the votes
 * of an election in progress (etcd's `tracker.ProgressTracker`).
 */
export class ProgressTracker {
  /** The active configuration. Replaced as a whole by membership changes. */
  config: TrackerConfig
  /** Progress of every voter and learner. Replaced as a whole by membership changes. */
  progress: ProgressMap
  /** Votes received in the current election; true = granted. */
  votes: Map<NodeId, boolean>
  /** The in-flight window of new progresses, in messages (`maxInflightMsgs`). */
  readonly maxInflight: number
  /** The in-flight window of new progresses, in bytes; 0 for no limit (`maxInflightBytes`). */
  readonly maxInflightBytes: number

  #acked: MatchAckIndexer

  /**
   * @param maxInflight - per-peer in-flight window in messages, at least 1.
   * @param maxInflightBytes - per-peer in-flight window in bytes; 0 (the default) for no limit.
   */
  constructor(maxInflight: number, maxInflightBytes = 0) {
    if (!Number.isSafeInteger(maxInflight) || maxInflight < 1) {
      throw new RangeError(`maxInflight must be a positive integer, got ${maxInflight}`)
    }
    this.config = new TrackerConfig()
    this.progress = new ProgressMap()
    this.votes = new Map()
    this.maxInflight = maxInflight
    this.maxInflightBytes = maxInflightBytes
    this.#acked = new MatchAckIndexer(this.progress)
  }

  /** Installs a configuration and progress map (the output of the confchange `Changer`). */
  applyConfig(config: TrackerConfig, progress: ProgressMap): void {
    this.config = config
    this.progress = progress
    this.#acked = new MatchAckIndexer(progress)
  }

  /** The active configuration as a {@link ConfState}, every list in ascending order. */
  confState(): ConfState {
    return {
      voters: this.config.voters.incoming.slice(),
      votersOutgoing: this.config.voters.outgoing.slice(),
      learners: [...this.config.learners].sort(compareNodeIds),
      learnersNext: [...this.config.learnersNext].sort(compareNodeIds),
      autoLeave: this.config.autoLeave,
    }
  }

  /** Whether the configuration has exactly one voter and is not joint. */
  isSingleton(): boolean {
    return this.config.voters.incoming.size === 1 && this.config.voters.outgoing.size === 0
  }

  /** The largest index the voters' quorum(s) have acknowledged (their `match`). */
  committed(): Index {
    return this.config.voters.committedIndex(this.#acked)
  }

  /** Calls `visit` for every peer in ascending ID order. */
  visit(visit: (id: NodeId, progress: Progress) => void): void {
    for (const id of this.progress.sortedIds()) visit(id, this.progress.get(id) as Progress)
  }

  /** Whether a quorum of voters has been recently active (CheckQuorum). */
  quorumActive(): boolean {
    const votes = new Map<NodeId, boolean>()
    for (const [id, progress] of this.progress) {
      if (!progress.isLearner) votes.set(id, progress.recentActive)
    }
    return this.config.voters.voteResult(votes) === VoteResult.VoteWon
  }

  /** The voters of both halves, in ascending order. */
  voterNodes(): NodeId[] {
    return [...this.config.voters.ids()].sort(compareNodeIds)
  }

  /** The learners, in ascending order. */
  learnerNodes(): NodeId[] {
    return [...this.config.learners].sort(compareNodeIds)
  }

  /** Forgets the votes of the last election. */
  resetVotes(): void {
    this.votes = new Map()
  }

  /** Records a vote from `id`; only its first vote of an election counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted)
  }

  /** Counts the recorded votes of tracked voters and says whether the election is won. */
  tallyVotes(): VoteTally {
    let granted = 0
    let rejected = 0
    for (const [id, progress] of this.progress) {
      if (progress.isLearner) continue
      const vote = this.votes.get(id)
      if (vote === undefined) continue
      if (vote) granted++
      else rejected++
    }
    return { granted, rejected, result: this.config.voters.voteResult(this.votes) }
  }
}
