// RawNode: the synchronous driver. Bootstrap and restart, the Ready/Advance contract, what
// step() refuses, asynchronous storage writes, pagination of committed entries, status.
// Scenarios of etcd-io/raft's rawnode_test.go, written for this port.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ConfChangeType,
  type Config,
  createMessage,
  decodeConfChange,
  EMPTY_HARD_STATE,
  type Entry,
  EntryType,
  entrySize,
  isEmptyHardState,
  isEmptySnapshot,
  isLocalMessage,
  LOCAL_APPEND_THREAD,
  LOCAL_APPLY_THREAD,
  MemoryStorage,
  type Message,
  MessageType,
  mustSync,
  type NodeId,
  ProgressState,
  ProgressType,
  RawNode,
  type Ready,
  StateType,
} from '@etcd-ts/raft'
import { bytes, entry, must, Network, seededRandom, TestStorage } from './helpers/network.js'

const config = (storage: MemoryStorage, extra: Partial<Config> = {}): Config => ({
  id: 1n,
  electionTick: 10,
  heartbeatTick: 1,
  storage,
  random: seededRandom(1),
  ...extra,
})

/** Persists a Ready, applies its conf changes, and advances. */
function handle(node: RawNode, storage: MemoryStorage, rd: Ready): void {
  if (!isEmptySnapshot(rd.snapshot)) storage.applySnapshot(rd.snapshot)
  storage.append(rd.entries)
  if (!isEmptyHardState(rd.hardState)) storage.setHardState(rd.hardState)
  for (const e of rd.committedEntries) {
    if (e.type === EntryType.EntryConfChange) node.applyConfChange(decodeConfChange(e.data))
  }
  node.advance()
}

/** Runs the Ready loop until the node settles; returns every Ready. */
function drain(node: RawNode, storage: MemoryStorage): Ready[] {
  const readies: Ready[] = []
  while (node.hasReady()) {
    const rd = node.ready()
    readies.push(rd)
    handle(node, storage, rd)
    assert.ok(readies.length < 100, 'the Ready loop does not settle')
  }
  return readies
}

const committedOf = (readies: readonly Ready[]): Entry[] => readies.flatMap((rd) => rd.committedEntries)

describe('RawNode.bootstrap', () => {
  it('the first Ready carries the conf change entries, committed, and a HardState', () => {
    const storage = new MemoryStorage()
    const node = new RawNode(config(storage))
    node.bootstrap([{ id: 1n }, { id: 2n, context: bytes('member 2') }])
    assert.equal(node.hasReady(), true)
    const rd = node.ready()
    assert.equal(rd.softState, undefined)
    assert.deepEqual(rd.hardState, { term: 1, vote: 0n, commit: 2 })
    assert.equal(rd.mustSync, true)
    assert.deepEqual(rd.messages, [])
    assert.deepEqual(
      rd.entries.map((e) => [e.term, e.index, e.type]),
      [
        [1, 1, EntryType.EntryConfChange],
        [1, 2, EntryType.EntryConfChange],
      ],
    )
    assert.deepEqual(rd.committedEntries, rd.entries)
    assert.deepEqual(
      rd.entries.map((e) => decodeConfChange(e.data)),
      [
        { id: 0n, type: ConfChangeType.ConfChangeAddNode, nodeId: 1n, context: bytes('') },
        { id: 0n, type: ConfChangeType.ConfChangeAddNode, nodeId: 2n, context: bytes('member 2') },
      ],
    )
    handle(node, storage, rd)
    assert.equal(node.status().config.toString(), 'voters=(1 2)')
    // It can campaign at once: a vote request goes to node 2.
    node.campaign()
    const votes = node.ready().messages
    assert.deepEqual(
      votes.map((m) => [m.type, m.to, m.term, m.index, m.logTerm]),
      [[MessageType.MsgVote, 2n, 2, 2, 1]],
    )
  })

  it('a one-node cluster elects itself and commits proposals', () => {
    const storage = new MemoryStorage()
    const node = new RawNode(config(storage))
    node.bootstrap([{ id: 1n }])
    const first = drain(node, storage)
    assert.equal(first.length, 1)
    assert.deepEqual(must(first[0]).hardState, { term: 1, vote: 0n, commit: 1 })
    node.campaign()
    const election = drain(node, storage)
    assert.deepEqual(must(election[0]).softState, { lead: 0n, raftState: StateType.StateCandidate })
    assert.deepEqual(must(election[0]).hardState, { term: 2, vote: 1n, commit: 1 })
    assert.equal(node.basicStatus().raftState, StateType.StateLeader)
    node.propose(bytes('foo'))
    const proposed = drain(node, storage)
    assert.deepEqual(must(proposed[0]).entries, [entry(3, 2, 'foo')])
    assert.deepEqual(
      committedOf([...first, ...election, ...proposed]).map((e) => [e.index, e.term, e.type]),
      [
        [1, 1, EntryType.EntryConfChange],
        [2, 2, EntryType.EntryNormal],
        [3, 2, EntryType.EntryNormal],
      ],
    )
    assert.deepEqual(storage.initialState().hardState, { term: 2, vote: 1n, commit: 3 })
  })

  it('refuses no peers (TypeError) and a storage that is not empty (RangeError)', () => {
    assert.throws(() => new RawNode(config(new MemoryStorage())).bootstrap([]), TypeError)
    const storage = new MemoryStorage()
    storage.append([entry(1, 1)])
    assert.throws(() => new RawNode(config(storage)).bootstrap([{ id: 1n }]), RangeError)
  })
})

