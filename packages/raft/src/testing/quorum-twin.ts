import type { AckedIndexer } from '../quorum/quorum.js'
import type { Index, NodeId } from '../raftpb/types.js'

/**
 * The committed index of a majority configuration computed the obvious way: sort the known
 * acknowledged indexes in descending order and take the one a majority has reached. A twin of
 * `MajorityConfig.committedIndex` (which avoids allocating) for property tests.
 */
export function naiveCommittedIndex(voters: Iterable<NodeId>, acked: AckedIndexer): Index {
  const ids = [...new Set(voters)]
  if (ids.length === 0) return Number.POSITIVE_INFINITY
  const known = ids.map((id) => acked.ackedIndex(id)).filter((index) => index !== undefined)
  const descending = known.sort((a, b) => b - a)
  const quorum = Math.floor(ids.length / 2) + 1
  // Voters that have not acknowledged anything count as 0.
  return descending[quorum - 1] ?? 0
}
