import { ConfigError } from './errors.js'
import { type Logger, NOOP_LOGGER } from './logger.js'
import type { Index, NodeId } from './raftpb/types.js'
import { ReadOnlyOption } from './read-only.js'
import type { Storage } from './storage.js'
import { isLocalMessageTarget } from './util.js'

/** How to start a raft node (etcd's `raft.Config`). Checked once, at construction. */
export interface Config {
  /** This node's ID. Not 0, not a local thread ID. */
  readonly id: NodeId
  /**
   * Ticks without hearing from a leader before a follower campaigns. The actual timeout is
   * randomized in `[electionTick, 2 * electionTick - 1]`. Must exceed `heartbeatTick`;
   * etcd recommends 10 × heartbeatTick.
   */
  readonly electionTick: number
  /** Ticks between a leader's heartbeats. At least 1. */
  readonly heartbeatTick: number
  /** The stable log. A restarted node reads its state from it. */
  readonly storage: Storage
  /**
   * The last applied index, when restarting: committed entries up to it are not handed out
   * again. Default 0 (applies everything the log holds past the snapshot).
   */
  readonly applied?: Index
  /**
   * Hand persistence and application to local "threads" through `MsgStorageAppend` /
   * `MsgStorageApply` messages in `Ready.messages`, instead of doing them in the Ready loop
   * before `advance()` (which is then not called). Default false.
   */
  readonly asyncStorageWrites?: boolean
  /**
   * Upper bound on the bytes of entries in one append message (at least one entry is always
   * sent). `Infinity` for no limit, 0 for one entry per message. Default 1 MiB (etcd's).
   */
  readonly maxSizePerMsg?: number
  /**
   * Upper bound on the bytes of committed entries handed out for applying and not yet applied
   * (at least one entry is handed out). Default: `maxSizePerMsg`, or 1 byte (one entry per
   * Ready) when that is 0.
   */
  readonly maxCommittedSizePerReady?: number
  /**
   * Upper bound on the bytes of payload in the leader's uncommitted log tail; proposals beyond
   * it are dropped. Default `Infinity`.
   */
  readonly maxUncommittedEntriesSize?: number
  /** Append messages in flight per follower during optimistic replication. Default 256. */
  readonly maxInflightMsgs?: number
  /**
   * Bytes of entries in flight per follower; 0 or `Infinity` for no limit (the default). Must
   * be at least `maxSizePerMsg` when set.
   */
  readonly maxInflightBytes?: number
  /**
   * The leader steps down when it has not heard from a quorum within an election timeout, and
   * followers ignore vote requests while they hear from a leader. Default false (etcd enables it).
   */
  readonly checkQuorum?: boolean
  /**
   * Run a pre-vote round before campaigning, so a partitioned node does not disrupt the
   * cluster when it rejoins (Raft thesis §9.6). Default false.
   */
  readonly preVote?: boolean
  /** How read-only queries are answered. Default `ReadOnlySafe`. */
  readonly readOnlyOption?: ReadOnlyOption
  /** Where log lines go. Default: nowhere. */
  readonly logger?: Logger
  /** Followers drop proposals instead of forwarding them to the leader. Default false. */
  readonly disableProposalForwarding?: boolean
  /**
   * Skip the leader's checks on proposed conf changes (one pending at a time, joint state
   * rules); the application takes responsibility for them. Default false.
   */
  readonly disableConfChangeValidation?: boolean
  /** A leader removed (or demoted) by a conf change steps down. Default false. */
  readonly stepDownOnRemoval?: boolean
  /**
   * The random source for election timeouts: returns a number in [0, 1). Default `Math.random`;
   * pass a seeded one for deterministic simulations.
   */
  readonly random?: () => number
}

/** A {@link Config} with every default filled in and every field checked. */
export interface ResolvedConfig {
  readonly id: NodeId
  readonly electionTick: number
  readonly heartbeatTick: number
  readonly storage: Storage
  readonly applied: Index
  readonly asyncStorageWrites: boolean
  readonly maxSizePerMsg: number
  readonly maxCommittedSizePerReady: number
  readonly maxUncommittedEntriesSize: number
  readonly maxInflightMsgs: number
  readonly maxInflightBytes: number
  readonly checkQuorum: boolean
  readonly preVote: boolean
  readonly readOnlyOption: ReadOnlyOption
  readonly logger: Logger
  readonly disableProposalForwarding: boolean
  readonly disableConfChangeValidation: boolean
  readonly stepDownOnRemoval: boolean
  readonly random: () => number
}

/** The default `maxSizePerMsg`: 1 MiB, as etcd configures it. */
export const DEFAULT_MAX_SIZE_PER_MSG = 1024 * 1024

