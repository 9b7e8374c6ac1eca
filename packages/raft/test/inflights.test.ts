import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Inflights } from '@etcd-ts/raft'

describe('Inflights', () => {
  it('fills up to its message count, across the ring wrap-around', () => {
    const inflights = new Inflights(10)
    for (let i = 0; i < 5; i++) inflights.add(i, 1)
    assert.equal(inflights.count(), 5)
    inflights.freeLE(4)
    assert.equal(inflights.count(), 0)
    // Start now sits past the beginning: the next ten additions wrap around the ring.
    for (let i = 5; i < 15; i++) {
      assert.equal(inflights.full(), false)
      inflights.add(i, 1)
    }
    assert.equal(inflights.full(), true)
    assert.throws(() => inflights.add(15, 1), /Full inflights/)
    inflights.freeLE(9)
    assert.equal(inflights.count(), 5)
    inflights.freeLE(14)
    assert.equal(inflights.count(), 0)
  })

  it('frees messages up to and including an index, and ignores stale frees', () => {
    const inflights = new Inflights(10)
    for (let i = 0; i < 10; i++) inflights.add(i, 1)
    inflights.freeLE(0)
    assert.equal(inflights.count(), 9)
    inflights.freeLE(4)
    assert.equal(inflights.count(), 5)
    inflights.freeLE(3) // stale: already freed
    assert.equal(inflights.count(), 5)
    inflights.freeLE(8)
    assert.equal(inflights.count(), 1)
    // Wrap around and free across the boundary.
    for (let i = 10; i < 15; i++) inflights.add(i, 1)
    inflights.freeLE(12)
    assert.equal(inflights.count(), 2)
    inflights.freeLE(14)
    assert.equal(inflights.count(), 0)
  })

  it('is full at the byte limit even with free slots', () => {
    const inflights = new Inflights(10, 1000)
    inflights.add(1, 400)
    inflights.add(2, 400)
    assert.equal(inflights.full(), false)
    inflights.add(3, 300)
    assert.equal(inflights.full(), true)
    assert.equal(inflights.bytes(), 1100)
    inflights.freeLE(1)
    assert.equal(inflights.full(), false)
    assert.equal(inflights.bytes(), 700)
  })

  it('clones independently and resets', () => {
    const inflights = new Inflights(3)
    inflights.add(1, 10)
    const copy = inflights.clone()
    copy.add(2, 10)
    assert.equal(inflights.count(), 1)
    assert.equal(copy.count(), 2)
    copy.reset()
    assert.equal(copy.count(), 0)
    assert.equal(copy.bytes(), 0)
  })

  it('rejects a non-positive size', () => {
    assert.throws(() => new Inflights(0), RangeError)
    assert.throws(() => new Inflights(1.5), RangeError)
    assert.throws(() => new Inflights(2, -1), RangeError)
  })
})
