import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Backend } from '@etcd-ts/backend'
import { text, u64be } from './bytes.js'
import { assertBytes, inTx, type Suite, turn, waitUntil } from './harness.js'

const CONSISTENT_INDEX = text('consistent_index')

// Like etcd's server: the hook writes the consistent index, here the number of the commit.
function installIndexHook(backend: Backend): { readonly count: number } {
  inTx(backend, (tx) => tx.unsafeCreateBucket('meta'))
  const counter = { count: 0 }
  backend.setPreCommitHook((tx) => {
    counter.count++
    tx.unsafePut('meta', CONSISTENT_INDEX, u64be(counter.count))
  })
  return counter
}

export function hookTests(suite: Suite): void {
  describe('the pre-commit hook', () => {
    suite.test('runs inside every commit: its writes land with the batch', async (f) => {
      const backend = await f.open({ options: { batchIntervalMs: 100 } })
      const hook = installIndexHook(backend)
      inTx(backend, (tx) => {
        tx.unsafeCreateBucket('data')
        tx.unsafePut('data', text('k'), text('1'))
      })
      const before = backend.concurrentReadTx()
      assert.equal(backend.readTx().unsafeGet('meta', CONSISTENT_INDEX), undefined, 'not before the commit')
      f.clock.advance(100)
      await waitUntil(() => hook.count === 1, 'the interval commit')
      await backend.forceCommit()
      assert.equal(hook.count, 2)
      assertBytes(backend.readTx().unsafeGet('meta', CONSISTENT_INDEX), u64be(2), 'the last commit wrote 2')
      assert.equal(before.unsafeGet('meta', CONSISTENT_INDEX), undefined, 'a read from before sees no hook write')
      before.close()
    })

    suite.test('runs on forceCommit() even when nothing is pending', async (f) => {
      const backend = await f.open()
      let runs = 0
      backend.setPreCommitHook(() => {
        runs++
      })
      await backend.forceCommit()
      assert.equal(runs, 1)
      await backend.forceCommit()
      assert.equal(runs, 2)
      const hook = installIndexHook(backend)
      await backend.forceCommit()
      await backend.forceCommit()
      assert.equal(hook.count, 2)
      assertBytes(backend.readTx().unsafeGet('meta', CONSISTENT_INDEX), u64be(2))
    })

    suite.test('can be replaced and cleared', async (f) => {
      const backend = await f.open({ options: { batchIntervalMs: 100 } })
      inTx(backend, (tx) => tx.unsafeCreateBucket('c'))
      const runs = { first: 0, second: 0 }
      backend.setPreCommitHook(() => {
        runs.first++
      })
      await backend.forceCommit()
      backend.setPreCommitHook(() => {
        runs.second++
      })
      await backend.forceCommit()
      assert.deepEqual(runs, { first: 1, second: 1 }, 'replaced')
      backend.setPreCommitHook(undefined)
      await backend.forceCommit()
      inTx(backend, (tx) => tx.unsafePut('c', text('k'), text('v')))
      f.clock.advance(100)
      for (let i = 0; i < 5; i++) await turn()
      await backend.defrag()
      await backend.close()
      assert.deepEqual(runs, { first: 1, second: 1 }, 'cleared')
    })

    suite.test("runs in close()'s final commit", async (f) => {
      const backend = await f.open()
      const hook = installIndexHook(backend)
      inTx(backend, (tx) => {
        tx.unsafeCreateBucket('data')
        tx.unsafePut('data', text('k'), text('1'))
      })
      await backend.close()
      assert.equal(hook.count, 1)
    })

    suite.test(
      'its writes are durable: found after reopen, with the batch they came with',
      async (f) => {
        const backend = await f.open({ options: { batchIntervalMs: 100 } })
        const hook = installIndexHook(backend)
        inTx(backend, (tx) => {
          tx.unsafeCreateBucket('data')
          tx.unsafePut('data', text('first'), text('1'))
        })
        f.clock.advance(100)
        await waitUntil(() => hook.count === 1, 'the interval commit')
        await backend.forceCommit()
        inTx(backend, (tx) => tx.unsafePut('data', text('last'), text('2')))
        const reopened = await f.reopen(backend)
        const read = reopened.readTx()
        assertBytes(read.unsafeGet('meta', CONSISTENT_INDEX), u64be(hook.count), "the last commit's (close) index")
        assertBytes(read.unsafeGet('data', text('first')), text('1'))
        assertBytes(read.unsafeGet('data', text('last')), text('2'))
      },
      { durable: true },
    )
  })
}
