// restore() → LevelEngine.replace(): atomic, also across a crash at every step; views and
// snapshots taken before it keep reading the old contents; leftovers go at the next open.
import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Buckets } from '@etcd-ts/backend'
import { LevelBackend, type ReplaceFailpoint } from '@etcd-ts/backend-level'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { NEW_ENTRIES, writeNew, writeOld } from './fixtures/contents.js'
import { chunked, snapshotBytes, startFixture, text, withTempDir } from './helpers.js'

/** The hash and snapshot of the "old" and "new" contents, from the memory adapter. */
async function reference(write: (backend: MemoryBackend) => Promise<void>) {
  const backend = new MemoryBackend()
  await backend.open()
  await write(backend)
  const result = { hash: await backend.hash(), snapshot: await snapshotBytes(backend) }
  await backend.close()
  return result
}
const OLD = await reference(writeOld)
const NEW = await reference(writeNew)

async function openWithOld(location: string): Promise<LevelBackend> {
  const backend = new LevelBackend({ location })
  await backend.open()
  await writeOld(backend)
  return backend
}

describe('restore across a crash', { concurrency: 3 }, () => {
  const cases: readonly { failpoint: ReplaceFailpoint; expect: 'old' | 'new'; leftover: string | undefined }[] = [
    { failpoint: 'replaceAfterBatch', expect: 'old', leftover: 'gen-2' },
    { failpoint: 'replaceBeforeRename', expect: 'old', leftover: 'gen-2' },
    { failpoint: 'replaceAfterRename', expect: 'new', leftover: 'gen-1' },
    { failpoint: 'replaceAfterSync', expect: 'new', leftover: 'gen-1' },
    { failpoint: 'replaceBeforeRemoveOld', expect: 'new', leftover: 'gen-1' },
  ]
  for (const { failpoint, expect, leftover } of cases) {
    it(`killed at ${failpoint}: the ${expect} contents, leftovers removed at open`, { timeout: 30_000 }, async () => {
      await withTempDir(async (location) => {
        const child = startFixture('replace-crash', [location, failpoint])
        try {
          const { signal } = await child.exited
          assert.equal(signal, 'SIGKILL', `crashed at the failpoint: ${child.lines().join('|')} ${child.stderr()}`)
          assert.deepEqual(child.lines(), ['restoring'])
        } finally {
          await child.kill()
        }
        const names = await readdir(location)
        assert.ok(leftover === undefined || names.includes(leftover), `${leftover} left behind: ${names}`)
        if (failpoint === 'replaceBeforeRename') assert.ok(names.some((name) => name.startsWith('GENERATION.tmp-')))

        const backend = new LevelBackend({ location })
        await backend.open()
        try {
          assert.equal(await backend.hash(), (expect === 'old' ? OLD : NEW).hash)
          assert.deepEqual(await snapshotBytes(backend), (expect === 'old' ? OLD : NEW).snapshot)
          const live = expect === 'old' ? 'gen-1' : 'gen-2'
          assert.deepEqual((await readdir(location)).sort(), ['GENERATION', live])
          assert.equal(await readFile(join(location, 'GENERATION'), 'utf8'), `${live}\n`)
          // It goes on: a restore from there works too.
          await backend.restore(chunked(OLD.snapshot))
          assert.equal(await backend.hash(), OLD.hash)
        } finally {
          await backend.close()
        }
      })
    })
  }

  it('without a crash: the new contents, one generation left', { timeout: 30_000 }, async () => {
    await withTempDir(async (location) => {
      const child = startFixture('replace-crash', [location, 'none'])
      try {
        assert.deepEqual(await child.exited, { code: 0, signal: null })
        assert.deepEqual(child.lines(), ['restoring', 'restored'])
      } finally {
        await child.kill()
      }
      assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-2'])
      const backend = new LevelBackend({ location })
      await backend.open()
      assert.equal(await backend.hash(), NEW.hash)
      await backend.close()
    })
  })
})

