// CrashFileSystem itself: what survives a crash in each mode, directory durability, locks,
// sparse files and Node-like errors. The WAL's crash tests are only as good as this model.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CrashFileSystem } from '../src/testing/index.js'
import { codeOf, seededRandom } from './helpers.js'

const fill = (length: number, value: number) => new Uint8Array(length).fill(value)

async function fileWith(fs: CrashFileSystem, path: string, synced: Uint8Array, unsynced?: Uint8Array) {
  const file = await fs.open(path, 'create')
  await file.write(synced, 0)
  await file.datasync()
  if (unsynced !== undefined) await file.write(unsynced, synced.length)
  return file
}

describe('CrashFileSystem', () => {
  it('drop: data survives only once synced; directory entries only once their directory is synced', async () => {
    const fs = new CrashFileSystem()
    await fs.mkdir('/a/b')
    await fs.syncDir('/')
    await fs.syncDir('/a')
    await fileWith(fs, '/a/b/synced-entry', fill(10, 1), fill(5, 2))
    await fs.syncDir('/a/b')
    await fileWith(fs, '/a/b/unsynced-entry', fill(10, 1))
    const after = fs.crash({ mode: 'drop', random: Math.random })
    assert.deepEqual(await after.readdir('/a/b'), ['synced-entry'])
    assert.deepEqual(after.readFile('/a/b/synced-entry'), fill(10, 1))
    assert.equal(fs.readFile('/a/b/synced-entry').length, 15, 'the original is unchanged')
  })

  it('renames and removals are durable only after the directory is synced', async () => {
    const fs = new CrashFileSystem()
    await fileWith(fs, '/old', fill(4, 7))
    await fs.syncDir('/')
    await fs.rename('/old', '/new')
    assert.deepEqual(await fs.crash({ mode: 'drop', random: Math.random }).readdir('/'), ['old'])
    await fs.syncDir('/')
    assert.deepEqual(await fs.crash({ mode: 'drop', random: Math.random }).readdir('/'), ['new'])
    await fs.unlink('/new')
    assert.deepEqual(await fs.crash({ mode: 'drop', random: Math.random }).readdir('/'), ['new'])
  })

  it('a new directory keeps no entry it was not synced with, even when its parent was synced', async () => {
    const fs = new CrashFileSystem()
    await fs.mkdir('/d')
    await fs.syncDir('/')
    await fileWith(fs, '/d/f', fill(3, 1))
    const after = fs.crash({ mode: 'drop', random: Math.random })
    assert.deepEqual(await after.readdir('/d'), [])
  })

  it('prefix: keeps whole sectors of the unsynced bytes, in offset order, and a size between the durable and current ones', async () => {
    const random = seededRandom(11)
    const seen = new Set<number>()
    for (let round = 0; round < 200; round++) {
      const fs = new CrashFileSystem()
      await fileWith(fs, '/f', fill(700, 1), fill(2000, 2))
      await fs.syncDir('/')
      const bytes = fs.crash({ mode: 'prefix', random }).readFile('/f')
      assert.ok(bytes.length >= 700 && bytes.length <= 2700)
      assert.deepEqual(bytes.subarray(0, 700), fill(700, 1), 'synced bytes always survive')
      // Past the synced bytes: new bytes (2) up to a sector boundary, then zeros.
      const firstZero = bytes.indexOf(0, 700)
      const kept = firstZero === -1 ? bytes.length : firstZero
      assert.ok(bytes.subarray(700, kept).every((byte) => byte === 2))
      assert.ok(bytes.subarray(kept).every((byte) => byte === 0))
      assert.ok(kept === 700 || kept === bytes.length || kept % 512 === 0, `kept up to ${kept}`)
      seen.add(kept)
    }
    assert.ok(seen.size > 3, 'different prefixes survive')
  })

  it('sectors: each unsynced sector survives or not, independently', async () => {
    const random = seededRandom(5)
    let holes = 0
    for (let round = 0; round < 50; round++) {
      const fs = new CrashFileSystem()
      const file = await fileWith(fs, '/f', fill(4096, 0))
      await file.write(fill(4096, 9), 0) // overwrite preallocated space
      await fs.syncDir('/')
      const bytes = fs.crash({ mode: 'sectors', random }).readFile('/f')
      assert.equal(bytes.length, 4096)
      const kept = Array.from({ length: 8 }, (_, s) => bytes[s * 512] === 9)
      for (let s = 0; s < 8; s++) {
        assert.ok(
          bytes.subarray(s * 512, (s + 1) * 512).every((byte) => byte === (kept[s] ? 9 : 0)),
          'whole sectors',
        )
      }
      if (kept.some((k, s) => !k && kept.slice(s).some(Boolean))) holes++
    }
    assert.ok(holes > 0, 'a later sector can survive an earlier lost one')
  })

  it('files are sparse: allocate and truncate extend with zeros that cost no memory', async () => {
    const fs = new CrashFileSystem()
    const file = await fs.open('/big', 'create')
    await file.allocate(64_000_000)
    await file.write(fill(3, 5), 10)
    assert.equal(await file.size(), 64_000_000)
    const buffer = new Uint8Array(16)
    assert.equal(await file.read(buffer, 63_999_992), 8)
    assert.equal(await file.read(buffer, 64_000_000), 0)
    await file.truncate(11)
    await file.truncate(20)
    assert.deepEqual(fs.readFile('/big'), Uint8Array.from([...fill(10, 0), 5, ...fill(9, 0)]))
  })

  it('locks: one open file holds it; another fails to take it until the first closes or unlocks', async () => {
    const fs = new CrashFileSystem()
    const a = await fs.open('/f', 'create')
    const b = await fs.open('/f', 'write')
    assert.equal(await a.tryLock(), true)
    assert.equal(await a.tryLock(), true, 're-locking through the same file is fine')
    assert.equal(await b.tryLock(), false)
    assert.equal(fs.isLocked('/f'), true)
    await a.unlock()
    assert.equal(await b.tryLock(), true)
    await fs.syncDir('/')
    assert.equal(fs.crash({ mode: 'drop', random: Math.random }).isLocked('/f'), false, 'a crash frees every lock')
    await b.close()
    assert.equal(fs.isLocked('/f'), false)
  })

  it("fails like Node's fs: ENOENT, EISDIR, ENOTEMPTY, EBADF", async () => {
    const fs = new CrashFileSystem()
    assert.equal(await codeOf(fs.open('/missing', 'read')), 'ENOENT')
    assert.equal(await codeOf(fs.readdir('/missing')), 'ENOENT')
    assert.equal(await codeOf(fs.open('/no/such/dir/file', 'create')), 'ENOENT')
    await fs.mkdir('/d/e')
    assert.equal(await codeOf(fs.open('/d', 'read')), 'EISDIR')
    await fs.mkdir('/x')
    assert.equal(await codeOf(fs.rename('/x', '/d')), 'ENOTEMPTY')
    const reader = await (await fs.open('/d/f', 'create')).close().then(() => fs.open('/d/f', 'read'))
    assert.equal(await codeOf(reader.write(fill(1, 1), 0)), 'EBADF')
    await reader.close()
    assert.equal(await codeOf(reader.read(new Uint8Array(1), 0)), 'EBADF')
    await fs.removeAll('/d')
    await fs.removeAll('/d')
    assert.equal(await fs.exists('/d'), false)
  })
})
