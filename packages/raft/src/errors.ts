import type { Index } from './raftpb/types.js'

/**
 * The membership change asked of the confchange `Changer` is not allowed, or the configuration
 * it was given breaks an invariant. The message is etcd's text for the condition (for example
 * `removed all voters`); the configuration is left unchanged.
 */
export class ConfChangeError extends Error {
  readonly code = 'RAFT_CONF_CHANGE_INVALID'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ConfChangeError'
  }
}

/** Bytes given to a raftpb decoder are not a valid encoding (truncated, bad wire type, ...). */
export class ProtobufDecodeError extends Error {
  readonly code = 'RAFT_PROTOBUF_INVALID'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ProtobufDecodeError'
  }
}

/**
 * A 64-bit value read from the wire does not fit the `number` used for indexes and terms (it is
 * above `Number.MAX_SAFE_INTEGER`, 2^53 - 1).
 */
export class ValueOutOfRangeError extends RangeError {
  readonly code = 'RAFT_VALUE_OUT_OF_RANGE'
  readonly value: bigint
  constructor(field: string, value: bigint, options?: ErrorOptions) {
    super(`raftpb: ${field} ${value} is above Number.MAX_SAFE_INTEGER`, options)
    this.name = 'ValueOutOfRangeError'
    this.value = value
  }
}

/** The requested log index is older than the storage's first index (it was compacted). */
export class CompactedError extends Error {
  readonly code = 'RAFT_COMPACTED'
  readonly index: Index
  constructor(index: Index, options?: ErrorOptions) {
    super('requested index is unavailable due to compaction', options)
    this.name = 'CompactedError'
    this.index = index
  }
}

/** The requested snapshot is not newer than the one storage already has. */
export class SnapshotOutOfDateError extends Error {
  readonly code = 'RAFT_SNAPSHOT_OUT_OF_DATE'
  constructor(options?: ErrorOptions) {
    super('requested index is older than the existing snapshot', options)
    this.name = 'SnapshotOutOfDateError'
  }
}

/** The requested log entry is not (yet) in storage. */
export class UnavailableError extends Error {
  readonly code = 'RAFT_UNAVAILABLE'
  readonly index: Index
  constructor(index: Index, options?: ErrorOptions) {
    super('requested entry at index is unavailable', options)
    this.name = 'UnavailableError'
    this.index = index
  }
}

/**
 * Storage cannot produce a snapshot right now (for example it is being built); raft retries
 * later instead of failing.
 */
export class SnapshotTemporarilyUnavailableError extends Error {
  readonly code = 'RAFT_SNAPSHOT_TEMPORARILY_UNAVAILABLE'
  constructor(options?: ErrorOptions) {
    super('snapshot is temporarily unavailable', options)
    this.name = 'SnapshotTemporarilyUnavailableError'
  }
}

/**
 * A proposal was dropped: there is no leader, the leader is transferring leadership, the node
 * was removed, proposal forwarding is disabled, or the uncommitted log is over its size limit.
 * Retry later (etcd's `ErrProposalDropped`).
 */
export class ProposalDroppedError extends Error {
  readonly code = 'RAFT_PROPOSAL_DROPPED'
  constructor(options?: ErrorOptions) {
    super('raft proposal dropped', options)
    this.name = 'ProposalDroppedError'
  }
}

/** A local-only message (MsgHup, MsgBeat, ...) arrived from the network and was refused. */
export class StepLocalMessageError extends Error {
  readonly code = 'RAFT_STEP_LOCAL_MESSAGE'
  constructor(options?: ErrorOptions) {
    super('raft: cannot step raft local message', options)
    this.name = 'StepLocalMessageError'
  }
}

/** A response arrived from a peer that is not in the configuration, and was refused. */
export class StepPeerNotFoundError extends Error {
  readonly code = 'RAFT_STEP_PEER_NOT_FOUND'
  constructor(options?: ErrorOptions) {
    super('raft: cannot step as peer not found', options)
    this.name = 'StepPeerNotFoundError'
  }
}

/** The `Node` was stopped; the call cannot complete. */
export class StoppedError extends Error {
  readonly code = 'RAFT_STOPPED'
  constructor(options?: ErrorOptions) {
    super('raft: stopped', options)
    this.name = 'StoppedError'
  }
}

/** Invalid raft `Config`: names the field and what was expected. Not meant to be caught. */
export class ConfigError extends Error {
  readonly code = 'RAFT_CONFIG_INVALID'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ConfigError'
  }
}

/**
 * An invariant broke inside raft (etcd panics here): corrupted or lost log, a storage that
 * misbehaves, or a raft bug. The instance that threw must not be used again.
 */
export class RaftInvariantError extends Error {
  readonly code = 'RAFT_INVARIANT_VIOLATED'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'RaftInvariantError'
  }
}
