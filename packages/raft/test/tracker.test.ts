import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Changer, ConfChangeType, ProgressTracker, VoteResult } from '@etcd-ts/raft'

const { ConfChangeAddNode: add, ConfChangeAddLearnerNode: learner } = ConfChangeType

function trackerWith(voters: bigint[], learners: bigint[] = []): ProgressTracker {
  const tracker = new ProgressTracker(8)
  for (const nodeId of voters) {
    const { config, progress } = new Changer(tracker, 1).simple({ type: add, nodeId })
    tracker.applyConfig(config, progress)
  }
  for (const nodeId of learners) {
    const { config, progress } = new Changer(tracker, 1).simple({ type: learner, nodeId })
    tracker.applyConfig(config, progress)
  }
  return tracker
}

describe('ProgressTracker', () => {
  it('commits from the voters’ match indexes, ignoring learners', () => {
    const tracker = trackerWith([1n, 2n, 3n], [4n])
    const set = (id: bigint, match: number) => {
      const progress = tracker.progress.get(id)
      if (progress === undefined) throw new Error(`no progress for ${id}`)
      progress.match = match
    }
    set(1n, 10)
    set(4n, 10)
    assert.equal(tracker.committed(), 0)
    set(2n, 7)
    assert.equal(tracker.committed(), 7)
  })

  it('tallies votes of voters only; the first vote of a peer counts', () => {
    const tracker = trackerWith([1n, 2n, 3n], [4n])
    tracker.recordVote(1n, true)
    tracker.recordVote(1n, false)
    tracker.recordVote(4n, true)
    assert.deepEqual(tracker.tallyVotes(), { granted: 1, rejected: 0, result: VoteResult.VotePending })
    tracker.recordVote(2n, false)
    tracker.recordVote(3n, false)
    assert.deepEqual(tracker.tallyVotes(), { granted: 1, rejected: 2, result: VoteResult.VoteLost })
    tracker.resetVotes()
    assert.deepEqual(tracker.tallyVotes(), { granted: 0, rejected: 0, result: VoteResult.VotePending })
  })

  it('knows whether a quorum was recently active', () => {
    const tracker = trackerWith([1n, 2n, 3n])
    for (const progress of tracker.progress.values()) progress.recentActive = false
    assert.equal(tracker.quorumActive(), false)
    ;(tracker.progress.get(1n) as { recentActive: boolean }).recentActive = true
    ;(tracker.progress.get(3n) as { recentActive: boolean }).recentActive = true
    assert.equal(tracker.quorumActive(), true)
  })

  it('reports its configuration as a sorted ConfState and visits peers in ID order', () => {
    const tracker = trackerWith([3n, 1n, 2n], [5n])
    assert.deepEqual(tracker.confState(), {
      voters: [1n, 2n, 3n],
      votersOutgoing: [],
      learners: [5n],
      learnersNext: [],
      autoLeave: false,
    })
    assert.equal(tracker.isSingleton(), false)
    const visited: bigint[] = []
    tracker.visit((id) => visited.push(id))
    assert.deepEqual(visited, [1n, 2n, 3n, 5n])
    assert.deepEqual(tracker.voterNodes(), [1n, 2n, 3n])
    assert.deepEqual(tracker.learnerNodes(), [5n])
    assert.equal(trackerWith([7n]).isSingleton(), true)
  })

  it('rejects an invalid in-flight window', () => {
    assert.throws(() => new ProgressTracker(0), RangeError)
  })
})
