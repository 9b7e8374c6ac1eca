/**
 * `@etcd-ts/raft`: the Raft consensus algorithm as a pure, synchronous state machine, ported
 * from etcd-io/raft (no I/O, timers, clock or runtime dependencies). It sits at the bottom of
 * etcd-ts and depends on nothing.
 *
 * The host drives a {@link RawNode}: `tick()` on a timer, `step()` for every message from a
 * peer, and a Ready loop (persist → send → apply → advance). {@link Node} wraps the same core
 * in Promises and an async iterator. Quorum arithmetic, progress tracking and the confchange
 * `Changer` are exported for tools; `@etcd-ts/raft/testing` replays etcd-io/raft's test data.
 *
 * @example
 * ```ts
 * import { MemoryStorage, RawNode } from '@etcd-ts/raft'
 *
 * const storage = new MemoryStorage()
 * const node = new RawNode({ id: 1n, electionTick: 10, heartbeatTick: 1, storage })
 * node.bootstrap([{ id: 1n }])
 * node.campaign()
 * while (node.hasReady()) {
 *   const rd = node.ready()
 *   storage.setHardState(rd.hardState)
 *   storage.append(rd.entries)
 *   for (const entry of rd.committedEntries) {
 *     // apply entry (conf changes through node.applyConfChange)
 *   }
 *   node.advance()
 * }
 * ```
 *
 * @packageDocumentation
 */

export type { ChangerResult, ChangerTracker } from './confchange/confchange.js'
export { Changer, describeConfChanges } from './confchange/confchange.js'
export type { RestoreOptions } from './confchange/restore.js'
export { restore } from './confchange/restore.js'
export type { Config } from './config.js'
export { DEFAULT_MAX_INFLIGHT_MSGS, DEFAULT_MAX_SIZE_PER_MSG } from './config.js'
export type { EntryFormatter } from './describe.js'
export {
  describeConfState,
  describeEntries,
  describeEntry,
  describeHardState,
  describeMessage,
  describeReady,
  describeSnapshot,
  describeSoftState,
} from './describe.js'
export {
  CompactedError,
  ConfChangeError,
  ConfigError,
  ProposalDroppedError,
  ProtobufDecodeError,
  RaftInvariantError,
  SnapshotOutOfDateError,
  SnapshotTemporarilyUnavailableError,
  StepLocalMessageError,
  StepPeerNotFoundError,
  StoppedError,
  UnavailableError,
  ValueOutOfRangeError,
} from './errors.js'
export type { Logger } from './logger.js'
export { NOOP_LOGGER } from './logger.js'
export type { CallOptions } from './node.js'
export { Node } from './node.js'
export { JointConfig } from './quorum/joint.js'
export { MajorityConfig } from './quorum/majority.js'
export type { AckedIndexer } from './quorum/quorum.js'
export { describeIndex, describeVoteResult, MapAckIndexer, VoteResult } from './quorum/quorum.js'
export {
  decodeConfChange,
  decodeConfChangeV2,
  decodeConfState,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshot,
  encodeConfChange,
  encodeConfChangeV2,
  encodeConfState,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshot,
  entrySize,
} from './raftpb/codec.js'
export type { AnyConfChange } from './raftpb/confchange.js'
export {
  confChangeAsV2,
  confChangeEntersJoint,
  confChangeLeavesJoint,
  confChangesFromString,
  confChangesToString,
  describeConfChange,
  isConfChangeV2,
  marshalConfChange,
  quoteBytes,
} from './raftpb/confchange.js'
export type {
  ConfChange,
  ConfChangeSingle,
  ConfChangeV2,
  ConfState,
  Entry,
  HardState,
  Index,
  Message,
  MessageInit,
  NodeId,
  Snapshot,
  SnapshotMetadata,
  Term,
} from './raftpb/types.js'
export {
  ConfChangeTransition,
  ConfChangeType,
  compareNodeIds,
  createMessage,
  describeConfChangeTransition,
  describeConfChangeType,
  describeEntryType,
  describeMessageType,
  EMPTY_BYTES,
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
  EMPTY_SNAPSHOT,
  EntryType,
  isEmptyHardState,
  isEmptySnapshot,
  isHardStateEqual,
  LOCAL_APPEND_THREAD,
  LOCAL_APPLY_THREAD,
  MessageType,
  messageTypeFromName,
  NONE,
} from './raftpb/types.js'
export type { BasicStatus, Peer, Status } from './raw-node.js'
export { mustSync, ProgressType, RawNode, SnapshotStatus } from './raw-node.js'
export { ReadOnlyOption } from './read-only.js'
export type { ReadState, Ready, SoftState } from './ready.js'
export { describeStateType, StateType } from './ready.js'
export type { Storage } from './storage.js'
export { MemoryStorage } from './storage.js'
export { Inflights } from './tracker/inflights.js'
export { Progress, ProgressMap } from './tracker/progress.js'
export { describeProgressState, ProgressState } from './tracker/state.js'
export type { VoteTally } from './tracker/tracker.js'
export { ProgressTracker, TrackerConfig } from './tracker/tracker.js'
export { isLocalMessage, isLocalMessageTarget, isResponseMessage } from './util.js'
