import type { Index, NodeId } from '../raftpb/types.js'

/**
 * Looks up the index a voter has acknowledged (for raft: the voter's `match` index).
 *
 * Returns `undefined` when nothing is known for the voter, which is different from index 0.
 */
export interface AckedIndexer {
  ackedIndex(voterId: NodeId): Index | undefined
}

/** An {@link AckedIndexer} over a plain map, for tests and tools. */
export class MapAckIndexer implements AckedIndexer {
  readonly #indexes: ReadonlyMap<NodeId, Index>
  constructor(indexes: ReadonlyMap<NodeId, Index>) {
    this.#indexes = indexes
  }
  ackedIndex(voterId: NodeId): Index | undefined {
    return this.#indexes.get(voterId)
  }
}

/**
 * The outcome of a vote: a quorum has voted yes (won), can no longer vote yes (lost), or
 * neither yet (pending). The values are etcd's.
 */
export const VoteResult = {
  VotePending: 1,
  VoteLost: 2,
  VoteWon: 3,
} as const
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult]

const VOTE_RESULT_NAMES: Record<VoteResult, string> = {
  [VoteResult.VotePending]: 'VotePending',
  [VoteResult.VoteLost]: 'VoteLost',
  [VoteResult.VoteWon]: 'VoteWon',
}

/** The name etcd prints for a vote result: `VoteWon`, `VoteLost` or `VotePending`. */
export function describeVoteResult(result: VoteResult): string {
  return VOTE_RESULT_NAMES[result]
}

/**
 * Prints a committed index as etcd does: decimal, or `∞` for the "everything" index an empty
 * configuration commits (`Infinity` here, `math.MaxUint64` in etcd).
 */
export function describeIndex(index: Index): string {
  return index === Number.POSITIVE_INFINITY ? '∞' : String(index)
}