describe('restarting from storage', () => {
  it('hands out the committed entries again, but no HardState or entries', () => {
    const storage = new TestStorage([1n])
    storage.setHardState({ term: 1, vote: 0n, commit: 1 })
    storage.append([entry(1, 1), entry(2, 1, 'foo')])
    const node = new RawNode(config(storage))
    const rd = node.ready()
    assert.deepEqual(rd.hardState, EMPTY_HARD_STATE)
    assert.deepEqual(rd.entries, [])
    assert.deepEqual(rd.committedEntries, [entry(1, 1)])
    assert.equal(rd.mustSync, false)
    assert.equal(rd.softState, undefined)
    node.advance()
    assert.equal(node.hasReady(), false)
    assert.deepEqual(node.basicStatus(), {
      id: 1n,
      term: 1,
      vote: 0n,
      commit: 1,
      lead: 0n,
      raftState: StateType.StateFollower,
      applied: 1,
      leadTransferee: 0n,
    })
  })

  it('from a snapshot: the log restarts after it, the configuration comes from it', () => {
    const storage = new MemoryStorage()
    storage.applySnapshot({
      data: bytes('state'),
      metadata: {
        index: 2,
        term: 1,
        confState: { voters: [1n, 2n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
      },
    })
    storage.append([entry(3, 1, 'foo')])
    storage.setHardState({ term: 1, vote: 0n, commit: 3 })
    const node = new RawNode(config(storage))
    const rd = node.ready()
    assert.deepEqual(rd.committedEntries, [entry(3, 1, 'foo')])
    assert.ok(isEmptySnapshot(rd.snapshot))
    node.advance()
    assert.equal(node.hasReady(), false)
    assert.equal(node.status().config.toString(), 'voters=(1 2)')
  })

  it('with applied: committed entries up to it are not handed out again', () => {
    const storage = new TestStorage([1n])
    storage.append([entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 1, 'c'), entry(4, 1, 'd'), entry(5, 1, 'e')])
    storage.setHardState({ term: 1, vote: 1n, commit: 5 })
    const node = new RawNode(config(storage, { applied: 3 }))
    assert.equal(node.basicStatus().applied, 3)
    const readies = drain(node, storage)
    assert.deepEqual(committedOf(readies), [entry(4, 1, 'd'), entry(5, 1, 'e')])
    assert.equal(node.basicStatus().applied, 5)
  })

  it('with applied past the commit index: the log was lost (RaftInvariantError)', () => {
    const storage = new TestStorage([1n])
    storage.append([entry(1, 1), entry(2, 1)])
    storage.setHardState({ term: 1, vote: 0n, commit: 1 })
    assert.throws(() => new RawNode(config(storage, { applied: 2 })), { code: 'RAFT_INVARIANT_VIOLATED' })
  })

  it('a HardState commit past the last index is refused (RaftInvariantError)', () => {
    const storage = new TestStorage([1n])
    storage.append([entry(1, 1)])
    storage.setHardState({ term: 1, vote: 0n, commit: 5 })
    assert.throws(() => new RawNode(config(storage)), { code: 'RAFT_INVARIANT_VIOLATED' })
  })

  it('a restarted cluster member rejoins its leader', () => {
    const net = new Network({ voters: [1n, 2n, 3n] })
    net.campaign(1n)
    net.propose(1n, 'a')
    net.propose(1n, 'b')
    const before = net.node(2n).applied.length
    net.restart(2n)
    net.propose(1n, 'c')
    // Entries applied before the restart are not applied again.
    assert.deepEqual(
      net
        .node(2n)
        .applied.slice(before)
        .map((e) => new TextDecoder().decode(e.data)),
      ['c'],
    )
    assert.equal(net.raft(2n).lead, 1n)
  })
})

describe('maxCommittedSizePerReady', () => {
  it('pages committed entries, the next page only after the previous one is applied', () => {
    const entries = Array.from({ length: 10 }, (_, i) => entry(i + 1, 1, 'a'))
    const size = entrySize(must(entries[0]))
    const storage = new TestStorage([1n])
    storage.append(entries)
    storage.setHardState({ term: 1, vote: 1n, commit: 10 })
    const node = new RawNode(config(storage, { maxCommittedSizePerReady: 3 * size }))
    const pages: number[][] = []
    while (node.hasReady()) {
      const rd = node.ready()
      assert.ok(rd.committedEntries.length > 0)
      assert.ok(rd.committedEntries.reduce((n, e) => n + entrySize(e), 0) <= 3 * size)
      pages.push(rd.committedEntries.map((e) => e.index))
      // Nothing more until this page is applied.
      assert.equal(node.hasReady(), false)
      node.advance()
    }
    assert.deepEqual(pages, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]])
  })

  it('defaults to maxSizePerMsg', () => {
    const entries = Array.from({ length: 6 }, (_, i) => entry(i + 1, 1, 'a'))
    const size = entrySize(must(entries[0]))
    const storage = new TestStorage([1n])
    storage.append(entries)
    storage.setHardState({ term: 1, vote: 1n, commit: 6 })
    const node = new RawNode(config(storage, { maxSizePerMsg: 2 * size }))
    assert.deepEqual(
      drain(node, storage).map((rd) => rd.committedEntries.length),
      [2, 2, 2],
    )
  })
})

