import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { computeClusterId, computeMemberId, formatId, parseId, RequestIdGenerator } from '../src/ids.js'

describe('member and cluster IDs', () => {
  it('match etcd for its defaults (member 8e9e05c52164694d, cluster cdf818194e3a8c32)', () => {
    const member = computeMemberId(['http://localhost:2380'], 'etcd-cluster')
    assert.equal(formatId(member), '8e9e05c52164694d')
    assert.equal(formatId(computeClusterId([member])), 'cdf818194e3a8c32')
  })

  it('sort peer URLs before hashing', () => {
    const a = computeMemberId(['http://b:2380', 'http://a:2380'], 't')
    const b = computeMemberId(['http://a:2380', 'http://b:2380'], 't')
    assert.equal(a, b)
    assert.notEqual(a, computeMemberId(['http://a:2380', 'http://b:2380'], 'u'))
  })

  it('cluster ID does not depend on member order', () => {
    assert.equal(computeClusterId([1n, 2n, 3n]), computeClusterId([3n, 1n, 2n]))
  })

  it('parseId reads what formatId writes, and refuses junk', () => {
    for (const id of [0n, 1n, 0x8e9e05c52164694dn, (1n << 64n) - 1n]) assert.equal(parseId(formatId(id)), id)
    assert.throws(() => parseId('xyz'), RangeError)
    assert.throws(() => parseId('12345678901234567'), RangeError)
  })
})

describe('RequestIdGenerator', () => {
  it('puts the member ID low 16 bits on top and counts up from the timestamp', () => {
    const gen = new RequestIdGenerator(0x8e9e05c52164694dn, 0x12_3456_789a)
    const first = gen.next()
    assert.equal(first >> 48n, 0x694dn)
    assert.equal(first & ((1n << 48n) - 1n), (0x12_3456_789an << 8n) + 1n)
    assert.equal(gen.next(), first + 1n)
  })

  it('wraps within 48 bits without touching the prefix', () => {
    const gen = new RequestIdGenerator(0xffffn, 2 ** 40 - 1)
    let id = 0n
    for (let i = 0; i < 300; i++) id = gen.next()
    assert.equal(id >> 48n, 0xffffn)
  })
})
