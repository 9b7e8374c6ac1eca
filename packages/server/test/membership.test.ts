import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../src/config.js'
import { decodeMemberJson, encodeMemberJson, parseInitialCluster, RaftCluster } from '../src/membership.js'

describe('member JSON', () => {
  it('keeps all 64 bits of the ID and etcd field names', () => {
    const member = {
      id: 0x8e9e05c52164694dn,
      peerUrls: ['http://localhost:2380'],
      isLearner: false,
      name: 'default',
      clientUrls: ['http://localhost:2379'],
    }
    const json = encodeMemberJson(member)
    assert.equal(
      json,
      '{"id":10276657743932975437,"peerURLs":["http://localhost:2380"],"name":"default","clientURLs":["http://localhost:2379"]}',
    )
    assert.deepEqual(decodeMemberJson(json), member)
  })

  it('omits attributes when asked and marks learners', () => {
    const json = encodeMemberJson(
      { id: 1n, peerUrls: ['http://a:1'], isLearner: true, name: 'x', clientUrls: [] },
      { attributes: false },
    )
    assert.equal(json, '{"id":1,"peerURLs":["http://a:1"],"isLearner":true}')
  })

  it('refuses JSON without a numeric id', () => {
    assert.throws(() => decodeMemberJson('{"peerURLs":[]}'), TypeError)
    assert.throws(() => decodeMemberJson('not json'), TypeError)
  })
})

describe('initial cluster', () => {
  it('parses name=url lists, several URLs per name', () => {
    const parsed = parseInitialCluster('a=http://1:2380,b=http://2:2380,a=http://3:2380')
    assert.deepEqual(
      [...parsed],
      [
        ['a', ['http://1:2380', 'http://3:2380']],
        ['b', ['http://2:2380']],
      ],
    )
  })

  it('refuses malformed entries', () => {
    assert.throws(() => parseInitialCluster('nourl'), ConfigError)
    assert.throws(() => parseInitialCluster('a=::bad'), ConfigError)
    assert.throws(() => parseInitialCluster(''), ConfigError)
  })

  it('computes etcd IDs and checks the local member', () => {
    const cluster = RaftCluster.fromInitialCluster('default=http://localhost:2380', 'etcd-cluster', 'default', [
      'http://localhost:2380',
    ])
    assert.equal(cluster.localId.toString(16), '8e9e05c52164694d')
    assert.equal(cluster.clusterId.toString(16), 'cdf818194e3a8c32')
    assert.equal(cluster.members().length, 1)
    assert.throws(
      () =>
        RaftCluster.fromInitialCluster('other=http://localhost:2380', 'etcd-cluster', 'default', [
          'http://localhost:2380',
        ]),
      /couldn't find local name "default"/,
    )
    assert.throws(
      () => RaftCluster.fromInitialCluster('default=http://localhost:2380', 'etcd-cluster', 'default', ['http://x:1']),
      ConfigError,
    )
  })
})
