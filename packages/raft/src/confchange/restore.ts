import { type ConfChangeSingle, ConfChangeType, type ConfState, type Index } from '../raftpb/types.js'
import { ProgressMap } from '../tracker/progress.js'
import { TrackerConfig } from '../tracker/tracker.js'
import { Changer, type ChangerResult } from './confchange.js'

/** How to size the progresses {@link restore} creates. */
export interface RestoreOptions {
  /** In-flight window of each progress, in messages. */
  readonly maxInflight: number
  /** In-flight window of each progress, in bytes; 0 for no limit. */
  readonly maxInflightBytes: number
  /** The log's last index: restored peers start probing from `max(lastIndex, 1)`. */
  readonly lastIndex: Index
}

/**
 * Builds the configuration a {@link ConfState} describes, starting from an empty one, through
 * the same {@link Changer} steps (and checks) as live membership changes (etcd's
 * `confchange.Restore`).
 *
 * For `voters=(1 2 3) learners=(5) outgoing=(1 2 4 6) learners_next=(4)`, the outgoing voters
 * are added one at a time, `(1 2 4 6)`, then a joint configuration is entered that removes them
 * all and adds the incoming voters and the learners:
 * `(1 2 3)&&(1 2 4 6) learners=(5) learners_next=(4)`.
 *
 * @throws ConfChangeError when the ConfState is not a valid configuration.
 */
export function restore(confState: ConfState, options: RestoreOptions): ChangerResult {
  const { outgoing, incoming } = toConfChangeSingles(confState)
  let state: ChangerResult = { config: new TrackerConfig(), progress: new ProgressMap() }
  const changer = (): Changer =>
    new Changer(
      {
        config: state.config,
        progress: state.progress,
        maxInflight: options.maxInflight,
        maxInflightBytes: options.maxInflightBytes,
      },
      options.lastIndex,
    )
  if (outgoing.length === 0) {
    for (const change of incoming) state = changer().simple(change)
  } else {
    // Build the outgoing config as if it were the only one, then rotate it into the outgoing
    // half by entering the joint state with the incoming changes.
    for (const change of outgoing) state = changer().simple(change)
    state = changer().enterJoint(confState.autoLeave, ...incoming)
  }
  return state
}

// Splits a ConfState into the changes that build the outgoing config from nothing, and the
// changes that, applied on top while entering a joint config, give the ConfState.
function toConfChangeSingles(confState: ConfState): {
  outgoing: ConfChangeSingle[]
  incoming: ConfChangeSingle[]
} {
  const add = ConfChangeType.ConfChangeAddNode
  const addLearner = ConfChangeType.ConfChangeAddLearnerNode
  const outgoing = confState.votersOutgoing.map((nodeId) => ({ type: add, nodeId }))
  const incoming: ConfChangeSingle[] = [
    ...confState.votersOutgoing.map((nodeId) => ({ type: ConfChangeType.ConfChangeRemoveNode, nodeId })),
    ...confState.voters.map((nodeId) => ({ type: add, nodeId })),
    ...confState.learners.map((nodeId) => ({ type: addLearner, nodeId })),
    // Nodes that become learners when the joint config is left; voters of the outgoing half now.
    ...confState.learnersNext.map((nodeId) => ({ type: addLearner, nodeId })),
  ]
  return { outgoing, incoming }
}
