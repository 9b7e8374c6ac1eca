// The WAL on the real disk (NodeFileSystem), each test in a fresh temporary directory: file
// modes, the spare segment, OFD locks against this and another process, segment rollover,
// and a torn tail repaired with a .broken copy.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Decoder } from '../src/decoder.js'
import { NodeFileSystem, parseWalName, Wal, walName } from '../src/index.js'
import { bootRead, codeOf, entries, hardState, METADATA, ZERO_SNAPSHOT } from './helpers.js'

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')

describe('on the real disk', () => {
  let root = ''
  let dir = ''

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'etcd-ts-wal-'))
    dir = join(root, 'member', 'wal')
  })

  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('create → save → close → open → readAll; files 0600 in a 0700 directory; 0.tmp preallocated, then removed', async () => {
    const wal = await Wal.create(dir, METADATA, { segmentSizeBytes: 1 << 20 })
    await wal.save(hardState(1, 10), entries(1, 10))
    for (let i = 0; i < 100 && !(await readdir(dir)).includes('0.tmp'); i++) await wal.save(hardState(1, 10), [])
    const tmp = await stat(join(dir, '0.tmp'))
    assert.equal(tmp.size, 1 << 20)
    await wal.close()
    assert.deepEqual(await readdir(dir), [walName(0, 0)])
    assert.equal((await stat(dir)).mode & 0o777, 0o700)
    assert.equal((await stat(join(dir, walName(0, 0)))).mode & 0o777, 0o600)
    assert.equal((await stat(join(dir, walName(0, 0)))).size, 1 << 20)

    const reopened = await Wal.open(dir, ZERO_SNAPSHOT)
    const { metadata, hardState: state, entries: read } = await reopened.readAll()
    assert.deepEqual(Array.from(metadata), Array.from(METADATA))
    assert.deepEqual(state, hardState(1, 10))
    assert.equal(read.length, 10)
    await reopened.close()
  })

  it('rolls over into new segments, and reads back across them', async () => {
    const wal = await Wal.create(dir, METADATA, { segmentSizeBytes: 4096 })
    for (let i = 1; i <= 100; i++) await wal.save(hardState(1, i), entries(i, i, 1, 200))
    await wal.close()
    const names = (await readdir(dir)).sort()
    assert.ok(names.length >= 5, names.join(', '))
    for (const [seq, name] of names.entries()) assert.equal(parseWalName(name)?.seq, seq)
    const reader = await Wal.openForRead(dir, ZERO_SNAPSHOT)
    assert.equal((await reader.readAll()).entries.length, 100)
    await reader.close()
  })

  it("preallocation 'sparse' extends segments with ftruncate; the WAL reads back the same", async () => {
    assert.throws(() => new NodeFileSystem({ preallocation: 'fallocate' as 'zeros' }), /options\.preallocation/)
    const fs = new NodeFileSystem({ preallocation: 'sparse' })
    const wal = await Wal.create(dir, METADATA, { fs, segmentSizeBytes: 1 << 20 })
    await wal.save(hardState(1, 3), entries(1, 3))
    await wal.close()
    const file = await stat(join(dir, walName(0, 0)))
    assert.equal(file.size, 1 << 20)
    assert.ok(file.blocks * 512 < 1 << 20, `sparse: ${file.blocks} blocks allocated`)
    const reader = await Wal.openForRead(dir, ZERO_SNAPSHOT, { fs })
    assert.equal((await reader.readAll()).entries.length, 3)
    await reader.close()
  })

  it('a second open for write fails with WAL_LOCKED, in this process and in another one', async () => {
    const wal = await Wal.create(dir, METADATA, { segmentSizeBytes: 1 << 16 })
    await wal.save(hardState(1, 1), entries(1, 1))
    assert.equal(await codeOf(Wal.open(dir, ZERO_SNAPSHOT)), 'WAL_LOCKED')
    const tryLockElsewhere = () =>
      spawnSync(
        process.execPath,
        [
          '-e',
          `const fs = require('node:fs'); const { tryLock } = require('fs-native-extensions');
           const fd = fs.openSync(process.argv[1], 'r+'); process.stdout.write(String(tryLock(fd)))`,
          join(dir, walName(0, 0)),
        ],
        { cwd: PACKAGE_DIR, encoding: 'utf8' },
      )
    const locked = tryLockElsewhere()
    assert.equal(locked.stdout, 'false', locked.stderr)
    await wal.close()
    const unlocked = tryLockElsewhere()
    assert.equal(unlocked.stdout, 'true', unlocked.stderr)
    const again = await Wal.open(dir, ZERO_SNAPSHOT)
    await again.readAll()
    await again.close()
  })

  it('a torn tail is repaired: the damaged file is kept as <name>.broken, the complete records read back', async () => {
    const wal = await Wal.create(dir, METADATA, { segmentSizeBytes: 1 << 16 })
    await wal.save(hardState(1, 4), entries(1, 5))
    await wal.close()
    const path = join(dir, walName(0, 0))
    // Find the last frame (the HardState ending the save) and cut the file inside it.
    const fs = new NodeFileSystem()
    const file = await fs.open(path, 'read')
    const decoder = new Decoder([{ path, file }])
    let last = { offset: 0, end: 0 }
    for (let record = await decoder.next(); record !== undefined; record = await decoder.next()) {
      last = { offset: record.offset, end: decoder.lastOffset }
    }
    await file.close()
    assert.equal((await stat(path)).size, 1 << 16)
    await truncate(path, last.end - 5)

    const { result, repaired, wal: recovered } = await bootRead(fs, {}, ZERO_SNAPSHOT, dir)
    assert.equal(repaired, true)
    assert.equal(result.entries.length, 5)
    assert.deepEqual(result.hardState, hardState(0, 0, 0n), 'the torn HardState is gone')
    await recovered.close()
    assert.equal((await stat(`${path}.broken`)).size, last.end - 5)
    assert.equal((await stat(path)).size, last.offset, 'truncated after the last valid record')
  })
})
