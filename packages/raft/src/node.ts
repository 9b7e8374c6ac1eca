import type { Config } from './config.js'
import { StoppedError } from './errors.js'
import type { AnyConfChange } from './raftpb/confchange.js'
import type { ConfState, Message, NodeId } from './raftpb/types.js'
import { type BasicStatus, type Peer, RawNode, type SnapshotStatus, type Status } from './raw-node.js'
import type { Ready } from './ready.js'

/** Options of calls that may be cancelled. */
export interface CallOptions {
  /** Rejects the call with the signal's reason when aborted before it completes. */
  readonly signal?: AbortSignal
}

/**
 * A Raft node for applications: the same core as {@link RawNode}, with Promises and an async
 * iterator of Readys (etcd's channel-based `Node`). It owns no timer: the host calls
 * {@link Node.tick} on its own clock.
 *
 * ```ts
 * const node = Node.start(config, [{ id: 1n }])
 * setInterval(() => node.tick(), 100)
 * for await (const rd of node.ready()) {
 *   await persist(rd.hardState, rd.entries, rd.snapshot)
 *   send(rd.messages)
 *   await apply(rd.committedEntries)
 *   node.advance()
 * }
 * ```
 *
 * A Ready is handed out only once the previous one was advanced (unless `asyncStorageWrites`).
 * Calls made while the host processes a Ready are taken in at once; what they produce comes
 * with the next Ready. After {@link Node.stop}, calls reject with `StoppedError` and the
 * iterator ends.
 */
export class Node {
  readonly #raw: RawNode
  readonly #async: boolean
  // A Ready was handed out and advance() not yet called.
  #outstanding = false
  #stopped = false
  #iterating = false
  #wake: (() => void) | undefined

  private constructor(raw: RawNode, config: Config) {
    this.#raw = raw
    this.#async = config.asyncStorageWrites ?? false
  }

  /**
   * Starts a node. With `peers`, a brand-new cluster is bootstrapped with them as voters (the
   * storage must be empty); without, the node restarts from its storage.
   *
   * @throws ConfigError for an invalid configuration.
   */
  static start(config: Config, peers: readonly Peer[] = []): Node {
    const raw = new RawNode(config)
    if (peers.length > 0) raw.bootstrap(peers)
    return new Node(raw, config)
  }

  /** Restarts a node from its storage (term, vote, log and membership). */
  static restart(config: Config): Node {
    return Node.start(config)
  }

  /** Advances logical time by one tick. Ignored after stop. */
  tick(): void {
    if (this.#stopped) return
    this.#raw.tick()
    this.#notify()
  }

  /** Starts an election now (a pre-election with `preVote`). */
  async campaign(options?: CallOptions): Promise<void> {
    this.#enter(options)
    this.#raw.campaign()
    this.#notify()
  }

  /**
   * Proposes data for the log. Resolves once the proposal is accepted (appended by the leader,
   * or forwarded to it); the entry is committed when it shows up in `Ready.committedEntries`.
   *
   * @throws ProposalDroppedError (rejection) when it cannot be accepted now; retry later.
   */
  async propose(data: Uint8Array, options?: CallOptions): Promise<void> {
    this.#enter(options)
    try {
      this.#raw.propose(data)
    } finally {
      this.#notify()
    }
  }

  /**
   * Proposes a membership change; apply it with {@link Node.applyConfChange} once committed.
   *
   * @throws ProposalDroppedError (rejection) as {@link Node.propose}.
   */
  async proposeConfChange(cc: AnyConfChange, options?: CallOptions): Promise<void> {
    this.#enter(options)
    try {
      this.#raw.proposeConfChange(cc)
    } finally {
      this.#notify()
    }
  }

  /**
   * Hands the node a message from a peer.
   *
   * @throws StepLocalMessageError, StepPeerNotFoundError, ProposalDroppedError (rejections).
   */
  async step(message: Message, options?: CallOptions): Promise<void> {
    this.#enter(options)
    try {
      this.#raw.step(message)
    } finally {
      this.#notify()
    }
  }

  /** Applies a committed membership change; returns the new configuration. */
  applyConfChange(cc: AnyConfChange): ConfState {
    this.#enter()
    const state = this.#raw.applyConfChange(cc)
    this.#notify()
    return state
  }

  /** Asks the leader to hand leadership to `transferee`. */
  transferLeadership(transferee: NodeId): void {
    if (this.#stopped) return
    this.#raw.transferLeader(transferee)
    this.#notify()
  }

  /** Makes a follower forget its leader (see `RawNode.forgetLeader`). */
  async forgetLeader(options?: CallOptions): Promise<void> {
    this.#enter(options)
    this.#raw.forgetLeader()
    this.#notify()
  }

  /** Requests a read index; the `ReadState` with `context` comes in a later Ready. */
  async readIndex(context: Uint8Array, options?: CallOptions): Promise<void> {
    this.#enter(options)
    this.#raw.readIndex(context)
    this.#notify()
  }

  /** Reports that the last message to `id` could not be delivered. */
  reportUnreachable(id: NodeId): void {
    if (this.#stopped) return
    this.#raw.reportUnreachable(id)
    this.#notify()
  }

  /** Reports whether a snapshot sent to `id` was applied. */
  reportSnapshot(id: NodeId, status: SnapshotStatus): void {
    if (this.#stopped) return
    this.#raw.reportSnapshot(id, status)
    this.#notify()
  }

  /** The node's state, configuration and (on the leader) every peer's progress. */
  status(): Status {
    return this.#raw.status()
  }

  /** The node's state without configuration and progress. */
  basicStatus(): BasicStatus {
    return this.#raw.basicStatus()
  }

  /**
   * The Readys, as they become available; ends when the node stops. One consumer at a time.
   *
   * @throws TypeError when another iteration is in progress.
   */
  async *ready(): AsyncGenerator<Ready, void, undefined> {
    if (this.#iterating) throw new TypeError('Node.ready() is already being iterated')
    this.#iterating = true
    try {
      while (!this.#stopped) {
        if (!this.#outstanding && this.#raw.hasReady()) {
          const ready = this.#raw.ready()
          this.#outstanding = !this.#async
          yield ready
          continue
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve
        })
      }
    } finally {
      this.#iterating = false
    }
  }

  /**
   * Tells the node the last Ready was persisted, sent and applied (not with
   * `asyncStorageWrites`, where the local threads' responses take its place).
   */
  advance(): void {
    if (this.#stopped) return
    this.#outstanding = false
    this.#raw.advance()
    this.#notify()
  }

  /** Stops the node: the Ready iterator ends and later calls reject with `StoppedError`. Idempotent. */
  stop(): void {
    this.#stopped = true
    this.#notify()
  }

  #enter(options?: CallOptions): void {
    if (this.#stopped) throw new StoppedError()
    options?.signal?.throwIfAborted()
  }

  #notify(): void {
    const wake = this.#wake
    if (wake === undefined) return
    this.#wake = undefined
    wake()
  }
}
