// Behaviour of the raft state machine beyond the paper: read-only queries, size and flow
// limits, proposal forwarding, snapshots, leadership transfer, CheckQuorum, PreVote and
// learners. Scenarios of etcd-io/raft's raft_test.go, raft_flow_control_test.go and
// raft_snap_test.go, written for this port; most run on the in-process network of RawNodes.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ConfChangeType,
  type Config,
  createMessage,
  type Entry,
  EntryType,
  entrySize,
  type Message,
  MessageType,
  marshalConfChange,
  type NodeId,
  ProgressState,
  ReadOnlyOption,
  SnapshotStatus,
  StateType,
} from '@etcd-ts/raft'
import { Raft } from '../src/raft.js'
import { bytes, entry, must, Network, seededRandom, TestStorage } from './helpers/network.js'

const ids = (n: number): NodeId[] => Array.from({ length: n }, (_, i) => BigInt(i + 1))

function newTestRaft(id: NodeId, voters: NodeId[], extra: Partial<Config> = {}, learners: NodeId[] = []): Raft {
  return new Raft({
    id,
    electionTick: 10,
    heartbeatTick: 1,
    storage: new TestStorage(voters, learners),
    random: seededRandom(Number(id)),
    ...extra,
  })
}

function readMessages(r: Raft): Message[] {
  r.advanceMessagesAfterAppend()
  const msgs = r.msgs
  r.msgs = []
  return msgs
}

const proposal = (data: Uint8Array | string = 'somedata') =>
  createMessage({ type: MessageType.MsgProp, from: 1n, to: 1n, entries: [entry(0, 0, data)] })

/** A 3-node network (or `options.voters`) where node 1 won the first election. */
function electedNetwork(config: Partial<Config> = {}, voters = ids(3), learners: NodeId[] = []): Network {
  const net = new Network({ voters, learners, config: (id) => ({ random: seededRandom(Number(id)), ...config }) })
  net.campaign(1n)
  assert.equal(net.raft(1n).state, StateType.StateLeader)
  return net
}

const ctx = (text: string) => bytes(text)

const confChange = (type: ConfChangeType, nodeId: NodeId) =>
  marshalConfChange({ id: 0n, type, nodeId, context: bytes('') })

describe('ReadIndex, ReadOnlySafe', () => {
  it('the leader answers only once a quorum acknowledged a heartbeat carrying the request', () => {
    const net = electedNetwork()
    const leader = net.node(1n)
    const committed = net.raft(1n).raftLog.committed
    leader.rawNode.readIndex(ctx('a'))
    const heartbeats = net.flush(1n)
    assert.deepEqual(leader.readStates, [])
    assert.deepEqual(
      heartbeats.map((m) => [m.type, m.to, new TextDecoder().decode(m.context)]),
      [
        [MessageType.MsgHeartbeat, 2n, 'a'],
        [MessageType.MsgHeartbeat, 3n, 'a'],
      ],
    )
    // Node 2 answers; with the leader's own acknowledgement that is a quorum of 3.
    const answer = net.deliver(must(heartbeats[0]))
    assert.equal(must(answer[0]).type, MessageType.MsgHeartbeatResp)
    assert.deepEqual(leader.readStates, [])
    net.send(...answer)
    assert.deepEqual(leader.readStates, [{ index: committed, requestCtx: ctx('a') }])
    // Node 3's late answer confirms nothing new.
    net.send(...net.deliver(must(heartbeats[1])))
    assert.equal(leader.readStates.length, 1)
  })

  it('no quorum, no answer', () => {
    const net = electedNetwork()
    net.isolate(1n)
    net.node(1n).rawNode.readIndex(ctx('a'))
    net.stabilize()
    net.tick(1n, 3)
    net.stabilize()
    assert.deepEqual(net.node(1n).readStates, [])
  })

  it('several requests are answered in order by one quorum round', () => {
    const net = electedNetwork()
    const leader = net.node(1n)
    leader.rawNode.readIndex(ctx('a'))
    leader.rawNode.readIndex(ctx('b'))
    net.stabilize()
    net.propose(1n, 'x')
    leader.rawNode.readIndex(ctx('c'))
    net.stabilize()
    assert.deepEqual(
      leader.readStates.map((rs) => [rs.index, new TextDecoder().decode(rs.requestCtx)]),
      [
        [1, 'a'],
        [1, 'b'],
        [2, 'c'],
      ],
    )
  })

  it('a follower forwards the request to the leader and gets the ReadState back', () => {
    const net = electedNetwork()
    net.propose(1n, 'x')
    net.node(2n).rawNode.readIndex(ctx('from 2'))
    net.stabilize()
    assert.deepEqual(net.node(2n).readStates, [{ index: 2, requestCtx: ctx('from 2') }])
    assert.deepEqual(net.node(1n).readStates, [])
    const path = net.delivered.filter(
      (m) => m.type === MessageType.MsgReadIndex || m.type === MessageType.MsgReadIndexResp,
    )
    assert.deepEqual(
      path.map((m) => [m.type, m.from, m.to]),
      [
        [MessageType.MsgReadIndex, 2n, 1n],
        [MessageType.MsgReadIndexResp, 1n, 2n],
      ],
    )
  })

  it('a follower without a leader drops the request', () => {
    const net = new Network({ voters: ids(3) })
    net.node(2n).rawNode.readIndex(ctx('a'))
    net.stabilize()
    assert.deepEqual(net.node(2n).readStates, [])
    assert.deepEqual(net.delivered, [])
  })

  it('a new leader postpones requests until it has committed an entry of its term', () => {
    const net = new Network({ voters: ids(3) })
    net.ignore(MessageType.MsgApp)
    net.campaign(1n)
    const leader = net.raft(1n)
    assert.equal(leader.state, StateType.StateLeader)
    assert.equal(leader.raftLog.committed, 0)
    net.node(1n).rawNode.readIndex(ctx('early'))
    net.stabilize()
    assert.deepEqual(net.node(1n).readStates, [])
    assert.equal(leader.pendingReadIndexMessages.length, 1)
    assert.ok(!net.delivered.some((m) => m.type === MessageType.MsgHeartbeat))
    // Let the empty entry of term 1 through: committing it releases the request.
    net.recover()
    net.tick(1n)
    net.stabilize()
    assert.equal(leader.raftLog.committed, 1)
    assert.deepEqual(net.node(1n).readStates, [{ index: 1, requestCtx: ctx('early') }])
    assert.equal(leader.pendingReadIndexMessages.length, 0)
    // From now on requests are not postponed.
    net.node(1n).rawNode.readIndex(ctx('later'))
    net.stabilize()
    assert.equal(net.node(1n).readStates.length, 2)
  })
})

