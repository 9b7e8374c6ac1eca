import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { type Backend, Buckets } from '@etcd-ts/backend'
import { LevelBackend } from '@etcd-ts/backend-level'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { ConsistentIndex } from '../src/consistent-index.js'
import type { LeaseId } from '../src/key-value.js'
import { KVStore } from '../src/kvstore.js'
import { encodeRevisionKey } from '../src/revision.js'

const t = (s: string) => new TextEncoder().encode(s)
const s = (b: Uint8Array) => new TextDecoder().decode(b)
const ALL = new Uint8Array(0)

async function openStore(backend?: Backend, options = {}): Promise<{ store: KVStore; backend: Backend }> {
  const b = backend ?? new MemoryBackend()
  await b.open()
  const store = new KVStore(b, { compactionSleepIntervalMs: 0, ...options })
  await store.open()
  return { store, backend: b }
}

class FakeLessor {
  readonly attached = new Map<string, LeaseId>()
  readonly leases = new Set<LeaseId>([1n, 2n])
  attach(id: LeaseId, keys: readonly Uint8Array[]) {
    if (!this.leases.has(id)) throw new Error('lease not found')
    for (const k of keys) this.attached.set(s(k), id)
  }
  detach(_id: LeaseId, keys: readonly Uint8Array[]) {
    for (const k of keys) this.attached.delete(s(k))
  }
  getLease(key: Uint8Array): LeaseId {
    return this.attached.get(s(key)) ?? 0n
  }
}

