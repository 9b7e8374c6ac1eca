import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { EMPTY_SNAPSHOT } from '@etcd-ts/raft'
import {
  DEFAULT_MAX_SNAP_FILES,
  encodeSnapshotFile,
  NODE_FILE_SYSTEM,
  parseSnapshotFileName,
  readSnapshotFile,
  Snapshotter,
  snapshotFileName,
} from '@etcd-ts/snap'
import fc from 'fast-check'
import { arbitrarySnapshot, list, makeSnapshot, recordingLogger, withTempDir } from './helpers.js'

describe('Snapshotter.save and load', () => {
  it('round-trips a snapshot through a %016x-%016x.snap file', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      const snapshot = makeSnapshot(2, 21, [1n, 0xffff_ffff_ffff_fff1n])
      await snapshotter.save(snapshot)
      assert.deepEqual(await list(dir), ['0000000000000002-0000000000000015.snap'])
      assert.deepEqual(await readFile(join(dir, snapshotFileName(2, 21))), Buffer.from(encodeSnapshotFile(snapshot)))
      assert.deepEqual(await snapshotter.load(), snapshot)
      assert.deepEqual(await new Snapshotter(dir).load(), snapshot) // a fresh instance reads it too
    })
  })

  it('writes .snap files with mode 0666 before umask, as etcd does', async () => {
    await withTempDir(async (dir) => {
      await new Snapshotter(dir).save(makeSnapshot(1, 1))
      const mode = (await stat(join(dir, snapshotFileName(1, 1)))).mode & 0o777
      assert.equal(mode, 0o666 & ~process.umask())
    })
  })

  it('skips empty snapshots (index 0)', async () => {
    await withTempDir(async (dir) => {
      await new Snapshotter(dir).save(EMPTY_SNAPSHOT)
      await new Snapshotter(dir).save({ ...makeSnapshot(5, 0) })
      assert.deepEqual(await list(dir), [])
    })
  })

  it('replaces an existing file of the same name, and saving twice is harmless', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      await writeFile(join(dir, snapshotFileName(2, 21)), 'garbage')
      await snapshotter.save(makeSnapshot(2, 21))
      await snapshotter.save(makeSnapshot(2, 21))
      assert.deepEqual(await list(dir), [snapshotFileName(2, 21)])
      assert.deepEqual(await snapshotter.load(), makeSnapshot(2, 21))
    })
  })

  it('loads the newest by (term, index) name order, whatever the save order', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      for (const [term, index] of [
        [2, 0x3c],
        [1, 0x100],
        [2, 0x9],
        [2, 0x10],
        [1, 0x2],
      ] as const) {
        await snapshotter.save(makeSnapshot(term, index))
      }
      assert.deepEqual(await snapshotter.load(), makeSnapshot(2, 0x3c))
    })
  })

  it('fails with SNAP_NO_SNAPSHOT in an empty directory, and passes on listing errors', async () => {
    await withTempDir(async (dir) => {
      await assert.rejects(new Snapshotter(dir).load(), { code: 'SNAP_NO_SNAPSHOT', dir })
      await assert.rejects(new Snapshotter(join(dir, 'missing')).load(), { code: 'ENOENT' })
    })
  })

  const corruptions: [string, (path: string) => Promise<void>, string][] = [
    [
      'a flipped byte',
      async (path) => {
        const bytes = await readFile(path)
        bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0xff
        await writeFile(path, bytes)
      },
      'SNAP_CRC_MISMATCH',
    ],
    ['a truncated file', async (path) => truncate(path, (await stat(path)).size - 5), 'SNAP_INVALID'],
    ['an empty file', async (path) => truncate(path, 0), 'SNAP_EMPTY'],
    [
      'a zero crc',
      async (path) => {
        const bytes = await readFile(path)
        const crcLength = bytes.indexOf(0x12) - 1 // 08 <crc varint> 12 ...
        await writeFile(path, Buffer.concat([Buffer.from([0x08, 0x00]), bytes.subarray(1 + crcLength)]))
      },
      'SNAP_EMPTY',
    ],
  ]
  for (const [what, corrupt, code] of corruptions) {
    it(`renames a newest file with ${what} to .broken and loads the older one`, async () => {
      await withTempDir(async (dir) => {
        const logger = recordingLogger()
        const snapshotter = new Snapshotter(dir, { logger })
        await snapshotter.save(makeSnapshot(1, 10))
        await snapshotter.save(makeSnapshot(2, 21))
        const newest = join(dir, snapshotFileName(2, 21))
        await corrupt(newest)
        await assert.rejects(readSnapshotFile(newest), { code, path: newest })

        assert.deepEqual(await snapshotter.load(), makeSnapshot(1, 10))
        assert.deepEqual(await list(dir), [snapshotFileName(1, 10), `${snapshotFileName(2, 21)}.broken`])
        assert.ok(logger.lines.some((line) => line.startsWith('warn: snap: renamed to a broken snap file')))
        assert.deepEqual(await snapshotter.load(), makeSnapshot(1, 10)) // .broken files are ignored
      })
    })
  }

  it('fails with SNAP_NO_SNAPSHOT when every file is broken, quarantining them all', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, snapshotFileName(1, 1)), '')
      await writeFile(join(dir, snapshotFileName(1, 2)), 'not a snapshot')
      await writeFile(join(dir, snapshotFileName(1, 3)), new Uint8Array([0x08, 0x01, 0x12, 0x01, 0x00]))
      await assert.rejects(new Snapshotter(dir).load(), { code: 'SNAP_NO_SNAPSHOT' })
      assert.deepEqual(
        await list(dir),
        [1, 2, 3].map((index) => `${snapshotFileName(1, index)}.broken`),
      )
    })
  })

  it('throws file system errors other than corruption instead of quarantining', async () => {
    await withTempDir(async (dir) => {
      await new Snapshotter(dir).save(makeSnapshot(1, 1))
      const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })
      const fs = { ...NODE_FILE_SYSTEM, readFile: () => Promise.reject(denied) }
      await assert.rejects(new Snapshotter(dir, { fs }).load(), { code: 'EACCES' })
      assert.deepEqual(await list(dir), [snapshotFileName(1, 1)])

      const io = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })
      const failing = { ...NODE_FILE_SYSTEM, readFile: () => Promise.reject(io) }
      await assert.rejects(new Snapshotter(dir, { fs: failing }).load(), { code: 'SNAP_NO_SNAPSHOT' })
      assert.deepEqual(await list(dir), [`${snapshotFileName(1, 1)}.broken`])
    })
  })

  it('skips a file that vanished between listing and reading', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      await snapshotter.save(makeSnapshot(1, 1))
      await snapshotter.save(makeSnapshot(1, 2))
      const gone = join(dir, snapshotFileName(1, 2))
      const fs = {
        ...NODE_FILE_SYSTEM,
        async readFile(path: string) {
          if (path === gone) await NODE_FILE_SYSTEM.unlink(path) // a concurrent purge
          return NODE_FILE_SYSTEM.readFile(path)
        },
      }
      assert.deepEqual(await new Snapshotter(dir, { fs }).load(), makeSnapshot(1, 1))
      assert.deepEqual(await list(dir), [snapshotFileName(1, 1)])
    })
  })

  it('deletes orphaned db.tmp* and stale tmp* files, and leaves everything else alone', async () => {
    await withTempDir(async (dir) => {
      const logger = recordingLogger()
      const snapshotter = new Snapshotter(dir, { logger })
      await snapshotter.save(makeSnapshot(1, 1))
      for (const name of [
        'db.tmp.123',
        'db.tmp',
        'tmp4242',
        'tmpdeadbeef',
        '0000000000000001.snap.db',
        'x.snap.broken',
      ]) {
        await writeFile(join(dir, name), 'x')
      }
      await mkdir(join(dir, 'db')) // the backend (a LevelDB directory in etcd-ts)
      await mkdir(join(dir, 'tmp-dir')) // not ours: a directory
      await writeFile(join(dir, 'notes.txt'), 'x')
      assert.deepEqual(await snapshotter.load(), makeSnapshot(1, 1))
      assert.deepEqual(await list(dir), [
        '0000000000000001-0000000000000001.snap',
        '0000000000000001.snap.db',
        'db',
        'notes.txt',
        'tmp-dir',
        'x.snap.broken',
      ])
      assert.ok(logger.lines.some((line) => line.includes('orphaned defragmentation file')))
      assert.ok(logger.lines.some((line) => line.includes('unexpected non-snap file') && line.includes('notes.txt')))
    })
  })

  it('warns when a file holds a snapshot other than its name says, and still uses it', async () => {
    await withTempDir(async (dir) => {
      const logger = recordingLogger()
      await writeFile(join(dir, snapshotFileName(9, 9)), encodeSnapshotFile(makeSnapshot(1, 5)))
      assert.deepEqual(await new Snapshotter(dir, { logger }).load(), makeSnapshot(1, 5))
      assert.ok(logger.lines.some((line) => line.startsWith('warn:') && line.includes('its name says otherwise')))
    })
  })
})