describe('RawNode.step', () => {
  const LOCAL: MessageType[] = [
    MessageType.MsgHup,
    MessageType.MsgBeat,
    MessageType.MsgUnreachable,
    MessageType.MsgSnapStatus,
    MessageType.MsgCheckQuorum,
    MessageType.MsgStorageAppend,
    MessageType.MsgStorageAppendResp,
    MessageType.MsgStorageApply,
    MessageType.MsgStorageApplyResp,
  ]
  const newNode = () => {
    const storage = new TestStorage([1n, 2n])
    storage.append([entry(1, 1)])
    storage.setHardState({ term: 1, vote: 0n, commit: 1 })
    return new RawNode(config(storage))
  }

  for (const type of Object.values(MessageType)) {
    const local = LOCAL.includes(type)
    it(`${local ? 'refuses' : 'accepts'} ${Object.keys(MessageType)[type]} from the network`, () => {
      assert.equal(isLocalMessage(type), local)
      const node = newNode()
      const message = createMessage({
        type,
        from: 2n,
        to: 1n,
        entries: type === MessageType.MsgProp ? [entry(0, 0)] : [],
      })
      if (local) {
        assert.throws(() => node.step(message), { name: 'StepLocalMessageError', code: 'RAFT_STEP_LOCAL_MESSAGE' })
      } else {
        try {
          node.step(message)
        } catch (error) {
          // A follower without a leader drops proposals; nothing else may throw.
          assert.equal(type, MessageType.MsgProp)
          assert.equal((error as { code?: string }).code, 'RAFT_PROPOSAL_DROPPED')
        }
      }
    })
  }

  for (const type of [
    MessageType.MsgAppResp,
    MessageType.MsgVoteResp,
    MessageType.MsgHeartbeatResp,
    MessageType.MsgReadIndexResp,
    MessageType.MsgPreVoteResp,
  ]) {
    it(`refuses ${Object.keys(MessageType)[type]} from a peer not in the configuration`, () => {
      const node = newNode()
      assert.throws(() => node.step(createMessage({ type, from: 9n, to: 1n, term: 1 })), {
        name: 'StepPeerNotFoundError',
        code: 'RAFT_STEP_PEER_NOT_FOUND',
      })
      // From a member it is fine.
      node.step(createMessage({ type, from: 2n, to: 1n, term: 1 }))
    })
  }

  it('accepts storage responses from the local threads', () => {
    const node = newNode()
    node.step(createMessage({ type: MessageType.MsgStorageAppendResp, from: LOCAL_APPEND_THREAD, to: 1n }))
    node.step(createMessage({ type: MessageType.MsgStorageApplyResp, from: LOCAL_APPLY_THREAD, to: 1n }))
    assert.equal(node.basicStatus().term, 1)
  })
})

