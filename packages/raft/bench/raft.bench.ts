// Measures @etcd-ts/raft on its own: proposals committed per second by clusters of 1, 3 and 5
// RawNodes living in this process, with no I/O at all. Storage is a MemoryStorage per node,
// messages are handed from one node to another by plain function calls, and every node runs
// the synchronous Ready loop (persist → send → apply → advance).
//
//   npm run bench                  (in packages/raft)
//   node --conditions=@etcd-ts/source --import tsx bench/raft.bench.ts
//
// RAFT_BENCH_MS overrides the measured duration of each scenario (default 2000 ms);
// RAFT_BENCH_FILTER runs only the scenarios whose name contains it (e.g. '3 members, batch 64').
// For a profile, add --cpu-prof (writes a .cpuprofile for Chrome DevTools).
//
// What is measured
// ----------------
// "entries/s" counts normal entries carrying a payload that the LEADER has seen in
// Ready.committedEntries and applied (the harness's apply is a counter), per second of wall
// time, over a fixed window that follows a warm-up on the same cluster. It includes the whole
// cluster's work, since all members share this one thread: the followers' Ready loops and the
// message hand-offs are part of every round. "MB/s" is payload bytes (10^6) per second on the
// same count. Raft's own overhead (terms, indexes, the empty entry of a new leader) is not
// counted. The figures bound what raft alone allows; a real server adds the WAL fsync, the
// network and the state machine on top.
//
// How the cluster is driven (pipelined, as a real server drives raft)
// ---------------------------------------------------------------------
// One "round" is:
//
//   1. the leader is handed `batch` proposals (RawNode.propose, one entry each), unless the
//      proposals not yet applied on the leader already fill a window of PIPELINE_BATCHES
//      batches; then
//   2. each member in turn (leader first) steps every message waiting in its inbox, then
//      processes at most ONE Ready: setHardState + append to its MemoryStorage, push each
//      outgoing message onto its recipient's inbox, apply the committed entries, advance().
//
// Proposals keep coming while earlier batches are still being replicated, which is what etcd's
// raft loop does: every Ready persists the proposals that arrived since the last one and
// applies what committed meanwhile. In steady state one round appends batch r on every member
// and commits and applies batch r-1 (the followers' acknowledgements of round r-1 are stepped by
// the leader at the start of round r). A single member commits its own entries on advance(),
// and applies them in its next Ready. Nothing ticks: no heartbeats or elections happen during
// a measurement (an idle-time cost, not a throughput one).
//
// One payload array is proposed over and over (raft keeps the reference, never copies or mutates
// it), so the harness allocates nothing per proposal; inboxes are reused arrays.
//
// Each MemoryStorage is compacted as it goes (createSnapshot + compact, keeping KEEP_ENTRIES
// applied entries for followers that lag), so memory stays bounded however long the run.
import os from 'node:os'
import {
  type ConfState,
  EMPTY_BYTES,
  EntryType,
  isEmptyHardState,
  isEmptySnapshot,
  MemoryStorage,
  type Message,
  type NodeId,
  RawNode,
  StateType,
} from '@etcd-ts/raft'

const MEASURE_MS = Number(process.env.RAFT_BENCH_MS ?? 2000)
const WARMUP_MS = Math.min(500, MEASURE_MS)
/** Rounds between two reads of the clock when rounds are short (batches of 1). */
const ROUNDS_PER_CLOCK_CHECK = 32
/** Proposals not yet applied on the leader are capped at this many batches. */
const PIPELINE_BATCHES = 8
/** Compact a member's storage once this many entries were applied since the last compaction. */
const COMPACT_EVERY = 16_384
/** Applied entries kept in storage after a compaction, for followers that lag. */
const KEEP_ENTRIES = 4096

interface Scenario {
  readonly members: number
  readonly batch: number
  readonly payloadBytes: number
}

interface Member {
  readonly id: NodeId
  readonly storage: MemoryStorage
  readonly node: RawNode
  // Messages for this member, stepped at the start of its turn. Reused: cleared, never replaced.
  readonly inbox: Message[]
  /** The index of the last entry applied. */
  applied: number
  /** Normal entries with a payload applied, and their payload bytes. */
  appliedEntries: number
  appliedBytes: number
  /** The index below which the storage was last compacted. */
  compactedTo: number
  /** The applied index at the last compaction check. */
  lastSnapshot: number
}

interface Counters {
  rounds: number
  readies: number
  messages: number
  compactions: number
}

class Cluster {
  readonly members: Member[] = []
  readonly confState: ConfState
  readonly counters: Counters = { rounds: 0, readies: 0, messages: 0, compactions: 0 }
  proposed = 0

