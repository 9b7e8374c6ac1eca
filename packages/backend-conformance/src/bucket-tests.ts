import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { type Backend, Buckets, type ReadTx } from '@etcd-ts/backend'
import { bytes, text } from './bytes.js'
import {
  assertContent,
  entriesOf,
  inTx,
  readContent,
  rejectsWithCode,
  type Suite,
  throwsCode,
  writeContent,
} from './harness.js'
import { type Content, Model, referenceHash } from './model.js'

const NOT_FOUND = 'BACKEND_BUCKET_NOT_FOUND'

/** Printable ASCII, 0x21 to 0x7e: every character a bucket name may have. */
const PRINTABLE = String.fromCharCode(...Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => 0x21 + i))

async function assertNoBucket(reader: ReadTx, bucket: string, name: string): Promise<void> {
  assert.equal(reader.hasBucket(bucket), false, `${name}.hasBucket(${bucket})`)
  throwsCode(() => reader.unsafeGet(bucket, text('k')), NOT_FOUND, `${name}.unsafeGet`)
  await rejectsWithCode(() => reader.unsafeRange(bucket, text('k')), NOT_FOUND, `${name}.unsafeRange(key)`)
  await rejectsWithCode(() => reader.unsafeRange(bucket, text('a'), text('z')), NOT_FOUND, `${name}.unsafeRange(a, z)`)
  await rejectsWithCode(() => reader.unsafeForEach(bucket, () => true), NOT_FOUND, `${name}.unsafeForEach`)
}

async function keysOf(backend: Backend, bucket: string): Promise<string[]> {
  return (await entriesOf(backend.readTx(), bucket)).map(([key]) => new TextDecoder().decode(key))
}

export function bucketTests(suite: Suite): void {
  describe('buckets', () => {
    suite.test('are created and deleted; deleting one deletes its keys', async (f) => {
      const backend = await f.open()
      inTx(backend, (tx) => {
        tx.unsafeCreateBucket('x')
        assert.ok(tx.hasBucket('x'), 'the transaction sees the bucket it created')
        tx.unsafePut('x', text('k1'), text('1'))
        tx.unsafePut('x', text('k2'), text('2'))
      })
      assert.ok(backend.readTx().hasBucket('x'))
      await backend.forceCommit()
      assert.deepEqual(await keysOf(backend, 'x'), ['k1', 'k2'])
      inTx(backend, (tx) => {
        tx.unsafeDeleteBucket('x')
        assert.equal(tx.hasBucket('x'), false, 'the transaction sees the bucket it deleted gone')
      })
      await assertNoBucket(backend.readTx(), 'x', 'readTx (after delete, before commit)')
      await backend.forceCommit()
      await assertNoBucket(backend.readTx(), 'x', 'readTx (after delete and commit)')
      inTx(backend, (tx) => tx.unsafeCreateBucket('x'))
      assert.deepEqual(await keysOf(backend, 'x'), [], 'a recreated bucket starts empty')
      await backend.forceCommit()
      assert.deepEqual(await keysOf(backend, 'x'), [], 'a recreated bucket starts empty (committed)')
      assert.equal(backend.readTx().unsafeGet('x', text('k1')), undefined)
    })

    suite.test('creating an existing bucket keeps its keys; deleting a missing one is a no-op', async (f) => {
      const backend = await f.open()
      inTx(backend, (tx) => {
        tx.unsafeCreateBucket('x')
        tx.unsafePut('x', text('a'), text('1'))
      })
      inTx(backend, (tx) => tx.unsafeCreateBucket('x'))
      assert.deepEqual(await keysOf(backend, 'x'), ['a'], 'pending')
      await backend.forceCommit()
      inTx(backend, (tx) => tx.unsafeCreateBucket('x'))
      assert.deepEqual(await keysOf(backend, 'x'), ['a'], 'committed')
      inTx(backend, (tx) => {
        tx.unsafeDeleteBucket('missing')
        tx.unsafeDeleteBucket('missing')
      })
      await backend.forceCommit()
      assert.equal(backend.readTx().hasBucket('missing'), false)
      assert.deepEqual(await keysOf(backend, 'x'), ['a'])
    })

    suite.test('an unknown bucket is BACKEND_BUCKET_NOT_FOUND for every read and write', async (f) => {
      const backend = await f.open()
      inTx(backend, (tx) => {
        tx.unsafeCreateBucket('known')
        tx.unsafePut('known', text('k'), text('v'))
      })
      await assertNoBucket(backend.readTx(), 'nope', 'readTx')
      const concurrent = backend.concurrentReadTx()
      await assertNoBucket(concurrent, 'nope', 'concurrentReadTx')
      concurrent.close()
      const tx = backend.batchTx()
      tx.lock()
      try {
        tx.unsafePut('known', text('before'), text('1'))
        await assertNoBucket(tx, 'nope', 'batchTx')
        throwsCode(() => tx.unsafePut('nope', text('k'), text('v')), NOT_FOUND, 'unsafePut')
        throwsCode(() => tx.unsafeSeqPut('nope', text('k'), text('v')), NOT_FOUND, 'unsafeSeqPut')
        throwsCode(() => tx.unsafeDelete('nope', text('k')), NOT_FOUND, 'unsafeDelete')
        tx.unsafePut('known', text('after'), text('2'))
      } finally {
        tx.unlock()
      }
      assert.deepEqual(await keysOf(backend, 'known'), ['after', 'before', 'k'], 'the errors cost no writes')
      assert.equal(backend.readTx().hasBucket('nope'), false, 'nor created the bucket')
    })

    suite.test('invalid names throw TypeError', async (f) => {
      const backend = await f.open()
      const invalid: unknown[] = [
        '',
        'x'.repeat(256),
        'with space',
        'tab\t',
        'new\nline',
        'nul\0',
        'del\x7f',
        'é',
        '☃',
        123,
        undefined,
      ]
      const tx = backend.batchTx()
      tx.lock()
      try {
        for (const name of invalid) {
          assert.throws(() => tx.unsafeCreateBucket(name as string), TypeError, `create ${JSON.stringify(name)}`)
          assert.throws(() => tx.unsafeDeleteBucket(name as string), TypeError, `delete ${JSON.stringify(name)}`)
        }
      } finally {
        tx.unlock()
      }
      await backend.forceCommit()
      for (const name of invalid) {
        if (typeof name === 'string') assert.equal(backend.readTx().hasBucket(name), false, JSON.stringify(name))
      }
    })

    suite.test("names of 1 to 255 printable ASCII characters work, etcd's included", async (f) => {
      const backend = await f.open()
      const names = [...Object.values(Buckets), 'a', '!', '~', 'Z', 'x'.repeat(255), PRINTABLE, 'test']
      const content: Content = Model.of(
        names.map((name, i) => [name, name === 'test' ? [] : [[text(name), bytes(i)]]] as const),
      ).content()
      writeContent(backend, content)
      assertContent(await readContent(backend.readTx(), names), content, 'pending')
      await backend.forceCommit()
      assertContent(await readContent(backend.readTx(), names), content, 'committed')
      assert.equal(await backend.hash(), referenceHash(content), 'hash over the buckets in name order')
    })
  })
}