describe('the Ready/Advance contract', () => {
  it('mustSync: when term, vote or entries change, not for the commit index alone', () => {
    const hs = { term: 1, vote: 1n, commit: 1 }
    assert.equal(mustSync(hs, hs, 0), false)
    assert.equal(mustSync(hs, hs, 1), true)
    assert.equal(mustSync({ ...hs, vote: 2n }, hs, 0), true)
    assert.equal(mustSync({ ...hs, term: 2 }, hs, 0), true)
    assert.equal(mustSync({ ...hs, commit: 2 }, hs, 0), false)
  })

  it('a Ready is handed out once; hasReady() is false until something happens', () => {
    const storage = new TestStorage([1n, 2n])
    const node = new RawNode(config(storage))
    assert.equal(node.hasReady(), false)
    node.tick()
    assert.equal(node.hasReady(), false)
    node.campaign()
    assert.equal(node.hasReady(), true)
    const rd = node.ready()
    assert.deepEqual(
      rd.messages.map((m) => m.type),
      [MessageType.MsgVote],
    )
    handle(node, storage, rd)
    assert.equal(node.hasReady(), false)
  })

  it('two Readys without advance() in between is a misuse (RaftInvariantError)', () => {
    const storage = new TestStorage([1n])
    const node = new RawNode(config(storage))
    node.campaign()
    node.ready()
    assert.throws(() => node.ready(), { name: 'RaftInvariantError', code: 'RAFT_INVARIANT_VIOLATED' })
  })

  it('self-addressed acknowledgements take effect in advance(), after persisting', () => {
    const storage = new TestStorage([1n])
    const node = new RawNode(config(storage))
    node.campaign()
    const rd = node.ready()
    assert.equal(node.basicStatus().raftState, StateType.StateCandidate)
    assert.deepEqual(rd.messages, [])
    handle(node, storage, rd)
    // The self vote was delivered by advance(): a single voter wins.
    assert.equal(node.basicStatus().raftState, StateType.StateLeader)
  })
})

