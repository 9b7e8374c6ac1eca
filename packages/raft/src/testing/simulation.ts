/**
 * A deterministic simulator of a raft cluster in one process, checking the Raft paper's safety
 * properties after every step (in the spirit of tikv/raft-rs `harness/src/network.rs` and
 * FoundationDB-style simulation testing).
 *
 * One seed determines a whole run: the cluster's settings (checkQuorum, preVote, flow control,
 * message sizes), the fault rates of the network, every random step, and the nodes' election
 * timeouts (`Config.random` draws from the same generator). Nothing reads the clock or
 * `Math.random`.
 *
 * Each member is a {@link RawNode} over its own {@link MemoryStorage}, driven by the standard
 * synchronous Ready loop (persist, send, apply, advance); its state machine records the
 * fingerprint of every applied entry, and snapshots carry that list. A run is `steps` random
 * steps, one of: tick, deliver messages (lost, duplicated, delayed or reordered at rates drawn
 * per run), process Readies, propose, request a read index, change the configuration (promote
 * and demote learners, simple or joint), campaign, transfer leadership, partition or heal,
 * crash (possibly in the middle of a Ready) and later restart on the same storage, compact a
 * log below its applied index. A liveness phase follows: faults stop, partitions heal, and a
 * final proposal must be applied by every member within a bounded number of rounds.
 *
 * Invariants are checked as the run goes, by a {@link SafetyChecker}; the first broken one
 * throws a {@link SimulationViolation} naming the seed, the step and the command replaying it.
 */
import type { Config } from '../config.js'
import { describeEntry, describeMessage } from '../describe.js'
import type { Logger } from '../logger.js'
import { decodeConfChange, decodeConfChangeV2, decodeMessage, encodeMessage } from '../raftpb/codec.js'
import { marshalConfChange } from '../raftpb/confchange.js'
import {
  type ConfChange,
  type ConfChangeSingle,
  ConfChangeTransition,
  ConfChangeType,
  type ConfChangeV2,
  type ConfState,
  describeMessageType,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  type HardState,
  type Index,
  isEmptyHardState,
  isEmptySnapshot,
  type Message,
  MessageType,
  type NodeId,
  type Snapshot,
  type Term,
} from '../raftpb/types.js'
import { RawNode, SnapshotStatus } from '../raw-node.js'
import { describeStateType, type Ready, StateType } from '../ready.js'
import { MemoryStorage } from '../storage.js'

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/**
 * A small seeded pseudo-random generator (mulberry32, with the seed scrambled first so that
 * consecutive seeds give unrelated streams). Deterministic: the same seed yields the same
 * sequence on every platform.
 */
export class SeededRandom {
  #state: number

  /** @param seed any integer; only its low 32 bits are used. */
  constructor(seed: number) {
    // A splitmix-style scramble of the seed.
    let z = (seed | 0) ^ 0x9e3779b9
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    this.#state = (z ^ (z >>> 16)) | 0
  }

  /** The next number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0
    let t = Math.imul(this.#state ^ (this.#state >>> 15), 1 | this.#state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('SeededRandom.pick: empty array')
    return items[Math.floor(this.next() * items.length)] as T
  }
}

// ---------------------------------------------------------------------------------------------
// Violations

/** The property a {@link SimulationViolation} reports as broken. */
export const Invariant = {
  /** Raft §5.2: at most one leader per term. */
  ElectionSafety: 'election-safety',
  /** Raft §5.3: two entries with the same index and term are identical, as are the logs before them. */
  LogMatching: 'log-matching',
  /** Raft §5.4: a leader's log holds every entry committed before it was elected. */
  LeaderCompleteness: 'leader-completeness',
  /** Raft §5.4.3: no two nodes apply (or commit) different entries at the same index. */
  StateMachineSafety: 'state-machine-safety',
  /** A node's commit index never decreases (in memory, and as persisted). */
  CommitMonotonic: 'commit-monotonic',
  /** A node never applies past its commit index. */
  AppliedBeyondCommit: 'applied-beyond-commit',
  /** Committed entries and snapshots reach the state machine in log order, without gaps. */
  ApplyOrder: 'apply-order',
  /**
   * Raft thesis §6.4: a read index (ReadOnlySafe) is at least the highest index committed when
   * the read was requested, so reads served at it are linearizable.
   */
  ReadIndex: 'read-index',
  /** Raft threw where it must not (a `RaftInvariantError`, or an unexpected error). */
  RaftError: 'raft-error',
  /** After faults stop, the cluster did not elect a leader and apply a proposal everywhere in time. */
  Liveness: 'liveness',
} as const
export type Invariant = (typeof Invariant)[keyof typeof Invariant]

/** What identifies a run: enough to replay it exactly. */
export interface SimulationContext {
  readonly seed: number
  readonly members: number
  /** The number of random steps before the liveness phase. */
  readonly steps: number
  /** Whether the run exercised known issues ({@link SimulationOptions.knownIssues}). */
  readonly knownIssues?: boolean
}

/**
 * The shell command replaying one run with a step-by-step trace, from the repository root.
 */
export function replayCommand(context: SimulationContext): string {
  const knownIssues = context.knownIssues === true ? ' --known-issues' : ''
  return `SIM_SEED=${context.seed} SIM_MEMBERS=${context.members} SIM_STEPS=${context.steps} node --conditions=@etcd-ts/source --import tsx packages/raft/scripts/simulate.ts --trace${knownIssues}`
}

/**
 * A broken safety or liveness property found by {@link runSimulation} or {@link SafetyChecker}.
 * The message names the invariant, the seed, the step and the command replaying the run.
 */
export class SimulationViolation extends Error {
  readonly code = 'RAFT_SIMULATION_VIOLATION'
  readonly invariant: Invariant
  readonly seed: number
  readonly members: number
  /** The number of random steps of the run (part of what replays it). */
  readonly steps: number
  /** The step at which the violation was seen (steps past `steps` are liveness rounds). */
  readonly step: number
  /** What was found, without the run's coordinates. */
  readonly detail: string
  /** The command replaying the run: see {@link replayCommand}. */
  readonly replay: string

