import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Inflights, Progress, ProgressMap, ProgressState } from '@etcd-ts/raft'

const make = (init: {
  state?: ProgressState
  match?: number
  next: number
  pendingSnapshot?: number
  paused?: boolean
}) => {
  const progress = new Progress({
    match: init.match,
    next: init.next,
    state: init.state,
    inflights: new Inflights(256),
  })
  progress.pendingSnapshot = init.pendingSnapshot ?? 0
  progress.msgAppFlowPaused = init.paused ?? false
  return progress
}

describe('Progress', () => {
  it('prints itself as etcd does', () => {
    const inflights = new Inflights(1)
    inflights.add(123, 1)
    const progress = new Progress({ match: 1, next: 2, state: ProgressState.StateSnapshot, inflights, isLearner: true })
    progress.pendingSnapshot = 123
    progress.msgAppFlowPaused = true
    assert.equal(
      progress.toString(),
      'StateSnapshot match=1 next=2 learner paused pendingSnap=123 inactive inflight=1[full]',
    )
  })

  it('is paused in StateSnapshot, and otherwise when the flow is paused', () => {
    const cases: [ProgressState, boolean, boolean][] = [
      [ProgressState.StateProbe, false, false],
      [ProgressState.StateProbe, true, true],
      [ProgressState.StateReplicate, false, false],
      [ProgressState.StateReplicate, true, true],
      [ProgressState.StateSnapshot, false, true],
      [ProgressState.StateSnapshot, true, true],
    ]
    for (const [state, paused, expected] of cases) {
      assert.equal(make({ state, next: 1, paused }).isPaused(), expected, `${state} paused=${paused}`)
    }
  })

  it('resumes the flow on a genuine rejection or acknowledgement', () => {
    const progress = make({ next: 2, paused: true })
    progress.maybeDecrTo(1, 1)
    assert.equal(progress.msgAppFlowPaused, false)
    progress.msgAppFlowPaused = true
    progress.maybeUpdate(2)
    assert.equal(progress.msgAppFlowPaused, false)
  })

  it('probes from after the match, or after a pending snapshot', () => {
    const cases: [Progress, number][] = [
      [make({ state: ProgressState.StateReplicate, match: 1, next: 5 }), 2],
      [make({ state: ProgressState.StateSnapshot, match: 1, next: 5, pendingSnapshot: 10 }), 11],
      [make({ state: ProgressState.StateSnapshot, match: 1, next: 5, pendingSnapshot: 0 }), 2],
    ]
    for (const [progress, next] of cases) {
      progress.becomeProbe()
      assert.equal(progress.state, ProgressState.StateProbe)
      assert.equal(progress.match, 1)
      assert.equal(progress.next, next)
    }
  })

  it('replicates from after the match, and snapshots past the snapshot', () => {
    const replicate = make({ match: 1, next: 5 })
    replicate.becomeReplicate()
    assert.equal(replicate.state, ProgressState.StateReplicate)
    assert.equal(replicate.next, 2)
    const snapshot = make({ match: 1, next: 5 })
    snapshot.becomeSnapshot(10)
    assert.equal(snapshot.state, ProgressState.StateSnapshot)
    assert.equal(snapshot.pendingSnapshot, 10)
    assert.equal(snapshot.next, 11)
    assert.equal(snapshot.match, 1)
  })

  it('updates on newer acknowledgements only', () => {
    for (const [ack, match, next, updated] of [
      [2, 3, 5, false],
      [3, 3, 5, false],
      [4, 4, 5, true],
      [5, 5, 6, true],
      [6, 6, 7, true],
    ] as const) {
      const progress = make({ match: 3, next: 5 })
      assert.equal(progress.maybeUpdate(ack), updated, `ack ${ack}`)
      assert.equal(progress.match, match)
      assert.equal(progress.next, next)
    }
  })

  it('lowers next on genuine rejections only', () => {
    const { StateReplicate, StateProbe } = ProgressState
    for (const [state, match, next, rejected, hint, decreased, newNext] of [
      [StateReplicate, 5, 10, 5, 5, false, 10], // stale: at match
      [StateReplicate, 5, 10, 4, 4, false, 10], // stale: below match
      [StateReplicate, 5, 10, 9, 9, true, 6], // genuine: back to match + 1
      [StateProbe, 0, 0, 0, 0, false, 0], // next-1 != rejected
      [StateProbe, 0, 10, 5, 5, false, 10],
      [StateProbe, 0, 10, 9, 9, true, 9],
      [StateProbe, 0, 2, 1, 1, true, 1],
      [StateProbe, 0, 1, 0, 0, true, 1],
      [StateProbe, 0, 10, 9, 2, true, 3], // jumps to the hint
      [StateProbe, 0, 10, 9, 0, true, 1],
    ] as const) {
      const progress = make({ state, match, next })
      assert.equal(
        progress.maybeDecrTo(rejected, hint),
        decreased,
        `${state} ${match}/${next} rejected ${rejected} hint ${hint}`,
      )
      assert.equal(progress.match, match)
      assert.equal(progress.next, newNext)
    }
  })

  it('advances next and fills inflights when replicating; pauses after a probe', () => {
    const replicate = new Progress({
      match: 0,
      next: 1,
      state: ProgressState.StateReplicate,
      inflights: new Inflights(2),
    })
    replicate.sentEntries(3, 30)
    assert.equal(replicate.next, 4)
    assert.equal(replicate.msgAppFlowPaused, false)
    replicate.sentEntries(1, 10)
    assert.equal(replicate.msgAppFlowPaused, true, 'a full window pauses the flow')
    const probe = make({ next: 1 })
    probe.sentEntries(0, 0)
    assert.equal(probe.msgAppFlowPaused, false, 'an empty probe does not pause')
    probe.sentEntries(2, 20)
    assert.equal(probe.msgAppFlowPaused, true)
    assert.equal(probe.next, 1, 'probing does not advance next')
    const snapshot = make({ state: ProgressState.StateSnapshot, next: 1 })
    assert.throws(() => snapshot.sentEntries(1, 1), /unhandled state StateSnapshot/)
  })

  it('sends a commit index only while it can advance the follower', () => {
    const progress = make({ match: 4, next: 6 })
    assert.equal(progress.canBumpCommit(3), true)
    progress.sentCommitIndex(5)
    assert.equal(progress.canBumpCommit(6), false, 'already sent next-1')
  })
})

describe('ProgressMap', () => {
  it('lists peers in ascending ID order whatever the insertion order', () => {
    const map = new ProgressMap()
    for (const id of [3n, 1n, 2n]) map.set(id, make({ next: 1 }))
    assert.deepEqual(map.sortedIds(), [1n, 2n, 3n])
    map.delete(2n)
    map.set(0n, make({ next: 1 }))
    assert.deepEqual(map.sortedIds(), [0n, 1n, 3n])
    assert.equal(map.toString().split('\n')[0], '0: StateProbe match=0 next=1 inactive')
    const copy = new ProgressMap(map)
    assert.deepEqual(copy.sortedIds(), [0n, 1n, 3n])
  })
})