describe('asyncStorageWrites', () => {
  /** Does the work of the local threads: persists or applies, then returns the responses. */
  function work(storage: MemoryStorage, m: Message): readonly Message[] {
    if (m.type === MessageType.MsgStorageAppend) {
      if (m.snapshot !== undefined) storage.applySnapshot(m.snapshot)
      storage.append(m.entries)
      if (m.term !== 0 || m.vote !== 0n || m.commit !== 0)
        storage.setHardState({ term: m.term, vote: m.vote, commit: m.commit })
    }
    return m.responses
  }

  it('advance() must not be called (RaftInvariantError)', () => {
    const node = new RawNode(config(new TestStorage([1n]), { asyncStorageWrites: true }))
    assert.throws(() => node.advance(), { name: 'RaftInvariantError', code: 'RAFT_INVARIANT_VIOLATED' })
  })

  it('persisting and applying become MsgStorageAppend and MsgStorageApply with their responses', () => {
    const storage = new TestStorage([1n])
    const node = new RawNode(config(storage, { asyncStorageWrites: true }))
    node.campaign()

    // 1. The vote: persist term and vote, then deliver the self vote.
    const rd1 = node.ready()
    assert.deepEqual(rd1.hardState, { term: 1, vote: 1n, commit: 0 })
    assert.equal(rd1.messages.length, 1)
    const append1 = must(rd1.messages[0])
    assert.deepEqual(
      [append1.type, append1.from, append1.to, append1.term, append1.vote, append1.commit, append1.entries.length],
      [MessageType.MsgStorageAppend, 1n, LOCAL_APPEND_THREAD, 1, 1n, 0, 0],
    )
    assert.deepEqual(
      append1.responses.map((m) => [m.type, m.from, m.to, m.term]),
      [[MessageType.MsgVoteResp, 1n, 1n, 1]],
    )
    for (const m of work(storage, append1)) node.step(m)
    assert.equal(node.basicStatus().raftState, StateType.StateLeader)

    // 2. The leader's empty entry: persist it, then the self acknowledgement and the append
    //    thread's own response naming the last entry.
    const rd2 = node.ready()
    assert.deepEqual(rd2.softState, { lead: 1n, raftState: StateType.StateLeader })
    assert.deepEqual(rd2.entries, [entry(1, 1)])
    assert.deepEqual(rd2.committedEntries, [])
    const append2 = must(rd2.messages.find((m) => m.type === MessageType.MsgStorageAppend))
    assert.deepEqual(append2.entries, [entry(1, 1)])
    assert.deepEqual(
      append2.responses.map((m) => [m.type, m.from, m.to, m.term, m.index, m.logTerm]),
      [
        [MessageType.MsgAppResp, 1n, 1n, 1, 1, 0],
        [MessageType.MsgStorageAppendResp, LOCAL_APPEND_THREAD, 1n, 1, 1, 1],
      ],
    )
    // Nothing is handed out twice while the write is in flight.
    assert.equal(node.hasReady(), false)
    for (const m of work(storage, append2)) node.step(m)
    assert.equal(node.basicStatus().commit, 1)

    // 3. The commit: persist the HardState, apply entry 1, then acknowledge the application.
    const rd3 = node.ready()
    assert.deepEqual(rd3.committedEntries, [entry(1, 1)])
    const types = rd3.messages.map((m) => m.type)
    assert.deepEqual(types, [MessageType.MsgStorageAppend, MessageType.MsgStorageApply])
    const apply = must(rd3.messages[1])
    assert.deepEqual([apply.from, apply.to, apply.entries], [1n, LOCAL_APPLY_THREAD, [entry(1, 1)]])
    assert.deepEqual(
      apply.responses.map((m) => [m.type, m.from, m.to, m.entries]),
      [[MessageType.MsgStorageApplyResp, LOCAL_APPLY_THREAD, 1n, [entry(1, 1)]]],
    )
    assert.equal(node.basicStatus().applied, 0)
    for (const m of rd3.messages) for (const response of work(storage, m)) node.step(response)
    assert.equal(node.basicStatus().applied, 1)
    assert.deepEqual(storage.initialState().hardState, { term: 1, vote: 1n, commit: 1 })
    assert.equal(node.hasReady(), false)
  })

  it('committed entries are not applied before they are persisted locally', () => {
    const storage = new TestStorage([1n])
    const node = new RawNode(config(storage, { asyncStorageWrites: true }))
    node.campaign()
    for (const m of work(storage, must(node.ready().messages[0]))) node.step(m)
    const rd = node.ready()
    const append = must(rd.messages.find((m) => m.type === MessageType.MsgStorageAppend))
    // Deliver the self acknowledgement only: entry 1 commits, but it is not yet stable.
    node.step(must(append.responses[0]))
    assert.equal(node.basicStatus().commit, 1)
    const early = node.ready()
    assert.deepEqual(early.committedEntries, [])
    assert.ok(!early.messages.some((m) => m.type === MessageType.MsgStorageApply))
    storage.append(append.entries)
    node.step(must(append.responses[1]))
    assert.deepEqual(node.ready().committedEntries, [entry(1, 1)])
  })
})