describe('ReadIndex after the leader demoted itself', () => {
  // Found by the simulator: a leader demoted to learner keeps leading its term. When the only
  // voter left is another node, that node may already lead a later term and have committed
  // more, so the old leader must not answer reads from its own commit index (etcd-io/raft's
  // single-voter shortcut does).
  it('does not answer from a stale commit index', () => {
    const net = new Network({ voters: [1n, 2n] })
    net.campaign(1n)
    assert.equal(net.node(1n).rawNode.basicStatus().raftState, StateType.StateLeader)
    const demote = { id: 0n, type: ConfChangeType.ConfChangeAddLearnerNode, nodeId: 1n, context: new Uint8Array(0) }
    net.node(1n).rawNode.proposeConfChange(demote)
    net.stabilize()
    assert.deepEqual(net.node(1n).rawNode.status().config.voters.incoming.slice(), [2n])
    assert.equal(net.node(1n).rawNode.basicStatus().raftState, StateType.StateLeader, 'still leading its term')

    // Node 2, now the only voter, takes over behind a partition and commits more.
    net.isolate(1n)
    net.campaign(2n)
    net.propose(2n, 'newer')
    const committedBy2 = net.node(2n).rawNode.basicStatus().commit
    assert.ok(committedBy2 > net.node(1n).rawNode.basicStatus().commit)

    net.node(1n).rawNode.readIndex(bytes('read'))
    net.stabilize()
    for (const state of net.node(1n).readStates) {
      assert.ok(state.index >= committedBy2, `stale read index ${state.index} < ${committedBy2}`)
    }
  })
})

describe('ReadIndex, ReadOnlyLeaseBased', () => {
  const lease = { checkQuorum: true, readOnlyOption: ReadOnlyOption.ReadOnlyLeaseBased }

  it('the leader answers at once from its lease, without a heartbeat round', () => {
    const net = electedNetwork(lease)
    net.propose(1n, 'x')
    net.node(1n).rawNode.readIndex(ctx('a'))
    const out = net.flush(1n)
    assert.deepEqual(out, [])
    assert.deepEqual(net.node(1n).readStates, [{ index: 2, requestCtx: ctx('a') }])
  })

  it('a follower gets the answer in one round trip', () => {
    const net = electedNetwork(lease)
    net.node(3n).rawNode.readIndex(ctx('b'))
    net.stabilize()
    assert.deepEqual(net.node(3n).readStates, [{ index: 1, requestCtx: ctx('b') }])
    assert.ok(!net.delivered.some((m) => m.type === MessageType.MsgHeartbeat && m.context.length > 0))
  })
})

describe('maxSizePerMsg', () => {
  // 100-byte payloads: 108 bytes per entry once encoded with index and term.
  const payload = new Uint8Array(100).fill(0x61)
  const size = entrySize(entry(5, 1, payload))

  function lagging(config: Partial<Config>): { net: Network; appends: Message[] } {
    const net = electedNetwork(config)
    net.isolate(3n)
    for (let i = 0; i < 10; i++) net.propose(1n, payload)
    net.recover()
    const from = net.delivered.length
    net.tick(1n)
    net.stabilize()
    const appends = net.delivered
      .slice(from)
      .filter((m) => m.type === MessageType.MsgApp && m.to === 3n && m.entries.length > 0)
    assert.deepEqual(net.raft(3n).raftLog.allEntries(), net.raft(1n).raftLog.allEntries())
    return { net, appends }
  }

  it('caps the bytes of entries in one append', () => {
    const limit = 2 * size + size / 2
    const { appends } = lagging({ maxSizePerMsg: limit })
    assert.ok(appends.length >= 5, `${appends.length} appends`)
    for (const m of appends) {
      assert.ok(m.entries.length <= 2)
      assert.ok(m.entries.reduce((sum, e) => sum + entrySize(e), 0) <= limit)
    }
    assert.ok(appends.some((m) => m.entries.length === 2))
    assert.equal(
      appends.reduce((n, m) => n + m.entries.length, 0),
      10,
    )
  })

  it('0 sends one entry per append', () => {
    const { appends } = lagging({ maxSizePerMsg: 0, maxCommittedSizePerReady: Number.POSITIVE_INFINITY })
    assert.equal(appends.length, 10)
    for (const m of appends) assert.equal(m.entries.length, 1)
  })

  it('an entry larger than the limit is still sent, alone', () => {
    const { appends } = lagging({ maxSizePerMsg: size / 2 })
    assert.equal(appends.length, 10)
  })
})

