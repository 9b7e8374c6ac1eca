import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { describeIndex, JointConfig, MajorityConfig, MapAckIndexer, VoteResult } from '@etcd-ts/raft'
import { naiveCommittedIndex } from '@etcd-ts/raft/testing'
import fc from 'fast-check'

const acked = (entries: [bigint, number][]) => new MapAckIndexer(new Map(entries))
const votes = (entries: [bigint, boolean][]) => new Map(entries)

describe('MajorityConfig', () => {
  it('commits everything when empty, and wins every vote', () => {
    const empty = new MajorityConfig()
    assert.equal(empty.committedIndex(acked([])), Number.POSITIVE_INFINITY)
    assert.equal(describeIndex(empty.committedIndex(acked([]))), '∞')
    assert.equal(empty.voteResult(votes([])), VoteResult.VoteWon)
  })

  it('commits the index a majority has acknowledged; unknown voters count as 0', () => {
    const config = new MajorityConfig([1n, 2n, 3n])
    assert.equal(config.committedIndex(acked([[1n, 12]])), 0)
    assert.equal(
      config.committedIndex(
        acked([
          [1n, 12],
          [2n, 5],
        ]),
      ),
      5,
    )
    assert.equal(
      config.committedIndex(
        acked([
          [1n, 12],
          [2n, 5],
          [3n, 8],
        ]),
      ),
      8,
    )
    // Even-sized configurations need n/2+1 voters.
    const four = new MajorityConfig([1n, 2n, 3n, 4n])
    assert.equal(
      four.committedIndex(
        acked([
          [1n, 9],
          [2n, 7],
          [3n, 5],
          [4n, 3],
        ]),
      ),
      5,
    )
  })

  it('decides votes once a majority is reached either way', () => {
    const config = new MajorityConfig([1n, 2n, 3n])
    assert.equal(config.voteResult(votes([[1n, true]])), VoteResult.VotePending)
    assert.equal(
      config.voteResult(
        votes([
          [1n, true],
          [2n, true],
        ]),
      ),
      VoteResult.VoteWon,
    )
    assert.equal(
      config.voteResult(
        votes([
          [1n, false],
          [2n, false],
        ]),
      ),
      VoteResult.VoteLost,
    )
    assert.equal(
      config.voteResult(
        votes([
          [1n, true],
          [2n, false],
        ]),
      ),
      VoteResult.VotePending,
    )
    // Votes of non-members do not count.
    assert.equal(
      config.voteResult(
        votes([
          [7n, true],
          [8n, true],
        ]),
      ),
      VoteResult.VotePending,
    )
  })

  it('prints IDs in hex, ascending', () => {
    assert.equal(new MajorityConfig([16n, 3n, 1n]).toString(), '(1 3 10)')
    assert.equal(new MajorityConfig().toString(), '()')
  })

  it('committed index equals the naive sort-based twin for random configurations', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), { maxLength: 11 }),
        fc.array(fc.option(fc.nat({ max: 1000 }), { nil: undefined }), { minLength: 11, maxLength: 11 }),
        (ids, indexes) => {
          const map = new Map<bigint, number>()
          ids.forEach((id, i) => {
            const index = indexes[i]
            if (index !== undefined) map.set(id, index)
          })
          const config = new MajorityConfig(ids)
          const indexer = new MapAckIndexer(map)
          assert.equal(config.committedIndex(indexer), naiveCommittedIndex(ids, indexer))
          // Reusing the config (its scratch space) gives the same answer.
          assert.equal(config.committedIndex(indexer), naiveCommittedIndex(ids, indexer))
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('JointConfig', () => {
  it('behaves like its incoming half when not joint', () => {
    const joint = new JointConfig(new MajorityConfig([1n, 2n, 3n]))
    assert.equal(joint.isJoint(), false)
    assert.equal(joint.toString(), '(1 2 3)')
    assert.equal(
      joint.committedIndex(
        acked([
          [1n, 4],
          [2n, 6],
        ]),
      ),
      4,
    )
  })

  it('commits the smaller of the halves and needs both to win', () => {
    const joint = new JointConfig(new MajorityConfig([1n, 2n, 3n]), new MajorityConfig([3n, 4n, 5n]))
    assert.equal(joint.toString(), '(1 2 3)&&(3 4 5)')
    const indexes = acked([
      [1n, 10],
      [2n, 10],
      [3n, 7],
      [4n, 5],
      [5n, 3],
    ])
    assert.equal(joint.committedIndex(indexes), 5)
    assert.equal(
      joint.voteResult(
        votes([
          [1n, true],
          [2n, true],
        ]),
      ),
      VoteResult.VotePending,
    )
    assert.equal(
      joint.voteResult(
        votes([
          [1n, true],
          [2n, true],
          [4n, true],
          [5n, true],
        ]),
      ),
      VoteResult.VoteWon,
    )
    assert.equal(
      joint.voteResult(
        votes([
          [1n, true],
          [2n, true],
          [4n, false],
          [5n, false],
        ]),
      ),
      VoteResult.VoteLost,
    )
  })

  it('is symmetric in its halves for random configurations', () => {
    const id = fc.bigInt({ min: 1n, max: 9n })
    fc.assert(
      fc.property(
        fc.array(id, { maxLength: 7 }),
        fc.array(id, { maxLength: 7 }),
        fc.array(fc.nat(50), { minLength: 9, maxLength: 9 }),
        fc.array(fc.option(fc.boolean(), { nil: undefined }), { minLength: 9, maxLength: 9 }),
        (a, b, indexes, rawVotes) => {
          const indexer = acked(indexes.map((index, i) => [BigInt(i + 1), index]))
          const voteMap = new Map<bigint, boolean>()
          rawVotes.forEach((vote, i) => {
            if (vote !== undefined) voteMap.set(BigInt(i + 1), vote)
          })
          const ab = new JointConfig(new MajorityConfig(a), new MajorityConfig(b))
          const ba = new JointConfig(new MajorityConfig(b), new MajorityConfig(a))
          assert.equal(ab.committedIndex(indexer), ba.committedIndex(indexer))
          assert.equal(ab.voteResult(voteMap), ba.voteResult(voteMap))
        },
      ),
      { numRuns: 1000 },
    )
  })
})
