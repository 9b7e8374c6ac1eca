// An in-process network of RawNodes over memory storage, driven synchronously: the test
// harness of raft.test.ts and raft-paper.test.ts (like `network` in etcd-io/raft's
// raft_test.go). Every node runs the full Ready loop (persist, send, apply, advance); messages
// are delivered one at a time, breadth first, until nothing is left in flight. Nothing ticks on
// its own: tests call `tick()` where the scenario needs time to pass.
import {
  type Config,
  type ConfState,
  decodeConfChange,
  decodeConfChangeV2,
  EMPTY_BYTES,
  type Entry,
  EntryType,
  isEmptyHardState,
  isEmptySnapshot,
  MemoryStorage,
  type Message,
  type MessageType,
  type NodeId,
  RawNode,
  type ReadState,
  type Snapshot,
} from '@etcd-ts/raft'

/** The value or a thrown error: keeps `noUncheckedIndexedAccess` code free of `!`. */
export function must<T>(value: T | undefined, what = 'value'): T {
  if (value === undefined) throw new Error(`${what} is undefined`)
  return value
}

/** A deterministic `config.random` (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** UTF-8 bytes of a string. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** An entry with the given position and (optional) payload. */
export function entry(index: number, term: number, data: Uint8Array | string = EMPTY_BYTES): Entry {
  return { index, term, type: EntryType.EntryNormal, data: typeof data === 'string' ? bytes(data) : data }
}

/** Entries `from..to-1` whose term is given by `term(index)` (default: term = index). */
export function entryRange(from: number, to: number, term: (index: number) => number = (i) => i): Entry[] {
  const out: Entry[] = []
  for (let i = from; i < to; i++) out.push(entry(i, term(i)))
  return out
}

/**
 * A MemoryStorage that starts with a membership configuration but no snapshot and an empty
 * log, like etcd's `newTestMemoryStorage(withPeers(...), withLearners(...))`: a node restarted
 * on it knows its peers from the start, at term 0, index 0.
 */
export class TestStorage extends MemoryStorage {
  readonly #confState: ConfState

  constructor(voters: readonly NodeId[], learners: readonly NodeId[] = []) {
    super()
    this.#confState = {
      voters: [...voters],
      learners: [...learners],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    }
  }

  override initialState(): ReturnType<MemoryStorage['initialState']> {
    const state = super.initialState()
    return isEmptySnapshot(this.snapshot()) ? { hardState: state.hardState, confState: this.#confState } : state
  }
}

/** One node of a {@link Network}. */
export interface NetNode {
  readonly id: NodeId
  readonly storage: MemoryStorage
  rawNode: RawNode
  /** Every committed entry the node applied, in order. */
  readonly applied: Entry[]
  /** Every snapshot the node installed. */
  readonly snapshots: Snapshot[]
  /** Every ReadState the node handed out. */
  readonly readStates: ReadState[]
}

export interface NetworkOptions {
  /** The voters of the initial configuration. */
  readonly voters: readonly NodeId[]
  /** The learners of the initial configuration. */
  readonly learners?: readonly NodeId[]
  /**
   * Members that have a node in the network (default: every voter and learner). Messages to
   * the others are dropped, like etcd's `nopStepper`.
   */
  readonly running?: readonly NodeId[]
  /**
   * Extra configuration per node. By default: election 10 ticks, heartbeat 1 tick, and a
   * random source seeded with the node ID.
   */
  readonly config?: (id: NodeId) => Partial<Config>
  /** The storage per node (default: an empty {@link TestStorage} of the configuration). */
  readonly storage?: (id: NodeId) => MemoryStorage
}

const MAX_STEPS = 100_000

function defaults(id: NodeId): Omit<Config, 'storage'> {
  return { id, electionTick: 10, heartbeatTick: 1, random: seededRandom(Number(id)) }
}

/** An in-process network of RawNodes. See the file comment. */
export class Network {
  readonly nodes = new Map<NodeId, NetNode>()
  /** Messages stepped into a node, in delivery order. */
  readonly delivered: Message[] = []
  /** Messages dropped by a filter or addressed to a member without a node. */
  readonly dropped: Message[] = []
  /** Errors a recipient's `step` threw and the network swallowed (dropped proposals...). */
  readonly stepErrors: { message: Message; code: string }[] = []
  readonly #cut = new Set<string>()
  readonly #ignored = new Set<MessageType>()
  #filter: ((message: Message) => boolean) | undefined
  readonly #config: NetworkOptions['config']

  constructor(options: NetworkOptions) {
    this.#config = options.config
    const members = [...options.voters, ...(options.learners ?? [])]
    for (const id of options.running ?? members) {
      const storage = options.storage?.(id) ?? new TestStorage(options.voters, options.learners)
      const config: Config = { ...defaults(id), storage, ...options.config?.(id) }
      this.nodes.set(id, { id, storage, rawNode: new RawNode(config), applied: [], snapshots: [], readStates: [] })
    }
  }