describe('maxUncommittedEntriesSize', () => {
  it('drops proposals past the limit, never the empty entry, and frees room as entries apply', () => {
    const maxEntries = 1024
    const testEntry = bytes('testdata')
    const r = newTestRaft(1n, ids(3), {
      electionTick: 5,
      maxUncommittedEntriesSize: maxEntries * testEntry.length,
      maxInflightMsgs: 2 * 1024,
    })
    r.becomeCandidate()
    r.becomeLeader()
    assert.equal(r.uncommittedSize, 0)
    must(r.trk.progress.get(2n)).becomeReplicate()
    must(r.trk.progress.get(3n)).becomeReplicate()
    for (let i = 0; i < maxEntries; i++) r.step(proposal(testEntry))
    assert.throws(() => r.step(proposal(testEntry)), { name: 'ProposalDroppedError', code: 'RAFT_PROPOSAL_DROPPED' })
    assert.equal(readMessages(r).length, maxEntries * 2)
    r.reduceUncommittedSize(maxEntries * testEntry.length)
    assert.equal(r.uncommittedSize, 0)

    // One large proposal fits while the tail is empty, even beyond the limit...
    const large = createMessage({
      type: MessageType.MsgProp,
      from: 1n,
      to: 1n,
      entries: Array.from({ length: 2 * maxEntries }, () => entry(0, 0, testEntry)),
    })
    r.step(large)
    // ...after which small ones are refused again...
    assert.throws(() => r.step(proposal(testEntry)), { code: 'RAFT_PROPOSAL_DROPPED' })
    // ...but an entry without payload is always accepted.
    r.step(proposal(new Uint8Array(0)))
    assert.equal(readMessages(r).length, 2 * 2)
    r.reduceUncommittedSize(2 * maxEntries * testEntry.length)
    assert.equal(r.uncommittedSize, 0)
  })

  it('through RawNode: ProposalDroppedError until the tail commits and applies', () => {
    const net = electedNetwork({ maxUncommittedEntriesSize: 30 })
    net.isolate(1n)
    const leader = net.node(1n).rawNode
    leader.propose(bytes('0123456789'))
    leader.propose(bytes('0123456789'))
    leader.propose(bytes('0123456789'))
    assert.throws(() => leader.propose(bytes('0123456789')), { code: 'RAFT_PROPOSAL_DROPPED' })
    net.stabilize()
    // Reconnected, the tail commits; applying it frees the budget.
    const lastBefore = net.raft(1n).raftLog.lastIndex()
    net.recover()
    net.tick(1n)
    net.stabilize()
    assert.equal(net.raft(1n).raftLog.committed, lastBefore)
    assert.equal(net.raft(1n).uncommittedSize, 0)
    leader.propose(bytes('0123456789'))
    net.stabilize()
    assert.equal(net.raft(1n).raftLog.committed, lastBefore + 1)
  })

  it('a new leader appends its empty entry even with a limit', () => {
    const net = new Network({ voters: ids(3), config: () => ({ maxUncommittedEntriesSize: 1 }) })
    net.campaign(2n)
    assert.equal(net.raft(2n).state, StateType.StateLeader)
    assert.deepEqual(net.raft(2n).raftLog.allEntries(), [entry(1, 1)])
  })
})

