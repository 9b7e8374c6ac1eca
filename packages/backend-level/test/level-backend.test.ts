// LevelBackend beyond the shared suite: the on-disk layout, reopening, the location lock,
// invalid locations and options, views across defrag, sizes.
import assert from 'node:assert/strict'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Buckets } from '@etcd-ts/backend'
import { LevelBackend, type LevelBackendOptions, LevelEngine } from '@etcd-ts/backend-level'
import { ClassicLevel } from 'classic-level'
import { b, randomBytes, seededRandom, startFixture, text, withTempDir } from './helpers.js'

async function fill(backend: LevelBackend, bucket: string, count: number, valueBytes = 256): Promise<void> {
  const random = seededRandom(count)
  const tx = backend.batchTx()
  tx.lock()
  tx.unsafeCreateBucket(bucket)
  for (let i = 0; i < count; i++)
    tx.unsafePut(bucket, text(`k${String(i).padStart(6, '0')}`), randomBytes(random, valueBytes))
  tx.unlock()
  await backend.forceCommit()
}

describe('the store on disk', () => {
  it('a new location holds a GENERATION pointer and the LevelDB it names', async () => {
    await withTempDir(async (dir) => {
      const location = join(dir, 'member', 'snap', 'db')
      const backend = new LevelBackend({ location })
      assert.equal(backend.location, location)
      await backend.open()
      await backend.open()
      await backend.close()
      await backend.close()
      assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-1'])
      assert.equal(await readFile(join(location, 'GENERATION'), 'utf8'), 'gen-1\n')
      assert.ok((await readdir(join(location, 'gen-1'))).includes('CURRENT'), 'gen-1 is a LevelDB directory')
    })
  })

  it('reopening keeps what was committed, and close() commits what was unlocked', async () => {
    await withTempDir(async (location) => {
      const first = new LevelBackend({ location, batchIntervalMs: 3_600_000 })
      await first.open()
      const tx = first.batchTx()
      tx.lock()
      tx.unsafeCreateBucket(Buckets.Meta)
      tx.unsafeCreateBucket(Buckets.Key)
      tx.unsafePut(Buckets.Meta, text('committed'), b(1))
      tx.unlock()
      await first.forceCommit()
      tx.lock()
      tx.unsafePut(Buckets.Meta, text('unlocked'), b(2))
      tx.unsafeDeleteBucket(Buckets.Key)
      tx.unlock()
      await first.close()

      const second = new LevelBackend({ location })
      await second.open()
      const read = second.readTx()
      assert.deepEqual(read.unsafeGet(Buckets.Meta, text('committed')), b(1))
      assert.deepEqual(read.unsafeGet(Buckets.Meta, text('unlocked')), b(2))
      assert.equal(read.hasBucket(Buckets.Key), false)
      await second.close()
    })
  })
})

describe('abandon', () => {
  it('drops what was not committed, refuses later commits, and close() commits nothing', async () => {
    await withTempDir(async (location) => {
      const first = new LevelBackend({ location, batchIntervalMs: 3_600_000 })
      await first.open()
      const tx = first.batchTx()
      tx.lock()
      tx.unsafeCreateBucket(Buckets.Meta)
      tx.unsafePut(Buckets.Meta, text('committed'), b(1))
      tx.unlock()
      await first.forceCommit()
      tx.lock()
      tx.unsafePut(Buckets.Meta, text('half-applied'), b(2))
      tx.unlock()
      first.abandon(new Error('fatal apply'))
      await assert.rejects(first.forceCommit(), { code: 'BACKEND_COMMIT_FAILED' })
      await first.close()

      const second = new LevelBackend({ location })
      await second.open()
      const read = second.readTx()
      assert.deepEqual(read.unsafeGet(Buckets.Meta, text('committed')), b(1))
      assert.equal(read.unsafeGet(Buckets.Meta, text('half-applied')), undefined)
      await second.close()
    })
  })
})

describe('the location lock', () => {
  it('a second instance on an open location fails with BACKEND_LEVEL_LOCKED; the first goes on', async () => {
    await withTempDir(async (location) => {
      const first = new LevelBackend({ location })
      await first.open()
      const second = new LevelBackend({ location })
      await assert.rejects(second.open(), (error: Error & { code?: string; location?: string }) => {
        assert.equal(error.code, 'BACKEND_LEVEL_LOCKED')
        assert.equal(error.location, location)
        return true
      })
      await second.close()
      await fill(first, 'test', 10)
      await first.close()
      const third = new LevelBackend({ location })
      await third.open()
      assert.equal((await third.readTx().unsafeRange('test', text('k'), text('l'))).keys.length, 10)
      await third.close()
    })
  })

  it('a location open in another process fails with BACKEND_LEVEL_LOCKED', { timeout: 20_000 }, async () => {
    await withTempDir(async (location) => {
      const child = startFixture('commit-loop', [location])
      try {
        await child.waitForLine(/^committed 0$/)
        await assert.rejects(new LevelBackend({ location }).open(), { code: 'BACKEND_LEVEL_LOCKED' })
      } finally {
        await child.kill()
      }
      const backend = new LevelBackend({ location })
      await backend.open()
      await backend.close()
    })
  })
})

