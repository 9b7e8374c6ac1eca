// Backend snapshots received from a leader: saveDbFrom, dbFilePath, releaseDbSnapshotsBefore.
import assert from 'node:assert/strict'
import { createReadStream } from 'node:fs'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { dbFileName, Snapshotter } from '@etcd-ts/snap'
import { list, makeSnapshot, tick, withTempDir } from './helpers.js'

/** `count` chunks of `size` bytes; chunk i is filled with i's low byte. */
function chunks(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new Uint8Array(size).fill(i & 0xff))
}

async function* yieldAll(parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    await tick()
    yield part
  }
}

/** A stream that yields `parts`, then signals `reached` and hangs until cancelled. */
function stalling(parts: Uint8Array[]): {
  source: ReadableStream<Uint8Array>
  reached: Promise<void>
  cancelled: Promise<unknown>
} {
  let reach: () => void = () => {}
  const reached = new Promise<void>((resolve) => {
    reach = resolve
  })
  let cancel: (reason: unknown) => void = () => {}
  const cancelled = new Promise<unknown>((resolve) => {
    cancel = resolve
  })
  return {
    reached,
    cancelled,
    source: new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(part)
      },
      pull() {
        reach()
        return new Promise(() => {}) // never more data
      },
      cancel,
    }),
  }
}

describe('Snapshotter.saveDbFrom', () => {
  it('streams a large multi-chunk async iterable to %016x.snap.db', async () => {
    await withTempDir(async (dir) => {
      const parts = chunks(96, 64 * 1024) // 6 MiB in 96 chunks
      const saved = await new Snapshotter(dir).saveDbFrom(yieldAll(parts), 0x15)
      assert.deepEqual(saved, { path: join(dir, '0000000000000015.snap.db'), size: 96 * 64 * 1024 })
      assert.deepEqual(await list(dir), ['0000000000000015.snap.db'])
      const written = await readFile(saved.path)
      assert.equal(written.length, saved.size)
      for (let i = 0; i < parts.length; i++) assert.equal(written[i * 64 * 1024 + 17], i & 0xff)
      assert.equal((await stat(saved.path)).mode & 0o777, 0o600 & ~process.umask())
    })
  })

  it('accepts a web ReadableStream and a Node readable stream', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      const web = await snapshotter.saveDbFrom(ReadableStream.from(chunks(3, 1000)), 1)
      assert.equal(web.size, 3000)
      const node = await snapshotter.saveDbFrom(createReadStream(web.path, { highWaterMark: 512 }), 2)
      assert.deepEqual(await readFile(node.path), await readFile(web.path))
      assert.deepEqual(await list(dir), [dbFileName(1), dbFileName(2)])
    })
  })

  it('keeps an existing file of the same name and discards the received copy', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      await writeFile(join(dir, dbFileName(7)), 'first')
      const saved = await snapshotter.saveDbFrom(yieldAll([new TextEncoder().encode('second copy')]), 7)
      assert.deepEqual(saved, { path: join(dir, dbFileName(7)), size: 11 })
      assert.equal(await readFile(saved.path, 'utf8'), 'first')
      assert.deepEqual(await list(dir), [dbFileName(7)])
    })
  })

  it('shows the download only as a tmp* file until it is complete', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      let release: () => void = () => {}
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      async function* gated(): AsyncGenerator<Uint8Array> {
        yield new Uint8Array(10)
        await gate
        yield new Uint8Array(10)
      }
      const pending = snapshotter.saveDbFrom(gated(), 3)
      while ((await list(dir)).length === 0) await tick()
      const during = await list(dir)
      assert.equal(during.length, 1)
      assert.match(during[0] ?? '', /^tmp[0-9a-f]{16}$/)
      // load() at this moment must not delete an in-flight download
      await assert.rejects(snapshotter.load(), { code: 'SNAP_NO_SNAPSHOT' })
      await assert.rejects(new Snapshotter(dir).load(), { code: 'SNAP_NO_SNAPSHOT' })
      assert.deepEqual(await list(dir), during)
      release()
      assert.equal((await pending).size, 20)
      assert.deepEqual(await list(dir), [dbFileName(3)])
    })
  })

  it('removes the temp file and cancels the source on abort', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      const controller = new AbortController()
      const { source, reached, cancelled } = stalling(chunks(4, 4096))
      const pending = snapshotter.saveDbFrom(source, 9, { signal: controller.signal })
      await reached
      while ((await list(dir)).length === 0) await tick()
      const reason = new Error('peer went away')
      controller.abort(reason)
      await assert.rejects(pending, (error) => error === reason)
      assert.deepEqual(await list(dir), [])
      assert.equal(await cancelled, reason) // the producer was told to stop
    })
  })

  it('does nothing for an already aborted signal', async () => {
    await withTempDir(async (dir) => {
      const signal = AbortSignal.abort()
      await assert.rejects(new Snapshotter(dir).saveDbFrom(yieldAll(chunks(1, 1)), 1, { signal }), {
        name: 'AbortError',
      })
      assert.deepEqual(await list(dir), [])
    })
  })

  it('removes the temp file when the source fails or yields something other than bytes', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      const failure = new Error('connection reset')
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield new Uint8Array(100)
        throw failure
      }
      await assert.rejects(snapshotter.saveDbFrom(failing(), 1), (error) => error === failure)
      async function* strings(): AsyncGenerator<unknown> {
        yield new Uint8Array(1)
        yield 'not bytes'
      }
      await assert.rejects(snapshotter.saveDbFrom(strings() as AsyncIterable<Uint8Array>, 1), TypeError)
      assert.deepEqual(await list(dir), [])
    })
  })

  it('rejects a bad source, index or signal', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      await assert.rejects(snapshotter.saveDbFrom({} as never, 1), TypeError)
      await assert.rejects(snapshotter.saveDbFrom(yieldAll([]), -1), RangeError)
      await assert.rejects(snapshotter.saveDbFrom(yieldAll([]), 1, { signal: {} as never }), TypeError)
      assert.deepEqual(await list(dir), [])
    })
  })
})

