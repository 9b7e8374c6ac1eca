import type { Entry, HardState, Index, Message, NodeId, Snapshot } from './raftpb/types.js'

/** A node's role. The values are etcd's. */
export const StateType = {
  StateFollower: 0,
  StateCandidate: 1,
  StateLeader: 2,
  StatePreCandidate: 3,
} as const
export type StateType = (typeof StateType)[keyof typeof StateType]

const STATE_NAMES: readonly string[] = Object.keys(StateType)

/** The name etcd prints for a role: `StateFollower`, `StateCandidate`, `StateLeader`, `StatePreCandidate`. */
export function describeStateType(state: StateType): string {
  return STATE_NAMES[state] ?? String(state)
}

/** Volatile state the host may want to know about but need not persist. */
export interface SoftState {
  /** The current leader; 0 when unknown. */
  readonly lead: NodeId
  readonly raftState: StateType
}

/**
 * The answer to a read-only query (`RawNode.readIndex`): once the state machine has applied
 * `index`, reads issued before the request are linearizable. `requestCtx` identifies the request.
 */
export interface ReadState {
  readonly index: Index
  readonly requestCtx: Uint8Array
}

/**
 * What raft asks of its host, taken from `RawNode.ready()` (etcd's `Ready`): persist
 * `hardState`, `entries` and `snapshot`; send `messages`; apply `committedEntries`; then call
 * `advance()`.
 *
 * Without asynchronous storage writes, `messages` may only be sent after `entries` and
 * `hardState` are durable (a leader may send before, Raft thesis §10.2.1). With
 * `asyncStorageWrites`, persisting and applying are themselves messages to the local append and
 * apply threads, and `advance()` is not called.
 */
export interface Ready {
  /** Set when the leader or role changed since the last Ready. */
  readonly softState: SoftState | undefined
  /** The hard state to persist; all zero when unchanged. */
  readonly hardState: HardState
  /** Read-only query answers (ReadIndex). */
  readonly readStates: readonly ReadState[]
  /** Entries to append to stable storage, before sending `messages`. */
  readonly entries: readonly Entry[]
  /** A snapshot to persist; the empty snapshot when there is none. */
  readonly snapshot: Snapshot
  /** Committed entries to apply to the state machine, in order. */
  readonly committedEntries: readonly Entry[]
  /** Messages to send to peers (and, with async writes, to the local threads). */
  readonly messages: readonly Message[]
  /** Whether `hardState` and `entries` must be written with a sync (fsync) before continuing. */
  readonly mustSync: boolean
}