describe('KVStore', () => {
  it('makes one revision per write transaction, with sub-revisions, versions and create revisions', async () => {
    const { store } = await openStore()
    assert.equal(store.rev(), 1)
    assert.equal(store.put(t('a'), t('1')), 2)
    const txn = store.write()
    txn.put(t('a'), t('2'))
    txn.put(t('b'), t('1'))
    assert.equal(txn.range(t('a'), undefined).kvs[0]?.version, 2, 'reads see the transaction’s own writes')
    txn.end()
    assert.equal(store.rev(), 3)
    const { kvs, count, rev } = store.range(t('a'), t('c'))
    assert.equal(rev, 3)
    assert.equal(count, 2)
    assert.deepEqual(
      kvs.map((kv) => [s(kv.key), s(kv.value), kv.createRevision, kv.modRevision, kv.version]),
      [
        ['a', '2', 2, 3, 2],
        ['b', '1', 3, 3, 1],
      ],
    )
  })

  it('does not bump the revision when a transaction changes nothing', async () => {
    const { store } = await openStore()
    store.put(t('a'), t('1'))
    assert.deepEqual(store.deleteRange(t('x'), undefined), { deleted: 0, rev: 2 })
    const txn = store.write()
    txn.range(t('a'), undefined)
    txn.end()
    assert.equal(store.rev(), 2)
  })

  it('reads old revisions, counts, limits, and refuses future and compacted revisions', async () => {
    const { store } = await openStore()
    for (let i = 0; i < 5; i++) store.put(t(`k${i}`), t(`v${i}`)) // revisions 2..6
    store.deleteRange(t('k0'), t('k2')) // revision 7 deletes k0 and k1
    assert.equal(store.range(t('k0'), ALL).count, 3)
    assert.equal(store.range(t('k0'), ALL, { rev: 6 }).count, 5)
    assert.equal(store.range(t('k0'), ALL, { rev: 3 }).kvs.length, 2)
    const limited = store.range(t('k0'), ALL, { limit: 2, rev: 6 })
    assert.deepEqual([limited.kvs.length, limited.count, limited.rev], [2, 5, 7])
    assert.deepEqual(store.range(t('k0'), ALL, { count: true }), { kvs: [], rev: 7, count: 3 })
    assert.throws(() => store.range(t('k0'), ALL, { rev: 8 }), { code: 'MVCC_FUTURE_REV' })
    await store.compact(4).done
    assert.throws(() => store.range(t('k0'), ALL, { rev: 3 }), { code: 'MVCC_COMPACTED' })
    assert.equal(store.range(t('k0'), ALL, { rev: 4 }).count, 3, 'the compaction revision itself stays readable')
    assert.throws(() => store.compact(4), { code: 'MVCC_COMPACTED' })
    assert.throws(() => store.compact(8), { code: 'MVCC_FUTURE_REV' })
  })

  it('deletes and recreates keys, tombstones starting new generations', async () => {
    const { store } = await openStore()
    store.put(t('foo'), t('1')) // 2
    assert.deepEqual(store.deleteRange(t('foo'), undefined), { deleted: 1, rev: 3 })
    store.put(t('foo'), t('2')) // 4
    const [kv] = store.range(t('foo'), undefined).kvs
    assert.deepEqual([kv?.createRevision, kv?.modRevision, kv?.version], [4, 4, 1])
    assert.equal(store.range(t('foo'), undefined, { rev: 3 }).kvs.length, 0)
  })

  it('physically removes compacted revisions in batches and keeps each key’s latest', async () => {
    const { store, backend } = await openStore(undefined, { compactionBatchLimit: 3 })
    for (let i = 0; i < 10; i++) store.put(t('k'), t(`v${i}`)) // revisions 2..11
    store.put(t('other'), t('x')) // 12
    const compaction = store.compact(8)
    await compaction.scheduled
    await compaction.done
    const tx = backend.readTx()
    for (let rev = 2; rev < 8; rev++)
      assert.equal(tx.unsafeGet(Buckets.Key, encodeRevisionKey({ main: rev, sub: 0 })), undefined)
    assert.notEqual(tx.unsafeGet(Buckets.Key, encodeRevisionKey({ main: 8, sub: 0 })), undefined)
    assert.equal(s(store.range(t('k'), undefined, { rev: 8 }).kvs[0]?.value ?? t('')), 'v6')
    assert.equal(store.compactionHashes().length, 1)
  })

  it('close() and restore() end a compaction waiting between batches', async () => {
    // A clock that never fires: the compaction stays in its pause until stopped.
    const stoppedClock = { now: () => 0, setTimer: () => () => {} }
    for (const stop of ['close', 'restore'] as const) {
      const backend = new MemoryBackend()
      await backend.open()
      const store = new KVStore(backend, { compactionBatchLimit: 1 }, { clock: stoppedClock })
      await store.open()
      for (let i = 0; i < 5; i++) store.put(t(`k${i}`), t('v'))
      const { done } = store.compact(5)
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
      if (stop === 'close') await store.close()
      else await store.restore()
      await assert.rejects(done, { code: 'MVCC_CLOSED' })
      if (stop === 'restore') assert.equal(store.compactRev(), 5, 'restore resumed the scheduled compaction')
    }
  })

  it('attaches and detaches leases as keys are written and deleted', async () => {
    const backend = new MemoryBackend()
    await backend.open()
    const lessor = new FakeLessor()
    const store = new KVStore(backend, {}, { lessor })
    await store.open()
    store.put(t('a'), t('1'), 1n)
    assert.equal(lessor.getLease(t('a')), 1n)
    store.put(t('a'), t('2'), 2n)
    assert.equal(lessor.getLease(t('a')), 2n)
    store.put(t('a'), t('3'))
    assert.equal(lessor.getLease(t('a')), 0n)
    store.put(t('b'), t('1'), 1n)
    store.deleteRange(t('b'), undefined)
    assert.equal(lessor.getLease(t('b')), 0n)
  })

  it('refuses bad input with typed errors and leaves the store intact', async () => {
    const { store } = await openStore()
    store.put(t('a'), t('1'))
    assert.throws(() => store.put(new Uint8Array(0), t('1')), { code: 'MVCC_EMPTY_KEY' })
    assert.throws(() => store.range(t('b'), t('a')), { code: 'MVCC_INVALID_RANGE' })
    assert.throws(() => store.deleteRange(t('b'), t('a')), { code: 'MVCC_INVALID_RANGE' })
    assert.throws(() => store.range(t('a'), undefined, { rev: -1 }), RangeError)
    assert.throws(() => store.range(t('a'), undefined, { limit: -1 }), RangeError)
    assert.equal(store.rev(), 2)
    assert.equal(store.range(t('a'), undefined).count, 1)
    const txn = store.write()
    assert.throws(() => store.write(), TypeError, 'one write transaction at a time')
    txn.end()
  })

  it('computes hashes by revision, equal for equal histories, stable across compaction', async () => {
    const histories = await Promise.all([openStore(), openStore()])
    for (const { store } of histories) {
      for (let i = 0; i < 20; i++) store.put(t(`k${i % 4}`), t(`v${i}`))
      store.deleteRange(t('k1'), undefined)
    }
    const [a, b] = histories.map((h) => h.store) as [KVStore, KVStore]
    const before = await a.hashByRev(15)
    assert.deepEqual(await b.hashByRev(15), before)
    assert.notEqual((await a.hashByRev(16)).hash, before.hash)
    // Compacted at the same revision, equal histories hash equally again (etcd's corruption
    // check compares members this way); the compaction's own hash agrees across them too.
    await a.compact(10).done
    await b.compact(10).done
    assert.deepEqual(await a.hashByRev(15), await b.hashByRev(15))
    assert.equal((await a.hashByRev(15)).compactRevision, 10)
    assert.deepEqual(a.compactionHashes(), b.compactionHashes())
    await assert.rejects(a.hashByRev(5), { code: 'MVCC_COMPACTED' })
  })
})