  constructor(
    invariant: Invariant,
    detail: string,
    context: SimulationContext & { readonly step: number },
    options?: ErrorOptions,
  ) {
    const replay = replayCommand(context)
    super(
      `raft simulation: ${invariant} violated at step ${context.step} (seed ${context.seed}, ${context.members} members, ${context.steps} steps): ${detail}\n  replay: ${replay}`,
      options,
    )
    this.name = 'SimulationViolation'
    this.invariant = invariant
    this.seed = context.seed
    this.members = context.members
    this.steps = context.steps
    this.step = context.step
    this.detail = detail
    this.replay = replay
  }
}

// ---------------------------------------------------------------------------------------------
// Invariant checking

/** A read-only view of one node's log (stable and unstable entries) for {@link SafetyChecker}. */
export interface LogView {
  /** The first index whose entry is available; older ones are compacted into a snapshot. */
  readonly firstIndex: Index
  /** The index of the last entry. */
  readonly lastIndex: Index
  /** The entries in `[lo, hi)`, with `firstIndex <= lo <= hi <= lastIndex + 1`. */
  entries(lo: Index, hi: Index): readonly Entry[]
}

const fingerprints = new WeakMap<Entry, string>()

/**
 * A stable string identifying an entry's term, type and data (not its index): two entries are
 * identical exactly when their fingerprints are equal.
 */
export function entryFingerprint(entry: Entry): string {
  let fingerprint = fingerprints.get(entry)
  if (fingerprint === undefined) {
    fingerprint = `${entry.term}|${entry.type}|${latin1(entry.data)}`
    fingerprints.set(entry, fingerprint)
  }
  return fingerprint
}

function latin1(data: Uint8Array): string {
  let out = ''
  for (let i = 0; i < data.length; i += 4096) {
    out += String.fromCharCode(...data.subarray(i, Math.min(i + 4096, data.length)))
  }
  return out
}

// Entries are keyed by index and term in one number; terms stay far below 2^20 in a simulation.
const TERM_SPAN = 2 ** 20

interface EntryRecord {
  readonly fingerprint: string
  // The term of the entry before it in the log of a node that holds it; undefined when unknown.
  prevTerm: Term | undefined
  readonly node: NodeId
}

/**
 * Checks raft's safety properties over a whole run, from observations a simulator feeds it.
 * Every `observe*` method throws {@link SimulationViolation} when the observation breaks a
 * property; `step` is reported with it. Observations are remembered for the whole history:
 *
 * - Election safety: one leader per term, ever.
 * - Log matching: one entry per (index, term), ever, always preceded by the same term (which,
 *   by induction, makes the logs identical up to that entry).
 * - State machine safety: one committed entry and one applied entry per index, ever.
 * - Leader completeness: a new leader's log holds every entry committed so far.
 * - Commit indexes never decrease; nodes never apply past their commit index.
 */
export class SafetyChecker {
  /** The current step, reported with violations. */
  step = 0
  readonly #context: SimulationContext
  readonly #leaders = new Map<Term, NodeId>()
  readonly #entries = new Map<number, EntryRecord>()
  // committed[i] / applied[i]: the fingerprint of the entry committed / applied at index i.
  readonly #committed: (string | undefined)[] = []
  readonly #applied: (string | undefined)[] = []
  #maxCommitted: Index = 0
  // The highest committed index when each pending read request (by context) was made.
  readonly #reads = new Map<string, Index>()

  constructor(context: SimulationContext) {
    this.#context = context
  }

  /** The number of terms in which some node became leader. */
  get elections(): number {
    return this.#leaders.size
  }

  /** The highest index any node has committed. */
  get maxCommitted(): Index {
    return this.#maxCommitted
  }