describe('Snapshotter.dbFilePath and releaseDbSnapshotsBefore', () => {
  it('finds the .snap.db file for an index, or fails with SNAP_NO_DB_SNAPSHOT', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      await snapshotter.saveDbFrom(yieldAll([new Uint8Array(5)]), 0x20)
      assert.equal(await snapshotter.dbFilePath(0x20), join(dir, '0000000000000020.snap.db'))
      await assert.rejects(snapshotter.dbFilePath(0x21), {
        code: 'SNAP_NO_DB_SNAPSHOT',
        index: 0x21,
        path: join(dir, '0000000000000021.snap.db'),
      })
      await assert.rejects(snapshotter.dbFilePath(1.5), RangeError)
    })
  })

  it('deletes only .snap.db files with a smaller index', async () => {
    await withTempDir(async (dir) => {
      const snapshotter = new Snapshotter(dir)
      await snapshotter.save(makeSnapshot(1, 0x0a))
      for (const index of [0x0a, 0x15, 0x20]) await writeFile(join(dir, dbFileName(index)), 'db')
      await writeFile(join(dir, 'zz.snap.db'), 'unparsable name')
      assert.deepEqual(await snapshotter.releaseDbSnapshotsBefore(0x15), [dbFileName(0x0a)])
      assert.deepEqual(await list(dir), [
        '0000000000000001-000000000000000a.snap',
        dbFileName(0x15),
        dbFileName(0x20),
        'zz.snap.db',
      ])
      assert.deepEqual(await snapshotter.releaseDbSnapshotsBefore(0x15), [])
      assert.deepEqual(await snapshotter.releaseDbSnapshotsBefore(0x100), [dbFileName(0x15), dbFileName(0x20)])
    })
  })
})
