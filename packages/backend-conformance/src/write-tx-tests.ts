import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { revision, text } from './bytes.js'
import {
  assertBytes,
  assertEntries,
  collectSnapshot,
  countCommits,
  entriesOf,
  inTx,
  type Suite,
  streamOf,
  throwsCode,
  turn,
} from './harness.js'

const NOT_LOCKED = 'BACKEND_TX_NOT_LOCKED'

export function writeTxTests(suite: Suite): void {
  describe('the write transaction', () => {
    suite.test('batchTx() returns the same object every time', async (f) => {
      const backend = await f.open()
      const tx = backend.batchTx()
      assert.equal(backend.batchTx(), tx)
      inTx(backend, (t) => t.unsafeCreateBucket('a'))
      await backend.forceCommit()
      assert.equal(backend.batchTx(), tx, 'after a commit')
      await backend.defrag()
      assert.equal(backend.batchTx(), tx, 'after defrag')
      await backend.restore(streamOf(await collectSnapshot(await backend.snapshot())))
      assert.equal(backend.batchTx(), tx, 'after restore')
    })

    suite.test('lock() while locked throws BACKEND_TX_LOCKED and keeps the lock', async (f) => {
      const backend = await f.open()
      const tx = backend.batchTx()
      tx.lock()
      throwsCode(() => tx.lock(), 'BACKEND_TX_LOCKED')
      throwsCode(() => backend.batchTx().lock(), 'BACKEND_TX_LOCKED')
      tx.unsafeCreateBucket('a')
      tx.unsafePut('a', text('k'), text('v'))
      tx.unlock()
      throwsCode(() => tx.unlock(), NOT_LOCKED, 'one unlock() released it')
      assertBytes(backend.readTx().unsafeGet('a', text('k')), text('v'))
    })

    suite.test('writes without the lock throw BACKEND_TX_NOT_LOCKED and change nothing', async (f) => {
      const backend = await f.open()
      inTx(backend, (tx) => {
        tx.unsafeCreateBucket('a')
        tx.unsafePut('a', text('k'), text('v'))
      })
      const tx = backend.batchTx()
      throwsCode(() => tx.unsafePut('a', text('x'), text('x')), NOT_LOCKED, 'unsafePut')
      throwsCode(() => tx.unsafeSeqPut('a', text('x'), text('x')), NOT_LOCKED, 'unsafeSeqPut')
      throwsCode(() => tx.unsafeDelete('a', text('k')), NOT_LOCKED, 'unsafeDelete')
      throwsCode(() => tx.unsafeCreateBucket('b'), NOT_LOCKED, 'unsafeCreateBucket')
      throwsCode(() => tx.unsafeDeleteBucket('a'), NOT_LOCKED, 'unsafeDeleteBucket')
      await backend.forceCommit()
      throwsCode(() => tx.unsafePut('a', text('x'), text('x')), NOT_LOCKED, 'unsafePut, after a commit')
      const read = backend.readTx()
      assert.deepEqual(
        (await entriesOf(read, 'a')).map(([key]) => new TextDecoder().decode(key)),
        ['k'],
      )
      assert.equal(read.hasBucket('b'), false)
    })

    suite.test('unlock() without the lock throws BACKEND_TX_NOT_LOCKED', async (f) => {
      const backend = await f.open()
      const tx = backend.batchTx()
      throwsCode(() => tx.unlock(), NOT_LOCKED, 'never locked')
      tx.lock()
      tx.unlock()
      throwsCode(() => tx.unlock(), NOT_LOCKED, 'unlocked twice')
    })

    suite.test('keys and values must be Uint8Arrays (TypeError); Buffers are Uint8Arrays', async (f) => {
      const backend = await f.open()
      const tx = backend.batchTx()
      tx.lock()
      try {
        tx.unsafeCreateBucket('a')
        assert.throws(() => tx.unsafePut('a', 'key' as unknown as Uint8Array, text('v')), TypeError, 'string key')
        assert.throws(() => tx.unsafePut('a', text('k'), 'value' as unknown as Uint8Array), TypeError, 'string value')
        assert.throws(() => tx.unsafePut('a', [1] as unknown as Uint8Array, text('v')), TypeError, 'array key')
        assert.throws(() => tx.unsafeDelete('a', 'key' as unknown as Uint8Array), TypeError, 'delete string key')
        tx.unsafePut('a', Buffer.from('buffer'), Buffer.from('value'))
      } finally {
        tx.unlock()
      }
      assertBytes(backend.readTx().unsafeGet('a', text('buffer')), text('value'))
      await backend.forceCommit()
      assertBytes(backend.readTx().unsafeGet('a', text('buffer')), text('value'), 'committed')
    })

    suite.test('unsafeSeqPut writes like unsafePut', async (f) => {
      const backend = await f.open()
      const expected = Array.from({ length: 50 }, (_, i) => [revision(i + 1, i % 3), text(`kv${i}`)] as const)
      const tx = backend.batchTx()
      tx.lock()
      tx.unsafeCreateBucket('key')
      for (const [key, value] of expected.slice(0, 25)) tx.unsafeSeqPut('key', key, value)
      assertEntries(
        await tx.unsafeRange('key', revision(0), revision(1000)),
        expected.slice(0, 25),
        'in the transaction',
      )
      tx.unlock()
      await backend.forceCommit()
      inTx(backend, (t) => {
        for (const [key, value] of expected.slice(25)) t.unsafeSeqPut('key', key, value)
      })
      assertEntries(await backend.readTx().unsafeRange('key', revision(0), revision(1000)), expected, 'unlocked')
      assertEntries(await backend.readTx().unsafeRange('key', revision(10), revision(20), 3), expected.slice(9, 12))
      await backend.forceCommit()
      assertEntries(await backend.readTx().unsafeRange('key', revision(0), revision(1000)), expected, 'committed')
    })

    suite.test('lock() and unlock() without writes commit nothing', async (f) => {
      const backend = await f.open({ options: { batchIntervalMs: 100 } })
      const commits = countCommits(backend)
      for (let i = 0; i < 3; i++) {
        inTx(backend, () => {})
        f.clock.advance(1000)
        await turn()
      }
      assert.equal(commits.count, 0)
    })
  })
}
