// Smoke tests of the shared BufferedBackend core through the memory adapter; the full contract
// is @etcd-ts/backend-conformance's suite.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Buckets, type Clock } from '@etcd-ts/backend'
import { MemoryBackend } from '@etcd-ts/backend-memory'

const b = (...bytes: number[]) => new Uint8Array(bytes)
const text = (s: string) => new TextEncoder().encode(s)

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0
  const timers: { at: number; fn: () => void }[] = []
  return {
    now: () => now,
    setTimer(ms, fn) {
      const timer = { at: now + ms, fn }
      timers.push(timer)
      return () => {
        const i = timers.indexOf(timer)
        if (i >= 0) timers.splice(i, 1)
      }
    },
    advance(ms) {
      now += ms
      for (const timer of [...timers].sort((x, y) => x.at - y.at)) {
        if (timer.at <= now && timers.includes(timer)) {
          timers.splice(timers.indexOf(timer), 1)
          timer.fn()
        }
      }
    },
  }
}

describe('BufferedBackend core (memory)', () => {
  it('reads merge buffered and committed writes, with deletes hiding committed keys', async () => {
    const backend = new MemoryBackend()
    await backend.open()
    const tx = backend.batchTx()
    tx.lock()
    tx.unsafeCreateBucket(Buckets.Key)
    for (const k of [1, 3, 5, 7]) tx.unsafePut(Buckets.Key, b(k), b(k * 10))
    tx.unlock()
    await backend.forceCommit()
    tx.lock()
    tx.unsafePut(Buckets.Key, b(4), b(40))
    tx.unsafeDelete(Buckets.Key, b(5))
    tx.unsafePut(Buckets.Key, b(7), b(70, 1))
    tx.unlock()
    const read = backend.readTx()
    const { keys, values } = await read.unsafeRange(Buckets.Key, b(0), b(9))
    assert.deepEqual(
      keys.map((k) => k[0]),
      [1, 3, 4, 7],
    )
    assert.deepEqual(
      values.map((v) => [...v]),
      [[10], [30], [40], [70, 1]],
    )
    assert.deepEqual(
      (await read.unsafeRange(Buckets.Key, b(2), b(9), 2)).keys.map((k) => k[0]),
      [3, 4],
    )
    assert.equal(read.unsafeGet(Buckets.Key, b(5)), undefined)
    assert.deepEqual([...(read.unsafeGet(Buckets.Key, b(1)) ?? [])], [10])
    await backend.close()
  })

  it('keeps a concurrent read transaction on its moment while commits proceed', async () => {
    const backend = new MemoryBackend()
    await backend.open()
    const tx = backend.batchTx()
    tx.lock()
    tx.unsafeCreateBucket('test')
    tx.unsafePut('test', text('a'), text('1'))
    tx.unlock()
    const before = backend.concurrentReadTx()
    tx.lock()
    tx.unsafePut('test', text('a'), text('2'))
    tx.unsafePut('test', text('b'), text('3'))
    tx.unlock()
    await backend.forceCommit()
    assert.deepEqual(before.unsafeGet('test', text('a')), text('1'))
    assert.equal(before.unsafeGet('test', text('b')), undefined)
    assert.deepEqual(backend.readTx().unsafeGet('test', text('a')), text('2'))
    before.close()
    assert.throws(() => before.unsafeGet('test', text('a')), { code: 'BACKEND_TX_CLOSED' })
    await backend.close()
  })

  it('commits on the interval, at the batch limit, and runs the pre-commit hook inside', async () => {
    const clock = manualClock()
    const backend = new MemoryBackend({ batchIntervalMs: 100, batchLimit: 3 }, { clock })
    await backend.open()
    let hookRuns = 0
    backend.setPreCommitHook((hookTx) => {
      hookRuns++
      hookTx.unsafePut(Buckets.Meta, text('consistent_index'), b(hookRuns))
    })
    const tx = backend.batchTx()
    tx.lock()
    tx.unsafeCreateBucket(Buckets.Meta)
    tx.unlock()
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(hookRuns, 0, 'not before the interval')
    clock.advance(100)
    await backend.forceCommit().catch(() => {}) // wait for the chain
    assert.ok(hookRuns >= 1)
    const runs = hookRuns
    tx.lock()
    tx.unsafePut(Buckets.Meta, b(1), b(1))
    tx.unsafePut(Buckets.Meta, b(2), b(2))
    tx.unsafePut(Buckets.Meta, b(3), b(3))
    tx.unlock() // reaches the limit: commits without waiting for the interval
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(hookRuns, runs + 1)
    await backend.close()
  })

  it('snapshots, restores and hashes the same contents to the same bytes', async () => {
    const source = new MemoryBackend()
    await source.open()
    const tx = source.batchTx()
    tx.lock()
    tx.unsafeCreateBucket('b')
    tx.unsafeCreateBucket('a')
    tx.unsafeCreateBucket('empty')
    for (let i = 0; i < 300; i++) tx.unsafePut(i % 2 ? 'a' : 'b', text(`k${i}`), new Uint8Array(i))
    tx.unlock()
    const snapshot = await source.snapshot()
    const chunks: Uint8Array[] = []
    for await (const chunk of snapshot.chunks()) chunks.push(chunk)
    await snapshot.close()
    assert.equal(
      chunks.reduce((n, c) => n + c.length, 0),
      snapshot.size,
    )
    const target = new MemoryBackend()
    await target.open()
    await target.restore(
      (async function* () {
        yield* chunks
      })(),
    )
    assert.equal(await target.hash(), await source.hash())
    assert.ok(target.readTx().hasBucket('empty'))
    const damaged = chunks.map((c) => c.slice())
    const last = damaged[damaged.length - 2] as Uint8Array
    last[10] = (last[10] as number) ^ 1
    await assert.rejects(
      target.restore(
        (async function* () {
          yield* damaged
        })(),
      ),
      { code: 'BACKEND_SNAPSHOT_CORRUPT' },
    )
    assert.equal(await target.hash(), await source.hash(), 'a failed restore changes nothing')
    await source.close()
    await target.close()
  })

  it('deletes buckets with their keys, and refuses unknown buckets and unlocked writes', async () => {
    const backend = new MemoryBackend()
    await backend.open()
    const tx = backend.batchTx()
    tx.lock()
    tx.unsafeCreateBucket('x')
    tx.unsafePut('x', b(1), b(1))
    tx.unlock()
    await backend.forceCommit()
    tx.lock()
    tx.unsafeDeleteBucket('x')
    tx.unsafeCreateBucket('x')
    tx.unsafePut('x', b(2), b(2))
    tx.unlock()
    assert.deepEqual((await backend.readTx().unsafeRange('x', b(0), b(9))).keys, [b(2)])
    await backend.forceCommit()
    assert.deepEqual((await backend.readTx().unsafeRange('x', b(0), b(9))).keys, [b(2)])
    assert.throws(() => backend.readTx().unsafeGet('nope', b(1)), { code: 'BACKEND_BUCKET_NOT_FOUND' })
    assert.throws(() => tx.unsafePut('x', b(1), b(1)), { code: 'BACKEND_TX_NOT_LOCKED' })
    tx.lock()
    assert.throws(() => tx.lock(), { code: 'BACKEND_TX_LOCKED' })
    tx.unlock()
    await backend.close()
    assert.throws(() => backend.batchTx(), { code: 'BACKEND_NOT_OPEN' })
  })
})