  /** Throws the violation of `invariant`, at the current step. */
  fail(invariant: Invariant, detail: string, cause?: unknown): never {
    throw new SimulationViolation(
      invariant,
      detail,
      { ...this.#context, step: this.step },
      cause === undefined ? undefined : { cause },
    )
  }

  /**
   * A node is leader in `term`, with `log`. The first time, checks that no other node led the
   * term (election safety) and that the log holds every entry committed so far (leader
   * completeness).
   */
  observeLeader(id: NodeId, term: Term, log: LogView): void {
    const known = this.#leaders.get(term)
    if (known === id) return
    if (known !== undefined) {
      this.fail(Invariant.ElectionSafety, `nodes ${known} and ${id} are both leader of term ${term}`)
    }
    this.#leaders.set(term, id)
    const last = this.#maxCommitted
    if (last === 0) return
    if (log.lastIndex < last) {
      this.fail(
        Invariant.LeaderCompleteness,
        `node ${id} became leader of term ${term} with last index ${log.lastIndex}, but index ${last} is committed`,
      )
    }
    // Compacted entries are covered by the leader's snapshot: applied, hence committed.
    const lo = Math.max(log.firstIndex, 1)
    if (lo > last) return
    const entries = log.entries(lo, last + 1)
    for (const entry of entries) {
      const committed = this.#committed[entry.index]
      if (committed !== undefined && committed !== entryFingerprint(entry)) {
        this.fail(
          Invariant.LeaderCompleteness,
          `node ${id} became leader of term ${term} with ${describeEntry(entry)} at index ${entry.index}, but ${describeFingerprint(committed)} is committed there`,
        )
      }
    }
  }

  /**
   * Entries (consecutive indexes) written to a node's stable log. `prevTerm` is the term of the
   * entry before the first one in that log, when known.
   */
  observeAppend(id: NodeId, entries: readonly Entry[], prevTerm: Term | undefined): void {
    let previous = prevTerm
    for (const entry of entries) {
      if (entry.term >= TERM_SPAN) this.fail(Invariant.RaftError, `term ${entry.term} is beyond the simulation's range`)
      const key = entry.index * TERM_SPAN + entry.term
      const fingerprint = entryFingerprint(entry)
      const record = this.#entries.get(key)
      if (record === undefined) {
        this.#entries.set(key, { fingerprint, prevTerm: previous, node: id })
      } else {
        if (record.fingerprint !== fingerprint) {
          this.fail(
            Invariant.LogMatching,
            `node ${id} stored ${describeEntry(entry)} at index ${entry.index}, but node ${record.node} stored ${describeFingerprint(record.fingerprint)} with the same index and term`,
          )
        }
        if (previous !== undefined) {
          if (record.prevTerm === undefined) record.prevTerm = previous
          else if (record.prevTerm !== previous) {
            this.fail(
              Invariant.LogMatching,
              `node ${id} stored entry ${entry.term}/${entry.index} after an entry of term ${previous}, but node ${record.node} stored it after term ${record.prevTerm}`,
            )
          }
        }
      }
      previous = entry.term
    }
  }

  /**
   * A node's commit index moved from `previous` to `current` (its log is `log`). Records the
   * newly committed entries and checks that no other entry was committed at their indexes.
   */
  observeCommit(id: NodeId, previous: Index, current: Index, log: LogView): void {
    if (current < previous) {
      this.fail(Invariant.CommitMonotonic, `node ${id} lowered its commit index from ${previous} to ${current}`)
    }
    // Entries before the log's first index came in a snapshot: committed (and recorded) elsewhere.
    const lo = Math.max(previous + 1, log.firstIndex)
    if (lo <= current) {
      if (current > log.lastIndex) {
        this.fail(Invariant.CommitMonotonic, `node ${id} committed ${current} beyond its last index ${log.lastIndex}`)
      }
      for (const entry of log.entries(lo, current + 1)) this.#commit(id, entry.index, entryFingerprint(entry))
    }
    if (current > this.#maxCommitted) this.#maxCommitted = current
  }

  #commit(id: NodeId, index: Index, fingerprint: string): void {
    const known = this.#committed[index]
    if (known === undefined) this.#committed[index] = fingerprint
    else if (known !== fingerprint) {
      this.fail(
        Invariant.StateMachineSafety,
        `node ${id} committed ${describeFingerprint(fingerprint)} at index ${index}, but ${describeFingerprint(known)} was committed there`,
      )
    }
  }

  /** A node's persisted commit index moved from `previous` to `current`. */
  observePersistedCommit(id: NodeId, previous: Index, current: Index): void {
    if (current < previous) {
      this.fail(Invariant.CommitMonotonic, `node ${id} persisted commit index ${current} after ${previous}`)
    }
  }

  /** A node's state machine applied the entry with `fingerprint` at `index`. */
  observeApplied(id: NodeId, index: Index, fingerprint: string): void {
    const known = this.#applied[index]
    if (known === undefined) this.#applied[index] = fingerprint
    else if (known !== fingerprint) {
      this.fail(
        Invariant.StateMachineSafety,
        `node ${id} applied ${describeFingerprint(fingerprint)} at index ${index}, but another node applied ${describeFingerprint(known)} there`,
      )
    }
  }

  /** A read-index request with context `context` is made now. */
  observeReadRequest(context: Uint8Array): void {
    const key = latin1(context)
    if (!this.#reads.has(key)) this.#reads.set(key, this.#maxCommitted)
  }

  /** A node received the read state `index` for the request with context `context`. */
  observeReadState(id: NodeId, context: Uint8Array, index: Index): void {
    const required = this.#reads.get(latin1(context))
    if (required === undefined) {
      this.fail(
        Invariant.ReadIndex,
        `node ${id} got read state ${index} for an unknown request ${JSON.stringify(latin1(context))}`,
      )
    }
    if (index < required) {
      this.fail(
        Invariant.ReadIndex,
        `node ${id} got read index ${index} for request ${JSON.stringify(latin1(context))}, but ${required} was committed when it was made`,
      )
    }
  }

  /**
   * The applied sequences of several nodes (`sequence[i]`: the fingerprint applied at index i;
   * index 0 unused): each must be a prefix of the others. `observeApplied` already enforces this
   * index by index; this is the direct pairwise check, for the end of a run.
   */
  observeAppliedSequences(sequences: ReadonlyMap<NodeId, readonly string[]>): void {
    const entries = [...sequences]
    for (let a = 0; a < entries.length; a++) {
      for (let b = a + 1; b < entries.length; b++) {
        const [idA, seqA] = entries[a] as [NodeId, readonly string[]]
        const [idB, seqB] = entries[b] as [NodeId, readonly string[]]
        const shared = Math.min(seqA.length, seqB.length)
        for (let i = 1; i < shared; i++) {
          if (seqA[i] !== seqB[i]) {
            this.fail(
              Invariant.StateMachineSafety,
              `nodes ${idA} and ${idB} applied different entries at index ${i}: ${describeFingerprint(seqA[i] as string)} and ${describeFingerprint(seqB[i] as string)}`,
            )
          }
        }
      }
    }
  }

  /** A node's state machine has applied up to `applied` while its commit index is `commit`. */
  observeAppliedIndex(id: NodeId, applied: Index, commit: Index): void {
    if (applied > commit) {
      this.fail(Invariant.AppliedBeyondCommit, `node ${id} applied ${applied} but its commit index is ${commit}`)
    }
  }
}

function describeFingerprint(fingerprint: string): string {
  const [term, type, ...data] = fingerprint.split('|')
  const text = data.join('|')
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text
  return `entry of term ${term} type ${type} ${JSON.stringify(shown)}`
}

// ---------------------------------------------------------------------------------------------
// The simulation

/** How to run one simulation. */
export interface SimulationOptions {
  /** Determines everything about the run. Any integer (low 32 bits). */
  readonly seed: number
  /** Cluster size. */
  readonly members: 3 | 5
  /** Random steps before the liveness phase. */
  readonly steps: number
  /** Rounds the liveness phase may take before it is a violation. Default 2000. */
  readonly livenessRounds?: number
  /** Receives a line per action (and, with `traceRaft`, raft's log lines). Default: none. */
  readonly trace?: (line: string) => void
  /** Also trace raft's own log lines (needs `trace`). Default false. */
  readonly traceRaft?: boolean
  /**
   * Also run into two behaviours inherited from etcd-io/raft that break the checked properties
   * once voters can be demoted to learners. Default false: the application then demotes a voter
   * only from a configuration of three voters or more (so the others still form a majority of
   * the old configuration without it), and never sets `stepDownOnRemoval`. With true, it
   * demotes from two voters, and half the runs set `stepDownOnRemoval`:
   *
   * - Liveness: a node that applies its own demotion before the others learn that it committed
   *   is a learner in its own configuration, so it never campaigns; the others still use the
   *   old configuration, where they need its vote (a two-voter configuration, or the outgoing
   *   half of a joint one), and it refuses them when its log is longer. No leader is elected
   *   again. A demoted leader stepping down (`stepDownOnRemoval`) makes this likely.
   * - Read index (ReadOnlySafe): a leader demoted to learner (`stepDownOnRemoval` off) in a
   *   configuration whose single voter is another node answers reads at once with its own
   *   commit index (the `isSingleton()` shortcut of `stepLeader` assumes the single voter is
   *   the leader), while that voter may already lead a later term and commit more: a stale read.
   */
  readonly knownIssues?: boolean
}

/** The per-run settings drawn from the seed. */
export interface SimulationSettings {
  readonly checkQuorum: boolean
  readonly preVote: boolean
  readonly maxInflightMsgs: number
  readonly maxSizePerMsg: number
  /** 0 for raft's default (`maxSizePerMsg`). */
  readonly maxCommittedSizePerReady: number
  /** Probability that a sent message is lost. */
  readonly dropRate: number
  /** Probability that a sent message is delivered twice. */
  readonly duplicateRate: number
  /** Probability that a message is delayed, by 1 to `maxDelaySteps` steps. */
  readonly delayRate: number
  readonly maxDelaySteps: number
  /** Whether delivery picks any deliverable message rather than the oldest. */
  readonly reorder: boolean
  readonly partitions: boolean
  readonly crashes: boolean
  /** Whether messages go through the protobuf codec (as on the wire) instead of by reference. */
  readonly wireCodec: boolean
  /** Whether a leader demoted to learner steps down. */
  readonly stepDownOnRemoval: boolean
}

/** What a run did: counts showing which parts of the protocol it exercised. */
export interface SimulationResult {
  readonly seed: number
  readonly members: number
  readonly settings: SimulationSettings
  /** Random steps plus liveness rounds. */
  readonly steps: number
  readonly livenessRounds: number
  /** Random steps after which some live node was leader. */
  readonly stepsWithLeader: number
  /** Terms in which some node became leader. */
  readonly elections: number
  /** The highest committed index (the initial snapshot's index 1 excluded). */
  readonly committedEntries: number
  /** Proposals made (including dropped ones and the final one). */
  readonly proposals: number
  readonly proposalsDropped: number
  /** Read-index requests made, and read states received (checked by {@link Invariant.ReadIndex}). */
  readonly readRequests: number
  readonly readStates: number
  readonly confChangesApplied: number
  /** Conf changes applied (by any node) that left some learner in the configuration. */
  readonly configsWithLearners: number
  readonly restarts: number
  readonly partitions: number
  readonly compactions: number
  /** MsgSnap messages sent by leaders. */
  readonly snapshotsSent: number
  /** Snapshots installed by followers' state machines. */
  readonly snapshotsApplied: number
  readonly messagesSent: number
  readonly messagesDelivered: number
  readonly messagesDropped: number
}

/** The random steps per run that the test suite and `scripts/simulate.ts` use by default. */
export const DEFAULT_SIMULATION_STEPS = 3000

/**
 * The member count {@link runSimulation} is meant to use for `seed` when running many seeds:
 * odd seeds get 3 members, even ones 5.
 */
export function membersForSeed(seed: number): 3 | 5 {
  return seed % 2 === 0 ? 5 : 3
}

/**
 * Runs one seeded simulation: `steps` random steps, then the liveness phase.
 *
 * @throws SimulationViolation when a safety property breaks, raft throws unexpectedly, or the
 *   cluster fails to make progress once faults stop. Deterministic: the same options always
 *   give the same result or the same violation.
 */
export function runSimulation(options: SimulationOptions): SimulationResult {
  if (!Number.isSafeInteger(options.seed)) throw new TypeError(`seed must be an integer (seed: ${options.seed})`)
  if (options.members !== 3 && options.members !== 5) {
    throw new RangeError(`members must be 3 or 5 (members: ${options.members})`)
  }
  if (!Number.isSafeInteger(options.steps) || options.steps < 0) {
    throw new RangeError(`steps must be a non-negative integer (steps: ${options.steps})`)
  }
  return new Simulation(options).run()
}

// The state machine of one node: survives crashes (as if persisted with the applied index).
interface StateMachine {
  // applied[i] is the fingerprint of the entry applied at index i; applied[0] is unused.
  // Invariant: applied.length - 1 is the applied index.
  applied: string[]
  // The configuration as of the applied index.
  confState: ConfState
  // Whether the liveness phase's final proposal was applied.
  finalApplied: boolean
}

// MemoryStorage whose initial configuration is the state machine's, as of the applied index: a
// restarted node is told `applied`, so raft does not hand it the conf changes before it again,
// and must learn the configuration they produced (etcd keeps it in its backend).
class SimStorage extends MemoryStorage {
  confStateOnRestart: ConfState | undefined

  override initialState(): { hardState: HardState; confState: ConfState } {
    const state = super.initialState()
    return this.confStateOnRestart === undefined
      ? state
      : { hardState: state.hardState, confState: this.confStateOnRestart }
  }
}

interface SimNode {
  readonly id: NodeId
  readonly storage: SimStorage
  // undefined while crashed.
  raw: RawNode | undefined
  incarnation: number
  // The step at which a crashed node restarts.
  restartAt: number
  readonly sm: StateMachine
  // The commit index last seen in memory (this incarnation) and in storage.
  commit: Index
  persistedCommit: Index
}

interface InFlight {
  readonly from: NodeId
  readonly to: NodeId
  readonly senderIncarnation: number
  readonly message: Message
  readonly deliverAt: number
}

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()

// Snapshot data: the applied list (fingerprints of indexes 1..index) as JSON.
function encodeSnapshotData(applied: readonly string[], index: Index): Uint8Array {
  return textEncoder.encode(JSON.stringify(applied.slice(1, index + 1)))
}

function decodeSnapshotData(data: Uint8Array): string[] {
  const list: unknown = JSON.parse(textDecoder.decode(data))
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    throw new TypeError('snapshot data is not an applied list')
  }
  return list as string[]
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
}

const PROPOSAL_DROPPED = 'RAFT_PROPOSAL_DROPPED'
const INITIAL_ENTRY: Entry = { term: 1, index: 1, type: EntryType.EntryNormal, data: EMPTY_BYTES }

class Simulation {
  readonly #options: SimulationOptions
  readonly #context: SimulationContext
  readonly #rng: SeededRandom
  readonly #checker: SafetyChecker
  readonly #settings: SimulationSettings
  readonly #nodes: SimNode[] = []
  readonly #trace: ((line: string) => void) | undefined
  #queue: InFlight[] = []
  // partition.get(id) is the node's side; undefined when the network is whole.
  #partition: Map<NodeId, number> | undefined
  #healAt = 0
  #faultsOn = true
  // The fewest voters a configuration needs for the application to demote one (see knownIssues).
  readonly #demoteFrom: number
  #step = 0
  #proposalSeq = 0
  #readSeq = 0
  // Transport reports (snapshot status, unreachable peers) to hand the sender after its Ready.
  #reports: (() => void)[] = []
  readonly #finalPayload: Uint8Array
  readonly #finalSuffix: string
  readonly #counts = {
    stepsWithLeader: 0,
    proposals: 0,
    proposalsDropped: 0,
    readRequests: 0,
    readStates: 0,
    confChangesApplied: 0,
    configsWithLearners: 0,
    restarts: 0,
    partitions: 0,
    compactions: 0,
    snapshotsSent: 0,
    snapshotsApplied: 0,
    messagesSent: 0,
    messagesDelivered: 0,
    messagesDropped: 0,
  }

