import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { type Backend, Buckets } from '@etcd-ts/backend'
import { text } from './bytes.js'
import { inTx, rejectsWithCode, type Suite, streamOf, throwsCode } from './harness.js'

const NOT_OPEN = 'BACKEND_NOT_OPEN'

// Every entry point of a backend that is not open must refuse with BACKEND_NOT_OPEN.
async function assertNotOpen(backend: Backend, when: string): Promise<void> {
  throwsCode(() => backend.batchTx(), NOT_OPEN, `batchTx() ${when}`)
  throwsCode(() => backend.readTx(), NOT_OPEN, `readTx() ${when}`)
  throwsCode(() => backend.concurrentReadTx(), NOT_OPEN, `concurrentReadTx() ${when}`)
  await rejectsWithCode(() => backend.forceCommit(), NOT_OPEN, `forceCommit() ${when}`)
  await rejectsWithCode(() => backend.snapshot(), NOT_OPEN, `snapshot() ${when}`)
  await rejectsWithCode(() => backend.restore(streamOf([])), NOT_OPEN, `restore() ${when}`)
  await rejectsWithCode(() => backend.hash(), NOT_OPEN, `hash() ${when}`)
  await rejectsWithCode(() => backend.defrag(), NOT_OPEN, `defrag() ${when}`)
}

export function lifecycleTests(suite: Suite): void {
  describe('open and close', () => {
    suite.test('open() is idempotent, called again or concurrently', async (f) => {
      const backend = await f.create()
      await Promise.all([backend.open(), backend.open()])
      await backend.open()
      inTx(backend, (tx) => tx.unsafeCreateBucket('a'))
      await backend.open()
      assert.ok(backend.readTx().hasBucket('a'), 'open() again keeps what is there')
    })

    suite.test('close() is idempotent, called again or concurrently', async (f) => {
      const backend = await f.open()
      inTx(backend, (tx) => tx.unsafeCreateBucket('a'))
      await Promise.all([backend.close(), backend.close()])
      await backend.close()
    })

    suite.test('close() of a backend never opened resolves', async (f) => {
      const backend = await f.create()
      await backend.close()
      await backend.close()
    })

    suite.test('a new store is empty', async (f) => {
      const backend = await f.open()
      for (const bucket of Object.values(Buckets)) {
        assert.equal(backend.readTx().hasBucket(bucket), false, `no bucket ${bucket} yet`)
      }
      assert.equal(await backend.hash(), 0, 'the hash of nothing is CRC-32C of nothing: 0')
    })

    suite.test('before open(), everything throws BACKEND_NOT_OPEN', async (f) => {
      const backend = await f.create()
      await assertNotOpen(backend, 'before open()')
    })

    suite.test(
      'after close(), everything throws BACKEND_NOT_OPEN, through transactions taken before too',
      async (f) => {
        const backend = await f.open()
        inTx(backend, (tx) => {
          tx.unsafeCreateBucket('a')
          tx.unsafePut('a', text('k'), text('v'))
        })
        const tx = backend.batchTx()
        const read = backend.readTx()
        const concurrent = backend.concurrentReadTx()
        await backend.close()
        await assertNotOpen(backend, 'after close()')
        throwsCode(() => tx.lock(), NOT_OPEN, 'batchTx().lock() after close()')
        throwsCode(() => read.unsafeGet('a', text('k')), NOT_OPEN, 'readTx().unsafeGet() after close()')
        throwsCode(() => read.hasBucket('a'), NOT_OPEN, 'readTx().hasBucket() after close()')
        await rejectsWithCode(
          () => read.unsafeRange('a', text('a'), text('z')),
          NOT_OPEN,
          'unsafeRange() after close()',
        )
        await rejectsWithCode(() => read.unsafeForEach('a', () => true), NOT_OPEN, 'unsafeForEach() after close()')
        throwsCode(() => concurrent.unsafeGet('a', text('k')), NOT_OPEN, 'concurrentReadTx() after close()')
        concurrent.close()
      },
    )
  })
}