describe('Snapshotter.loadNewestAvailable', () => {
  it('only accepts snapshots the WAL recorded', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      for (const [term, index] of [
        [1, 10],
        [2, 21],
        [2, 30], // saved, but the server crashed before the WAL recorded it
      ] as const) {
        await snapshotter.save(makeSnapshot(term, index))
      }
      const wal = [
        { index: 0, term: 0 },
        { index: 10, term: 1 },
        { index: 21, term: 2 },
      ]
      assert.deepEqual(await snapshotter.loadNewestAvailable(wal), makeSnapshot(2, 21))
      assert.deepEqual(await snapshotter.loadNewestAvailable([{ index: 10, term: 1 }]), makeSnapshot(1, 10))
      await assert.rejects(snapshotter.loadNewestAvailable([{ index: 21, term: 1 }]), { code: 'SNAP_NO_SNAPSHOT' })
      await assert.rejects(snapshotter.loadNewestAvailable([]), { code: 'SNAP_NO_SNAPSHOT' })
      assert.equal((await list(dir)).length, 3) // unmatched files are skipped, not quarantined
      assert.deepEqual(await snapshotter.load(), makeSnapshot(2, 30))
    })
  })

  it('quarantines a broken matching file and falls back to an older WAL snapshot', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      await snapshotter.save(makeSnapshot(1, 10))
      await snapshotter.save(makeSnapshot(2, 21))
      await truncate(join(dir, snapshotFileName(2, 21)), 3)
      const wal = [
        { index: 10, term: 1 },
        { index: 21, term: 2 },
      ]
      assert.deepEqual(await snapshotter.loadNewestAvailable(wal), makeSnapshot(1, 10))
      assert.deepEqual(await list(dir), [snapshotFileName(1, 10), `${snapshotFileName(2, 21)}.broken`])
    })
  })

  it('rejects a malformed WAL snapshot list with TypeError', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      await assert.rejects(snapshotter.loadNewestAvailable(undefined as never), TypeError)
      await assert.rejects(snapshotter.loadNewestAvailable([{ index: 1 }] as never), TypeError)
    })
  })
})