  constructor(options: SimulationOptions) {
    this.#options = options
    this.#context = {
      seed: options.seed,
      members: options.members,
      steps: options.steps,
      ...(options.knownIssues === true ? { knownIssues: true } : {}),
    }
    this.#rng = new SeededRandom(options.seed)
    this.#checker = new SafetyChecker(this.#context)
    this.#trace = options.trace
    this.#demoteFrom = options.knownIssues === true ? 2 : 3
    const rng = this.#rng
    const maxSizePerMsg = rng.chance(0.4) ? rng.pick([0, 16, 64, 256]) : 1024 * 1024
    const faulty = (p: number, min: number, max: number) => (rng.chance(p) ? min + rng.next() * (max - min) : 0)
    this.#settings = {
      checkQuorum: rng.chance(0.5),
      preVote: rng.chance(0.5),
      maxInflightMsgs: rng.chance(0.5) ? rng.int(1, 4) : 256,
      maxSizePerMsg,
      // Never left to default to a maxSizePerMsg of 0: applying would stall for good (as in etcd,
      // a budget of 0 bytes keeps raft's applying paused).
      maxCommittedSizePerReady: maxSizePerMsg === 0 || rng.chance(0.3) ? rng.pick([1, 64, 1024]) : 0,
      dropRate: faulty(0.7, 0.01, 0.2),
      duplicateRate: faulty(0.5, 0.01, 0.1),
      delayRate: faulty(0.6, 0.05, 0.4),
      maxDelaySteps: rng.int(1, 20),
      reorder: rng.chance(0.5),
      partitions: rng.chance(0.7),
      crashes: rng.chance(0.8),
      wireCodec: rng.chance(0.3),
      stepDownOnRemoval: rng.chance(0.5) && options.knownIssues === true,
    }
    this.#finalPayload = textEncoder.encode(`final-${options.seed}`)
    this.#finalSuffix = `|${EntryType.EntryNormal}|${latin1(this.#finalPayload)}`

