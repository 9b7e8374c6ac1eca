import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Wait, WaitIndex } from '../src/wait.js'

describe('Wait', () => {
  it('triggers once, ignores unknown IDs and refuses duplicates', async () => {
    const wait = new Wait<string>()
    const result = wait.register(7n)
    assert.throws(() => wait.register(7n), RangeError)
    assert.equal(wait.isRegistered(7n), true)
    wait.trigger(8n, 'nobody')
    wait.trigger(7n, 'done')
    wait.trigger(7n, 'again')
    assert.equal(await result, 'done')
    assert.equal(wait.size, 0)
  })

  it('fails every waiter', async () => {
    const wait = new Wait<number>()
    const a = wait.register(1n)
    const b = wait.register(2n)
    wait.failAll(new Error('stopped'))
    await assert.rejects(a, /stopped/)
    await assert.rejects(b, /stopped/)
  })
})

describe('WaitIndex', () => {
  it('releases waiters in index order as the index moves', async () => {
    const wait = new WaitIndex()
    const released: number[] = []
    const all = [5, 2, 9, 2].map((n) => wait.wait(n).then(() => released.push(n)))
    wait.trigger(4)
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(released, [2, 2])
    wait.trigger(3) // never backwards
    assert.equal(wait.current, 4)
    wait.trigger(10)
    await Promise.all(all)
    assert.deepEqual(released, [2, 2, 5, 9])
    await wait.wait(1) // already reached
  })
})
