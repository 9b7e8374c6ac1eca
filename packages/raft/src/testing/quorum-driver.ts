import { JointConfig } from '../quorum/joint.js'
import { MajorityConfig } from '../quorum/majority.js'
import { describeIndex, describeVoteResult, MapAckIndexer } from '../quorum/quorum.js'
import type { Index, NodeId } from '../raftpb/types.js'
import type { DataDrivenCase } from './datadriven.js'
import { naiveCommittedIndex } from './quorum-twin.js'

/**
 * Runs one case of etcd-io/raft's `quorum/testdata` files:
 *
 * ```
 * committed cfg=(1,2) [cfgj=(2,3) | cfgj=zero] idx=(12,_,5)
 * vote      cfg=(1,2) [cfgj=(2,3) | cfgj=zero] votes=(y,n,_)
 * ```
 *
 * `idx`/`votes` hold one value per distinct voter, in order of first appearance in `cfg` then
 * `cfgj`; `_` means nothing is known. Besides the result it cross-checks alternative
 * computations (the naive twin, symmetry of joint halves, joining with an empty or identical
 * half, lowering acknowledged indexes) and prints a `<-- via ...` line for any that disagree;
 * the expected outputs contain no such line.
 */
export function runQuorumCase(testCase: DataDrivenCase): string {
  let joint = false
  const ids: NodeId[] = []
  const idsJoint: NodeId[] = []
  // Index per voter; 0 stands for "_" (0 itself may not be used as an index).
  const indexes: Index[] = []
  // Votes per voter: 0 = none, 1 = no, 2 = yes.
  const votes: number[] = []
  for (const arg of testCase.args) {
    for (const value of arg.values) {
      switch (arg.key) {
        case 'cfg':
          ids.push(parseId(value))
          break
        case 'cfgj':
          joint = true
          if (value === 'zero') {
            if (arg.values.length !== 1) throw new Error("cannot mix 'zero' into configuration")
          } else {
            idsJoint.push(parseId(value))
          }
          break
        case 'idx': {
          const index = value === '_' ? 0 : Number(value)
          if (value !== '_' && !(Number.isSafeInteger(index) && index > 0)) {
            throw new Error(`idx must be a positive integer or _, got ${value}`)
          }
          indexes.push(index)
          break
        }
        case 'votes': {
          const vote = { y: 2, n: 1, _: 0 }[value]
          if (vote === undefined) throw new Error(`unknown vote: ${value}`)
          votes.push(vote)
          break
        }
        default:
          throw new Error(`unknown arg ${arg.key}`)
      }
    }
  }

  const incoming = new MajorityConfig(ids)
  const outgoing = new MajorityConfig(idsJoint)
  const voters = new JointConfig(incoming, outgoing).ids()
  const input = testCase.command === 'vote' ? votes : indexes
  if (voters.size !== input.length) {
    return `error: mismatched input (explicit or _) for voters ${[...voters].join(' ')}: ${input.join(' ')}\n`
  }
  // Values by voter, in order of first appearance; placeholders (0) mean "not known".
  const byVoter = new Map<NodeId, number>()
  let next = 0
  for (const id of [...ids, ...idsJoint]) {
    if (byVoter.has(id)) continue
    byVoter.set(id, input[next++] as number)
  }
  for (const [id, value] of byVoter) if (value === 0) byVoter.delete(id)

  switch (testCase.command) {
    case 'committed':
      return joint ? committedJoint(incoming, outgoing, byVoter) : committedMajority(incoming, byVoter)
    case 'vote': {
      const granted = new Map<NodeId, boolean>()
      for (const [id, vote] of byVoter) granted.set(id, vote === 2)
      if (!joint) return `${describeVoteResult(incoming.voteResult(granted))}\n`
      const result = new JointConfig(incoming, outgoing).voteResult(granted)
      let out = ''
      const swapped = new JointConfig(outgoing, incoming).voteResult(granted)
      if (swapped !== result) out += `${describeVoteResult(swapped)} <-- via symmetry\n`
      return `${out}${describeVoteResult(result)}\n`
    }
    default:
      throw new Error(`unknown command: ${testCase.command}`)
  }
}

function committedMajority(config: MajorityConfig, indexes: ReadonlyMap<NodeId, Index>): string {
  const acked = new MapAckIndexer(indexes)
  const committed = config.committedIndex(acked)
  let out = config.describe(acked)
  const check = (alternative: Index, via: string): void => {
    if (alternative !== committed) out += `${describeIndex(alternative)} <-- ${via}\n`
  }
  check(naiveCommittedIndex(config, acked), 'via alternative computation')
  check(new JointConfig(config, new MajorityConfig()).committedIndex(acked), 'via zero-joint quorum')
  check(new JointConfig(config, config).committedIndex(acked), 'via self-joint quorum')
  // Lowering a voter's index that is below the committed index cannot change the outcome.
  for (const id of config) {
    const index = indexes.get(id) ?? 0
    if (committed > index && index > 0) {
      check(config.committedIndex(overlay(indexes, id, index - 1)), `overlaying ${id}->${index - 1}`)
      check(config.committedIndex(overlay(indexes, id, 0)), `overlaying ${id}->0`)
    }
  }
  return `${out}${describeIndex(committed)}\n`
}

function committedJoint(
  incoming: MajorityConfig,
  outgoing: MajorityConfig,
  indexes: ReadonlyMap<NodeId, Index>,
): string {
  const acked = new MapAckIndexer(indexes)
  const config = new JointConfig(incoming, outgoing)
  const committed = config.committedIndex(acked)
  let out = config.describe(acked)
  const swapped = new JointConfig(outgoing, incoming).committedIndex(acked)
  if (swapped !== committed) out += `${describeIndex(swapped)} <-- via symmetry\n`
  return `${out}${describeIndex(committed)}\n`
}

function overlay(indexes: ReadonlyMap<NodeId, Index>, id: NodeId, index: Index): MapAckIndexer {
  const copy = new Map(indexes)
  copy.set(id, index)
  return new MapAckIndexer(copy)
}

function parseId(value: string): NodeId {
  if (!/^\d+$/.test(value)) throw new Error(`invalid node id ${value}`)
  return BigInt(value)
}