    const ids = Array.from({ length: options.members }, (_, i) => BigInt(i + 1))
    const confState: ConfState = { voters: ids, learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }
    const initialFingerprint = entryFingerprint(INITIAL_ENTRY)
    for (const id of ids) {
      // Every member starts from the same snapshot at index 1: the configuration, nothing applied.
      const storage = new SimStorage()
      storage.applySnapshot({
        data: encodeSnapshotData(['', initialFingerprint], 1),
        metadata: { index: 1, term: 1, confState },
      })
      this.#nodes.push({
        id,
        storage,
        raw: undefined,
        incarnation: 0,
        restartAt: 0,
        sm: { applied: ['', initialFingerprint], confState, finalApplied: false },
        commit: 0,
        persistedCommit: 0,
      })
    }
  }

  run(): SimulationResult {
    const { steps } = this.#options
    const s = this.#settings
    this.#log(
      `seed ${this.#options.seed}: ${this.#options.members} members, ${steps} steps, checkQuorum ${s.checkQuorum}, preVote ${s.preVote}, maxInflightMsgs ${s.maxInflightMsgs}, maxSizePerMsg ${s.maxSizePerMsg}, maxCommittedSizePerReady ${s.maxCommittedSizePerReady}, drop ${s.dropRate.toFixed(3)}, duplicate ${s.duplicateRate.toFixed(3)}, delay ${s.delayRate.toFixed(3)} (<= ${s.maxDelaySteps}), reorder ${s.reorder}, partitions ${s.partitions}, crashes ${s.crashes}, wire ${s.wireCodec}, stepDownOnRemoval ${s.stepDownOnRemoval}`,
    )
    for (const node of this.#nodes) this.#start(node)
    const weights = this.#weights()
    const total = weights.reduce((sum, [, weight]) => sum + weight, 0)
    for (this.#step = 1; this.#step <= steps; this.#step++) {
      this.#checker.step = this.#step
      this.#housekeeping()
      let roll = this.#rng.next() * total
      for (const [action, weight] of weights) {
        roll -= weight
        if (roll < 0) {
          action()
          break
        }
      }
      this.#checkAll()
      if (this.#leader() !== undefined) this.#counts.stepsWithLeader++
    }
    const livenessRounds = this.#liveness()
    this.#checker.observeAppliedSequences(new Map(this.#nodes.map((node) => [node.id, node.sm.applied])))
    const c = this.#counts
    return {
      seed: this.#options.seed,
      members: this.#options.members,
      settings: this.#settings,
      steps: this.#step,
      livenessRounds,
      elections: this.#checker.elections,
      committedEntries: Math.max(0, this.#checker.maxCommitted - 1),
      ...c,
    }
  }

  // The relative frequency of each action; the disruptive ones vary per run, from calm to stormy.
  #weights(): [() => void, number][] {
    const s = this.#settings
    const rng = this.#rng
    const disruption = () => 0.1 + rng.next() * 1.9
    return [
      [() => this.#tickAction(), 24],
      [() => this.#deliverAction(), 32],
      [() => this.#readyAction(), 22],
      [() => this.#proposeAction(), 10],
      [() => this.#confChangeAction(), 0.5 + rng.next() * 2],
      [() => this.#readIndexAction(), 2],
      [() => this.#compactAction(), 1 + rng.next() * 4],
      [() => this.#campaignAction(), disruption() / 2],
      [() => this.#transferAction(), disruption() / 2],
      [() => this.#partitionAction(), s.partitions ? disruption() : 0],
      [() => this.#crashAction(), s.crashes ? disruption() : 0],
    ]
  }

  // Restarts crashed nodes and heals partitions whose time has come.
  #housekeeping(): void {
    for (const node of this.#nodes) {
      if (node.raw === undefined && node.restartAt <= this.#step) this.#start(node)
    }
    if (this.#partition !== undefined && this.#healAt <= this.#step) {
      this.#partition = undefined
      this.#log('partition healed')
    }
  }

  // ----- actions -----

  #tickAction(): void {
    const ticked: NodeId[] = []
    for (const node of this.#upNodes()) {
      if (!this.#rng.chance(0.85)) continue
      ticked.push(node.id)
      this.#withNode(node, 'tick', (raw) => raw.tick())
    }
    this.#log(`tick ${ticked.join(',')}`)
  }

  #deliverAction(): void {
    const count = this.#rng.int(1, 2 * this.#nodes.length)
    for (let i = 0; i < count; i++) {
      const index = this.#pickDeliverable()
      if (index === undefined) break
      const [flight] = this.#queue.splice(index, 1) as [InFlight]
      this.#deliver(flight)
    }
  }

  #readyAction(): void {
    for (const node of this.#nodes) {
      if (node.raw?.hasReady() && this.#rng.chance(0.75)) this.#processReady(node, false)
    }
  }

  #proposeAction(): void {
    const node = this.#randomUpNode()
    if (node === undefined) return
    const count = this.#rng.int(1, 3)
    for (let i = 0; i < count; i++) this.#propose(node, this.#payload())
  }

  // Proposes a membership change from the proposer's (possibly stale) view: promote a learner,
  // demote a voter, swap the two, a no-op UpdateNode, or leaving a joint configuration; as a
  // simple change or through joint consensus left automatically or explicitly. Members never
  // leave (a removed node would need a fresh log to return).
  #confChangeAction(): void {
    const node = this.#randomUpNode()
    if (node === undefined) return
    const rng = this.#rng
    const { voters, learners } = node.sm.confState
    const kinds = ['update', 'leave']
    if (learners.length > 0) kinds.push('promote', 'promote')
    if (voters.length >= this.#demoteFrom) kinds.push('demote', 'demote')
    if (learners.length > 0 && voters.length >= this.#demoteFrom) kinds.push('swap')
    const kind = rng.pick(kinds)
    const changes: ConfChangeSingle[] = []
    if (kind === 'update') changes.push({ type: ConfChangeType.ConfChangeUpdateNode, nodeId: rng.pick(this.#nodes).id })
    if (kind === 'promote' || kind === 'swap') {
      changes.push({ type: ConfChangeType.ConfChangeAddNode, nodeId: rng.pick(learners) })
    }
    if (kind === 'demote' || kind === 'swap') {
      changes.push({ type: ConfChangeType.ConfChangeAddLearnerNode, nodeId: rng.pick(voters) })
    }
    let cc: ConfChange | ConfChangeV2
    const transition = rng.int(changes.length === 1 ? 0 : 1, 3)
    if (kind === 'leave') {
      cc = { transition: ConfChangeTransition.ConfChangeTransitionAuto, changes: [], context: EMPTY_BYTES }
    } else if (transition === 0) {
      const change = changes[0] as ConfChangeSingle
      cc = { id: 0n, type: change.type, nodeId: change.nodeId, context: EMPTY_BYTES }
    } else {
      const transitions = [
        ConfChangeTransition.ConfChangeTransitionAuto,
        ConfChangeTransition.ConfChangeTransitionJointImplicit,
        ConfChangeTransition.ConfChangeTransitionJointExplicit,
      ] as const
      cc = { transition: transitions[transition - 1] as ConfChangeTransition, changes, context: EMPTY_BYTES }
    }
    this.#counts.proposals++
    this.#log(`propose conf change at ${node.id}: ${describeEntry({ term: 0, index: 0, ...marshalConfChange(cc) })}`)
    this.#withNode(node, 'proposeConfChange', (raw) => raw.proposeConfChange(cc), true)
  }

  #readIndexAction(): void {
    const node = this.#randomUpNode()
    if (node === undefined) return
    const context = textEncoder.encode(`read-${++this.#readSeq}`)
    this.#counts.readRequests++
    this.#checker.observeReadRequest(context)
    this.#log(`read index at ${node.id}: ${latin1(context)}`)
    this.#withNode(node, 'readIndex', (raw) => raw.readIndex(context))
  }

  #campaignAction(): void {
    const node = this.#randomUpNode()
    if (node === undefined) return
    this.#log(`campaign ${node.id}`)
    this.#withNode(node, 'campaign', (raw) => raw.campaign())
  }

  #transferAction(): void {
    const leader = this.#leader()
    if (leader === undefined) return
    const target = this.#rng.pick(this.#nodes).id
    this.#log(`transfer leadership ${leader.id} -> ${target}`)
    this.#withNode(leader, 'transferLeader', (raw) => raw.transferLeader(target))
  }

  #partitionAction(): void {
    if (this.#partition !== undefined) {
      this.#partition = undefined
      this.#log('partition healed')
      return
    }
    const partition = new Map<NodeId, number>()
    if (this.#rng.chance(0.5)) {
      // Isolate one node.
      const isolated = this.#rng.pick(this.#nodes).id
      for (const node of this.#nodes) partition.set(node.id, node.id === isolated ? 1 : 0)
    } else {
      // A random split into two non-empty sides.
      for (const node of this.#nodes) partition.set(node.id, this.#rng.int(0, 1))
      const sides = new Set(partition.values())
      if (sides.size < 2) partition.set(this.#rng.pick(this.#nodes).id, 1 - (sides.values().next().value as number))
    }
    this.#partition = partition
    this.#healAt = this.#step + this.#rng.int(10, 150)
    this.#counts.partitions++
    this.#log(
      `partition ${this.#nodes.map((node) => `${node.id}:${partition.get(node.id)}`).join(' ')} until ${this.#healAt}`,
    )
  }

  #crashAction(): void {
    const node = this.#randomUpNode()
    if (node === undefined) return
    const downFor = this.#rng.int(0, 40)
    // Sometimes crash in the middle of a Ready: persisted, but nothing sent or applied.
    if (this.#rng.chance(0.4) && node.raw?.hasReady()) {
      this.#log(`crash ${node.id} after persisting a Ready, down for ${downFor}`)
      this.#processReady(node, true)
    } else {
      this.#log(`crash ${node.id}, down for ${downFor}`)
    }
    this.#crash(node, downFor)
  }

  #compactAction(): void {
    const node = this.#randomUpNode()
    if (node === undefined) return
    const applied = node.sm.applied.length - 1
    const storage = node.storage
    if (applied <= storage.snapshot().metadata.index) return
    const data = encodeSnapshotData(node.sm.applied, applied)
    const keep = this.#rng.chance(0.5) ? 0 : this.#rng.int(0, 5)
    const compactIndex = Math.max(storage.firstIndex(), applied - keep)
    this.#log(`compact ${node.id}: snapshot at ${applied}, compact to ${compactIndex}`)
    try {
      storage.createSnapshot(applied, node.sm.confState, data)
      storage.compact(compactIndex)
    } catch (error) {
      this.#checker.fail(Invariant.RaftError, `node ${node.id} could not compact at ${applied}: ${error}`, error)
    }
    this.#counts.compactions++
  }

  // ----- nodes -----

  #start(node: SimNode): void {
    const { sm, storage } = node
    // A state machine older than the persisted snapshot loads it (as etcd does at start).
    const snapshot = storage.snapshot()
    if (snapshot.metadata.index > sm.applied.length - 1) this.#restoreStateMachine(node, snapshot)
    storage.confStateOnRestart = sm.confState
    const applied = sm.applied.length - 1
    const logger = this.#raftLogger(node.id)
    const config: Config = {
      id: node.id,
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      applied,
      checkQuorum: this.#settings.checkQuorum,
      preVote: this.#settings.preVote,
      maxInflightMsgs: this.#settings.maxInflightMsgs,
      maxSizePerMsg: this.#settings.maxSizePerMsg,
      maxCommittedSizePerReady: this.#settings.maxCommittedSizePerReady,
      stepDownOnRemoval: this.#settings.stepDownOnRemoval,
      random: () => this.#rng.next(),
      ...(logger === undefined ? {} : { logger }),
    }
    let raw: RawNode
    try {
      raw = new RawNode(config)
    } catch (error) {
      this.#checker.fail(Invariant.RaftError, `node ${node.id} failed to restart: ${error}`, error)
    }
    node.raw = raw
    if (node.incarnation > 0) this.#counts.restarts++
    node.incarnation++
    const commit = raw.raft.raftLog.committed
    this.#checker.observePersistedCommit(node.id, node.persistedCommit, storage.initialState().hardState.commit)
    node.commit = commit
    this.#log(`start ${node.id} (incarnation ${node.incarnation}): applied ${applied}, commit ${commit}`)
    this.#observe(node)
  }

  #crash(node: SimNode, downFor: number): void {
    // The in-memory raft state (and any Ready not processed) is lost; storage and the state
    // machine survive.
    node.raw = undefined
    node.restartAt = this.#step + downFor
  }

  // Runs `fn` against a live node, then checks it. Raft errors are violations, except dropped
  // proposals when `proposal` is set.
  #withNode(node: SimNode, what: string, fn: (raw: RawNode) => void, proposal = false): void {
    const raw = node.raw
    if (raw === undefined) return
    try {
      fn(raw)
    } catch (error) {
      if (proposal && errorCode(error) === PROPOSAL_DROPPED) {
        this.#counts.proposalsDropped++
      } else {
        this.#checker.fail(Invariant.RaftError, `node ${node.id} threw in ${what}: ${error}`, error)
      }
    }
    this.#observe(node)
  }

  #propose(node: SimNode, data: Uint8Array): void {
    this.#counts.proposals++
    this.#log(`propose at ${node.id}: ${latin1(data)}`)
    this.#withNode(node, 'propose', (raw) => raw.propose(data), true)
  }

  #payload(): Uint8Array {
    const seq = ++this.#proposalSeq
    // Mostly small; sometimes larger than the small maxSizePerMsg settings.
    const padding = this.#rng.chance(0.1) ? this.#rng.int(50, 300) : this.#rng.int(0, 8)
    const text = `p${seq}-`
    const data = new Uint8Array(text.length + padding)
    data.set(textEncoder.encode(text))
    for (let i = text.length; i < data.length; i++) data[i] = this.#rng.int(0, 255)
    return data
  }

  // The synchronous Ready loop, once: persist, (crash?), send, apply, advance.
  #processReady(node: SimNode, crashAfterPersist: boolean): void {
    const raw = node.raw
    if (raw === undefined) return
    let rd: Ready
    try {
      rd = raw.ready()
    } catch (error) {
      this.#checker.fail(Invariant.RaftError, `node ${node.id} threw in ready: ${error}`, error)
    }
    this.#persist(node, rd)
    if (crashAfterPersist) return
    for (const message of rd.messages) this.#send(node, message)
    for (const rs of rd.readStates) {
      this.#counts.readStates++
      this.#checker.observeReadState(node.id, rs.requestCtx, rs.index)
    }
    if (!isEmptySnapshot(rd.snapshot)) this.#restoreStateMachine(node, rd.snapshot)
    for (const entry of rd.committedEntries) this.#apply(node, raw, entry)
    if (this.#trace !== undefined && rd.committedEntries.length > 0) {
      const first = rd.committedEntries[0] as Entry
      this.#log(`${node.id} applied ${first.index}..${first.index + rd.committedEntries.length - 1}`)
    }
    try {
      raw.advance()
    } catch (error) {
      this.#checker.fail(Invariant.RaftError, `node ${node.id} threw in advance: ${error}`, error)
    }
    this.#observe(node)
    // What the transport learned while sending is reported once the Ready is done.
    this.#flushReports()
  }

  #persist(node: SimNode, rd: Ready): void {
    const { storage } = node
    try {
      if (!isEmptySnapshot(rd.snapshot)) {
        storage.applySnapshot(rd.snapshot)
        this.#log(`${node.id} persisted snapshot at ${rd.snapshot.metadata.index}`)
      }
      if (rd.entries.length > 0) {
        const first = rd.entries[0] as Entry
        let prevTerm: Term | undefined
        try {
          prevTerm = storage.term(first.index - 1)
        } catch {
          prevTerm = undefined
        }
        this.#checker.observeAppend(node.id, rd.entries, prevTerm)
        storage.append(rd.entries)
      }
      if (!isEmptyHardState(rd.hardState)) {
        this.#checker.observePersistedCommit(node.id, node.persistedCommit, rd.hardState.commit)
        node.persistedCommit = rd.hardState.commit
        storage.setHardState(rd.hardState)
      }
    } catch (error) {
      if (error instanceof SimulationViolation) throw error
      this.#checker.fail(Invariant.RaftError, `node ${node.id} could not persist its Ready: ${error}`, error)
    }
  }

  #restoreStateMachine(node: SimNode, snapshot: Snapshot): void {
    const { sm } = node
    const { index } = snapshot.metadata
    if (index <= sm.applied.length - 1) {
      this.#checker.fail(
        Invariant.ApplyOrder,
        `node ${node.id} got a snapshot at ${index} but has applied ${sm.applied.length - 1}`,
      )
    }
    let list: string[]
    try {
      list = decodeSnapshotData(snapshot.data)
    } catch (error) {
      this.#checker.fail(Invariant.ApplyOrder, `node ${node.id} got a snapshot with unreadable data: ${error}`, error)
    }
    if (list.length !== index) {
      this.#checker.fail(
        Invariant.ApplyOrder,
        `node ${node.id} got a snapshot at ${index} whose data holds ${list.length} applied entries`,
      )
    }
    for (let i = 0; i < list.length; i++) {
      const fingerprint = list[i] as string
      this.#checker.observeApplied(node.id, i + 1, fingerprint)
      if (fingerprint.endsWith(this.#finalSuffix)) sm.finalApplied = true
    }
    sm.applied = ['', ...list]
    sm.confState = snapshot.metadata.confState
    this.#counts.snapshotsApplied++
    this.#log(`${node.id} restored its state machine from the snapshot at ${index}`)
  }

  #apply(node: SimNode, raw: RawNode, entry: Entry): void {
    const { sm } = node
    const applied = sm.applied.length - 1
    if (entry.index !== applied + 1) {
      this.#checker.fail(
        Invariant.ApplyOrder,
        `node ${node.id} was handed ${describeEntry(entry)} to apply after applying ${applied}`,
      )
    }
    const fingerprint = entryFingerprint(entry)
    this.#checker.observeApplied(node.id, entry.index, fingerprint)
    if (entry.type !== EntryType.EntryNormal) {
      try {
        let cc: ConfChange | ConfChangeV2 =
          entry.type === EntryType.EntryConfChange ? decodeConfChange(entry.data) : decodeConfChangeV2(entry.data)
        // Proposers decide from stale views; like etcd, the application refuses a change it
        // does not allow by zeroing its node IDs (raft then skips it).
        const change = votersChange(sm.confState, cc)
        if (change.after === 0 || (change.demotes && change.before < this.#demoteFrom)) {
          cc =
            'changes' in cc ? { ...cc, changes: cc.changes.map((c) => ({ ...c, nodeId: 0n })) } : { ...cc, nodeId: 0n }
          this.#log(`${node.id} refuses ${describeEntry(entry)}`)
        }
        sm.confState = raw.applyConfChange(cc)
      } catch (error) {
        this.#checker.fail(
          Invariant.RaftError,
          `node ${node.id} could not apply ${describeEntry(entry)}: ${error}`,
          error,
        )
      }
      this.#counts.confChangesApplied++
      if (sm.confState.learners.length + sm.confState.learnersNext.length > 0) this.#counts.configsWithLearners++
    } else if (fingerprint.endsWith(this.#finalSuffix)) {
      sm.finalApplied = true
    }
    sm.applied.push(fingerprint)
  }

  // Checks a node after raft may have changed it: leadership, commit, applied.
  #observe(node: SimNode): void {
    const raw = node.raw
    if (raw === undefined) return
    const r = raw.raft
    const log = r.raftLog
    if (r.state === StateType.StateLeader) this.#checker.observeLeader(node.id, r.term, logViewOf(raw))
    if (log.committed !== node.commit) {
      this.#checker.observeCommit(node.id, node.commit, log.committed, logViewOf(raw))
      node.commit = log.committed
    }
    this.#checker.observeAppliedIndex(node.id, node.sm.applied.length - 1, log.committed)
  }

  #checkAll(): void {
    for (const node of this.#nodes) this.#observe(node)
  }

  // ----- network -----

  #connected(a: NodeId, b: NodeId): boolean {
    return this.#partition === undefined || this.#partition.get(a) === this.#partition.get(b)
  }

  #send(from: SimNode, original: Message): void {
    this.#counts.messagesSent++
    if (original.type === MessageType.MsgSnap) this.#counts.snapshotsSent++
    const message = this.#settings.wireCodec ? decodeMessage(encodeMessage(original)) : original
    const s = this.#settings
    const faults = this.#faultsOn
    const flight: InFlight = {
      from: from.id,
      to: message.to,
      senderIncarnation: from.incarnation,
      message,
      deliverAt: 0,
    }
    if (!this.#connected(from.id, message.to) || this.#node(message.to)?.raw === undefined) {
      // The transport notices that the peer is unreachable (etcd's rafthttp reports it).
      this.#reports.push(() => this.#reportUnreachable(flight))
      this.#drop(flight, 'unreachable', true)
      return
    }
    if (faults && this.#rng.chance(s.dropRate)) {
      this.#drop(flight, 'lost', true)
      return
    }
    const copies = faults && this.#rng.chance(s.duplicateRate) ? 2 : 1
    for (let i = 0; i < copies; i++) {
      const delay = faults && this.#rng.chance(s.delayRate) ? this.#rng.int(1, s.maxDelaySteps) : 0
      this.#queue.push({ ...flight, deliverAt: this.#step + delay })
    }
  }

  #pickDeliverable(): number | undefined {
    const now = this.#step
    if (this.#settings.reorder && this.#faultsOn) {
      const candidates: number[] = []
      for (let i = 0; i < this.#queue.length; i++) if ((this.#queue[i] as InFlight).deliverAt <= now) candidates.push(i)
      return candidates.length === 0 ? undefined : this.#rng.pick(candidates)
    }
    const index = this.#queue.findIndex((flight) => flight.deliverAt <= now)
    return index < 0 ? undefined : index
  }

  #deliver(flight: InFlight): void {
    const to = this.#node(flight.to)
    if (to?.raw === undefined || !this.#connected(flight.from, flight.to)) {
      this.#drop(flight, to?.raw === undefined ? 'down' : 'partition', false)
      return
    }
    this.#counts.messagesDelivered++
    if (this.#trace !== undefined) this.#log(`deliver ${describeMessage(flight.message)}`)
    this.#withNode(to, `step(${describeMessageType(flight.message.type)})`, (raw) => raw.step(flight.message), true)
    if (flight.message.type === MessageType.MsgSnap) this.#reportSnapshot(flight, SnapshotStatus.SnapshotFinish)
  }

  // Loses a message; `whileSending` when the sender is in the middle of its Ready.
  #drop(flight: InFlight, why: string, whileSending: boolean): void {
    this.#counts.messagesDropped++
    if (this.#trace !== undefined) this.#log(`drop (${why}) ${describeMessage(flight.message)}`)
    if (flight.message.type === MessageType.MsgSnap) {
      this.#reports.push(() => this.#reportSnapshot(flight, SnapshotStatus.SnapshotFailure))
      if (!whileSending) this.#flushReports()
    }
  }

  #flushReports(): void {
    const reports = this.#reports
    this.#reports = []
    for (const report of reports) report()
  }

  #reportUnreachable(flight: InFlight): void {
    const sender = this.#node(flight.from)
    if (sender === undefined || sender.incarnation !== flight.senderIncarnation) return
    this.#withNode(sender, 'reportUnreachable', (raw) => raw.reportUnreachable(flight.to))
  }

  // Tells the sender how its snapshot fared (etcd's transport does), if it has not restarted since.
  #reportSnapshot(flight: InFlight, status: SnapshotStatus): void {
    const sender = this.#node(flight.from)
    if (sender === undefined || sender.incarnation !== flight.senderIncarnation) return
    this.#withNode(sender, 'reportSnapshot', (raw) => raw.reportSnapshot(flight.to, status))
  }

  // ----- liveness -----

  // Stops faults, heals the network, restarts everyone, and runs rounds (tick everyone, then
  // deliver and process Readies until quiet) until a final proposal is applied everywhere.
  #liveness(): number {
    this.#faultsOn = false
    this.#partition = undefined
    const maxRounds = this.#options.livenessRounds ?? 2000
    this.#log('liveness phase: faults off, network healed')
    let proposedAt = Number.NEGATIVE_INFINITY
    for (let round = 1; round <= maxRounds; round++) {
      this.#step++
      this.#checker.step = this.#step
      for (const node of this.#nodes) if (node.raw === undefined) this.#start(node)
      for (const node of this.#nodes) this.#withNode(node, 'tick', (raw) => raw.tick())
      this.#flush()
      if (this.#nodes.every((node) => node.sm.finalApplied)) return round
      const leader = this.#leader()
      if (leader !== undefined && round - proposedAt >= 50) {
        proposedAt = round
        this.#propose(leader, this.#finalPayload)
        this.#flush()
      }
      this.#checkAll()
    }
    const state = this.#nodes
      .map((node) => {
        const raw = node.raw
        if (raw === undefined) return `${node.id}: down`
        const st = raw.basicStatus()
        return `${node.id}: ${describeStateType(st.raftState)} term ${st.term} lead ${st.lead} commit ${st.commit} applied ${node.sm.applied.length - 1} final ${node.sm.finalApplied}`
      })
      .join('; ')
    this.#checker.fail(
      Invariant.Liveness,
      `no proposal applied everywhere within ${maxRounds} rounds after faults stopped: ${state}`,
    )
  }

  #flush(): void {
    for (let i = 0; i < 1000; i++) {
      let busy = false
      for (const node of this.#nodes) {
        for (let j = 0; j < 100 && node.raw?.hasReady(); j++) {
          this.#processReady(node, false)
          busy = true
        }
      }
      const now = this.#step
      const due = this.#queue.filter((flight) => flight.deliverAt <= now)
      if (due.length > 0) {
        this.#queue = this.#queue.filter((flight) => flight.deliverAt > now)
        for (const flight of due) this.#deliver(flight)
        busy = true
      }
      if (!busy) return
    }
  }

  // ----- helpers -----

  #node(id: NodeId): SimNode | undefined {
    return this.#nodes[Number(id) - 1]
  }

  #upNodes(): SimNode[] {
    return this.#nodes.filter((node) => node.raw !== undefined)
  }

  #randomUpNode(): SimNode | undefined {
    const up = this.#upNodes()
    return up.length === 0 ? undefined : this.#rng.pick(up)
  }

  // The live leader of the highest term, if any.
  #leader(): SimNode | undefined {
    let best: SimNode | undefined
    for (const node of this.#nodes) {
      const r = node.raw?.raft
      if (r === undefined || r.state !== StateType.StateLeader) continue
      if (best === undefined || r.term > (best.raw?.raft.term ?? 0)) best = node
    }
    return best
  }

  #log(line: string): void {
    this.#trace?.(`[${this.#step}] ${line}`)
  }

  #raftLogger(id: NodeId): Logger | undefined {
    const trace = this.#trace
    if (trace === undefined || this.#options.traceRaft !== true) return undefined
    const line = (level: string) => (message: string) => trace(`[${this.#step}]   ${id} ${level} ${message.trimEnd()}`)
    return { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR') }
  }
}

// The voters of the incoming configuration before and after `cc`, and whether it demotes one.
function votersChange(
  confState: ConfState,
  cc: ConfChange | ConfChangeV2,
): { before: number; after: number; demotes: boolean } {
  const changes: readonly ConfChangeSingle[] = 'changes' in cc ? cc.changes : [cc]
  const voters = new Set(confState.voters)
  let demotes = false
  for (const change of changes) {
    if (change.nodeId === 0n) continue
    if (change.type === ConfChangeType.ConfChangeAddNode) voters.add(change.nodeId)
    else if (change.type !== ConfChangeType.ConfChangeUpdateNode) {
      demotes ||= confState.voters.includes(change.nodeId)
      voters.delete(change.nodeId)
    }
  }
  return { before: confState.voters.length, after: voters.size, demotes }
}

function logViewOf(raw: RawNode): LogView {
  const log = raw.raft.raftLog
  return {
    firstIndex: log.firstIndex(),
    lastIndex: log.lastIndex(),
    entries: (lo, hi) => log.slice(lo, hi, Number.POSITIVE_INFINITY),
  }
}