describe('maxInflightMsgs and maxInflightBytes', () => {
  function replicatingLeader(extra: Partial<Config>): Raft {
    const r = newTestRaft(1n, ids(2), { electionTick: 5, ...extra })
    r.becomeCandidate()
    r.becomeLeader()
    must(r.trk.progress.get(2n)).becomeReplicate()
    readMessages(r)
    return r
  }

  it('a full window pauses replication to the follower', () => {
    const r = replicatingLeader({ maxInflightMsgs: 4 })
    const pr2 = must(r.trk.progress.get(2n))
    for (let i = 0; i < 4; i++) {
      r.step(proposal())
      const msgs = readMessages(r)
      assert.deepEqual(
        msgs.map((m) => m.type),
        [MessageType.MsgApp],
      )
    }
    assert.equal(pr2.inflights.full(), true)
    assert.equal(pr2.isPaused(), true)
    for (let i = 0; i < 10; i++) {
      r.step(proposal())
      assert.deepEqual(readMessages(r), [])
    }
  })

  it('acknowledgements free the window and replication moves forward', () => {
    const r = replicatingLeader({ maxInflightMsgs: 4 })
    const pr2 = must(r.trk.progress.get(2n))
    for (let i = 0; i < 4; i++) {
      r.step(proposal())
      readMessages(r)
    }
    // Entries 2..5 are in flight (1 is the leader's empty entry). Each acknowledgement frees
    // one slot, filled by one new proposal.
    for (let tt = 2; tt < 6; tt++) {
      r.step(createMessage({ type: MessageType.MsgAppResp, from: 2n, to: 1n, term: r.term, index: tt }))
      readMessages(r)
      r.step(proposal())
      const msgs = readMessages(r)
      assert.equal(msgs.length, 1)
      assert.equal(must(msgs[0]).type, MessageType.MsgApp)
      assert.equal(pr2.inflights.full(), true)
      // A stale acknowledgement frees nothing.
      for (let stale = 0; stale < tt; stale++) {
        r.step(createMessage({ type: MessageType.MsgAppResp, from: 2n, to: 1n, term: r.term, index: stale }))
        assert.equal(pr2.inflights.full(), true)
      }
    }
  })

  it('a heartbeat response lets one empty append through a full window', () => {
    const r = replicatingLeader({ maxInflightMsgs: 4 })
    const pr2 = must(r.trk.progress.get(2n))
    for (let i = 0; i < 4; i++) {
      r.step(proposal())
      readMessages(r)
    }
    for (let round = 1; round < 4; round++) {
      for (let i = 0; i < round; i++) {
        assert.equal(pr2.isPaused(), true)
        r.step(createMessage({ type: MessageType.MsgHeartbeatResp, from: 2n, to: 1n, term: r.term }))
        const msgs = readMessages(r)
        assert.equal(msgs.length, 1)
        assert.equal(must(msgs[0]).type, MessageType.MsgApp)
        assert.equal(must(msgs[0]).entries.length, 0)
      }
      for (let i = 0; i < 5; i++) {
        assert.equal(pr2.isPaused(), true)
        r.step(proposal())
        assert.deepEqual(readMessages(r), [])
      }
    }
  })

  it('the byte window pauses replication too', () => {
    const payload = new Uint8Array(100)
    const r = replicatingLeader({ maxInflightMsgs: 100, maxSizePerMsg: 100, maxInflightBytes: 250 })
    const pr2 = must(r.trk.progress.get(2n))
    // Replicate the leader's empty entry first: the window starts empty.
    r.bcastAppend()
    r.step(createMessage({ type: MessageType.MsgAppResp, from: 2n, to: 1n, term: r.term, index: 1 }))
    readMessages(r)
    assert.equal(pr2.inflights.count(), 0)
    const sent: number[] = []
    for (let i = 0; i < 6; i++) {
      r.step(proposal(payload))
      sent.push(readMessages(r).length)
    }
    // 100 + 100 + 100 bytes in flight reach 250: the window is full after the third append.
    assert.deepEqual(sent, [1, 1, 1, 0, 0, 0])
    assert.equal(pr2.inflights.bytes(), 300)
    assert.equal(pr2.inflights.count(), 3)
    // Acknowledging the first append frees 100 bytes: one more append fits, then full again.
    const first = r.raftLog.lastIndex() - 5
    r.step(createMessage({ type: MessageType.MsgAppResp, from: 2n, to: 1n, term: r.term, index: first }))
    const msgs = readMessages(r).filter((m) => m.type === MessageType.MsgApp)
    assert.equal(msgs.length, 1)
    assert.equal(must(msgs[0]).entries.length, 1)
    assert.equal(pr2.inflights.full(), true)
  })
})

describe('proposal forwarding', () => {
  it('a follower forwards proposals to the leader, which commits them everywhere', () => {
    const net = electedNetwork()
    net.propose(2n, 'forwarded')
    assert.ok(net.delivered.some((m) => m.type === MessageType.MsgProp && m.from === 2n && m.to === 1n))
    for (const id of ids(3)) {
      const last = must(net.node(id).applied.at(-1))
      assert.deepEqual(last, entry(2, 1, 'forwarded'))
    }
  })

  it('disableProposalForwarding: the follower drops them (ProposalDroppedError)', () => {
    const net = electedNetwork({ disableProposalForwarding: true })
    assert.throws(() => net.propose(2n, 'dropped'), { name: 'ProposalDroppedError', code: 'RAFT_PROPOSAL_DROPPED' })
    assert.ok(!net.delivered.some((m) => m.type === MessageType.MsgProp))
    // The leader still accepts its own.
    net.propose(1n, 'local')
    assert.equal(net.raft(2n).raftLog.lastIndex(), 2)
  })

  it('no leader: followers and candidates drop proposals', () => {
    const net = new Network({ voters: ids(3) })
    assert.throws(() => net.propose(1n, 'x'), { code: 'RAFT_PROPOSAL_DROPPED' })
    net.isolate(2n)
    net.campaign(2n)
    assert.equal(net.raft(2n).state, StateType.StateCandidate)
    assert.throws(() => net.propose(2n, 'x'), { code: 'RAFT_PROPOSAL_DROPPED' })
    assert.equal(net.raft(2n).raftLog.lastIndex(), 0)
  })

  it('a proposal forwarded to a leader that cannot take it is dropped there', () => {
    const net = electedNetwork()
    net.isolate(3n)
    net.node(1n).rawNode.transferLeader(3n)
    net.stabilize()
    assert.equal(net.raft(1n).leadTransferee, 3n)
    net.propose(2n, 'x')
    assert.deepEqual(
      net.stepErrors.map((e) => [e.message.type, e.message.from, e.code]),
      [[MessageType.MsgProp, 2n, 'RAFT_PROPOSAL_DROPPED']],
    )
  })
})

