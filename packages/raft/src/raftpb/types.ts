/**
 * raftpb: the data raft exchanges with its host, as plain readonly objects.
 *
 * Field names and enum values follow etcd's `raft/raftpb/raft.proto`, so the wire codec maps
 * one to one. IDs are `bigint` (they use all 64 bits); indexes and terms are `number`
 * (STYLE.md §3). Byte fields are `Uint8Array`; an absent byte field is an empty array.
 */

/** A member (node, peer) ID. 0 means "none". Printed in lowercase hex, as etcd does. */
export type NodeId = bigint

/** A raft log index. Starts at 1; 0 means "nothing". */
export type Index = number

/** A raft term. Starts at 0 and only grows. */
export type Term = number

/** The ID meaning "no node": no leader, no vote. */
export const NONE: NodeId = 0n

/**
 * The target of `MsgStorageAppend` messages (asynchronous storage writes): the host's
 * "append thread". Never a real node ID.
 */
export const LOCAL_APPEND_THREAD: NodeId = 0xffff_ffff_ffff_ffffn

/** The target of `MsgStorageApply` messages: the host's "apply thread". Never a real node ID. */
export const LOCAL_APPLY_THREAD: NodeId = 0xffff_ffff_ffff_fffen

/** A shared empty byte array for absent byte fields. Never written to. */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0)

/** What an entry's data holds. The values are the wire values of raftpb. */
export const EntryType = {
  EntryNormal: 0,
  EntryConfChange: 1,
  EntryConfChangeV2: 2,
} as const
export type EntryType = (typeof EntryType)[keyof typeof EntryType]

/** One raft log entry: `raftpb.Entry`. */
export interface Entry {
  readonly term: Term
  readonly index: Index
  readonly type: EntryType
  /** The payload: application data, or an encoded ConfChange / ConfChangeV2. */
  readonly data: Uint8Array
}

/** Message types, with raftpb's wire values. `MsgStorage*` are local (async storage writes). */
export const MessageType = {
  MsgHup: 0,
  MsgBeat: 1,
  MsgProp: 2,
  MsgApp: 3,
  MsgAppResp: 4,
  MsgVote: 5,
  MsgVoteResp: 6,
  MsgSnap: 7,
  MsgHeartbeat: 8,
  MsgHeartbeatResp: 9,
  MsgUnreachable: 10,
  MsgSnapStatus: 11,
  MsgCheckQuorum: 12,
  MsgTransferLeader: 13,
  MsgTimeoutNow: 14,
  MsgReadIndex: 15,
  MsgReadIndexResp: 16,
  MsgPreVote: 17,
  MsgPreVoteResp: 18,
  MsgStorageAppend: 19,
  MsgStorageAppendResp: 20,
  MsgStorageApply: 21,
  MsgStorageApplyResp: 22,
  MsgForgetLeader: 23,
} as const
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

const MESSAGE_TYPE_NAMES: readonly string[] = Object.keys(MessageType)

/** The name of a message type, as etcd prints it (`MsgApp`); the number if unknown. */
export function describeMessageType(type: MessageType): string {
  return MESSAGE_TYPE_NAMES[type] ?? String(type)
}

/** The message type named `name` (`MsgApp`), or `undefined`. */
export function messageTypeFromName(name: string): MessageType | undefined {
  return Object.hasOwn(MessageType, name) ? MessageType[name as keyof typeof MessageType] : undefined
}

const ENTRY_TYPE_NAMES: readonly string[] = Object.keys(EntryType)

/** The name of an entry type, as etcd prints it (`EntryNormal`); the number if unknown. */
export function describeEntryType(type: EntryType): string {
  return ENTRY_TYPE_NAMES[type] ?? String(type)
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

/** The empty configuration. */
export const EMPTY_CONF_STATE: ConfState = Object.freeze({
  voters: [],
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
})

/** Where a snapshot sits in the log and which configuration it carries: `raftpb.SnapshotMetadata`. */
export interface SnapshotMetadata {
  readonly confState: ConfState
  /** The index of the last entry the snapshot covers. */
  readonly index: Index
  /** The term of that entry. */
  readonly term: Term
}

/** A state machine snapshot: `raftpb.Snapshot`. `data` is opaque to raft. */
export interface Snapshot {
  readonly data: Uint8Array
  readonly metadata: SnapshotMetadata
}

/** The empty snapshot (index 0): "no snapshot". */
export const EMPTY_SNAPSHOT: Snapshot = Object.freeze({
  data: EMPTY_BYTES,
  metadata: Object.freeze({ confState: EMPTY_CONF_STATE, index: 0, term: 0 }),
})

/** Whether `snapshot` is the empty snapshot (its index is 0). */
export function isEmptySnapshot(snapshot: Snapshot | undefined): boolean {
  return snapshot === undefined || snapshot.metadata.index === 0
}

/** What a node must persist before answering: `raftpb.HardState`. */
export interface HardState {
  readonly term: Term
  /** The candidate voted for in `term`; 0 for none. */
  readonly vote: NodeId
  readonly commit: Index
}

/** The empty hard state (all zero). */
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: 0n, commit: 0 })