  constructor(size: number) {
    const voters: NodeId[] = []
    for (let i = 1; i <= size; i++) voters.push(BigInt(i))
    this.confState = { voters, learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }
    // A seeded random source: every run elects and behaves the same way.
    let seed = 42
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }
    for (const id of voters) {
      // Start from a snapshot at index 1 holding the membership, as etcd's tests do.
      const storage = new MemoryStorage()
      storage.applySnapshot({ data: EMPTY_BYTES, metadata: { index: 1, term: 1, confState: this.confState } })
      const node = new RawNode({
        id,
        storage,
        electionTick: 10,
        heartbeatTick: 1,
        // etcd's settings (server/etcdserver/raft.go).
        maxSizePerMsg: 1024 * 1024,
        maxInflightMsgs: 512,
        maxUncommittedEntriesSize: 1 << 30,
        checkQuorum: true,
        preVote: true,
        random,
      })
      this.members.push({
        id,
        storage,
        node,
        inbox: [],
        applied: 1,
        appliedEntries: 0,
        appliedBytes: 0,
        compactedTo: 1,
        lastSnapshot: 1,
      })
    }
  }

  get leader(): Member {
    return this.members[0] as Member
  }

  /** Elects member 1 and waits until every member has applied the new leader's empty entry. */
  elect(): void {
    this.leader.node.campaign()
    for (let i = 0; i < 100 && !this.isQuiescent(); i++) this.round()
    if (this.leader.node.basicStatus().raftState !== StateType.StateLeader) throw new Error('member 1 was not elected')
    this.checkConverged()
  }

  /** Rounds with proposals of `batch` entries of `payload` for about `durationMs`. */
  run(durationMs: number, batch: number, payload: Uint8Array): void {
    const window = batch * PIPELINE_BATCHES
    const leader = this.leader
    const roundsPerClockCheck = batch === 1 ? ROUNDS_PER_CLOCK_CHECK : 1
    const start = performance.now()
    do {
      for (let i = 0; i < roundsPerClockCheck; i++) {
        if (this.proposed - leader.appliedEntries + batch <= window) {
          for (let j = 0; j < batch; j++) leader.node.propose(payload)
          this.proposed += batch
        }
        this.round()
      }
    } while (performance.now() - start < durationMs)
  }

  /** One round: each member steps its inbox, then handles one Ready. */
  round(): void {
    const counters = this.counters
    counters.rounds++
    for (const member of this.members) {
      const { node, storage, inbox } = member
      if (inbox.length > 0) {
        // Stepping never adds to this member's own inbox: that only happens in handleReady.
        for (let i = 0; i < inbox.length; i++) node.step(inbox[i] as Message)
        inbox.length = 0
      }
      if (!node.hasReady()) continue
      const rd = node.ready()
      counters.readies++

      // 1. Persist.
      if (!isEmptySnapshot(rd.snapshot)) throw new Error('unexpected snapshot: a follower fell behind compaction')
      if (!isEmptyHardState(rd.hardState)) storage.setHardState(rd.hardState)
      if (rd.entries.length > 0) storage.append(rd.entries)
      // 2. Send.
      const messages = rd.messages
      counters.messages += messages.length
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i] as Message
        const target = this.members[Number(message.to) - 1]
        if (target === undefined) throw new Error(`message to unknown member ${message.to}`)
        target.inbox.push(message)
      }
      // 3. Apply.
      const committed = rd.committedEntries
      for (let i = 0; i < committed.length; i++) {
        const entry = committed[i] as (typeof committed)[number]
        if (entry.type !== EntryType.EntryNormal) throw new Error(`unexpected entry type ${entry.type}`)
        if (entry.data.length > 0) {
          member.appliedEntries++
          member.appliedBytes += entry.data.length
        }
        member.applied = entry.index
      }
      // 4. Done.
      node.advance()

      if (member.applied - member.lastSnapshot >= COMPACT_EVERY) this.compact(member)
    }
  }

  // What etcd does after applying: snapshot the state machine (empty here) and drop the log
  // below it, keeping a tail for slow followers.
  compact(member: Member): void {
    member.storage.createSnapshot(member.applied, this.confState, EMPTY_BYTES)
    member.lastSnapshot = member.applied
    const compactIndex = member.applied - KEEP_ENTRIES
    if (compactIndex > member.compactedTo) {
      member.storage.compact(compactIndex)
      member.compactedTo = compactIndex
      this.counters.compactions++
    }
  }

  isQuiescent(): boolean {
    for (const member of this.members) if (member.inbox.length > 0 || member.node.hasReady()) return false
    return true
  }

  /** Runs rounds without proposing until nothing moves. */
  drain(): void {
    for (let i = 0; i < 10_000 && !this.isQuiescent(); i++) this.round()
    if (!this.isQuiescent()) throw new Error('the cluster did not quiesce')
  }

  /** Throws unless every member applied everything the leader applied, and all it proposed. */
  checkConverged(): void {
    const leader = this.leader
    if (leader.appliedEntries !== this.proposed) {
      throw new Error(`leader applied ${leader.appliedEntries} entries of ${this.proposed} proposed`)
    }
    for (const member of this.members) {
      if (member.applied !== leader.applied || member.appliedEntries !== leader.appliedEntries) {
        throw new Error(
          `member ${member.id} applied ${member.appliedEntries} entries up to ${member.applied}, ` +
            `leader ${leader.appliedEntries} up to ${leader.applied}`,
        )
      }
    }
  }
}