describe('snapshots', () => {
  const snapshot = {
    data: new Uint8Array(0),
    metadata: {
      index: 11,
      term: 11,
      confState: { voters: [1n, 2n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
    },
  }

  function leaderAfterSnapshot(): Raft {
    const r = newTestRaft(1n, [1n, 2n])
    assert.equal(r.restore(snapshot), true)
    r.becomeCandidate()
    r.becomeLeader()
    return r
  }

  it('a follower behind the first index is sent the snapshot (pendingSnapshot set)', () => {
    const r = leaderAfterSnapshot()
    const pr2 = must(r.trk.progress.get(2n))
    pr2.recentActive = true
    pr2.next = r.raftLog.firstIndex()
    r.step(
      createMessage({
        type: MessageType.MsgAppResp,
        from: 2n,
        to: 1n,
        term: r.term,
        index: pr2.next - 1,
        reject: true,
      }),
    )
    assert.equal(pr2.state, ProgressState.StateSnapshot)
    assert.equal(pr2.pendingSnapshot, 11)
    const sent = readMessages(r).filter((m) => m.type === MessageType.MsgSnap)
    assert.equal(sent.length, 1)
    assert.equal(must(must(sent[0]).snapshot).metadata.index, 11)
  })

  it('a snapshot is sent only to a follower recently active', () => {
    const r = leaderAfterSnapshot()
    readMessages(r)
    const pr2 = must(r.trk.progress.get(2n))
    pr2.next = 1
    pr2.recentActive = false
    r.step(proposal())
    assert.equal(pr2.state, ProgressState.StateProbe)
    assert.ok(!readMessages(r).some((m) => m.type === MessageType.MsgSnap))
    pr2.recentActive = true
    r.step(proposal())
    assert.equal(pr2.state, ProgressState.StateSnapshot)
    assert.equal(readMessages(r).filter((m) => m.type === MessageType.MsgSnap).length, 1)
  })

  it('reportSnapshot failure: probe from scratch, pending snapshot forgotten, paused', () => {
    const r = leaderAfterSnapshot()
    const pr2 = must(r.trk.progress.get(2n))
    pr2.next = 1
    pr2.becomeSnapshot(11)
    r.step(createMessage({ type: MessageType.MsgSnapStatus, from: 2n, to: 1n, reject: true }))
    assert.equal(pr2.state, ProgressState.StateProbe)
    assert.equal(pr2.pendingSnapshot, 0)
    assert.equal(pr2.next, 1)
    assert.equal(pr2.msgAppFlowPaused, true)
  })

  it('reportSnapshot finish: probe after the snapshot, paused until the follower answers', () => {
    const r = leaderAfterSnapshot()
    const pr2 = must(r.trk.progress.get(2n))
    pr2.next = 1
    pr2.becomeSnapshot(11)
    r.step(createMessage({ type: MessageType.MsgSnapStatus, from: 2n, to: 1n, reject: false }))
    assert.equal(pr2.state, ProgressState.StateProbe)
    assert.equal(pr2.pendingSnapshot, 0)
    assert.equal(pr2.next, 12)
    assert.equal(pr2.msgAppFlowPaused, true)
  })

  it('an acknowledgement past the pending snapshot ends StateSnapshot (etcd TestSnapshotAbort)', () => {
    const r = leaderAfterSnapshot()
    const pr2 = must(r.trk.progress.get(2n))
    pr2.next = 1
    pr2.becomeSnapshot(11)
    // The follower caught up through appends rather than the snapshot.
    r.step(createMessage({ type: MessageType.MsgAppResp, from: 2n, to: 1n, term: r.term, index: 11 }))
    assert.equal(pr2.pendingSnapshot, 0)
    assert.equal(pr2.state, ProgressState.StateReplicate)
    assert.equal(pr2.next, 13)
    assert.equal(pr2.inflights.count(), 1)
  })

  it('RawNode.reportSnapshot(SnapshotFinish): probing resumes after the snapshot index', () => {
    const net = electedNetwork()
    net.isolate(3n)
    for (let i = 0; i < 3; i++) net.propose(1n, `entry ${i}`)
    const leader = net.node(1n)
    const applied = must(leader.applied.at(-1)).index
    leader.storage.createSnapshot(applied, net.raft(1n).trk.confState(), bytes('state'))
    leader.storage.compact(applied)
    net.recover()
    net.ignore(MessageType.MsgSnap)
    net.tick(1n)
    net.stabilize()
    const pr3 = () => must(leader.rawNode.status().progress.get(3n))
    assert.equal(pr3().state, ProgressState.StateSnapshot)
    leader.rawNode.reportSnapshot(3n, SnapshotStatus.SnapshotFinish)
    assert.equal(pr3().state, ProgressState.StateProbe)
    assert.equal(pr3().next, applied + 1)
    assert.equal(pr3().pendingSnapshot, 0)
    assert.equal(pr3().msgAppFlowPaused, true)
    // A report for a follower not in StateSnapshot changes nothing.
    leader.rawNode.reportSnapshot(2n, SnapshotStatus.SnapshotFailure)
    assert.equal(must(leader.rawNode.status().progress.get(2n)).state, ProgressState.StateReplicate)
  })

  it('a lagging follower is caught up with a snapshot, then with the log', () => {
    const net = electedNetwork()
    net.isolate(3n)
    for (let i = 0; i < 5; i++) net.propose(1n, `entry ${i}`)
    const leader = net.node(1n)
    const applied = must(leader.applied.at(-1)).index
    leader.storage.createSnapshot(applied, net.raft(1n).trk.confState(), bytes('state at 6'))
    leader.storage.compact(applied)
    net.recover()
    // The snapshot is lost the first time: the follower stays in StateSnapshot until reported.
    net.ignore(MessageType.MsgSnap)
    net.tick(1n)
    net.stabilize()
    const pr3 = () => must(leader.rawNode.status().progress.get(3n))
    assert.equal(pr3().state, ProgressState.StateSnapshot)
    assert.equal(pr3().pendingSnapshot, applied)
    leader.rawNode.reportSnapshot(3n, SnapshotStatus.SnapshotFailure)
    assert.equal(pr3().state, ProgressState.StateProbe)
    assert.equal(pr3().pendingSnapshot, 0)
    net.recover()
    net.tick(1n)
    net.stabilize()
    const follower = net.node(3n)
    assert.deepEqual(
      follower.snapshots.map((s) => [s.metadata.index, new TextDecoder().decode(s.data)]),
      [[applied, 'state at 6']],
    )
    assert.equal(pr3().state, ProgressState.StateReplicate)
    net.propose(1n, 'after')
    assert.equal(net.raft(3n).raftLog.committed, applied + 1)
    assert.deepEqual(must(follower.applied.at(-1)), entry(applied + 1, 1, 'after'))
  })
})

describe('leadership transfer', () => {
  it('to an up-to-date follower: MsgTimeoutNow at once, and it wins the next term', () => {
    const net = electedNetwork()
    const from = net.delivered.length
    net.node(1n).rawNode.transferLeader(2n)
    net.stabilize()
    assert.equal(net.raft(2n).state, StateType.StateLeader)
    assert.equal(net.raft(2n).term, 2)
    assert.equal(net.raft(1n).state, StateType.StateFollower)
    assert.equal(net.raft(1n).lead, 2n)
    const first = must(net.delivered[from])
    assert.deepEqual([first.type, first.from, first.to], [MessageType.MsgTimeoutNow, 1n, 2n])
  })

  it('to a lagging follower: it is caught up first, then sent MsgTimeoutNow', () => {
    const net = electedNetwork()
    net.isolate(3n)
    net.propose(1n, 'x')
    net.recover()
    const from = net.delivered.length
    net.node(1n).rawNode.transferLeader(3n)
    net.stabilize()
    const after = net.delivered.slice(from)
    const timeoutNow = after.findIndex((m) => m.type === MessageType.MsgTimeoutNow)
    const caughtUp = after.findIndex(
      (m) => m.type === MessageType.MsgAppResp && m.from === 3n && !m.reject && m.index === 2,
    )
    assert.ok(caughtUp >= 0 && timeoutNow > caughtUp, `caught up at ${caughtUp}, MsgTimeoutNow at ${timeoutNow}`)
    assert.equal(must(after[0]).type, MessageType.MsgApp)
    assert.equal(net.raft(3n).state, StateType.StateLeader)
    assert.equal(net.raft(1n).state, StateType.StateFollower)
  })

  it('a follower’s request is forwarded to the leader', () => {
    const net = electedNetwork()
    net.node(3n).rawNode.transferLeader(3n)
    net.stabilize()
    assert.equal(net.raft(3n).state, StateType.StateLeader)
  })

  it('proposals are dropped while it lasts; it is abandoned after an election timeout', () => {
    const net = electedNetwork()
    net.isolate(3n)
    net.propose(1n, 'x')
    const leader = net.raft(1n)
    net.node(1n).rawNode.transferLeader(3n)
    net.stabilize()
    assert.equal(leader.leadTransferee, 3n)
    assert.equal(net.node(1n).rawNode.basicStatus().leadTransferee, 3n)
    assert.throws(() => net.propose(1n, 'during'), { code: 'RAFT_PROPOSAL_DROPPED' })
    net.tick(1n, leader.electionTimeout - 1)
    assert.equal(leader.leadTransferee, 3n)
    net.tick(1n)
    assert.equal(leader.leadTransferee, 0n)
    assert.equal(leader.state, StateType.StateLeader)
    net.propose(1n, 'after')
    assert.deepEqual(must(net.node(2n).applied.at(-1)), entry(3, 1, 'after'))
  })

  it('to a learner: ignored', () => {
    const net = electedNetwork({}, ids(3), [4n])
    net.node(1n).rawNode.transferLeader(4n)
    net.stabilize()
    assert.equal(net.raft(1n).leadTransferee, 0n)
    assert.equal(net.raft(1n).state, StateType.StateLeader)
    assert.ok(!net.delivered.some((m) => m.type === MessageType.MsgTimeoutNow))
  })

  it('to the leader itself: ignored', () => {
    const net = electedNetwork()
    net.node(1n).rawNode.transferLeader(1n)
    net.stabilize()
    assert.equal(net.raft(1n).leadTransferee, 0n)
    assert.equal(net.raft(1n).term, 1)
    assert.equal(net.raft(1n).state, StateType.StateLeader)
  })
})

describe('CheckQuorum', () => {
  it('a leader cut off from the quorum steps down after an election timeout without contact', () => {
    const net = electedNetwork({ checkQuorum: true })
    net.isolate(1n)
    const leader = net.raft(1n)
    // The first check still counts the acknowledgements of the election round.
    net.tick(1n, leader.electionTimeout)
    assert.equal(leader.state, StateType.StateLeader)
    net.tick(1n, leader.electionTimeout)
    assert.equal(leader.state, StateType.StateFollower)
    assert.equal(leader.term, 1)
    assert.equal(leader.lead, 0n)
  })

  it('a leader in contact with a quorum stays', () => {
    const net = electedNetwork({ checkQuorum: true })
    net.isolate(3n)
    for (let i = 0; i < 3 * net.raft(1n).electionTimeout; i++) {
      net.tick(1n)
      net.stabilize()
    }
    assert.equal(net.raft(1n).state, StateType.StateLeader)
  })

  it('without CheckQuorum a cut-off leader stays leader', () => {
    const net = electedNetwork()
    net.isolate(1n)
    net.tick(1n, 3 * net.raft(1n).electionTimeout)
    assert.equal(net.raft(1n).state, StateType.StateLeader)
  })

  it('followers that heard from the leader recently ignore vote requests (leader lease)', () => {
    const net = electedNetwork({ checkQuorum: true })
    net.campaign(2n)
    assert.equal(net.raft(2n).state, StateType.StateCandidate)
    assert.equal(net.raft(2n).term, 2)
    assert.equal(net.raft(3n).term, 1)
    assert.equal(net.raft(1n).state, StateType.StateLeader)
    assert.equal(net.raft(1n).term, 1)
  })
})

describe('PreVote', () => {
  it('a partitioned node does not inflate its term, and rejoins without disruption', () => {
    const net = electedNetwork({ preVote: true })
    net.isolate(3n)
    for (let i = 0; i < 3; i++) net.campaign(3n)
    assert.equal(net.raft(3n).term, 1)
    assert.equal(net.raft(3n).state, StateType.StatePreCandidate)
    net.recover()
    net.tick(1n)
    net.stabilize()
    assert.equal(net.raft(1n).state, StateType.StateLeader)
    assert.equal(net.raft(1n).term, 1)
    assert.equal(net.raft(3n).state, StateType.StateFollower)
    assert.equal(net.raft(3n).lead, 1n)
    net.propose(1n, 'x')
    assert.deepEqual(must(net.node(3n).applied.at(-1)), entry(2, 1, 'x'))
  })

  it('without PreVote the same partition inflates the term and deposes the leader', () => {
    const net = electedNetwork()
    net.isolate(3n)
    for (let i = 0; i < 3; i++) net.campaign(3n)
    assert.equal(net.raft(3n).term, 4)
    net.recover()
    net.campaign(3n)
    assert.equal(net.raft(1n).term, 5)
    assert.notEqual(net.raft(1n).state, StateType.StateLeader)
  })

  it('a pre-candidate wins the pre-vote, then campaigns for real', () => {
    const net = new Network({ voters: ids(3), config: (id) => ({ preVote: true, random: seededRandom(Number(id)) }) })
    net.campaign(1n)
    assert.equal(net.raft(1n).state, StateType.StateLeader)
    assert.equal(net.raft(1n).term, 1)
    const types = net.delivered.map((m) => m.type)
    assert.ok(types.indexOf(MessageType.MsgPreVote) < types.indexOf(MessageType.MsgVote))
    assert.ok(types.includes(MessageType.MsgPreVoteResp))
  })
})

describe('learners', () => {
  it('receive the log but never count toward commit', () => {
    const net = electedNetwork({}, ids(3), [4n])
    net.propose(1n, 'x')
    assert.deepEqual(net.raft(4n).raftLog.allEntries(), net.raft(1n).raftLog.allEntries())
    assert.deepEqual(must(net.node(4n).applied.at(-1)), entry(2, 1, 'x'))
    net.isolate(2n)
    net.isolate(3n)
    net.cut(2n, 3n)
    net.propose(1n, 'y')
    const leader = net.raft(1n)
    assert.equal(must(leader.trk.progress.get(4n)).match, 3)
    assert.equal(leader.raftLog.committed, 2)
  })

  it('are never candidates, whatever the ticks or a campaign call', () => {
    const net = electedNetwork({}, ids(3), [4n])
    net.isolate(4n)
    net.tick(4n, 4 * net.raft(4n).electionTimeout)
    net.campaign(4n)
    const learner = net.raft(4n)
    assert.equal(learner.state, StateType.StateFollower)
    assert.equal(learner.term, 1)
    assert.equal(learner.isLearner, true)
    assert.ok(!net.delivered.some((m) => m.from === 4n && m.type === MessageType.MsgVote))
  })

  it('vote when asked: they may have been promoted without knowing it yet', () => {
    const r = newTestRaft(2n, [1n], {}, [2n])
    r.becomeFollower(1, 0n)
    r.step(createMessage({ type: MessageType.MsgVote, from: 1n, to: 2n, term: 2, logTerm: 11, index: 11 }))
    const msgs = readMessages(r)
    assert.equal(msgs.length, 1)
    assert.equal(must(msgs[0]).type, MessageType.MsgVoteResp)
    assert.equal(must(msgs[0]).reject, false)
  })
})

describe('Unreachable and ForgetLeader', () => {
  it('an unreachable follower in StateReplicate is probed again', () => {
    const net = electedNetwork()
    const pr = () => must(net.raft(1n).trk.progress.get(2n))
    assert.equal(pr().state, ProgressState.StateReplicate)
    net.node(1n).rawNode.reportUnreachable(2n)
    assert.equal(pr().state, ProgressState.StateProbe)
    assert.equal(pr().next, pr().match + 1)
  })

  it('a follower forgets its leader without campaigning', () => {
    const net = electedNetwork()
    net.node(2n).rawNode.forgetLeader()
    assert.equal(net.raft(2n).lead, 0n)
    assert.equal(net.raft(2n).state, StateType.StateFollower)
    assert.equal(net.raft(2n).term, 1)
    // The next heartbeat brings it back.
    net.tick(1n)
    net.stabilize()
    assert.equal(net.raft(2n).lead, 1n)
  })

  it('ForgetLeader is ignored with lease-based reads', () => {
    const net = electedNetwork({ checkQuorum: true, readOnlyOption: ReadOnlyOption.ReadOnlyLeaseBased })
    net.node(2n).rawNode.forgetLeader()
    assert.equal(net.raft(2n).lead, 1n)
  })
})

it('committed entries are the same on every node after a run of proposals (sanity)', () => {
  const net = electedNetwork()
  const data: Entry[] = []
  for (let i = 0; i < 20; i++) net.propose(BigInt((i % 3) + 1), `p${i}`)
  for (const id of ids(3)) data.push(...net.node(id).applied.filter((e) => e.data.length > 0))
  assert.equal(data.length, 60)
  assert.deepEqual(net.node(2n).applied, net.node(1n).applied)
  assert.deepEqual(net.node(3n).applied, net.node(1n).applied)
})

describe('membership changes', () => {
  const addNode2 = () => {
    const { type, data } = confChange(ConfChangeType.ConfChangeAddNode, 2n)
    return createMessage({ type: MessageType.MsgProp, from: 1n, to: 1n, entries: [{ term: 0, index: 0, type, data }] })
  }

  it('a conf change proposed while another is pending becomes an empty normal entry', () => {
    const r = newTestRaft(1n, [1n, 2n])
    r.becomeCandidate()
    r.becomeLeader()
    r.step(addNode2())
    const index = r.raftLog.lastIndex()
    const pending = r.pendingConfIndex
    assert.equal(pending, index)
    r.step(addNode2())
    assert.deepEqual(r.raftLog.entries(index + 1, Number.POSITIVE_INFINITY), [entry(index + 1, 1)])
    assert.equal(r.pendingConfIndex, pending)
  })

  it('a refused conf change is replaced whatever bytes its context holds', () => {
    const r = newTestRaft(1n, [1n, 2n])
    r.becomeCandidate()
    r.becomeLeader()
    r.step(addNode2())
    const index = r.raftLog.lastIndex()
    // The context carries a U+FEFF (EF BB BF), as any member JSON may; the refusal is logged
    // with the change printed, and must not fail.
    const { type, data } = marshalConfChange({
      id: 0n,
      type: ConfChangeType.ConfChangeAddNode,
      nodeId: 3n,
      context: Uint8Array.from([0x7b, 0xef, 0xbb, 0xbf, 0x7d]),
    })
    r.step(createMessage({ type: MessageType.MsgProp, from: 1n, to: 1n, entries: [{ term: 0, index: 0, type, data }] }))
    assert.deepEqual(r.raftLog.entries(index + 1, Number.POSITIVE_INFINITY), [entry(index + 1, 1)])
  })

  it('a conf change is accepted again once the pending one is applied', () => {
    const r = newTestRaft(1n, [1n])
    r.becomeCandidate()
    r.becomeLeader()
    r.step(addNode2())
    readMessages(r)
    assert.equal(r.raftLog.committed, 2)
    r.appliedTo(2, 0)
    r.step(addNode2())
    assert.equal(must(r.raftLog.entries(3, Number.POSITIVE_INFINITY)[0]).type, EntryType.EntryConfChange)
    assert.equal(r.pendingConfIndex, 3)
  })

  it('a new leader waits for its whole uncommitted tail before accepting a conf change', () => {
    for (const extra of [0, 2]) {
      const r = newTestRaft(1n, [1n, 2n])
      for (let i = 0; i < extra; i++) r.appendEntry([entry(0, 0)])
      r.becomeCandidate()
      r.becomeLeader()
      // The last index before its own empty entry (etcd TestNewLeaderPendingConfig).
      assert.equal(r.pendingConfIndex, extra)
    }
  })

  it('a node with a committed but unapplied conf change does not campaign', () => {
    const storage = new TestStorage([1n, 2n])
    const { type, data } = confChange(ConfChangeType.ConfChangeAddNode, 3n)
    storage.append([entry(1, 1), { term: 1, index: 2, type, data }])
    storage.setHardState({ term: 1, vote: 0n, commit: 2 })
    const r = new Raft({ id: 1n, electionTick: 10, heartbeatTick: 1, storage, applied: 1, random: seededRandom(1) })
    r.step(createMessage({ type: MessageType.MsgHup, from: 1n, to: 1n }))
    assert.equal(r.state, StateType.StateFollower)
    assert.equal(r.term, 1)
    r.appliedTo(2, 0)
    r.step(createMessage({ type: MessageType.MsgHup, from: 1n, to: 1n }))
    assert.equal(r.state, StateType.StateCandidate)
    assert.equal(r.term, 2)
  })

  it('after removing a node, the rest commit without it', () => {
    const net = electedNetwork()
    net
      .node(1n)
      .rawNode.proposeConfChange({ id: 0n, type: ConfChangeType.ConfChangeRemoveNode, nodeId: 3n, context: bytes('') })
    net.stabilize()
    assert.deepEqual([...net.raft(1n).trk.progress.keys()].sort(), [1n, 2n])
    assert.equal(net.raft(2n).trk.config.toString(), 'voters=(1 2)')
    net.isolate(3n)
    net.propose(1n, 'without 3')
    assert.deepEqual(must(net.node(2n).applied.at(-1)), entry(3, 1, 'without 3'))
  })

  it('a removed leader stays leader but drops proposals; with stepDownOnRemoval it steps down', () => {
    const remove1 = { id: 0n, type: ConfChangeType.ConfChangeRemoveNode, nodeId: 1n, context: bytes('') }
    const stays = electedNetwork()
    stays.node(1n).rawNode.proposeConfChange(remove1)
    stays.stabilize()
    assert.equal(stays.raft(1n).state, StateType.StateLeader)
    assert.throws(() => stays.node(1n).rawNode.propose(bytes('x')), { code: 'RAFT_PROPOSAL_DROPPED' })

    const steps = electedNetwork({ stepDownOnRemoval: true })
    steps.node(1n).rawNode.proposeConfChange(remove1)
    steps.stabilize()
    assert.equal(steps.raft(1n).state, StateType.StateFollower)
    assert.equal(steps.raft(2n).trk.config.toString(), 'voters=(2 3)')
  })
})
