import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Backend, ConcurrentReadTx } from '@etcd-ts/backend'
import { bytes, text } from './bytes.js'
import {
  assertContent,
  collectSnapshot,
  inTx,
  readContent,
  rejectsWithCode,
  type Suite,
  streamOf,
  throwsCode,
  turn,
} from './harness.js'
import { type Content, Model } from './model.js'

const UNIVERSE = ['a', 'b', 'c', 'd', 'meta', 'other']

async function assertSees(reader: ConcurrentReadTx, expected: Content, message: string): Promise<void> {
  assertContent(await readContent(reader, UNIVERSE), expected, message)
}

// A snapshot stream of a store holding only `content`, made with a second backend.
async function snapshotOf(backend: Backend, content: Content): Promise<Uint8Array[]> {
  inTx(backend, (tx) => {
    for (const [bucket, entries] of content) {
      tx.unsafeCreateBucket(bucket)
      for (const [key, value] of entries) tx.unsafePut(bucket, key, value)
    }
  })
  return collectSnapshot(await backend.snapshot())
}

export function isolationTests(suite: Suite): void {
  describe('concurrent read transactions', () => {
    suite.test(
      'see exactly their moment across unlocks, commits, deletes, bucket deletes, defrag and restore',
      async (f) => {
        const backend = await f.open()
        const model = new Model()
        inTx(backend, (tx) => {
          for (const bucket of ['a', 'b']) {
            tx.unsafeCreateBucket(bucket)
            model.createBucket(bucket)
          }
          for (const key of ['k1', 'k2']) {
            tx.unsafePut('a', text(key), text(key))
            model.put('a', text(key), text(key))
            tx.unsafePut('b', text(key), text(key))
            model.put('b', text(key), text(key))
          }
        })
        await backend.forceCommit()
        inTx(backend, (tx) => {
          tx.unsafePut('a', text('k3'), text('pending'))
          tx.unsafeCreateBucket('c')
          tx.unsafePut('c', text('k'), text('pending'))
        })
        model.put('a', text('k3'), text('pending'))
        model.createBucket('c')
        model.put('c', text('k'), text('pending'))
        const moment = model.content()
        const reader = backend.concurrentReadTx()
        await assertSees(reader, moment, 'at once')

        inTx(backend, (tx) => {
          tx.unsafePut('a', text('k1'), text('changed'))
          tx.unsafeDelete('a', text('k2'))
          tx.unsafePut('a', text('k4'), text('new'))
          tx.unsafeDelete('c', text('k'))
        })
        await assertSees(reader, moment, 'after a later unlock')
        await backend.forceCommit()
        await assertSees(reader, moment, 'after a commit')
        inTx(backend, (tx) => {
          tx.unsafeDeleteBucket('b')
          tx.unsafeDeleteBucket('c')
          tx.unsafeCreateBucket('d')
          tx.unsafePut('d', text('k'), text('new'))
        })
        await assertSees(reader, moment, 'after bucket deletes, unlocked')
        await backend.forceCommit()
        await assertSees(reader, moment, 'after bucket deletes, committed')
        await backend.defrag()
        await assertSees(reader, moment, 'after defrag')
        const other = await snapshotOf(await f.open(), [['other', [[text('o'), text('o')]]]])
        await backend.restore(streamOf(other))
        await assertSees(reader, moment, 'after restore')
        assert.equal(backend.readTx().hasBucket('a'), false, 'while the store itself was replaced')
        const fresh = backend.concurrentReadTx()
        assertContent(
          await readContent(fresh, UNIVERSE),
          [['other', [[text('o'), text('o')]]]],
          'a new concurrentReadTx sees the restored store',
        )
        fresh.close()
        await assertSees(reader, moment, 'after a new one was opened')
        reader.close()
      },
    )

    suite.test('opened while commits run, each sees its own moment', async (f) => {
      const backend = await f.open()
      const model = new Model()
      inTx(backend, (tx) => tx.unsafeCreateBucket('a'))
      model.createBucket('a')
      const readers: [ConcurrentReadTx, Content][] = []
      let step = 0
      const write = (i: number) => {
        inTx(backend, (tx) => {
          tx.unsafePut('a', text(`w${i}`), bytes(i))
          if (i > 2) tx.unsafeDelete('a', text(`w${i - 3}`))
        })
        model.put('a', text(`w${i}`), bytes(i))
        if (i > 2) model.delete('a', text(`w${i - 3}`))
      }
      for (let round = 0; round < 5; round++) {
        write(step++)
        let done = false
        const commit = backend.forceCommit().then(() => {
          done = true
        })
        // Open readers at every microtask, then every event-loop turn, while the commit runs,
        // writing between them.
        for (let i = 0; !done && i < 200; i++) {
          readers.push([backend.concurrentReadTx(), model.content()])
          write(step++)
          await (i < 50 ? Promise.resolve() : turn())
        }
        await commit
      }
      for (const [i, [reader, expected]] of readers.entries()) {
        await assertSees(reader, expected, `reader ${i}`)
        reader.close()
      }
    })

    suite.test('many open at once each keep their own moment', async (f) => {
      const backend = await f.open()
      const model = new Model()
      const readers: [ConcurrentReadTx, Content][] = []
      for (let i = 0; i < 100; i++) {
        inTx(backend, (tx) => {
          const bucket = i % 20 < 10 ? 'a' : 'b'
          tx.unsafeCreateBucket(bucket)
          model.createBucket(bucket)
          tx.unsafePut(bucket, text(`k${i % 7}`), bytes(i))
          model.put(bucket, text(`k${i % 7}`), bytes(i))
          if (i % 20 === 19) {
            tx.unsafeDeleteBucket('a')
            model.deleteBucket('a')
          }
        })
        if (i % 10 === 9) await backend.forceCommit()
        readers.push([backend.concurrentReadTx(), model.content()])
      }
      for (const [i, [reader, expected]] of readers.entries()) await assertSees(reader, expected, `reader ${i}`)
      for (const [i, [reader]] of readers.entries()) if (i % 2 === 0) reader.close()
      for (const [i, [reader, expected]] of readers.entries()) {
        if (i % 2 === 1) await assertSees(reader, expected, `reader ${i}, after others closed`)
        reader.close()
      }
    })

    suite.test('close() is idempotent; use after close throws BACKEND_TX_CLOSED', async (f) => {
      const backend = await f.open()
      inTx(backend, (tx) => {
        tx.unsafeCreateBucket('a')
        tx.unsafePut('a', text('k'), text('v'))
      })
      const reader = backend.concurrentReadTx()
      const other = backend.concurrentReadTx()
      reader.close()
      reader.close()
      throwsCode(() => reader.unsafeGet('a', text('k')), 'BACKEND_TX_CLOSED', 'unsafeGet')
      throwsCode(() => reader.hasBucket('a'), 'BACKEND_TX_CLOSED', 'hasBucket')
      await rejectsWithCode(() => reader.unsafeRange('a', text('a'), text('z')), 'BACKEND_TX_CLOSED', 'unsafeRange')
      await rejectsWithCode(() => reader.unsafeForEach('a', () => true), 'BACKEND_TX_CLOSED', 'unsafeForEach')
      assert.ok(other.unsafeGet('a', text('k')), 'others stay usable')
      other.close()
    })

    suite.test("do not see the pre-commit hook's writes of a later commit", async (f) => {
      const backend = await f.open()
      inTx(backend, (tx) => tx.unsafeCreateBucket('meta'))
      backend.setPreCommitHook((tx) => tx.unsafePut('meta', text('consistent_index'), text('1')))
      const reader = backend.concurrentReadTx()
      await backend.forceCommit()
      assert.equal(reader.unsafeGet('meta', text('consistent_index')), undefined)
      reader.close()
      const after = backend.concurrentReadTx()
      assert.ok(after.unsafeGet('meta', text('consistent_index')), 'a later one does')
      after.close()
    })
  })
}
