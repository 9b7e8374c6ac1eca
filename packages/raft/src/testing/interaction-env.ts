import type { Config } from '../config.js'
import { describeEntries, describeMessage, describeReady } from '../describe.js'
import type { Logger } from '../logger.js'
import { decodeConfChange, decodeConfChangeV2 } from '../raftpb/codec.js'
import { confChangesFromString } from '../raftpb/confchange.js'
import {
  type ConfChange,
  ConfChangeTransition,
  type ConfChangeV2,
  type ConfState,
  createMessage,
  EMPTY_BYTES,
  EMPTY_CONF_STATE,
  type Entry,
  EntryType,
  type HardState,
  type Index,
  isEmptyHardState,
  isEmptySnapshot,
  type Message,
  MessageType,
  messageTypeFromName,
  type NodeId,
  type Snapshot,
} from '../raftpb/types.js'
import { RawNode } from '../raw-node.js'
import { ReadOnlyOption } from '../read-only.js'
import { describeStateType } from '../ready.js'
import { MemoryStorage } from '../storage.js'
import { ProgressMap } from '../tracker/progress.js'
import { isLocalMessageTarget } from '../util.js'
import { type DataDrivenCase, findArg } from './datadriven.js'

const LEVEL_NAMES = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'NONE'] as const
const LEVEL_NONE = LEVEL_NAMES.length - 1

/**
 * A logger writing `LEVEL message` lines into the environment's current output buffer, at or
 * above a level (etcd's `RedirectLogger`). Level NONE silences everything.
 */
export class RedirectLogger implements Logger {
  /** 0 = DEBUG, 1 = INFO, 2 = WARN, 3 = ERROR, 4 = FATAL, 5 = NONE. */
  level = 0
  /** The buffer lines go to; swapped to indent nested output. */
  buffer: string[] = []

  debug(message: string): void {
    this.#print(0, message)
  }
  info(message: string): void {
    this.#print(1, message)
  }
  warn(message: string): void {
    this.#print(2, message)
  }
  error(message: string): void {
    this.#print(3, message)
  }

  /** Whether everything is silenced. */
  quiet(): boolean {
    return this.level === LEVEL_NONE
  }

  /** Appends harness output (not a log line); dropped while the level is NONE. */
  write(text: string): void {
    if (!this.quiet()) this.buffer.push(text)
  }

  #print(level: number, message: string): void {
    if (this.level <= level) this.buffer.push(`${LEVEL_NAMES[level]} ${message}${message.endsWith('\n') ? '' : '\n'}`)
  }
}

/** One node of an {@link InteractionEnv}. */
export interface InteractionNode {
  readonly rawNode: RawNode
  readonly storage: MemoryStorage
  readonly config: Config
  /** Queued MsgStorageAppend work (async storage writes). */
  appendWork: Message[]
  /** Queued MsgStorageApply work (async storage writes). */
  applyWork: Message[]
  /**
   * The state machine's snapshots, one per applied entry: an "appender" whose data is the
   * concatenation of every applied payload. Storage returns the newest as its snapshot.
   */
  history: Snapshot[]
}

/** Where a message goes in {@link InteractionEnv.deliverMessages}. */
export interface Recipient {
  readonly id: NodeId
  /** Drop the messages instead of delivering them. */
  readonly drop?: boolean
}

/**
 * A cluster of in-memory {@link RawNode}s driven by hand, printing everything that happens:
 * the harness of etcd-io/raft's interaction tests (`rafttest.InteractionEnv`), so their data
 * files replay unchanged. Commands are those of `../shared/conformance/etcd-raft/README.md`:
 * `add-nodes`, `campaign`, `propose`, `stabilize`, `deliver-msgs`, `process-ready`, ...
 *
 * @example
 * ```ts
 * const env = new InteractionEnv()
 * for (const testCase of parseDataDriven(text, file)) console.log(env.handle(testCase))
 * ```
 */
export class InteractionEnv {
  readonly nodes: InteractionNode[] = []
  /** Messages in flight, in the order they were sent. */
  messages: Message[] = []
  readonly output = new RedirectLogger()