interface Result {
  readonly name: string
  readonly entriesPerSecond: number
  readonly megabytesPerSecond: number
  readonly rounds: number
  readonly readies: number
  readonly entriesPerRound: number
  readonly microsPerRound: number
  readonly messagesPerEntry: number
  readonly compactions: number
}

function scenarioName({ members, batch, payloadBytes }: Scenario): string {
  return `${members} member${members === 1 ? ' ' : 's'}, batch ${String(batch).padStart(2)}, ${payloadBytes} B`
}

function runScenario(scenario: Scenario): Result {
  const { members, batch, payloadBytes } = scenario
  const name = scenarioName(scenario)
  const cluster = new Cluster(members)
  cluster.elect()
  const payload = new Uint8Array(payloadBytes).fill(0x61)

  cluster.run(WARMUP_MS, batch, payload)

  const leader = cluster.leader
  const entries0 = leader.appliedEntries
  const bytes0 = leader.appliedBytes
  const before = { ...cluster.counters }
  const start = performance.now()
  cluster.run(MEASURE_MS, batch, payload)
  const seconds = (performance.now() - start) / 1000
  const entries = leader.appliedEntries - entries0
  const bytes = leader.appliedBytes - bytes0
  const rounds = cluster.counters.rounds - before.rounds

  const result: Result = {
    name,
    entriesPerSecond: entries / seconds,
    megabytesPerSecond: bytes / seconds / 1e6,
    rounds,
    readies: cluster.counters.readies - before.readies,
    entriesPerRound: entries / rounds,
    microsPerRound: (seconds * 1e6) / rounds,
    messagesPerEntry: (cluster.counters.messages - before.messages) / entries,
    compactions: cluster.counters.compactions - before.compactions,
  }
  // Not measured: everything proposed must reach every member.
  cluster.drain()
  cluster.checkConverged()
  return result
}

const SCENARIOS: readonly Scenario[] = [
  { members: 1, batch: 1, payloadBytes: 16 },
  { members: 1, batch: 64, payloadBytes: 16 },
  { members: 3, batch: 1, payloadBytes: 16 },
  { members: 3, batch: 64, payloadBytes: 16 },
  { members: 5, batch: 1, payloadBytes: 16 },
  { members: 5, batch: 64, payloadBytes: 16 },
  { members: 3, batch: 64, payloadBytes: 1024 },
]

const cpus = os.cpus()
console.log('@etcd-ts/raft bench: in-process cluster, MemoryStorage, no I/O')
console.log(`date    ${new Date().toISOString()}`)
console.log(`node    ${process.version} (${process.platform}/${process.arch})`)
console.log(`cpu     ${cpus[0]?.model ?? 'unknown'} × ${cpus.length} cores`)
console.log(`window  ${WARMUP_MS} ms warm-up, then ${MEASURE_MS} ms measured per scenario`)
console.log()

const HEADER = [
  'scenario',
  'entries/s',
  'MB/s',
  'rounds',
  'Readys (all)',
  'entries/round',
  'µs/round',
  'msgs/entry',
  'compactions',
]
// Wide enough for 9-digit counts with separators, and for the longest scenario name.
const widths = HEADER.map((h, i) => (i === 0 ? 28 : Math.max(h.length, 11)))
function printRow(cells: readonly string[]): void {
  console.log(
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
  )
}
printRow(HEADER)
const filter = process.env.RAFT_BENCH_FILTER ?? ''
for (const scenario of SCENARIOS) {
  if (!scenarioName(scenario).includes(filter)) continue
  const r = runScenario(scenario)
  const row = [
    r.name,
    Math.round(r.entriesPerSecond).toLocaleString('en'),
    r.megabytesPerSecond.toFixed(2),
    r.rounds.toLocaleString('en'),
    r.readies.toLocaleString('en'),
    r.entriesPerRound.toFixed(1),
    r.microsPerRound.toFixed(1),
    r.messagesPerEntry.toFixed(2),
    String(r.compactions),
  ]
  printRow(row)
}
console.log()
console.log('entries/s, MB/s: payload entries (bytes) applied on the leader per second of wall time, whole cluster on')
console.log('one thread. rounds: leader proposes a batch, then every member steps its inbox and handles one Ready.')
console.log('Readys (all): Readys handled by all members. msgs/entry: messages between members per entry.')
console.log('compactions: MemoryStorage compactions (all members) during the measured window.')
