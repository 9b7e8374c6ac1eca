import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  Changer,
  type ChangerResult,
  type ConfChangeSingle,
  ConfChangeType,
  type ConfState,
  describeConfChanges,
  ProgressTracker,
  restore,
} from '@etcd-ts/raft'
import { parseConfChanges } from '@etcd-ts/raft/testing'
import fc from 'fast-check'

const apply = (tracker: ProgressTracker, result: ChangerResult) => tracker.applyConfig(result.config, result.progress)
const state = (tracker: ProgressTracker) => `${tracker.config}\n${tracker.progress}`

describe('Changer', () => {
  it('refuses unsafe changes with etcd’s messages and a code, leaving the tracker alone', () => {
    const tracker = new ProgressTracker(10)
    for (const change of parseConfChanges('v1 v2 v3')) apply(tracker, new Changer(tracker, 1).simple(change))
    const before = state(tracker)
    const refused: [() => unknown, string][] = [
      [
        () => new Changer(tracker, 2).simple(...parseConfChanges('v4 v5')),
        'more than one voter changed without entering joint config',
      ],
      [() => new Changer(tracker, 2).simple(...parseConfChanges('r1 r2 r3')), 'removed all voters'],
      [() => new Changer(tracker, 2).leaveJoint(), "can't leave a non-joint config"],
    ]
    for (const [change, message] of refused) {
      assert.throws(change, (error: Error & { code?: string }) => {
        assert.equal(error.code, 'RAFT_CONF_CHANGE_INVALID')
        assert.equal(error.message, message)
        return true
      })
      assert.equal(state(tracker), before)
    }
    apply(tracker, new Changer(tracker, 2).enterJoint(true, ...parseConfChanges('r1 v4')))
    assert.equal(tracker.config.toString(), 'voters=(2 3 4)&&(1 2 3) autoleave')
    assert.throws(() => new Changer(tracker, 3).enterJoint(false), /config is already joint/)
    assert.throws(() => new Changer(tracker, 3).simple(), /can't apply simple config change in joint config/)
  })

  it('cannot make an empty configuration joint', () => {
    const tracker = new ProgressTracker(10)
    assert.throws(
      () => new Changer(tracker, 0).enterJoint(false, ...parseConfChanges('v1')),
      /can't make a zero-voter config joint/,
    )
  })

  it('parks a demoted outgoing voter in learnersNext until the joint config is left', () => {
    const tracker = new ProgressTracker(10)
    apply(tracker, new Changer(tracker, 1).simple(...parseConfChanges('v1')))
    apply(tracker, new Changer(tracker, 1).simple(...parseConfChanges('v2')))
    apply(tracker, new Changer(tracker, 2).enterJoint(false, ...parseConfChanges('l2 v3')))
    assert.equal(tracker.config.toString(), 'voters=(1 3)&&(1 2) learners_next=(2)')
    assert.equal(tracker.progress.get(2n)?.isLearner, false)
    apply(tracker, new Changer(tracker, 3).leaveJoint())
    assert.equal(tracker.config.toString(), 'voters=(1 3) learners=(2)')
    assert.equal(tracker.progress.get(2n)?.isLearner, true)
  })

  it('describes changes as etcd logs them', () => {
    assert.equal(
      describeConfChanges(parseConfChanges('v2 r1 l3 u4')),
      'ConfChangeAddNode(2) ConfChangeRemoveNode(1) ConfChangeAddLearnerNode(3) ConfChangeUpdateNode(4)',
    )
  })

  // etcd's confchange/quick_test.go: applying changes one at a time with simple() ends in the
  // same configuration as applying them all at once through enterJoint() + leaveJoint().
  it('gives the same result one change at a time as through a joint configuration', () => {
    const changeType = fc.constantFrom(...Object.values(ConfChangeType))
    // Node 1 is never touched by the changes, so no sequence removes every voter.
    const changes = fc.array(fc.record({ type: changeType, nodeId: fc.bigInt({ min: 2n, max: 10n }) }), {
      minLength: 1,
      maxLength: 9,
    })
    const setup = fc.array(fc.bigInt({ min: 1n, max: 5n }), { maxLength: 5 })
    fc.assert(
      fc.property(setup, changes, (initial, ccs: ConfChangeSingle[]) => {
        const prepare = () => {
          const tracker = new ProgressTracker(10)
          for (const nodeId of [1n, ...initial])
            apply(tracker, new Changer(tracker, 10).simple({ type: ConfChangeType.ConfChangeAddNode, nodeId }))
          return tracker
        }
        const simple = prepare()
        for (const change of ccs) apply(simple, new Changer(simple, 10).simple(change))

        const joint = prepare()
        const entered = new Changer(joint, 10).enterJoint(false, ...ccs)
        const enteredAutoLeave = new Changer(joint, 10).enterJoint(true, ...ccs)
        enteredAutoLeave.config.autoLeave = false
        assert.equal(
          `${enteredAutoLeave.config}\n${enteredAutoLeave.progress}`,
          `${entered.config}\n${entered.progress}`,
        )
        apply(joint, entered)
        apply(joint, new Changer(joint, 10).leaveJoint())
        assert.equal(state(joint), state(simple))
      }),
      { numRuns: 1000 },
    )
  })
})

describe('restore', () => {
  const options = { maxInflight: 20, maxInflightBytes: 0, lastIndex: 10 }
  const roundTrip = (confState: ConfState) => {
    const tracker = new ProgressTracker(20)
    apply(tracker, restore(confState, options))
    const sorted = (ids: readonly bigint[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    assert.deepEqual(tracker.confState(), {
      voters: sorted(confState.voters),
      learners: sorted(confState.learners),
      votersOutgoing: sorted(confState.votersOutgoing),
      learnersNext: sorted(confState.learnersNext),
      autoLeave: confState.autoLeave,
    })
  }
  const cs = (
    voters: bigint[],
    learners: bigint[] = [],
    votersOutgoing: bigint[] = [],
    learnersNext: bigint[] = [],
    autoLeave = false,
  ): ConfState => ({ voters, learners, votersOutgoing, learnersNext, autoLeave })

  it('rebuilds simple and joint configurations', () => {
    roundTrip(cs([]))
    roundTrip(cs([1n, 2n, 3n]))
    roundTrip(cs([1n, 2n, 3n], [4n, 5n, 6n]))
    roundTrip(cs([1n, 2n, 3n], [5n], [1n, 2n, 4n, 6n], [4n]))
  })

  it('refuses a ConfState that is not a configuration', () => {
    // Learners without voters: the first step already leaves no voter.
    assert.throws(() => restore(cs([], [2n]), options), {
      code: 'RAFT_CONF_CHANGE_INVALID',
      message: 'removed all voters',
    })
  })

  // etcd's confchange/restore_test.go: random valid ConfStates survive restore().
  it('rebuilds random valid ConfStates', () => {
    const arbitrary = fc
      .record({
        voters: fc.integer({ min: 1, max: 5 }),
        learners: fc.integer({ min: 0, max: 4 }),
        removed: fc.integer({ min: 0, max: 2 }),
        retainedFraction: fc.double({ min: 0, max: 1, noNaN: true }),
        learnersNextFraction: fc.double({ min: 0, max: 1, noNaN: true }),
        autoLeave: fc.boolean(),
        seed: fc.integer(),
      })
      .chain((shape) =>
        fc
          .shuffledSubarray(
            Array.from({ length: 2 * (shape.voters + shape.learners + shape.removed) }, (_, i) => BigInt(i + 1)),
            {
              minLength: shape.voters + shape.learners + shape.removed,
              maxLength: shape.voters + shape.learners + shape.removed,
            },
          )
          .map((ids) => {
            const voters = ids.slice(0, shape.voters)
            const learners = ids.slice(shape.voters, shape.voters + shape.learners)
            const removed = ids.slice(shape.voters + shape.learners)
            const retained = voters.slice(0, Math.floor(shape.retainedFraction * (shape.voters + 1)))
            const votersOutgoing = [...retained, ...removed]
            const learnersNext = removed.slice(0, Math.floor(shape.learnersNextFraction * (removed.length + 1)))
            return cs(voters, learners, votersOutgoing, learnersNext, votersOutgoing.length > 0 && shape.autoLeave)
          }),
      )
    fc.assert(fc.property(arbitrary, roundTrip), { numRuns: 1000 })
  })
})
