// The same writes through LevelBackend and MemoryBackend give the same hash() and byte-identical
// snapshot() streams, and each restores the other's snapshot.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { type Backend, Buckets, type HashIgnore } from '@etcd-ts/backend'
import { LevelBackend } from '@etcd-ts/backend-level'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { chunked, randomBytes, seededRandom, snapshotBytes, text, withTempDir } from './helpers.js'

const BUCKETS = [Buckets.Key, Buckets.Meta, Buckets.Lease, 'test'] as const
const ignoreConsistentIndex: HashIgnore = (bucket, key) =>
  bucket === Buckets.Meta && new TextDecoder().decode(key) === 'consistent_index'

/**
 * Random transactions (seeded): puts, overwrites, deletes of present and absent keys, bucket
 * deletes and re-creates, empty values, keys of 1-40 bytes including 0x00 and 0xff, committed
 * every few transactions. Applied to several backends in lockstep.
 */
async function randomWorkload(backends: readonly Backend[], seed: number, transactions: number): Promise<void> {
  const random = seededRandom(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const known: Uint8Array[] = []
  const txs = backends.map((backend) => backend.batchTx())
  const each = (action: (tx: (typeof txs)[number]) => void) => {
    for (const tx of txs) action(tx)
  }
  each((tx) => {
    tx.lock()
    for (const bucket of BUCKETS) tx.unsafeCreateBucket(bucket)
    tx.unlock()
  })
  for (let t = 0; t < transactions; t++) {
    each((tx) => tx.lock())
    const ops = 1 + Math.floor(random() * 30)
    for (let i = 0; i < ops; i++) {
      const roll = random()
      const bucket = pick(BUCKETS)
      if (roll < 0.01) {
        each((tx) => {
          tx.unsafeDeleteBucket(bucket)
          tx.unsafeCreateBucket(bucket)
        })
      } else if (roll < 0.25 && known.length > 0) {
        const key = pick(known)
        each((tx) => tx.unsafeDelete(bucket, key))
      } else {
        const key = roll < 0.4 && known.length > 0 ? pick(known) : randomBytes(random, 1 + Math.floor(random() * 40))
        if (known.length < 2000) known.push(key)
        const value = randomBytes(random, random() < 0.05 ? 0 : Math.floor(random() * 300))
        each((tx) => tx.unsafePut(bucket, key, value))
      }
    }
    each((tx) => tx.unlock())
    if (random() < 0.1) await Promise.all(backends.map((backend) => backend.forceCommit()))
  }
  // consistent_index changes on every commit in a server; hash() ignores it.
  const index = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, Math.floor(random() * 256))
  each((tx) => {
    tx.lock()
    tx.unsafePut(Buckets.Meta, text('consistent_index'), index)
    tx.unlock()
  })
}

it('the same writes give the same hash and byte-identical snapshots; each restores the other', async () => {
  await withTempDir(async (dir) => {
    const level = new LevelBackend({ location: `${dir}/a` })
    const memory = new MemoryBackend()
    await level.open()
    await memory.open()
    try {
      await randomWorkload([level, memory], 7, 400)
      assert.equal(await level.hash(), await memory.hash())
      assert.equal(await level.hash(ignoreConsistentIndex), await memory.hash(ignoreConsistentIndex))
      const fromLevel = await snapshotBytes(level)
      assert.deepEqual(fromLevel, await snapshotBytes(memory))

      // A level snapshot restores into memory, and a memory snapshot into level.
      const otherMemory = new MemoryBackend()
      await otherMemory.open()
      await otherMemory.restore(chunked(fromLevel))
      assert.equal(await otherMemory.hash(), await level.hash())
      assert.deepEqual(await snapshotBytes(otherMemory), fromLevel)
      await otherMemory.close()

      const otherLevel = new LevelBackend({ location: `${dir}/b` })
      await otherLevel.open()
      await randomWorkload([otherLevel], 8, 50)
      await memory.forceCommit()
      await otherLevel.restore(chunked(await snapshotBytes(memory)))
      assert.equal(await otherLevel.hash(), await memory.hash())
      assert.deepEqual(await snapshotBytes(otherLevel), fromLevel)
      await otherLevel.close()
      // And across a reopen.
      const reopened = new LevelBackend({ location: `${dir}/b` })
      await reopened.open()
      assert.deepEqual(await snapshotBytes(reopened), fromLevel)
      await reopened.close()

      // More writes keep them equal, also with views spanning them.
      const levelView = level.concurrentReadTx()
      await randomWorkload([level, memory], 9, 100)
      assert.equal(await level.hash(), await memory.hash())
      assert.deepEqual(await snapshotBytes(level), await snapshotBytes(memory))
      assert.ok(levelView.hasBucket('test'))
      levelView.close()
    } finally {
      await level.close()
      await memory.close()
    }
  })
})