describe('Snapshotter.purge', () => {
  it('keeps the newest N .snap files and never touches .snap.db, .broken or temp files', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      for (let index = 1; index <= 8; index++) await snapshotter.save(makeSnapshot(1, index * 10))
      const others = ['0000000000000001.snap.db', '0000000000000002-0000000000000001.snap.broken', 'tmp1', 'db']
      for (const name of others) await writeFile(join(dir, name), 'x')

      const removed = await snapshotter.purge(5)
      assert.deepEqual(
        removed,
        [10, 20, 30].map((index) => snapshotFileName(1, index)),
      )
      assert.deepEqual(
        await list(dir),
        [...others, ...[40, 50, 60, 70, 80].map((index) => snapshotFileName(1, index))].sort(),
      )
      assert.deepEqual(await snapshotter.purge(), []) // default keeps 5
      assert.equal(DEFAULT_MAX_SNAP_FILES, 5)
      assert.deepEqual(
        await snapshotter.purge(1),
        [40, 50, 60, 70].map((index) => snapshotFileName(1, index)),
      )
      assert.deepEqual(await snapshotter.load(), makeSnapshot(1, 80))
    })
  })

  it('rejects maxSnapFiles below 1 or not an integer with RangeError', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      for (const value of [0, -1, 1.5, Number.NaN]) await assert.rejects(snapshotter.purge(value), RangeError)
    })
  })
})

describe('Snapshotter options', () => {
  it('validates the directory and options, naming the field', () => {
    assert.throws(() => new Snapshotter(''), { name: 'TypeError', message: /dir/ })
    assert.throws(() => new Snapshotter(42 as never), TypeError)
    assert.throws(() => new Snapshotter('d', { logger: { info() {} } as never }), {
      name: 'TypeError',
      message: /options\.logger\.warn/,
    })
    assert.throws(() => new Snapshotter('d', { fs: { ...NODE_FILE_SYSTEM, rename: undefined } as never }), {
      name: 'TypeError',
      message: /options\.fs\.rename/,
    })
    assert.doesNotThrow(() => new Snapshotter('d', { logger: console }))
  })

  it('rejects snapshots whose index or term does not fit with RangeError', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      await assert.rejects(snapshotter.save(makeSnapshot(-1, 5)), RangeError)
      await assert.rejects(snapshotter.save(makeSnapshot(1, 2 ** 53)), RangeError)
      await assert.rejects(snapshotter.save(null as never), TypeError)
      assert.deepEqual(await list(dir), [])
    })
  })
})

describe('Snapshotter properties', () => {
  it('saves and loads random snapshots', async () => {
    await withTempDir(async (dir) => {
      await fc.assert(
        fc.asyncProperty(arbitrarySnapshot, async (snapshot) => {
          const runDir = await mkdtemp(join(dir, 'run-'))
          const snapshotter = new Snapshotter(runDir)
          await snapshotter.save(snapshot)
          const [name] = await list(runDir)
          assert.deepEqual(
            { term: snapshot.metadata.term, index: snapshot.metadata.index },
            parseSnapshotFileName(name ?? ''),
          )
          assert.deepEqual(await snapshotter.load(), snapshot)
        }),
        { numRuns: 40 },
      )
    })
  })

  it('turns random bytes in a .snap file into a quarantined file or a snapshot, never anything else', async () => {
    await withTempDir(async (dir) => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), async (bytes) => {
          const runDir = await mkdtemp(join(dir, 'run-'))
          const name = snapshotFileName(1, 1)
          await writeFile(join(runDir, name), bytes)
          try {
            await new Snapshotter(runDir).load()
            assert.deepEqual(await list(runDir), [name])
          } catch (error) {
            assert.equal((error as { code?: string }).code, 'SNAP_NO_SNAPSHOT')
            assert.deepEqual(await list(runDir), [`${name}.broken`])
          }
        }),
        { numRuns: 40 },
      )
    })
  })
})