  node(id: NodeId): NetNode {
    return must(this.nodes.get(id), `node ${id}`)
  }

  /** The node's state machine (internal, for white-box assertions). */
  raft(id: NodeId): RawNode['raft'] {
    return this.node(id).rawNode.raft
  }

  /**
   * Replaces a node by a fresh RawNode over the same storage (a crash and restart), with the
   * network's configuration for it plus `config`. The state machine survives: `applied`
   * defaults to the last index the node applied.
   */
  restart(id: NodeId, config: Partial<Config> = {}): NetNode {
    const old = this.node(id)
    const storage = old.storage
    const applied = Math.max(old.applied.at(-1)?.index ?? 0, old.snapshots.at(-1)?.metadata.index ?? 0)
    const rawNode = new RawNode({
      ...defaults(id),
      storage,
      applied,
      ...this.#config?.(id),
      ...config,
    })
    const node: NetNode = { ...old, rawNode }
    this.nodes.set(id, node)
    return node
  }

  /** Ticks a node `count` times. Nothing is delivered. */
  tick(id: NodeId, count = 1): void {
    for (let i = 0; i < count; i++) this.node(id).rawNode.tick()
  }

  /** Makes a node campaign, then delivers everything. */
  campaign(id: NodeId): void {
    this.node(id).rawNode.campaign()
    this.stabilize()
  }

  /** Proposes at a node (throws ProposalDroppedError if refused), then delivers everything. */
  propose(id: NodeId, data: Uint8Array | string): void {
    this.node(id).rawNode.propose(typeof data === 'string' ? bytes(data) : data)
    this.stabilize()
  }

  /** Runs a node's Ready loop until it has nothing left; returns the messages to send. */
  flush(id: NodeId): Message[] {
    const node = this.node(id)
    const out: Message[] = []
    for (let i = 0; node.rawNode.hasReady(); i++) {
      if (i > MAX_STEPS) throw new Error(`node ${id}: Ready loop does not settle`)
      const rd = node.rawNode.ready()
      if (!isEmptySnapshot(rd.snapshot)) {
        node.storage.applySnapshot(rd.snapshot)
        node.snapshots.push(rd.snapshot)
      }
      node.storage.append(rd.entries)
      if (!isEmptyHardState(rd.hardState)) node.storage.setHardState(rd.hardState)
      node.readStates.push(...rd.readStates)
      for (const e of rd.committedEntries) {
        if (e.type === EntryType.EntryConfChange) node.rawNode.applyConfChange(decodeConfChange(e.data))
        else if (e.type === EntryType.EntryConfChangeV2) node.rawNode.applyConfChange(decodeConfChangeV2(e.data))
        node.applied.push(e)
      }
      out.push(...rd.messages)
      node.rawNode.advance()
    }
    return out
  }

  /** Whether the filters drop this message. */
  isDropped(m: Message): boolean {
    if (!this.nodes.has(m.to)) return true
    if (this.#cut.has(`${m.from}-${m.to}`)) return true
    if (this.#ignored.has(m.type)) return true
    return this.#filter?.(m) ?? false
  }

  /**
   * Delivers one message (unless dropped) and runs the recipient's Ready loop; returns what it
   * sends in answer, undelivered.
   */
  deliver(m: Message): Message[] {
    if (this.isDropped(m)) {
      this.dropped.push(m)
      return []
    }
    this.delivered.push(m)
    try {
      this.node(m.to).rawNode.step(m)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code !== 'RAFT_PROPOSAL_DROPPED' && code !== 'RAFT_STEP_PEER_NOT_FOUND') throw error
      this.stepErrors.push({ message: m, code })
    }
    return this.flush(m.to)
  }

  /** Delivers messages and everything they cause, breadth first, until nothing is in flight. */
  send(...messages: Message[]): void {
    const queue = [...messages]
    for (let steps = 0; queue.length > 0; steps++) {
      if (steps > MAX_STEPS) throw new Error('network does not settle')
      queue.push(...this.deliver(queue.shift() as Message))
    }
  }

  /** Runs every node's Ready loop (in ID order) and delivers everything. */
  stabilize(): void {
    const ids = [...this.nodes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const out: Message[] = []
    for (const id of ids) out.push(...this.flush(id))
    this.send(...out)
  }

  /** Drops every message between `a` and `b`, both ways. */
  cut(a: NodeId, b: NodeId): void {
    this.#cut.add(`${a}-${b}`)
    this.#cut.add(`${b}-${a}`)
  }

  /** Cuts `id` off from every other member. */
  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cut(id, other)
  }

  /** Drops every message of this type. */
  ignore(type: MessageType): void {
    this.#ignored.add(type)
  }

  /** Drops every message for which `filter` returns true (replaces the previous filter). */
  dropIf(filter: ((message: Message) => boolean) | undefined): void {
    this.#filter = filter
  }

  /** Removes every cut, ignored type and filter. */
  recover(): void {
    this.#cut.clear()
    this.#ignored.clear()
    this.#filter = undefined
  }
}