describe('invalid locations', () => {
  it('a plain LevelDB directory is refused, untouched', async () => {
    await withTempDir(async (location) => {
      const plain = new ClassicLevel(location)
      await plain.put('a', 'b')
      await plain.close()
      const before = (await readdir(location)).sort()
      await assert.rejects(new LevelBackend({ location }).open(), { code: 'BACKEND_LEVEL_INVALID_LOCATION' })
      assert.deepEqual((await readdir(location)).sort(), before)
    })
  })

  it('a damaged pointer, or one naming a missing generation, is refused', async () => {
    await withTempDir(async (location) => {
      const backend = new LevelBackend({ location })
      await backend.open()
      await backend.close()
      await writeFile(join(location, 'GENERATION'), 'gen-1')
      await assert.rejects(new LevelBackend({ location }).open(), { code: 'BACKEND_LEVEL_INVALID_LOCATION' })
      await writeFile(join(location, 'GENERATION'), '../../etc\n')
      await assert.rejects(new LevelBackend({ location }).open(), { code: 'BACKEND_LEVEL_INVALID_LOCATION' })
      await writeFile(join(location, 'GENERATION'), 'gen-1\n')
      await rm(join(location, 'gen-1'), { recursive: true })
      await assert.rejects(new LevelBackend({ location }).open(), { code: 'BACKEND_LEVEL_INVALID_LOCATION' })
      assert.deepEqual(await readdir(location), ['GENERATION'], 'no empty store created in its place')
    })
  })

  it('a location that is a file fails to open', async () => {
    await withTempDir(async (dir) => {
      const location = join(dir, 'file')
      await writeFile(location, 'x')
      await assert.rejects(new LevelBackend({ location }).open(), { code: 'EEXIST' })
    })
  })
})

describe('options', () => {
  const bad: readonly [string, unknown, typeof TypeError | typeof RangeError][] = [
    ['location', undefined, TypeError],
    ['location', '', TypeError],
    ['location', 42, TypeError],
    ['cacheSize', -1, RangeError],
    ['cacheSize', 1.5, RangeError],
    ['cacheSize', 2 ** 32, RangeError],
    ['cacheSize', '8MB', TypeError],
    ['writeBufferSize', 1024, RangeError],
    ['writeBufferSize', 2 ** 31, RangeError],
    ['compression', 'yes', TypeError],
    ['batchIntervalMs', 0, RangeError],
    ['batchLimit', -5, RangeError],
  ]
  for (const [field, value, type] of bad) {
    it(`${field}: ${JSON.stringify(value) ?? 'undefined'} throws ${type.name} naming the field`, () => {
      const options = { location: '/nonexistent/never-created', [field]: value } as unknown as LevelBackendOptions
      assert.throws(
        () => new LevelBackend(options),
        (error: Error) => error instanceof type && error.message.includes(field),
      )
    })
  }

  it('options must be an object', () => {
    assert.throws(() => new LevelBackend(undefined as unknown as LevelBackendOptions), TypeError)
    assert.throws(() => new LevelEngine(null as unknown as LevelBackendOptions), TypeError)
  })

  it('LevelDB settings are used', async () => {
    await withTempDir(async (location) => {
      const backend = new LevelBackend({ location, cacheSize: 0, writeBufferSize: 64 * 1024, compression: false })
      await backend.open()
      for (let i = 0; i < 10; i++) await fill(backend, `test${i}`, 200)
      await backend.close()
      // A 64 KiB write buffer flushed the ~0.5 MB written, in 10 commits, into tables already.
      const files = await readdir(join(location, 'gen-1'))
      assert.ok(
        files.some((name) => name.endsWith('.ldb')),
        `tables written: ${files}`,
      )
    })
  })
})

describe('defrag and sizes', () => {
  it('a read transaction taken before a defrag keeps its view', async () => {
    await withTempDir(async (location) => {
      const backend = new LevelBackend({ location })
      await backend.open()
      try {
        await fill(backend, 'test', 1000)
        const before = backend.concurrentReadTx()
        const tx = backend.batchTx()
        tx.lock()
        for (let i = 0; i < 1000; i += 2) tx.unsafeDelete('test', text(`k${String(i).padStart(6, '0')}`))
        tx.unsafePut('test', text('k000001'), b(1))
        tx.unlock()
        await backend.forceCommit()
        await backend.defrag()
        const { keys, values } = await before.unsafeRange('test', text('k'), text('l'))
        assert.equal(keys.length, 1000)
        assert.equal(values[1]?.length, 256)
        assert.equal(before.unsafeGet('test', text('k000001'))?.length, 256)
        assert.equal((await backend.readTx().unsafeRange('test', text('k'), text('l'))).keys.length, 500)
        assert.deepEqual(backend.readTx().unsafeGet('test', text('k000001')), b(1))
        before.close()
      } finally {
        await backend.close()
      }
    })
  })

  it('sizes count the data; deleting and defragmenting brings them down', async () => {
    await withTempDir(async (location) => {
      const backend = new LevelBackend({ location })
      await backend.open()
      try {
        const empty = backend.size()
        await fill(backend, 'test', 4000)
        await backend.defrag()
        const full = { size: backend.size(), inUse: backend.sizeInUse() }
        assert.ok(empty < 4096, `an empty store is small: ${empty}`)
        assert.ok(full.size > 4000 * 256, `size counts the data: ${full.size}`)
        assert.ok(full.inUse > 4000 * 256 && full.inUse <= full.size, `in use: ${full.inUse} of ${full.size}`)

        const tx = backend.batchTx()
        tx.lock()
        tx.unsafeDeleteBucket('test')
        tx.unlock()
        await backend.defrag()
        assert.ok(backend.size() < full.size / 10, `size dropped: ${full.size} → ${backend.size()}`)
        assert.ok(backend.sizeInUse() < full.inUse / 10, `in use dropped: ${full.inUse} → ${backend.sizeInUse()}`)
      } finally {
        await backend.close()
      }
    })
  })
})