describe('status', () => {
  function cluster(): Network {
    const net = new Network({ voters: [1n, 2n, 3n], learners: [4n] })
    net.campaign(1n)
    net.propose(1n, 'x')
    return net
  }

  it('basicStatus() of the leader and of a follower', () => {
    const net = cluster()
    assert.deepEqual(net.node(1n).rawNode.basicStatus(), {
      id: 1n,
      term: 1,
      vote: 1n,
      commit: 2,
      lead: 1n,
      raftState: StateType.StateLeader,
      applied: 2,
      leadTransferee: 0n,
    })
    assert.deepEqual(net.node(3n).rawNode.basicStatus(), {
      id: 3n,
      term: 1,
      vote: 1n,
      commit: 2,
      lead: 1n,
      raftState: StateType.StateFollower,
      applied: 2,
      leadTransferee: 0n,
    })
  })

  it('status() has every progress on the leader, none elsewhere, and copies them', () => {
    const net = cluster()
    const status = net.node(1n).rawNode.status()
    assert.deepEqual([...status.progress.keys()].sort(), [1n, 2n, 3n, 4n])
    for (const [id, pr] of status.progress) {
      assert.equal(pr.match, 2, `match of ${id}`)
      assert.equal(pr.state, ProgressState.StateReplicate)
      assert.equal(pr.isLearner, id === 4n)
    }
    assert.equal(status.config.toString(), 'voters=(1 2 3) learners=(4)')
    assert.equal(net.node(2n).rawNode.status().progress.size, 0)
    // Copies: changing them changes nothing inside.
    const pr2 = must(status.progress.get(2n))
    pr2.match = 99
    pr2.inflights.add(100, 1)
    status.config.learners.clear()
    const internal = must(net.raft(1n).trk.progress.get(2n))
    assert.equal(internal.match, 2)
    assert.equal(internal.inflights.count(), 0)
    assert.equal(net.raft(1n).trk.config.learners.size, 1)
  })

  it('withProgress() visits every peer in ID order, learners marked', () => {
    const net = cluster()
    const seen: [NodeId, ProgressType, number][] = []
    net.node(1n).rawNode.withProgress((id, type, pr) => seen.push([id, type, pr.match]))
    assert.deepEqual(seen, [
      [1n, ProgressType.ProgressTypePeer, 2],
      [2n, ProgressType.ProgressTypePeer, 2],
      [3n, ProgressType.ProgressTypePeer, 2],
      [4n, ProgressType.ProgressTypeLearner, 2],
    ])
  })
})

describe('RawNode with maxSizePerMsg 0', () => {
  it('hands out one committed entry per Ready instead of failing on a zero budget', async () => {
    const { MemoryStorage, RawNode } = await import('@etcd-ts/raft')
    const storage = new MemoryStorage()
    const node = new RawNode({ id: 1n, electionTick: 10, heartbeatTick: 1, storage, maxSizePerMsg: 0 })
    node.bootstrap([{ id: 1n }])
    const committedPerReady: number[] = []
    const drain = () => {
      while (node.hasReady()) {
        const rd = node.ready()
        if (rd.hardState.term !== 0) storage.setHardState(rd.hardState)
        storage.append(rd.entries)
        if (rd.committedEntries.length > 0) committedPerReady.push(rd.committedEntries.length)
        node.advance()
      }
    }
    drain()
    node.campaign()
    drain()
    node.propose(new Uint8Array([1]))
    node.propose(new Uint8Array([2]))
    drain()
    assert.ok(committedPerReady.length >= 3)
    assert.ok(
      committedPerReady.every((n) => n === 1),
      `one entry per Ready, got ${committedPerReady}`,
    )
  })
})
