import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Backend, ReadTx } from '@etcd-ts/backend'
import { text } from './bytes.js'
import { assertBytes, countCommits, entriesOf, inTx, type Suite, throwsCode } from './harness.js'

const NOT_FOUND = 'BACKEND_BUCKET_NOT_FOUND'

async function keys(reader: ReadTx, bucket: string): Promise<string[]> {
  return (await entriesOf(reader, bucket)).map(([key]) => new TextDecoder().decode(key))
}

async function rangeKeys(reader: ReadTx, bucket: string): Promise<string[]> {
  const { keys } = await reader.unsafeRange(bucket, text(''), text('\x7f'))
  return keys.map((key) => new TextDecoder().decode(key))
}

// Creates `bucket` with `keys` (value = key) and commits.
async function committed(backend: Backend, bucket: string, keys: string[]): Promise<void> {
  inTx(backend, (tx) => {
    tx.unsafeCreateBucket(bucket)
    for (const key of keys) tx.unsafePut(bucket, text(key), text(key))
  })
  await backend.forceCommit()
}

export function visibilityTests(suite: Suite): void {
  describe('buffered writes', () => {
    suite.test('writes of a locked transaction are visible to it and to no reader until unlock', async (f) => {
      const backend = await f.open()
      await committed(backend, 'v', ['k0'])
      const before = backend.readTx()
      const tx = backend.batchTx()
      tx.lock()
      tx.unsafePut('v', text('k1'), text('1'))
      tx.unsafeDelete('v', text('k0'))
      tx.unsafeCreateBucket('w')
      tx.unsafePut('w', text('x'), text('x'))
      const during = backend.concurrentReadTx()
      try {
        assertBytes(tx.unsafeGet('v', text('k1')), text('1'), 'the transaction reads its put')
        assert.equal(tx.unsafeGet('v', text('k0')), undefined, 'the transaction reads its delete')
        assert.deepEqual(await rangeKeys(tx, 'v'), ['k1'], 'the transaction ranges over its writes')
        assert.ok(tx.hasBucket('w'), 'the transaction sees its new bucket')
        for (const [name, reader] of [
          ['readTx taken before lock()', before],
          ['readTx taken while locked', backend.readTx()],
          ['concurrentReadTx taken while locked', during],
        ] as const) {
          assert.equal(reader.unsafeGet('v', text('k1')), undefined, `${name}: no put`)
          assertBytes(reader.unsafeGet('v', text('k0')), text('k0'), `${name}: no delete`)
          assert.deepEqual(await rangeKeys(reader, 'v'), ['k0'], `${name}: range`)
          assert.equal(reader.hasBucket('w'), false, `${name}: no new bucket`)
          throwsCode(() => reader.unsafeGet('w', text('x')), NOT_FOUND, `${name}: no new bucket`)
        }
      } finally {
        tx.unlock()
      }
      for (const [name, reader] of [
        ['readTx taken before lock()', before],
        ['readTx taken after unlock()', backend.readTx()],
      ] as const) {
        assertBytes(reader.unsafeGet('v', text('k1')), text('1'), `${name}: put`)
        assert.equal(reader.unsafeGet('v', text('k0')), undefined, `${name}: delete`)
        assert.ok(reader.hasBucket('w'), `${name}: new bucket`)
      }
      assert.deepEqual(await rangeKeys(during, 'v'), ['k0'], 'a concurrentReadTx keeps its moment after unlock')
      assert.equal(during.hasBucket('w'), false)
      during.close()
    })

    suite.test('after unlock, writes are visible before any commit, and after it', async (f) => {
      const backend = await f.open()
      const commits = countCommits(backend)
      inTx(backend, (tx) => {
        tx.unsafeCreateBucket('v')
        tx.unsafePut('v', text('a'), text('1'))
      })
      assert.equal(commits.count, 0, 'nothing committed yet')
      assertBytes(backend.readTx().unsafeGet('v', text('a')), text('1'), 'visible before commit')
      const concurrent = backend.concurrentReadTx()
      assertBytes(concurrent.unsafeGet('v', text('a')), text('1'), 'to concurrent reads too')
      concurrent.close()
      await backend.forceCommit()
      assert.equal(commits.count, 1)
      assertBytes(backend.readTx().unsafeGet('v', text('a')), text('1'), 'visible after commit')
    })

    suite.test('deletes hide committed keys: in the transaction, after unlock, after commit', async (f) => {
      const backend = await f.open()
      await committed(backend, 'd', ['a', 'b', 'c'])
      const tx = backend.batchTx()
      tx.lock()
      tx.unsafeDelete('d', text('b'))
      tx.unsafeDelete('d', text('absent'))
      assert.deepEqual(await keys(tx, 'd'), ['a', 'c'], 'in the transaction')
      assert.deepEqual(await keys(backend.readTx(), 'd'), ['a', 'b', 'c'], 'readers, before unlock')
      tx.unlock()
      assert.deepEqual(await keys(backend.readTx(), 'd'), ['a', 'c'], 'after unlock')
      assert.deepEqual(await rangeKeys(backend.readTx(), 'd'), ['a', 'c'], 'after unlock (range)')
      assert.equal(backend.readTx().unsafeGet('d', text('b')), undefined)
      await backend.forceCommit()
      assert.deepEqual(await keys(backend.readTx(), 'd'), ['a', 'c'], 'after commit')
      assert.equal(backend.readTx().unsafeGet('d', text('b')), undefined)
    })

    suite.test('a key can be put again after a delete: same transaction, next one, after a commit', async (f) => {
      const backend = await f.open()
      await committed(backend, 'p', ['same', 'next', 'later'])
      inTx(backend, (tx) => {
        tx.unsafeDelete('p', text('same'))
        tx.unsafePut('p', text('same'), text('2'))
        tx.unsafeDelete('p', text('next'))
        tx.unsafeDelete('p', text('later'))
      })
      inTx(backend, (tx) => tx.unsafePut('p', text('next'), text('2')))
      assertBytes(backend.readTx().unsafeGet('p', text('same')), text('2'), 'same transaction')
      assertBytes(backend.readTx().unsafeGet('p', text('next')), text('2'), 'next transaction')
      assert.equal(backend.readTx().unsafeGet('p', text('later')), undefined)
      await backend.forceCommit()
      inTx(backend, (tx) => tx.unsafePut('p', text('later'), text('2')))
      assert.deepEqual(await keys(backend.readTx(), 'p'), ['later', 'next', 'same'])
      await backend.forceCommit()
      for (const key of ['same', 'next', 'later']) {
        assertBytes(backend.readTx().unsafeGet('p', text(key)), text('2'), key)
      }
    })

    suite.test('a key put and deleted before any commit never reaches storage', async (f) => {
      const backend = await f.open()
      await committed(backend, 'g', [])
      inTx(backend, (tx) => tx.unsafePut('g', text('ghost'), text('1')))
      const saw = backend.concurrentReadTx()
      inTx(backend, (tx) => tx.unsafeDelete('g', text('ghost')))
      await backend.forceCommit()
      assert.deepEqual(await keys(backend.readTx(), 'g'), [])
      assert.deepEqual(await keys(saw, 'g'), ['ghost'], 'a concurrent read taken in between saw it')
      saw.close()
    })

    suite.test('a bucket deleted and recreated in one transaction holds only the new keys', async (f) => {
      const backend = await f.open()
      await committed(backend, 'x', ['1', '2'])
      const tx = backend.batchTx()
      tx.lock()
      tx.unsafeDeleteBucket('x')
      tx.unsafeCreateBucket('x')
      tx.unsafePut('x', text('3'), text('3'))
      assert.deepEqual(await keys(tx, 'x'), ['3'], 'in the transaction')
      assert.equal(tx.unsafeGet('x', text('1')), undefined)
      assert.deepEqual(await keys(backend.readTx(), 'x'), ['1', '2'], 'readers, before unlock')
      tx.unlock()
      assert.deepEqual(await keys(backend.readTx(), 'x'), ['3'], 'after unlock')
      assert.deepEqual(await rangeKeys(backend.readTx(), 'x'), ['3'], 'after unlock (range)')
      assert.equal(backend.readTx().unsafeGet('x', text('2')), undefined)
      await backend.forceCommit()
      assert.deepEqual(await keys(backend.readTx(), 'x'), ['3'], 'after commit')
      assert.equal(backend.readTx().unsafeGet('x', text('1')), undefined)
    })

    suite.test('a bucket deleted and recreated across transactions holds only the new keys', async (f) => {
      const backend = await f.open()
      await committed(backend, 'x', ['1', '2'])
      inTx(backend, (tx) => {
        tx.unsafePut('x', text('pending'), text('p'))
      })
      inTx(backend, (tx) => tx.unsafeDeleteBucket('x'))
      assert.equal(backend.readTx().hasBucket('x'), false)
      inTx(backend, (tx) => {
        tx.unsafeCreateBucket('x')
        tx.unsafePut('x', text('3'), text('3'))
      })
      assert.deepEqual(await keys(backend.readTx(), 'x'), ['3'], 'after recreate')
      inTx(backend, (tx) => tx.unsafePut('x', text('1'), text('new')))
      assert.deepEqual(await keys(backend.readTx(), 'x'), ['1', '3'])
      assertBytes(backend.readTx().unsafeGet('x', text('1')), text('new'))
      await backend.forceCommit()
      assert.deepEqual(await keys(backend.readTx(), 'x'), ['1', '3'], 'after commit')
      assertBytes(backend.readTx().unsafeGet('x', text('1')), text('new'))
      assert.equal(backend.readTx().unsafeGet('x', text('pending')), undefined)
    })

    suite.test('a bucket deleted in the transaction refuses writes with BACKEND_BUCKET_NOT_FOUND', async (f) => {
      const backend = await f.open()
      await committed(backend, 'x', ['1'])
      const tx = backend.batchTx()
      tx.lock()
      try {
        tx.unsafeDeleteBucket('x')
        throwsCode(() => tx.unsafePut('x', text('2'), text('2')), NOT_FOUND)
        throwsCode(() => tx.unsafeDelete('x', text('1')), NOT_FOUND)
        throwsCode(() => tx.unsafeGet('x', text('1')), NOT_FOUND)
      } finally {
        tx.unlock()
      }
      await backend.forceCommit()
      assert.equal(backend.readTx().hasBucket('x'), false)
    })
  })
}
