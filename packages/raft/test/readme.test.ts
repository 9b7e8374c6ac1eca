// The examples of README.md, run as written (keep the two in sync).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import {
  Changer,
  ConfChangeType,
  JointConfig,
  MajorityConfig,
  MapAckIndexer,
  ProgressTracker,
  VoteResult,
} from '@etcd-ts/raft'

it('README: quorums', () => {
  const acked = new MapAckIndexer(
    new Map([
      [1n, 12],
      [2n, 5],
      [3n, 9],
    ]),
  )
  const voters = new MajorityConfig([1n, 2n, 3n])
  assert.equal(voters.committedIndex(acked), 9)
  const joint = new JointConfig(new MajorityConfig([1n, 2n]), voters)
  assert.equal(joint.committedIndex(acked), 5)
  assert.equal(
    joint.voteResult(
      new Map([
        [1n, true],
        [3n, true],
      ]),
    ),
    VoteResult.VotePending,
  )
  assert.equal(voters.describe(acked), '       idx\nxx>     12    (id=1)\n>        5    (id=2)\nx>       9    (id=3)\n')
})

it('README: membership changes', () => {
  const { ConfChangeAddNode: add, ConfChangeRemoveNode: remove } = ConfChangeType
  const tracker = new ProgressTracker(256)
  const lastIndex = 1
  for (const nodeId of [1n, 2n, 3n]) {
    const { config, progress } = new Changer(tracker, lastIndex).simple({ type: add, nodeId })
    tracker.applyConfig(config, progress)
  }
  const joint = new Changer(tracker, lastIndex).enterJoint(
    false,
    { type: remove, nodeId: 3n },
    { type: add, nodeId: 4n },
  )
  tracker.applyConfig(joint.config, joint.progress)
  assert.equal(tracker.config.toString(), 'voters=(1 2 4)&&(1 2 3)')
  const left = new Changer(tracker, lastIndex).leaveJoint()
  tracker.applyConfig(left.config, left.progress)
  assert.equal(tracker.config.toString(), 'voters=(1 2 4)')
  assert.throws(
    () => new Changer(tracker, lastIndex).simple({ type: remove, nodeId: 1n }, { type: remove, nodeId: 2n }),
    {
      name: 'ConfChangeError',
      code: 'RAFT_CONF_CHANGE_INVALID',
      message: 'more than one voter changed without entering joint config',
    },
  )
})
