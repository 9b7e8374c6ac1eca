/**
 * How the leader replicates to one follower (etcd's `tracker.StateType`).
 *
 * ```
 *            +--------------------------------------------------------+
 *            |                  send snapshot                         |
 *            |                                                        v
 *   +----------------+  MsgAppResp matched  +------------------+  +------------------+
 *   |   StateProbe   | -------------------> | StateReplicate   |  | StateSnapshot    |
 *   | one MsgApp per | <------------------- | pipelined MsgApp |  | waits for the    |
 *   | heartbeat      |   rejection/unreach. | (Inflights)      |  | snapshot to land |
 *   +----------------+                      +------------------+  +------------------+
 *            ^                                                        |
 *            +-------------------- snapshot applied / failed ---------+
 * ```
 */
export const ProgressState = {
  StateProbe: 0,
  StateReplicate: 1,
  StateSnapshot: 2,
} as const
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState]

const NAMES: Record<ProgressState, string> = {
  [ProgressState.StateProbe]: 'StateProbe',
  [ProgressState.StateReplicate]: 'StateReplicate',
  [ProgressState.StateSnapshot]: 'StateSnapshot',
}

/** The name etcd prints: `StateProbe`, `StateReplicate` or `StateSnapshot`. */
export function describeProgressState(state: ProgressState): string {
  return NAMES[state]
}
