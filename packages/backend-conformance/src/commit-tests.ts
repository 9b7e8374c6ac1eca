import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Backend } from '@etcd-ts/backend'
import { bytes, text } from './bytes.js'
import { assertBytes, countCommits, inTx, type Suite, turn, waitUntil } from './harness.js'

// A few event-loop turns: enough for a commit that was triggered to have started running the
// pre-commit hook (the hook runs first thing in a commit, before any I/O).
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await turn()
}

function put(backend: Backend, key: string, bucket = 'c'): void {
  inTx(backend, (tx) => tx.unsafePut(bucket, text(key), text(key)))
}

// A backend with bucket `c` created and committed, and a commit counter starting at 0.
async function setUp(backend: Backend): Promise<{ readonly count: number }> {
  inTx(backend, (tx) => tx.unsafeCreateBucket('c'))
  await backend.forceCommit()
  return countCommits(backend)
}

export function commitTests(suite: Suite): void {
  describe('commit triggers (manual clock)', () => {
    suite.test('nothing commits before batchIntervalMs; then the interval commits', async (f) => {
      const backend = await f.open({ options: { batchIntervalMs: 250 } })
      const commits = await setUp(backend)
      put(backend, 'a')
      f.clock.advance(249)
      await settle()
      assert.equal(commits.count, 0, 'not before 250 ms')
      f.clock.advance(1)
      await waitUntil(() => commits.count === 1, 'the interval commit')
      f.clock.advance(10_000)
      await settle()
      assert.equal(commits.count, 1, 'nothing pending: no more commits')
    })

    suite.test('the default batchIntervalMs is 100 ms (etcd)', async (f) => {
      const backend = await f.open({ options: undefined })
      const commits = await setUp(backend)
      put(backend, 'a')
      f.clock.advance(99)
      await settle()
      assert.equal(commits.count, 0, 'not before 100 ms')
      f.clock.advance(1)
      await waitUntil(() => commits.count === 1, 'the interval commit at 100 ms')
    })

    suite.test('no unlocked write waits longer than batchIntervalMs', async (f) => {
      const backend = await f.open({ options: { batchIntervalMs: 100 } })
      const commits = await setUp(backend)
      put(backend, 'a')
      f.clock.advance(60)
      put(backend, 'b')
      f.clock.advance(40)
      await waitUntil(() => commits.count === 1, 'a commit within 100 ms of the first write')
      await backend.forceCommit()
      const forced = commits.count
      f.clock.advance(20)
      put(backend, 'c')
      f.clock.advance(100)
      await waitUntil(() => commits.count === forced + 1, 'a commit within 100 ms of a later write')
    })

    suite.test('an idle backend does not commit', async (f) => {
      const backend = await f.open({ options: { batchIntervalMs: 100 } })
      const commits = await setUp(backend)
      for (let i = 0; i < 10; i++) {
        f.clock.advance(1000)
        await turn()
      }
      assert.equal(commits.count, 0)
    })

    suite.test('commits at unlock once batchLimit writes are pending', async (f) => {
      const backend = await f.open({ options: { batchLimit: 5, batchIntervalMs: 1_000_000 } })
      const commits = await setUp(backend)
      inTx(backend, (tx) => {
        for (const key of ['1', '2', '3']) tx.unsafePut('c', text(key), text(key))
      })
      inTx(backend, (tx) => tx.unsafeDelete('c', text('1')))
      await settle()
      assert.equal(commits.count, 0, '4 pending < 5')
      put(backend, '5')
      await waitUntil(() => commits.count === 1, 'the batch-limit commit at the 5th pending write')
      put(backend, '6')
      await settle()
      assert.equal(commits.count, 1, 'the count starts over after a commit')
    })

    suite.test('a transaction reaching batchLimit commits at unlock, not before', async (f) => {
      const backend = await f.open({ options: { batchLimit: 5, batchIntervalMs: 1_000_000 } })
      const commits = await setUp(backend)
      const tx = backend.batchTx()
      tx.lock()
      for (let i = 0; i < 20; i++) tx.unsafePut('c', bytes(i), bytes(i))
      await settle()
      assert.equal(commits.count, 0, 'not while locked')
      tx.unlock()
      await waitUntil(() => commits.count === 1, 'the batch-limit commit at unlock')
    })

    suite.test('the default batchLimit is 10 000 writes (etcd)', async (f) => {
      const backend = await f.open({ options: { batchIntervalMs: 1_000_000 } })
      const commits = await setUp(backend)
      inTx(backend, (tx) => {
        for (let i = 0; i < 9_999; i++) tx.unsafePut('c', bytes(i >> 8, i & 0xff), bytes())
      })
      await settle()
      assert.equal(commits.count, 0, '9 999 pending')
      put(backend, 'last')
      await waitUntil(() => commits.count === 1, 'the commit at 10 000 pending')
    })

    suite.test('forceCommit() commits at once and resolves after the commit', async (f) => {
      const backend = await f.open({ options: { batchIntervalMs: 100 } })
      const commits = await setUp(backend)
      put(backend, 'a')
      await backend.forceCommit()
      assert.equal(commits.count, 1, 'the commit ran before forceCommit() resolved')
      f.clock.advance(1000)
      await settle()
      assert.equal(commits.count, 1, 'it took everything pending: the interval finds nothing')
      put(backend, 'b')
      const forced = [backend.forceCommit(), backend.forceCommit(), backend.forceCommit()]
      put(backend, 'c')
      await Promise.all(forced)
      assert.ok(commits.count >= 2, 'concurrent calls all resolve')
      assertBytes(backend.readTx().unsafeGet('c', text('c')), text('c'))
    })

    suite.test('a commit never contains part of a transaction still locked', async (f) => {
      const backend = await f.open({ options: { batchIntervalMs: 100, batchLimit: 3 } })
      await setUp(backend)
      const seen: { y: boolean; x: boolean; bucket: boolean }[] = []
      backend.setPreCommitHook((hookTx) => {
        // The hook's view is what this commit writes.
        seen.push({
          y: hookTx.unsafeGet('c', text('y')) !== undefined,
          x: hookTx.unsafeGet('c', text('x')) !== undefined,
          bucket: hookTx.hasBucket('locked'),
        })
      })
      put(backend, 'y')
      const tx = backend.batchTx()
      tx.lock()
      tx.unsafePut('c', text('x'), text('x'))
      tx.unsafeCreateBucket('locked')
      for (let i = 0; i < 10; i++) tx.unsafePut('c', bytes(i), bytes(i))
      // Time passes and a commit runs while the transaction is still locked (a caller awaiting
      // with the lock held).
      f.clock.advance(100)
      await waitUntil(() => seen.length === 1, 'the interval commit')
      await backend.forceCommit()
      assert.deepEqual(seen[0], { y: true, x: false, bucket: false }, 'the interval commit')
      assert.deepEqual(seen[1], { y: true, x: false, bucket: false }, 'forceCommit() while locked')
      assert.equal(backend.readTx().unsafeGet('c', text('x')), undefined, 'not visible either')
      tx.unlock()
      await waitUntil(() => seen.length === 3, 'the batch-limit commit at unlock')
      assert.deepEqual(seen[2], { y: true, x: true, bucket: true }, 'all of it once unlocked')
    })

    suite.test(
      'a transaction still locked at close is not in the store after reopen; what was unlocked is',
      async (f) => {
        const backend = await f.open({ options: { batchIntervalMs: 100 } })
        await setUp(backend)
        put(backend, 'y')
        const tx = backend.batchTx()
        tx.lock()
        tx.unsafePut('c', text('x'), text('x'))
        tx.unsafeCreateBucket('locked')
        f.clock.advance(100)
        await settle()
        const reopened = await f.reopen(backend)
        const read = reopened.readTx()
        assertBytes(read.unsafeGet('c', text('y')), text('y'), 'unlocked before close')
        assert.equal(read.unsafeGet('c', text('x')), undefined, 'locked at close')
        assert.equal(read.hasBucket('locked'), false, 'locked at close')
      },
      { durable: true },
    )
  })
}