  /** Runs one command and returns its output (`ok` when it printed nothing). */
  handle(testCase: DataDrivenCase): string {
    this.output.buffer = []
    let error: string | undefined
    try {
      this.#dispatch(testCase)
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught)
    }
    // NONE silences everything, harness output included, except errors.
    if (this.output.quiet()) return error ?? 'ok'
    if (error !== undefined) this.output.write(error)
    const text = this.output.buffer.join('')
    return text === '' ? 'ok' : text
  }

  #dispatch(d: DataDrivenCase): void {
    switch (d.command) {
      case '_breakpoint':
        return
      case 'add-nodes':
        this.#handleAddNodes(d)
        return
      case 'campaign':
        this.#node(firstAsNodeIndex(d)).rawNode.campaign()
        return
      case 'compact':
        this.compact(firstAsNodeIndex(d), parseInteger(d.args[1]?.key, 'new first index'))
        return
      case 'deliver-msgs':
        this.#handleDeliverMessages(d)
        return
      case 'process-ready':
        this.#forEachNode(d, 'handling Ready', (i) => this.processReady(i))
        return
      case 'process-append-thread':
        this.#forEachNode(d, 'processing append thread', (i) => this.processAppendThread(i))
        return
      case 'process-apply-thread':
        this.#forEachNode(d, 'processing apply thread', (i) => this.processApplyThread(i))
        return
      case 'log-level':
        this.setLogLevel(d.args[0]?.key ?? '')
        return
      case 'raft-log':
        this.raftLog(firstAsNodeIndex(d))
        return
      case 'raft-state':
        this.#handleRaftState()
        return
      case 'set-randomized-election-timeout': {
        const timeout = parseInteger(findArg(d, 'timeout')?.values[0], 'timeout')
        if (timeout === 0) throw new Error('timeout must not be zero')
        this.#node(firstAsNodeIndex(d)).rawNode.raft.randomizedElectionTimeout = timeout
        return
      }
      case 'stabilize':
        this.#handleStabilize(d)
        return
      case 'status':
        this.#handleStatus(firstAsNodeIndex(d))
        return
      case 'tick-election': {
        const node = this.#node(firstAsNodeIndex(d))
        for (let i = 0; i < node.config.electionTick; i++) node.rawNode.tick()
        return
      }
      case 'tick-heartbeat': {
        const node = this.#node(firstAsNodeIndex(d))
        for (let i = 0; i < node.config.heartbeatTick; i++) node.rawNode.tick()
        return
      }
      case 'transfer-leadership': {
        const from = parseInteger(findArg(d, 'from')?.values[0], 'from')
        const to = parseInteger(findArg(d, 'to')?.values[0], 'to')
        if (from === 0 || from > this.nodes.length) throw new Error('expected valid "from" argument')
        if (to === 0 || to > this.nodes.length) throw new Error('expected valid "to" argument')
        this.#node(from - 1).rawNode.transferLeader(BigInt(to))
        return
      }
      case 'forget-leader':
        this.#node(firstAsNodeIndex(d)).rawNode.forgetLeader()
        return
      case 'send-snapshot':
        this.sendSnapshot(firstAsNodeIndex(d), parseInteger(d.args[1]?.key, 'target node') - 1)
        return
      case 'propose': {
        const arg = d.args[1]
        if (d.args.length !== 2 || arg === undefined || arg.values.length > 0) {
          throw new Error('expected exactly one key with no vals')
        }
        this.#node(firstAsNodeIndex(d)).rawNode.propose(new TextEncoder().encode(arg.key))
        return
      }
      case 'propose-conf-change':
        this.#handleProposeConfChange(d)
        return
      case 'report-unreachable': {
        const indexes = nodeIndexes(d)
        if (indexes.length !== 2) {
          throw new Error('must specify exactly two node indexes: node on which to report, and reported node')
        }
        const [reporter, reported] = indexes as [number, number]
        this.#node(reporter).rawNode.reportUnreachable(this.#node(reported).rawNode.raft.id)
        return
      }
      default:
        throw new Error('unknown command')
    }
  }

  #node(index: number): InteractionNode {
    const node = this.nodes[index]
    if (node === undefined) throw new Error(`no node ${index + 1}`)
    return node
  }

  // Runs `action` for each listed node; with several, each block gets a header and indent.
  #forEachNode(d: DataDrivenCase, what: string, action: (index: number) => void): void {
    const indexes = nodeIndexes(d)
    for (const index of indexes) {
      if (indexes.length > 1) {
        this.output.write(`> ${index + 1} ${what}\n`)
        this.withIndent(() => action(index))
      } else {
        action(index)
      }
    }
  }

  /** Runs `action` with its output indented by two spaces. */
  withIndent(action: () => void): void {
    const outer = this.output.buffer
    this.output.buffer = []
    try {
      action()
    } finally {
      const inner = this.output.buffer.join('')
      this.output.buffer = outer
      if (inner !== '') {
        const lines = inner.endsWith('\n') ? inner.slice(0, -1).split('\n') : inner.split('\n')
        for (const line of lines) outer.push(`  ${line}\n`)
      }
    }
  }

  /** Sets the output level by name (any case): debug, info, warn, error, fatal, none. */
  setLogLevel(name: string): void {
    const level = (LEVEL_NAMES as readonly string[]).indexOf(name.toUpperCase())
    if (level < 0) throw new Error(`log levels must be either of [${LEVEL_NAMES.join(' ')}]`)
    this.output.level = level
  }

  #handleAddNodes(d: DataDrivenCase): void {
    const count = parseInteger(d.args[0]?.key, 'node count')
    const voters: NodeId[] = []
    const learners: NodeId[] = []
    let index = 0
    let content: Uint8Array = EMPTY_BYTES
    const config: {
      -readonly [K in keyof Config]?: Config[K]
    } = {
      electionTick: 3,
      heartbeatTick: 1,
      maxSizePerMsg: Number.POSITIVE_INFINITY,
      maxInflightMsgs: 2 ** 31 - 1,
    }
    for (const arg of d.args.slice(1)) {
      for (const value of arg.values) {
        switch (arg.key) {
          case 'voters':
            voters.push(BigInt(parseInteger(value, 'voters')))
            break
          case 'learners':
            learners.push(BigInt(parseInteger(value, 'learners')))
            break
          case 'inflight':
            config.maxInflightMsgs = parseInteger(value, 'inflight')
            break
          case 'index':
            index = parseInteger(value, 'index')
            config.applied = index
            break
          case 'content':
            content = new TextEncoder().encode(value)
            break
          case 'async-storage-writes':
            config.asyncStorageWrites = parseBool(value)
            break
          case 'prevote':
            config.preVote = parseBool(value)
            break
          case 'checkquorum':
            config.checkQuorum = parseBool(value)
            break
          case 'max-committed-size-per-ready':
            config.maxCommittedSizePerReady = parseInteger(value, 'max-committed-size-per-ready')
            break
          case 'disable-conf-change-validation':
            config.disableConfChangeValidation = parseBool(value)
            break
          case 'read-only':
            if (value === 'safe') config.readOnlyOption = ReadOnlyOption.ReadOnlySafe
            else if (value === 'lease-based') config.readOnlyOption = ReadOnlyOption.ReadOnlyLeaseBased
            else throw new Error(`invalid read-only option "${value}"`)
            break
          case 'step-down-on-removal':
            config.stepDownOnRemoval = parseBool(value)
            break
        }
      }
    }
    const bootstrap = voters.length > 0 || learners.length > 0 || index !== 0 || content.length > 0
    const snapshot: Snapshot = {
      data: content,
      metadata: {
        index,
        term: bootstrap ? 1 : 0,
        confState: { ...EMPTY_CONF_STATE, voters, learners },
      },
    }
    this.addNodes(count, config as Omit<Config, 'id' | 'storage'>, bootstrap ? snapshot : undefined)
  }

  /**
   * Adds `count` nodes with consecutive IDs, configured from `template`, each starting from
   * `snapshot` when given (its index must be above 1).
   */
  addNodes(count: number, template: Omit<Config, 'id' | 'storage'>, snapshot?: Snapshot): void {
    for (let i = 0; i < count; i++) {
      const id = BigInt(this.nodes.length + 1)
      const storage = new InteractionStorage(() => {
        const history = (this.nodes[Number(id) - 1] as InteractionNode).history
        return history[history.length - 1] as Snapshot
      })
      if (snapshot !== undefined) {
        // MemoryStorage does not play well with a snapshot at index 1; no loss of generality.
        if (snapshot.metadata.index <= 1) throw new Error('index must be specified as > 1 due to bootstrap')
        storage.applySnapshot(snapshot)
        const first = storage.firstIndex()
        if (first !== snapshot.metadata.index + 1) {
          throw new Error(`failed to establish first index ${snapshot.metadata.index + 1}; got ${first}`)
        }
      }
      const config: Config = { ...template, id, storage, logger: this.output }
      // The history must exist before the node starts: storage may ask for a snapshot.
      const node: { -readonly [K in keyof InteractionNode]: InteractionNode[K] } = {
        rawNode: undefined as unknown as RawNode,
        storage,
        config,
        appendWork: [],
        applyWork: [],
        history: [snapshot ?? emptySnapshot()],
      }
      this.nodes.push(node)
      node.rawNode = new RawNode(config)
    }
  }

  /** Takes a Ready from node `index`, prints it, and (without async writes) handles it whole. */
  processReady(index: number): void {
    const node = this.#node(index)
    const ready = node.rawNode.ready()
    this.output.write(describeReady(ready))
    const async = node.config.asyncStorageWrites ?? false
    if (!async) {
      processAppend(node, ready.hardState, ready.entries, ready.snapshot)
      processApply(node, ready.committedEntries)
    }
    for (const m of ready.messages) {
      if (isLocalMessageTarget(m.to)) {
        if (!async) throw new Error('unexpected local msg target')
        if (m.type === MessageType.MsgStorageAppend) node.appendWork.push(m)
        else if (m.type === MessageType.MsgStorageApply) node.applyWork.push(m)
        else throw new Error(`unexpected message type ${m.type}`)
      } else {
        this.messages.push(m)
      }
    }
    if (!async) node.rawNode.advance()
  }

  /** Runs one queued MsgStorageAppend of node `index` and queues its responses. */
  processAppendThread(index: number): void {
    const node = this.#node(index)
    const m = node.appendWork.shift()
    if (m === undefined) {
      this.output.write('no append work to perform')
      return
    }
    this.output.write('Processing:\n')
    this.output.write(`${describeMessage({ ...m, responses: [] })}\n`)
    const state: HardState = { term: m.term, vote: m.vote, commit: m.commit }
    processAppend(node, state, m.entries, m.snapshot ?? emptySnapshot())
    this.output.write('Responses:\n')
    for (const response of m.responses) this.output.write(`${describeMessage(response)}\n`)
    this.messages.push(...m.responses)
  }

  /** Runs one queued MsgStorageApply of node `index` and queues its responses. */
  processApplyThread(index: number): void {
    const node = this.#node(index)
    const m = node.applyWork.shift()
    if (m === undefined) {
      this.output.write('no apply work to perform')
      return
    }
    this.output.write('Processing:\n')
    this.output.write(`${describeMessage({ ...m, responses: [] })}\n`)
    processApply(node, m.entries)
    this.output.write('Responses:\n')
    for (const response of m.responses) this.output.write(`${describeMessage(response)}\n`)
    this.messages.push(...m.responses)
  }

  #handleDeliverMessages(d: DataDrivenCase): void {
    let type: MessageType | undefined
    const recipients: Recipient[] = []
    for (const arg of d.args) {
      if (arg.values.length === 0) recipients.push({ id: BigInt(parseInteger(arg.key, 'recipient')) })
      for (const value of arg.values) {
        if (arg.key === 'drop') {
          const id = BigInt(parseInteger(value, 'drop'))
          if (recipients.some((r) => r.id === id)) throw new Error(`can't both deliver and drop msgs to ${id}`)
          recipients.push({ id, drop: true })
        } else if (arg.key === 'type') {
          type = messageTypeFromName(value)
          if (type === undefined) throw new Error(`unknown message type ${value}`)
        }
      }
    }
    if (this.deliverMessages(type, recipients) === 0) this.output.write('no messages\n')
  }

  /**
   * Delivers (or drops) the queued messages for each recipient in turn, in queue order, only
   * of `type` when given. Local messages are never dropped. Returns how many were handled.
   */
  deliverMessages(type: MessageType | undefined, recipients: readonly Recipient[]): number {
    let handled = 0
    for (const recipient of recipients) {
      const drop = recipient.drop ?? false
      const mine: Message[] = []
      const rest: Message[] = []
      for (const m of this.messages) {
        const matches =
          m.to === recipient.id && !(drop && isLocalMessageTarget(m.from)) && (type === undefined || m.type === type)
        ;(matches ? mine : rest).push(m)
      }
      this.messages = rest
      handled += mine.length
      for (const m of mine) {
        this.output.write(`${drop ? 'dropped: ' : ''}${describeMessage(m)}\n`)
        if (drop) continue
        try {
          this.#node(Number(m.to) - 1).rawNode.step(m)
        } catch (error) {
          this.output.write(`${error instanceof Error ? error.message : String(error)}\n`)
        }
      }
    }
    return handled
  }

  #handleStabilize(d: DataDrivenCase): void {
    const levelArg = findArg(d, 'log-level')
    const previous = this.output.level
    try {
      for (const value of levelArg?.values ?? []) this.setLogLevel(value)
      this.stabilize(nodeIndexes(d))
    } finally {
      if (levelArg !== undefined) this.output.level = previous
    }
  }

  /**
   * Handles Readies, delivers messages and runs the local threads of the given nodes (all when
   * none are given) until nothing changes.
   */
  stabilize(indexes: readonly number[]): void {
    const nodes = indexes.length > 0 ? indexes.map((i) => this.#node(i)) : [...this.nodes]
    for (;;) {
      let done = true
      for (const node of nodes) {
        if (!node.rawNode.hasReady()) continue
        const index = Number(node.rawNode.raft.id) - 1
        this.output.write(`> ${index + 1} handling Ready\n`)
        this.withIndent(() => this.processReady(index))
        done = false
      }
      for (const node of nodes) {
        const id = node.rawNode.raft.id
        if (!this.messages.some((m) => m.to === id)) continue
        this.output.write(`> ${id} receiving messages\n`)
        this.withIndent(() => this.deliverMessages(undefined, [{ id }]))
        done = false
      }
      for (const node of nodes) {
        if (node.appendWork.length === 0) continue
        const index = Number(node.rawNode.raft.id) - 1
        this.output.write(`> ${index + 1} processing append thread\n`)
        while (node.appendWork.length > 0) this.withIndent(() => this.processAppendThread(index))
        done = false
      }
      for (const node of nodes) {
        if (node.applyWork.length === 0) continue
        const index = Number(node.rawNode.raft.id) - 1
        this.output.write(`> ${index + 1} processing apply thread\n`)
        while (node.applyWork.length > 0) this.withIndent(() => this.processApplyThread(index))
        done = false
      }
      if (done) return
    }
  }

  /** Prints node `index`'s stored log. */
  raftLog(index: number): void {
    const storage = this.#node(index).storage
    const first = storage.firstIndex()
    const last = storage.lastIndex()
    if (last < first) {
      this.output.write(`log is empty: first index=${first}, last index=${last}`)
      return
    }
    this.output.write(describeEntries(storage.entries(first, last + 1, Number.POSITIVE_INFINITY)))
  }

  /** Compacts node `index`'s storage so that `newFirstIndex` is its first index, then prints the log. */
  compact(index: number, newFirstIndex: Index): void {
    this.#node(index).storage.compact(newFirstIndex)
    this.raftLog(index)
  }

  #handleRaftState(): void {
    for (const node of this.nodes) {
      const status = node.rawNode.status()
      const voter = status.config.voters.ids().has(status.id) ? '(Voter)' : '(Non-Voter)'
      this.output.write(
        `${status.id}: ${describeStateType(status.raftState)} ${voter} Term:${status.term} Lead:${status.lead}\n`,
      )
    }
  }

  #handleStatus(index: number): void {
    const progress = new ProgressMap()
    for (const [id, pr] of this.#node(index).rawNode.status().progress) progress.set(id, pr)
    this.output.write(progress.toString())
  }

  /** Queues a MsgSnap from node `fromIndex` to `toIndex` with its newest snapshot and term. */
  sendSnapshot(fromIndex: number, toIndex: number): void {
    const from = this.#node(fromIndex)
    const message = createMessage({
      type: MessageType.MsgSnap,
      term: from.rawNode.basicStatus().term,
      from: BigInt(fromIndex + 1),
      to: BigInt(toIndex + 1),
      snapshot: from.storage.snapshot(),
    })
    this.messages.push(message)
    this.output.write(describeMessage(message))
  }

  #handleProposeConfChange(d: DataDrivenCase): void {
    let v1 = false
    let transition: ConfChangeTransition = ConfChangeTransition.ConfChangeTransitionAuto
    for (const arg of d.args.slice(1)) {
      for (const value of arg.values) {
        if (arg.key === 'v1') {
          v1 = parseBool(value)
        } else if (arg.key === 'transition') {
          const transitions: Record<string, ConfChangeTransition> = {
            auto: ConfChangeTransition.ConfChangeTransitionAuto,
            implicit: ConfChangeTransition.ConfChangeTransitionJointImplicit,
            explicit: ConfChangeTransition.ConfChangeTransitionJointExplicit,
          }
          const parsed = transitions[value]
          if (parsed === undefined) throw new Error(`unknown transition ${value}`)
          transition = parsed
        } else {
          throw new Error(`unknown command ${arg.key}`)
        }
      }
    }
    const changes = confChangesFromString(d.input)
    let cc: ConfChange | ConfChangeV2
    if (v1) {
      const [change] = changes
      if (changes.length > 1 || change === undefined || transition !== ConfChangeTransition.ConfChangeTransitionAuto) {
        throw new Error('v1 conf change can only have one operation and no transition')
      }
      cc = { id: 0n, type: change.type, nodeId: change.nodeId, context: EMPTY_BYTES }
    } else {
      cc = { transition, changes, context: EMPTY_BYTES }
    }
    this.#node(firstAsNodeIndex(d)).rawNode.proposeConfChange(cc)
  }
}