/** Whether `state` is all zero. */
export function isEmptyHardState(state: HardState): boolean {
  return state.term === 0 && state.vote === 0n && state.commit === 0
}

/** Whether two hard states are equal field by field. */
export function isHardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}

/**
 * A raft message: `raftpb.Message`. Every field is present (absent wire fields read as zero,
 * empty, false or `undefined`), so all messages share one shape.
 */
export interface Message {
  readonly type: MessageType
  readonly to: NodeId
  readonly from: NodeId
  readonly term: Term
  /** The term of the entry at `index` (MsgApp: the entry before the appended ones). */
  readonly logTerm: Term
  readonly index: Index
  readonly entries: readonly Entry[]
  readonly commit: Index
  /** MsgStorageAppend: the vote to persist (with term and commit, a HardState). */
  readonly vote: NodeId
  readonly snapshot: Snapshot | undefined
  readonly reject: boolean
  readonly rejectHint: Index
  readonly context: Uint8Array
  /** MsgStorageAppend / MsgStorageApply: messages to deliver once the work is done. */
  readonly responses: readonly Message[]
}

/** The fields of a {@link Message} to set; the rest take their zero values. */
export type MessageInit = Partial<Message> & { readonly type: MessageType }

/** Builds a message from the fields given, every other field at its zero value. */
export function createMessage(init: MessageInit): Message {
  return {
    type: init.type,
    to: init.to ?? 0n,
    from: init.from ?? 0n,
    term: init.term ?? 0,
    logTerm: init.logTerm ?? 0,
    index: init.index ?? 0,
    entries: init.entries ?? [],
    commit: init.commit ?? 0,
    vote: init.vote ?? 0n,
    snapshot: init.snapshot,
    reject: init.reject ?? false,
    rejectHint: init.rejectHint ?? 0,
    context: init.context ?? EMPTY_BYTES,
    responses: init.responses ?? [],
  }
}

/** The kind of a single membership change. The values are the wire values of raftpb. */
export const ConfChangeType = {
  ConfChangeAddNode: 0,
  ConfChangeRemoveNode: 1,
  ConfChangeUpdateNode: 2,
  ConfChangeAddLearnerNode: 3,
} as const
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType]

const CONF_CHANGE_TYPE_NAMES: readonly string[] = Object.keys(ConfChangeType)

/** The name of a conf change type, as etcd prints it (`ConfChangeAddNode`). */
export function describeConfChangeType(type: ConfChangeType): string {
  return CONF_CHANGE_TYPE_NAMES[type] ?? String(type)
}

/** One membership change: `raftpb.ConfChangeSingle`. */
export interface ConfChangeSingle {
  readonly type: ConfChangeType
  readonly nodeId: NodeId
}

/** A membership change of the original protocol, one node at a time: `raftpb.ConfChange`. */
export interface ConfChange {
  /** An identifier etcd threads through (its request ID); 0 if unused. */
  readonly id: bigint
  readonly type: ConfChangeType
  readonly nodeId: NodeId
  /** Opaque to raft; etcd puts the member's JSON here. */
  readonly context: Uint8Array
}

/** How a {@link ConfChangeV2} moves between configurations. Wire values of raftpb. */
export const ConfChangeTransition = {
  /**
   * Simple change if possible (one voter changes), otherwise joint consensus left
   * automatically.
   */
  ConfChangeTransitionAuto: 0,
  /** Always joint consensus, left automatically. */
  ConfChangeTransitionJointImplicit: 1,
  /** Always joint consensus, left only when the application proposes an empty ConfChangeV2. */
  ConfChangeTransitionJointExplicit: 2,
} as const
export type ConfChangeTransition = (typeof ConfChangeTransition)[keyof typeof ConfChangeTransition]

const TRANSITION_NAMES: readonly string[] = Object.keys(ConfChangeTransition)

/** The name of a transition, as etcd prints it (`ConfChangeTransitionAuto`). */
export function describeConfChangeTransition(transition: ConfChangeTransition): string {
  return TRANSITION_NAMES[transition] ?? String(transition)
}

/**
 * A membership change of any number of nodes, possibly through joint consensus:
 * `raftpb.ConfChangeV2`. An empty one (no changes) leaves a joint configuration.
 */
export interface ConfChangeV2 {
  readonly transition: ConfChangeTransition
  readonly changes: readonly ConfChangeSingle[]
  readonly context: Uint8Array
}

/** Compares two IDs for ascending sorts (`ids.sort(compareNodeIds)`). */
export function compareNodeIds(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0
}