/** The default `maxInflightMsgs`. */
export const DEFAULT_MAX_INFLIGHT_MSGS = 256

/**
 * Checks a {@link Config} and fills in its defaults.
 *
 * @throws ConfigError naming the offending field.
 */
export function resolveConfig(config: Config): ResolvedConfig {
  const { id, electionTick, heartbeatTick, storage } = config
  if (typeof id !== 'bigint' || id === 0n) throw new ConfigError('cannot use none as id (config.id)')
  if (isLocalMessageTarget(id)) throw new ConfigError('cannot use local target as id (config.id)')
  if (!Number.isSafeInteger(heartbeatTick) || heartbeatTick <= 0) {
    throw new ConfigError(`heartbeat tick must be greater than 0 (config.heartbeatTick: ${heartbeatTick})`)
  }
  if (!Number.isSafeInteger(electionTick) || electionTick <= heartbeatTick) {
    throw new ConfigError(`election tick must be greater than heartbeat tick (config.electionTick: ${electionTick})`)
  }
  if (storage === undefined || storage === null) throw new ConfigError('storage cannot be nil (config.storage)')
  const maxSizePerMsg = nonNegative(config.maxSizePerMsg ?? DEFAULT_MAX_SIZE_PER_MSG, 'maxSizePerMsg')
  const maxCommittedSizePerReady = nonNegative(config.maxCommittedSizePerReady ?? 0, 'maxCommittedSizePerReady')
  const maxUncommittedEntriesSize = nonNegative(config.maxUncommittedEntriesSize ?? 0, 'maxUncommittedEntriesSize')
  const maxInflightMsgs = config.maxInflightMsgs ?? DEFAULT_MAX_INFLIGHT_MSGS
  if (
    !(maxInflightMsgs > 0) ||
    (maxInflightMsgs !== Number.POSITIVE_INFINITY && !Number.isSafeInteger(maxInflightMsgs))
  ) {
    throw new ConfigError(`max inflight messages must be greater than 0 (config.maxInflightMsgs: ${maxInflightMsgs})`)
  }
  let maxInflightBytes = nonNegative(config.maxInflightBytes ?? 0, 'maxInflightBytes')
  if (maxInflightBytes === 0) maxInflightBytes = Number.POSITIVE_INFINITY
  else if (maxInflightBytes < maxSizePerMsg) {
    throw new ConfigError(
      `max inflight bytes must be >= max message size (config.maxInflightBytes: ${maxInflightBytes})`,
    )
  }
  const readOnlyOption = config.readOnlyOption ?? ReadOnlyOption.ReadOnlySafe
  const checkQuorum = config.checkQuorum ?? false
  if (readOnlyOption === ReadOnlyOption.ReadOnlyLeaseBased && !checkQuorum) {
    throw new ConfigError('CheckQuorum must be enabled when ReadOnlyOption is ReadOnlyLeaseBased (config.checkQuorum)')
  }
  const applied = config.applied ?? 0
  if (!Number.isSafeInteger(applied) || applied < 0) {
    throw new ConfigError(`applied must be a non-negative integer (config.applied: ${applied})`)
  }
  return {
    id,
    electionTick,
    heartbeatTick,
    storage,
    applied,
    asyncStorageWrites: config.asyncStorageWrites ?? false,
    maxSizePerMsg,
    // Both were one parameter once; the committed budget follows the message size by default.
    // At least 1 byte: with maxSizePerMsg 0 (one entry per message) that means one committed
    // entry per Ready, where etcd would panic on a zero budget.
    maxCommittedSizePerReady: maxCommittedSizePerReady === 0 ? Math.max(maxSizePerMsg, 1) : maxCommittedSizePerReady,
    maxUncommittedEntriesSize: maxUncommittedEntriesSize === 0 ? Number.POSITIVE_INFINITY : maxUncommittedEntriesSize,
    // The tracker's ring buffer grows on demand, so an unbounded window costs nothing upfront.
    maxInflightMsgs: Math.min(maxInflightMsgs, 2 ** 31 - 1),
    maxInflightBytes,
    checkQuorum,
    preVote: config.preVote ?? false,
    readOnlyOption,
    logger: config.logger ?? NOOP_LOGGER,
    disableProposalForwarding: config.disableProposalForwarding ?? false,
    disableConfChangeValidation: config.disableConfChangeValidation ?? false,
    stepDownOnRemoval: config.stepDownOnRemoval ?? false,
    random: config.random ?? Math.random,
  }
}

function nonNegative(value: number, field: string): number {
  if (!(value >= 0)) throw new ConfigError(`${field} must be >= 0 (config.${field}: ${value})`)
  return value
}