describe('KVStore on LevelDB: restart', () => {
  const dirs: string[] = []
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('restores index, revisions, leases and compaction state, and resumes an interrupted compaction', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mvcc-'))
    dirs.push(dir)
    const lessor = new FakeLessor()
    let backend = new LevelBackend({ location: dir })
    await backend.open()
    let store = new KVStore(backend, { compactionSleepIntervalMs: 0 }, { lessor })
    await store.open()
    for (let i = 0; i < 30; i++) store.put(t(`key${i % 5}`), t(`value${i}`), i % 5 === 0 ? 1n : 0n)
    store.deleteRange(t('key4'), undefined)
    await store.compact(20).done
    // Schedule a compaction and stop before it runs: the scheduled revision is persisted.
    const cindex = new ConsistentIndex(backend)
    backend.setPreCommitHook((tx) => cindex.unsafeSave(tx))
    cindex.set(42, 3)
    const tx = backend.batchTx()
    tx.lock()
    tx.unsafePut(Buckets.Meta, t('scheduledCompactRev'), encodeRevisionKey({ main: 25, sub: 0 }))
    tx.unlock()
    const expected = store.range(t('key0'), ALL, { rev: 25 })
    const rev = store.rev()
    await store.close()
    await backend.close()

    const lessor2 = new FakeLessor()
    backend = new LevelBackend({ location: dir })
    await backend.open()
    store = new KVStore(backend, { compactionSleepIntervalMs: 0 }, { lessor: lessor2 })
    await store.open()
    assert.equal(store.rev(), rev)
    assert.equal(store.compactRev(), 25, 'the interrupted compaction resumed')
    assert.deepEqual(store.range(t('key0'), ALL, { rev: 25 }).kvs, expected.kvs)
    assert.equal(lessor2.getLease(t('key0')), 1n, 'lease attachments rebuilt')
    assert.equal(new ConsistentIndex(backend).get(), 42)
    assert.equal(new ConsistentIndex(backend).term(), 3)
    store.put(t('key9'), t('after'))
    assert.equal(store.rev(), rev + 1)
    await store.close()
    await backend.close()
  })
})
