import { Changer, type ChangerResult } from '../confchange/confchange.js'
import { type ConfChangeSingle, ConfChangeType } from '../raftpb/types.js'
import { ProgressTracker } from '../tracker/tracker.js'
import { type DataDrivenCase, findArg } from './datadriven.js'

/**
 * Parses change tokens as etcd's tests write them: `v1` make 1 a voter, `l2` make 2 a learner,
 * `r3` remove 3, `u4` update 4; separated by spaces. IDs are decimal.
 *
 * @throws Error naming the bad token.
 */
export function parseConfChanges(input: string): ConfChangeSingle[] {
  const text = input.trim()
  if (text === '') return []
  return text.split(' ').map((token) => {
    const type = TOKEN_TYPES[token[0] as string]
    if (token.length < 2) throw new Error(`unknown token ${token}`)
    if (type === undefined) throw new Error(`unknown input: ${token}`)
    const id = token.slice(1)
    if (!/^\d+$/.test(id)) throw new Error(`strconv.ParseUint: parsing "${id}": invalid syntax`)
    return { type, nodeId: BigInt(id) }
  })
}

const TOKEN_TYPES: Record<string, ConfChangeType> = {
  v: ConfChangeType.ConfChangeAddNode,
  l: ConfChangeType.ConfChangeAddLearnerNode,
  r: ConfChangeType.ConfChangeRemoveNode,
  u: ConfChangeType.ConfChangeUpdateNode,
}

/**
 * Replays etcd-io/raft's `confchange/testdata` files: `simple`, `enter-joint [autoleave=B]`
 * and `leave-joint`, with change tokens as input. State carries over from case to case; a
 * counter standing in for the log's last index grows by one after every case.
 */
export class ConfChangeDriver {
  readonly tracker = new ProgressTracker(10, 0)
  lastIndex = 0

  run(testCase: DataDrivenCase): string {
    try {
      return this.#run(testCase)
    } finally {
      this.lastIndex++
    }
  }

  #run(testCase: DataDrivenCase): string {
    const changes = parseConfChanges(testCase.input)
    const changer = new Changer(this.tracker, this.lastIndex)
    let result: ChangerResult
    try {
      switch (testCase.command) {
        case 'simple':
          result = changer.simple(...changes)
          break
        case 'enter-joint': {
          const autoLeave = findArg(testCase, 'autoleave')?.values[0] === 'true'
          result = changer.enterJoint(autoLeave, ...changes)
          break
        }
        case 'leave-joint':
          if (changes.length > 0) return 'this command takes no input\n'
          result = changer.leaveJoint()
          break
        default:
          return 'unknown command\n'
      }
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'RAFT_CONF_CHANGE_INVALID') {
        return `${error.message}\n`
      }
      throw error
    }
    this.tracker.applyConfig(result.config, result.progress)
    return `${this.tracker.config}\n${this.tracker.progress}`
  }
}