/** MemoryStorage whose snapshot is the node's newest applied state (the harness's state machine). */
class InteractionStorage extends MemoryStorage {
  readonly #newestSnapshot: () => Snapshot
  constructor(newestSnapshot: () => Snapshot) {
    super()
    this.#newestSnapshot = newestSnapshot
  }
  override snapshot(): Snapshot {
    return this.#newestSnapshot()
  }
}

function processAppend(node: InteractionNode, state: HardState, entries: readonly Entry[], snapshot: Snapshot): void {
  if (!isEmptyHardState(state)) node.storage.setHardState(state)
  if (!isEmptySnapshot(snapshot)) {
    if (entries.length > 0) throw new Error("can't apply snapshot and entries at the same time")
    node.storage.applySnapshot(snapshot)
    return
  }
  node.storage.append(entries)
}

function processApply(node: InteractionNode, entries: readonly Entry[]): void {
  for (const entry of entries) {
    let update: Uint8Array
    let confState: ConfState | undefined
    if (entry.type === EntryType.EntryConfChange) {
      const cc = decodeConfChange(entry.data)
      update = cc.context
      confState = node.rawNode.applyConfChange(cc)
    } else if (entry.type === EntryType.EntryConfChangeV2) {
      const cc = decodeConfChangeV2(entry.data)
      confState = node.rawNode.applyConfChange(cc)
      update = cc.context
    } else {
      update = entry.data
    }
    // The state machine appends each payload to the previous state.
    const previous = node.history[node.history.length - 1] as Snapshot
    const data = new Uint8Array(previous.data.length + update.length)
    data.set(previous.data)
    data.set(update, previous.data.length)
    node.history.push({
      data,
      metadata: { index: entry.index, term: entry.term, confState: confState ?? previous.metadata.confState },
    })
  }
}

function emptySnapshot(): Snapshot {
  return { data: EMPTY_BYTES, metadata: { index: 0, term: 0, confState: EMPTY_CONF_STATE } }
}

function firstAsNodeIndex(d: DataDrivenCase): number {
  return parseInteger(d.args[0]?.key, 'node id') - 1
}

// The bare numeric arguments, as node indexes.
function nodeIndexes(d: DataDrivenCase): number[] {
  return d.args.filter((arg) => arg.values.length === 0).map((arg) => parseInteger(arg.key, 'node id') - 1)
}

function parseInteger(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new Error(`invalid ${what}: ${text}`)
  return Number(text)
}

function parseBool(text: string): boolean {
  if (text === 'true' || text === '1' || text === 't' || text === 'T' || text === 'TRUE' || text === 'True') return true
  if (text === 'false' || text === '0' || text === 'f' || text === 'F' || text === 'FALSE' || text === 'False')
    return false
  throw new Error(`strconv.ParseBool: parsing "${text}": invalid syntax`)
}
