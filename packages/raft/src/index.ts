/**
 * `@etcd-ts/raft`: the Raft consensus algorithm as a pure, synchronous state machine, ported
 * from etcd-io/raft (no I/O, timers, clock or runtime dependencies).
 *
 * This release holds the arithmetic under Raft: quorums (majority and joint), the leader's
 * per-follower progress tracking, and membership changes (the confchange `Changer`), all
 * replaying etcd-io/raft's own data-driven tests. It sits at the bottom of etcd-ts: every other
 * package builds on it, and it depends on nothing.
 *
 * @example
 * ```ts
 * import { Changer, ConfChangeType, ProgressTracker } from '@etcd-ts/raft'
 *
 * const tracker = new ProgressTracker(256)
 * const { config, progress } = new Changer(tracker, 1).simple({ type: ConfChangeType.ConfChangeAddNode, nodeId: 1n })
 * tracker.applyConfig(config, progress)
 * tracker.config.toString() // 'voters=(1)'
 * ```
 *
 * @packageDocumentation
 */
export type { ChangerResult, ChangerTracker } from './confchange/confchange.js'
export { Changer, describeConfChanges } from './confchange/confchange.js'
export type { RestoreOptions } from './confchange/restore.js'
export { restore } from './confchange/restore.js'
export { ConfChangeError } from './errors.js'
export { JointConfig } from './quorum/joint.js'
export { MajorityConfig } from './quorum/majority.js'
export type { AckedIndexer } from './quorum/quorum.js'
export { describeIndex, describeVoteResult, MapAckIndexer, VoteResult } from './quorum/quorum.js'
export type { ConfChangeSingle, ConfState, Index, NodeId, Term } from './raftpb/types.js'
export { ConfChangeType, compareNodeIds } from './raftpb/types.js'
export { Inflights } from './tracker/inflights.js'
export { Progress, ProgressMap } from './tracker/progress.js'
export { describeProgressState, ProgressState } from './tracker/state.js'
export type { VoteTally } from './tracker/tracker.js'
export { ProgressTracker, TrackerConfig } from './tracker/tracker.js'
