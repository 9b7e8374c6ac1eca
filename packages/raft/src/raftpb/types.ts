/**
 * raftpb: the data raft exchanges with its host, as plain readonly objects.
 *
 * Field names and enum values follow etcd's `raft/raftpb/raft.proto`, so the wire codec
 * (a later addition) maps one to one. IDs are `bigint` (they use all 64 bits); indexes and
 * terms are `number` (STYLE.md §3).
 */

/** A member (node, peer) ID. 0 means "none". Printed in lowercase hex, as etcd does. */
export type NodeId = bigint

/** A raft log index. Starts at 1; 0 means "nothing". */
export type Index = number

/** A raft term. Starts at 0 and only grows. */
export type Term = number

/** The kind of a single membership change. The values are the wire values of raftpb. */
export const ConfChangeType = {
  ConfChangeAddNode: 0,
  ConfChangeRemoveNode: 1,
  ConfChangeUpdateNode: 2,
  ConfChangeAddLearnerNode: 3,
} as const
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType]

/** One membership change: `raftpb.ConfChangeSingle`. */
export interface ConfChangeSingle {
  readonly type: ConfChangeType
  readonly nodeId: NodeId
}

/**
 * A membership configuration as raft persists it in snapshots: `raftpb.ConfState`.
 *
 * Each list holds distinct IDs. A non-empty `votersOutgoing` means the configuration is joint.
 */
export interface ConfState {
  /** Voters of the incoming (or only) configuration. */
  readonly voters: readonly NodeId[]
  /** Learners of the incoming configuration. */
  readonly learners: readonly NodeId[]
  /** Voters of the outgoing configuration; empty unless joint. */
  readonly votersOutgoing: readonly NodeId[]
  /** Outgoing voters that become learners when the joint configuration is left. */
  readonly learnersNext: readonly NodeId[]
  /** Whether raft leaves the joint configuration by itself once it is committed. */
  readonly autoLeave: boolean
}

/** Compares two IDs for ascending sorts (`ids.sort(compareNodeIds)`). */
export function compareNodeIds(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0
}
