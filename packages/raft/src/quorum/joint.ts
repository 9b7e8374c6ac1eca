import type { Index, NodeId } from '../raftpb/types.js'
import { MajorityConfig } from './majority.js'
import { type AckedIndexer, VoteResult } from './quorum.js'

/**
 * Two majority configurations that must both agree: `quorum.JointConfig` in etcd.
 *
 * `incoming` is the configuration being moved to (etcd's `Voters[0]`), `outgoing` the one being
 * left (`Voters[1]`). Outside a joint change `outgoing` is empty, and the joint configuration
 * behaves exactly like `incoming` (an empty majority commits everything and wins every vote).
 * Raft thesis §4.3 calls the joint state C_{old,new}.
 */
export class JointConfig {
  incoming: MajorityConfig
  outgoing: MajorityConfig

  constructor(incoming: MajorityConfig = new MajorityConfig(), outgoing: MajorityConfig = new MajorityConfig()) {
    this.incoming = incoming
    this.outgoing = outgoing
  }

  /** A deep copy: both halves are new sets. */
  clone(): JointConfig {
    return new JointConfig(new MajorityConfig(this.incoming), new MajorityConfig(this.outgoing))
  }

  /** Whether this is a joint configuration, i.e. `outgoing` is not empty. */
  isJoint(): boolean {
    return this.outgoing.size > 0
  }

  /** Every voter of either half (a new set). */
  ids(): Set<NodeId> {
    const ids = new Set<NodeId>(this.incoming)
    for (const id of this.outgoing) ids.add(id)
    return ids
  }

  /** `(1 2 3)&&(1 2)` when joint, `(1 2 3)` otherwise; IDs in hex. */
  toString(): string {
    return this.outgoing.size > 0 ? `${this.incoming}&&${this.outgoing}` : this.incoming.toString()
  }

  /** The largest index both halves have committed: the smaller of their committed indexes. */
  committedIndex(acked: AckedIndexer): Index {
    return Math.min(this.incoming.committedIndex(acked), this.outgoing.committedIndex(acked))
  }

  /** Won when both halves win, lost when either loses, pending otherwise. */
  voteResult(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    const a = this.incoming.voteResult(votes)
    const b = this.outgoing.voteResult(votes)
    if (a === b) return a
    if (a === VoteResult.VoteLost || b === VoteResult.VoteLost) return VoteResult.VoteLost
    return VoteResult.VotePending
  }

  /** The acknowledged-index table of {@link MajorityConfig.describe} over the union of both halves. */
  describe(acked: AckedIndexer): string {
    return new MajorityConfig(this.ids()).describe(acked)
  }
}
