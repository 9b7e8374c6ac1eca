// Failures and crashes in the middle of writing, injected through the SnapFileSystem seam: no
// file that load() would accept may ever hold anything but a complete snapshot, and a good
// snapshot on disk is never lost.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import type { Snapshot } from '@etcd-ts/raft'
import {
  dbFileName,
  NODE_FILE_SYSTEM,
  readSnapshotFile,
  type SnapFileSystem,
  Snapshotter,
  type SnapWritableFile,
  snapshotFileName,
} from '@etcd-ts/snap'
import { list, makeSnapshot, systemError, withTempDir } from './helpers.js'

type FaultPoint = 'write' | 'sync' | 'close' | 'rename' | 'syncDir'
const POINTS: readonly FaultPoint[] = ['write', 'sync', 'close', 'rename', 'syncDir']

/**
 * The real file system, failing with EIO at `point`. A `write` failure first writes half the
 * bytes (a torn write). With `crash`, every later operation fails too, as if the process had
 * died there: no cleanup reaches the disk (the OS still closes the descriptors).
 */
function faultyFs(point: FaultPoint, crash: boolean): SnapFileSystem {
  let dead = false
  const fail = (syscall: string, path: string): never => {
    dead = crash
    throw systemError('EIO', syscall, path)
  }
  const alive = (syscall: string, path: string): void => {
    if (dead) throw systemError('EIO', `${syscall} after crash`, path)
  }
  return {
    ...NODE_FILE_SYSTEM,
    async readdir(dir) {
      alive('readdir', dir)
      return NODE_FILE_SYSTEM.readdir(dir)
    },
    async exists(path) {
      alive('stat', path)
      return NODE_FILE_SYSTEM.exists(path)
    },
    async unlink(path) {
      alive('unlink', path)
      return NODE_FILE_SYSTEM.unlink(path)
    },
    async rename(from, to) {
      alive('rename', from)
      if (point === 'rename') fail('rename', from)
      return NODE_FILE_SYSTEM.rename(from, to)
    },
    async syncDir(dir) {
      alive('fsync', dir)
      if (point === 'syncDir') fail('fsync', dir)
      return NODE_FILE_SYSTEM.syncDir(dir)
    },
    async createExclusive(path, mode): Promise<SnapWritableFile> {
      alive('open', path)
      const file = await NODE_FILE_SYSTEM.createExclusive(path, mode)
      let written = 0
      return {
        async write(data) {
          alive('write', path)
          if (point === 'write' && written + data.length > 1000) {
            await file.write(data.subarray(0, Math.max(1, (data.length >> 1) - written)))
            fail('write', path)
          }
          written += data.length
          return file.write(data)
        },
        async sync() {
          alive('fsync', path)
          if (point === 'sync') fail('fsync', path)
          return file.sync()
        },
        async close() {
          if (dead) {
            await file.close() // the kernel closes a dead process's files
            throw systemError('EIO', 'close after crash', path)
          }
          await file.close()
          if (point === 'close') fail('close', path)
        },
      }
    },
  }
}

/** A snapshot big enough (≥ 1000 bytes) for the torn write to land inside it. */
function bigSnapshot(term: number, index: number, fill: number): Snapshot {
  return { ...makeSnapshot(term, index), data: new Uint8Array(4000).fill(fill) }
}

/** Every `.snap` file in `dir` must read back as one of `complete`. */
async function assertOnlyCompleteSnapFiles(dir: string, complete: Snapshot[]): Promise<void> {
  for (const name of await list(dir)) {
    assert.ok(!name.endsWith('.broken'), `nothing was ever torn in place, yet found ${name}`)
    if (!name.endsWith('.snap')) continue
    const snapshot = await readSnapshotFile(join(dir, name))
    assert.ok(
      complete.some((candidate) => isDeepStrictEqual(candidate, snapshot)),
      `${name} holds a snapshot that was never completely written`,
    )
  }
}

describe('crash safety of save()', () => {
  for (const crash of [false, true]) {
    for (const point of POINTS) {
      it(`${crash ? 'a crash' : 'a failure'} at ${point} leaves no file load() would wrongly accept`, async () => {
        await withTempDir(async (dir) => {
          const older = bigSnapshot(1, 10, 0xaa)
          const newer = bigSnapshot(2, 21, 0xbb)
          await new Snapshotter(dir).save(older)

          await assert.rejects(new Snapshotter(dir, { fs: faultyFs(point, crash) }).save(newer), { code: 'EIO' })
          const temps = (await list(dir)).filter((name) => name.startsWith('tmp'))
          // A failure cleans up; a crash leaves the torn temp file for the next load() to delete.
          assert.equal(temps.length, crash && point !== 'syncDir' ? 1 : 0)

          // Restart with the real file system.
          await assertOnlyCompleteSnapFiles(dir, [older, newer])
          const renamed = point === 'syncDir' // the rename happened; only its durability is unknown
          assert.deepEqual(await new Snapshotter(dir).load(), renamed ? newer : older)
          assert.deepEqual(
            await list(dir),
            renamed ? [snapshotFileName(1, 10), snapshotFileName(2, 21)] : [snapshotFileName(1, 10)],
            'load() removed any stale temp file',
          )
        })
      })
    }
  }

  it('never destroys a good file when re-saving the same (term, index) crashes mid-write', async () => {
    await withTempDir(async (dir) => {
      const good = bigSnapshot(2, 21, 0x11)
      await new Snapshotter(dir).save(good)
      const before = await readFile(join(dir, snapshotFileName(2, 21)))
      const again = bigSnapshot(2, 21, 0x22)
      await assert.rejects(new Snapshotter(dir, { fs: faultyFs('write', true) }).save(again), { code: 'EIO' })
      assert.deepEqual(await readFile(join(dir, snapshotFileName(2, 21))), before)
      assert.deepEqual(await new Snapshotter(dir).loadNewestAvailable([{ index: 21, term: 2 }]), good)
    })
  })
})

describe('crash safety of saveDbFrom()', () => {
  for (const crash of [false, true]) {
    for (const point of POINTS) {
      it(`${crash ? 'a crash' : 'a failure'} at ${point} never leaves a partial .snap.db`, async () => {
        await withTempDir(async (dir) => {
          const parts = Array.from({ length: 8 }, (_, i) => new Uint8Array(512).fill(i))
          const snapshotter = new Snapshotter(dir, { fs: faultyFs(point, crash) })
          await assert.rejects(snapshotter.saveDbFrom(ReadableStream.from(parts), 5), { code: 'EIO' })
          const temps = (await list(dir)).filter((name) => name.startsWith('tmp'))
          // A failure cleans up; a crash leaves the torn temp file for the next load() to delete.
          assert.equal(temps.length, crash && point !== 'syncDir' ? 1 : 0)

          const restarted = new Snapshotter(dir)
          if (point === 'syncDir') {
            // Renamed before the failure: the file is complete.
            assert.equal((await readFile(await restarted.dbFilePath(5))).length, 8 * 512)
          } else {
            await assert.rejects(restarted.dbFilePath(5), { code: 'SNAP_NO_DB_SNAPSHOT' })
          }
          await assert.rejects(restarted.load(), { code: 'SNAP_NO_SNAPSHOT' }) // and cleans up
          assert.deepEqual(await list(dir), point === 'syncDir' ? [dbFileName(5)] : [])
        })
      })
    }
  }
})
