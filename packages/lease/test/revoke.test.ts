// Revoke's atomicity: the lease's keys and its record go in one backend write transaction
// (the KV store's, through the range deleter) and one revision, in bytewise key order.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Backend, type BatchTx, Buckets, type ConcurrentReadTx } from '@etcd-ts/backend'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { Lessor, leaseIdToBytes } from '@etcd-ts/lease'
import { FakeKv, KV_BUCKET, ManualClock, text } from './helpers.js'

// A memory backend whose write transaction counts its unlocks (one per transaction).
async function countingBackend() {
  const clock = new ManualClock()
  const backend = new MemoryBackend({}, { clock })
  await backend.open()
  const counter = { unlocks: 0 }
  const realTx = backend.batchTx()
  const tx = new Proxy(realTx, {
    get(target, property) {
      if (property === 'unlock') {
        return () => {
          counter.unlocks++
          target.unlock()
        }
      }
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as BatchTx
  const wrapped = new Proxy(backend, {
    get(target, property) {
      if (property === 'batchTx') return () => tx
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as Backend
  return { clock, backend, wrapped, counter }
}

describe('revoke atomicity', () => {
  it('deletes every key and the lease record in one write transaction and one revision', async () => {
    const { clock, backend, wrapped, counter } = await countingBackend()
    const kv = new FakeKv(wrapped)
    let view: ConcurrentReadTx | undefined
    const lessor = new Lessor(
      {},
      {
        backend: wrapped,
        clock,
        rangeDeleter: () => {
          const txn = kv.rangeDeleter()
          return {
            deleteRange(key, end) {
              view ??= backend.concurrentReadTx() // mid-transaction: nothing of it visible yet
              txn.deleteRange(key, end)
            },
            end: () => txn.end(),
          }
        },
      },
    )
    kv.lessor = lessor
    await lessor.start()
    lessor.grant(1n, 10)
    const keys = [text('b'), Uint8Array.of(0xff), text('a/1'), text('a'), Uint8Array.of(0), text('ab')]
    for (const key of keys) kv.put(key, text('v'), 1n)
    kv.put(text('other'), text('v'))
    const revision = kv.revision
    const unlocks = counter.unlocks
    lessor.revoke(1n)
    assert.equal(counter.unlocks, unlocks + 1, 'one write transaction')
    assert.equal(kv.revision, revision + 1, 'one revision')
    assert.deepEqual(kv.deleted, [Uint8Array.of(0), text('a'), text('a/1'), text('ab'), text('b'), Uint8Array.of(0xff)])
    // Seen from inside the transaction: everything still there.
    const inside = view as ConcurrentReadTx
    for (const key of keys) assert.deepEqual(inside.unsafeGet(KV_BUCKET, key), text('v'))
    assert.notEqual(inside.unsafeGet(Buckets.Lease, leaseIdToBytes(1n)), undefined)
    inside.close()
    // After: all of it gone, the unrelated key kept.
    const after = backend.readTx()
    for (const key of keys) assert.equal(after.unsafeGet(KV_BUCKET, key), undefined)
    assert.equal(after.unsafeGet(Buckets.Lease, leaseIdToBytes(1n)), undefined)
    assert.deepEqual(after.unsafeGet(KV_BUCKET, text('other')), text('v'))
    for (const key of keys) assert.equal(lessor.getLease(key), 0n)
  })

  it('a lease without keys takes no revision but its record still goes in the txn', async () => {
    const { clock, wrapped, counter, backend } = await countingBackend()
    const kv = new FakeKv(wrapped)
    const lessor = new Lessor({}, { backend: wrapped, clock, rangeDeleter: kv.rangeDeleter })
    kv.lessor = lessor
    await lessor.start()
    lessor.grant(1n, 10)
    const revision = kv.revision
    const unlocks = counter.unlocks
    lessor.revoke(1n)
    assert.equal(kv.revision, revision)
    assert.equal(counter.unlocks, unlocks + 1)
    assert.equal(backend.readTx().unsafeGet(Buckets.Lease, leaseIdToBytes(1n)), undefined)
  })

  it('without a range deleter only the record is deleted, in a transaction of its own', async () => {
    const { clock, wrapped, counter, backend } = await countingBackend()
    const lessor = new Lessor({}, { backend: wrapped, clock })
    await lessor.start()
    lessor.grant(1n, 10)
    lessor.attach(1n, [text('k')])
    const unlocks = counter.unlocks
    lessor.revoke(1n)
    assert.equal(counter.unlocks, unlocks + 1)
    assert.equal(backend.readTx().unsafeGet(Buckets.Lease, leaseIdToBytes(1n)), undefined)
    assert.equal(lessor.getLease(text('k')), 0n)
  })

  it('a range deleter that does not hold the write transaction is a broken contract: the lease stays', async () => {
    const { clock, wrapped } = await countingBackend()
    const lessor = new Lessor({}, { backend: wrapped, clock, rangeDeleter: () => ({ deleteRange() {}, end() {} }) })
    await lessor.start()
    lessor.grant(1n, 10)
    assert.throws(() => lessor.revoke(1n), { code: 'BACKEND_TX_NOT_LOCKED' })
    assert.notEqual(lessor.lookup(1n), undefined)
  })
})