describe('restore failing', () => {
  it('a damaged snapshot: SnapshotCorruptError, the old contents, no new generation', async () => {
    await withTempDir(async (location) => {
      const backend = await openWithOld(location)
      try {
        const damaged = NEW.snapshot.slice()
        damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff
        await assert.rejects(backend.restore(chunked(damaged, 64 * 1024)), { code: 'BACKEND_SNAPSHOT_CORRUPT' })
        const truncated = NEW.snapshot.subarray(0, NEW.snapshot.length >> 1)
        await assert.rejects(backend.restore(chunked(truncated, 64 * 1024)), { code: 'BACKEND_SNAPSHOT_CORRUPT' })
        assert.equal(await backend.hash(), OLD.hash)
        assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-1'])
        // Still writable, and a good restore still works.
        const tx = backend.batchTx()
        tx.lock()
        tx.unsafePut('old', text('more'), text('data'))
        tx.unlock()
        await backend.forceCommit()
        await backend.restore(chunked(NEW.snapshot))
        assert.equal(await backend.hash(), NEW.hash)
      } finally {
        await backend.close()
      }
    })
  })

  it('aborted through its signal: AbortError, the old contents, no new generation', async () => {
    await withTempDir(async (location) => {
      const backend = await openWithOld(location)
      try {
        const controller = new AbortController()
        async function* source() {
          let sent = 0
          for await (const chunk of chunked(NEW.snapshot, 4096)) {
            yield chunk
            sent += chunk.length
            if (sent > NEW.snapshot.length / 2) controller.abort()
          }
        }
        await assert.rejects(backend.restore(source(), { signal: controller.signal }), { name: 'AbortError' })
        assert.equal(await backend.hash(), OLD.hash)
        assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-1'])
      } finally {
        await backend.close()
      }
    })
  })
})

describe('views across restore', () => {
  it('read transactions and snapshots taken before keep the old contents; the old generation goes when they do', async () => {
    await withTempDir(async (location) => {
      const backend = await openWithOld(location)
      try {
        const before = backend.concurrentReadTx()
        const snapshotBefore = await backend.snapshot()
        const oldValue = before.unsafeGet('old', text('k7'))
        assert.ok(oldValue !== undefined)

        await backend.restore(chunked(NEW.snapshot))
        assert.equal(await backend.hash(), NEW.hash)
        assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-1', 'gen-2'], 'gen-1 kept for its views')

        // The old view: old contents, point reads and ranges.
        assert.deepEqual(before.unsafeGet('old', text('k7')), oldValue)
        assert.equal(before.hasBucket(Buckets.Key), false)
        assert.equal((await before.unsafeRange('old', text('k'), text('l'))).keys.length, 200)
        // The snapshot taken before streams the old bytes.
        const chunks: Uint8Array[] = []
        for await (const chunk of snapshotBefore.chunks()) chunks.push(chunk)
        assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), OLD.snapshot)
        // The live store: new contents.
        const now = backend.readTx()
        assert.equal(now.hasBucket('old'), false)
        assert.equal((await now.unsafeRange(Buckets.Key, text('rev/'), text('rev0'))).keys.length, NEW_ENTRIES)

        await snapshotBefore.close()
        before.close()
        before.close()
        await backend.restore(chunked(OLD.snapshot))
        assert.equal(await backend.hash(), OLD.hash)
      } finally {
        await backend.close()
      }
      // Every view released: only the live generation is left.
      assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-3'])
    })
  })

  it('a view still open at close is closed with the store, its generation removed', async () => {
    await withTempDir(async (location) => {
      const backend = await openWithOld(location)
      const before = backend.concurrentReadTx()
      await backend.restore(chunked(NEW.snapshot))
      await backend.close()
      assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-2'])
      before.close()
    })
  })
})

it('open removes leftovers of interrupted restores and pointer updates', async () => {
  await withTempDir(async (location) => {
    const backend = await openWithOld(location)
    await backend.close()
    await mkdir(join(location, 'gen-2'))
    await writeFile(join(location, 'gen-2', '000003.log'), 'partial')
    await mkdir(join(location, 'gen-9'))
    await writeFile(join(location, 'GENERATION.tmp-0123456789ab'), 'gen-2\n')
    await writeFile(join(location, 'unrelated.txt'), 'not ours: kept')
    const reopened = new LevelBackend({ location })
    await reopened.open()
    assert.equal(await reopened.hash(), OLD.hash)
    await reopened.close()
    assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-1', 'unrelated.txt'])
  })
})
