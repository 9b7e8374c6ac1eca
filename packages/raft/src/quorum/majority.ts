import { compareNodeIds, type Index, type NodeId } from '../raftpb/types.js'
import { type AckedIndexer, VoteResult } from './quorum.js'

/**
 * A set of voters that decides by simple majority: `quorum.MajorityConfig` in etcd.
 *
 * The empty configuration is legal. It commits everything (`Infinity`) and wins every vote, so
 * that a joint configuration with an empty half behaves like its other half.
 */
export class MajorityConfig extends Set<NodeId> {
  // Scratch space for committedIndex, grown on demand: the commit index is computed on every
  // append acknowledgement, so it should not allocate.
  #scratch: Float64Array = new Float64Array(0)

  /** The voters in ascending order (a new array). */
  slice(): NodeId[] {
    return [...this].sort(compareNodeIds)
  }

  /** `(1 2 3)`: the voters in ascending order, in hex, as etcd prints a configuration. */
  override toString(): string {
    return `(${this.slice()
      .map((id) => id.toString(16))
      .join(' ')})`
  }

  /**
   * The largest index acknowledged by a majority of the voters.
   *
   * Voters the indexer knows nothing about count as having acknowledged 0. An empty
   * configuration returns `Infinity`.
   */
  committedIndex(acked: AckedIndexer): Index {
    const n = this.size
    if (n === 0) return Number.POSITIVE_INFINITY
    if (this.#scratch.length < n) this.#scratch = new Float64Array(n)
    const sorted = this.#scratch
    // Fill from the right: unknown voters keep 0 at the left, where sorting would put them.
    let i = n - 1
    for (const id of this) {
      const index = acked.ackedIndex(id)
      if (index !== undefined) sorted[i--] = index
    }
    for (; i >= 0; i--) sorted[i] = 0
    // Insertion sort: configurations are small (typically 3 to 7 voters).
    for (let j = 1; j < n; j++) {
      const value = sorted[j] as number
      let k = j - 1
      while (k >= 0 && (sorted[k] as number) > value) {
        sorted[k + 1] = sorted[k] as number
        k--
      }
      sorted[k + 1] = value
    }
    // With ascending order, the quorum's smallest index sits n/2+1 places from the right.
    return sorted[n - (Math.floor(n / 2) + 1)] as number
  }

  /**
   * Whether the given votes (true = yes) have won, lost, or are still pending for this
   * configuration. Voters absent from `votes` have not voted yet. An empty configuration wins.
   */
  voteResult(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    if (this.size === 0) return VoteResult.VoteWon
    let yes = 0
    let missing = 0
    for (const id of this) {
      const vote = votes.get(id)
      if (vote === undefined) missing++
      else if (vote) yes++
    }
    const quorum = Math.floor(this.size / 2) + 1
    if (yes >= quorum) return VoteResult.VoteWon
    if (yes + missing >= quorum) return VoteResult.VotePending
    return VoteResult.VoteLost
  }

  /**
   * A multi-line table of the voters' acknowledged indexes, as etcd prints it: one row per
   * voter in ID order, with a bar whose length is the voter's rank by index.
   *
   * ```
   *       idx
   * x>     12    (id=1)
   * >       5    (id=2)
   * ```
   */
  describe(acked: AckedIndexer): string {
    const n = this.size
    if (n === 0) return '<empty majority quorum>'
    const rows = [...this].map((id) => {
      const index = acked.ackedIndex(id)
      return { id, index: index ?? 0, known: index !== undefined, bar: 0 }
    })
    // Rank by index (then ID): the i-th smallest gets a bar of length i; equal indexes share a bar.
    rows.sort((a, b) => a.index - b.index || compareNodeIds(a.id, b.id))
    for (let i = 1; i < rows.length; i++) {
      const row = rows[i] as (typeof rows)[number]
      const previous = rows[i - 1] as (typeof rows)[number]
      row.bar = previous.index < row.index ? i : previous.bar
    }
    rows.sort((a, b) => compareNodeIds(a.id, b.id))
    let out = `${' '.repeat(n)}    idx\n`
    for (const row of rows) {
      out += row.known ? `${'x'.repeat(row.bar)}>${' '.repeat(n - row.bar)}` : `?${' '.repeat(n)}`
      out += ` ${String(row.index).padStart(5)}    (id=${row.id.toString(16)})\n`
    }
    return out
  }
}
