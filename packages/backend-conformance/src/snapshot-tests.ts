import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Backend } from '@etcd-ts/backend'
import { bytes, concat, filled, pseudoRandomBytes, revision, showBytes, text, u64be } from './bytes.js'
import type { Fixture } from './fixture.js'
import {
  assertContent,
  bucketsOf,
  chunked,
  collectSnapshot,
  inTx,
  readContent,
  rejectsWithCode,
  type Suite,
  streamOf,
  writeContent,
} from './harness.js'
import { type Content, Model, referenceHash, referenceSnapshot, SnapshotWriter } from './model.js'

const CORRUPT = 'BACKEND_SNAPSHOT_CORRUPT'

/** A store with a bit of everything: empty bucket, edge keys, values larger than a 64 KiB chunk. */
const RICH: Content = Model.of([
  ['empty', []],
  ['key', Array.from({ length: 40 }, (_, i) => [revision(i + 1), pseudoRandomBytes(i * 7, i + 1)] as const)],
  [
    'meta',
    [
      [text('consistent_index'), u64be(40)],
      [text('term'), u64be(2)],
    ],
  ],
  [
    'big',
    [
      [text('100k'), pseudoRandomBytes(100 * 1024, 7)],
      [text('300k'), pseudoRandomBytes(300 * 1024, 8)],
    ],
  ],
  [
    'x',
    [
      [bytes(), bytes()],
      [bytes(0x00), bytes(0xff)],
      [text('a'), bytes(0x00)],
      [text('a\0'), bytes()],
      [text('ab'), filled(200, 0x61)],
      [filled(4096, 0xff), text('long key')],
    ],
  ],
]).content()

const SMALL: Content = [
  ['a', [[text('k'), text('v')]]],
  ['b', [[bytes(), bytes()]]],
]

/** What the target of a restore holds before: committed and pending, in buckets RICH has too. */
const TARGET: Content = Model.of([
  ['key', [[revision(99), text('old')]]],
  ['old', [[text('committed'), text('1')]]],
  ['pending', [[text('unlocked'), text('2')]]],
]).content()

const UNIVERSE = bucketsOf(RICH, SMALL, TARGET)

// Writes `content` into a new backend, in two steps so some is committed and some pending.
async function sourceWith(open: () => Promise<Backend>, content: Content): Promise<Backend> {
  const backend = await open()
  const half = Math.ceil(content.length / 2)
  writeContent(backend, content.slice(0, half))
  await backend.forceCommit()
  writeContent(backend, content.slice(half))
  return backend
}

// A restore target holding TARGET: 'old' committed, 'pending' not.
async function targetWith(open: () => Promise<Backend>): Promise<Backend> {
  const backend = await open()
  writeContent(
    backend,
    TARGET.filter(([bucket]) => bucket !== 'pending'),
  )
  await backend.forceCommit()
  writeContent(
    backend,
    TARGET.filter(([bucket]) => bucket === 'pending'),
  )
  return backend
}

async function assertHolds(backend: Backend, expected: Content, message: string): Promise<void> {
  assertContent(await readContent(backend.readTx(), UNIVERSE), expected, message)
}

function totalLength(chunks: readonly Uint8Array[]): number {
  return chunks.reduce((n, chunk) => n + chunk.length, 0)
}

function assertSameBytes(actual: Uint8Array, expected: Uint8Array, message: string): void {
  if (actual.length === expected.length && actual.every((b, i) => b === expected[i])) return
  let at = 0
  while (at < Math.min(actual.length, expected.length) && actual[at] === expected[at]) at++
  assert.fail(
    `${message}: ${actual.length} bytes vs ${expected.length} expected, first difference at byte ${at}: ` +
      `${showBytes(actual.subarray(at, at + 16))} vs ${showBytes(expected.subarray(at, at + 16))}`,
  )
}

export function snapshotTests(suite: Suite): void {
  describe('snapshot and restore', () => {
    suite.test('a snapshot is `size` bytes long, everything committed or unlocked when taken', async (f) => {
      const empty = await f.open()
      const emptyChunks = await collectSnapshot(await empty.snapshot())
      const emptySnapshot = await empty.snapshot()
      assert.equal(totalLength(await collectSnapshot(emptySnapshot)), emptySnapshot.size, 'an empty store')
      assertSameBytes(concat(...emptyChunks), referenceSnapshot([]), 'an empty store')

      const backend = await sourceWith(() => f.open(), RICH)
      const tx = backend.batchTx()
      tx.lock()
      tx.unsafePut('x', text('locked'), text('not in the snapshot'))
      tx.unsafeCreateBucket('locked')
      const snapshot = await backend.snapshot()
      tx.unlock()
      const chunks = await collectSnapshot(snapshot)
      assert.equal(totalLength(chunks), snapshot.size, 'size is the bytes streamed')
      assert.ok(chunks.length > 1, 'a 400 KiB store streams in several chunks')
      assertSameBytes(concat(...chunks), referenceSnapshot(RICH), 'the stream')
    })

    suite.test('the stream is the documented format, byte for byte, for any write order', async (f) => {
      const forward = await sourceWith(() => f.open(), RICH)
      const backward = await f.open()
      inTx(backward, (tx) => {
        for (const [bucket, entries] of [...RICH].reverse()) {
          tx.unsafeCreateBucket(bucket)
          for (const [key] of entries) tx.unsafePut(bucket, key, text('overwritten'))
          tx.unsafePut(bucket, text('deleted'), text('deleted'))
          tx.unsafeCreateBucket('gone')
        }
      })
      await backward.forceCommit()
      inTx(backward, (tx) => {
        tx.unsafeDeleteBucket('gone')
        for (const [bucket, entries] of RICH) {
          tx.unsafeDelete(bucket, text('deleted'))
          for (const [key, value] of [...entries].reverse()) tx.unsafePut(bucket, key, value)
        }
      })
      const expected = referenceSnapshot(RICH)
      assertSameBytes(concat(...(await collectSnapshot(await forward.snapshot()))), expected, 'written forwards')
      assertSameBytes(concat(...(await collectSnapshot(await backward.snapshot()))), expected, 'written backwards')
    })

    suite.test('restoring into a fresh backend gives equal reads, hash and snapshot', async (f) => {
      const source = await sourceWith(() => f.open(), RICH)
      const chunks = await collectSnapshot(await source.snapshot())
      const target = await f.open()
      await target.restore(streamOf(chunks))
      await assertHolds(target, RICH, 'restored')
      assert.equal(await target.hash(), await source.hash(), 'equal hashes')
      assert.equal(await target.hash(), referenceHash(RICH))
      assertSameBytes(
        concat(...(await collectSnapshot(await target.snapshot()))),
        concat(...chunks),
        'the snapshot of the restored store',
      )
    })

    suite.test('restores the documented format however it is chunked', async (f) => {
      const target = await f.open()
      const small = referenceSnapshot(SMALL)
      await target.restore(streamOf(chunked(small, 1)))
      await assertHolds(target, SMALL, '1-byte chunks')
      const rich = referenceSnapshot(RICH)
      await target.restore(streamOf(chunked(small, 1000).flatMap((chunk) => [chunk, bytes()])))
      await assertHolds(target, SMALL, 'empty chunks between')
      await target.restore(streamOf(chunked(rich, 1000)))
      await assertHolds(target, RICH, '1000-byte chunks')
      await target.restore(streamOf([rich]))
      await assertHolds(target, RICH, 'one chunk')
      // etcd pads snapshot streams with zeros to a multiple of 512 bytes: trailing zeros are padding.
      await target.restore(streamOf([small, new Uint8Array(512 - (small.length % 512))]))
      await assertHolds(target, SMALL, 'zero padding after the end')
    })

    suite.test('a snapshot stays as it was while the store changes during streaming', async (f) => {
      const backend = await sourceWith(() => f.open(), RICH)
      const other = referenceSnapshot(SMALL)
      const snapshot = await backend.snapshot()
      const mutate = async (step: number) => {
        inTx(backend, (tx) => {
          tx.unsafeCreateBucket('x')
          tx.unsafePut('x', text('new'), bytes(step))
          tx.unsafeDelete('x', text('a'))
          tx.unsafeDeleteBucket('big')
          tx.unsafeCreateBucket('created')
        })
        if (step === 1) await backend.forceCommit()
        if (step === 2) await backend.defrag()
        if (step === 3) await backend.restore(streamOf([other]))
      }
      await mutate(0)
      const chunks: Uint8Array[] = []
      for await (const chunk of snapshot.chunks()) {
        chunks.push(chunk.slice())
        await mutate(chunks.length)
      }
      await snapshot.close()
      assert.ok(chunks.length > 3, 'streamed in several chunks')
      assert.equal(totalLength(chunks), snapshot.size)
      assertSameBytes(concat(...chunks), referenceSnapshot(RICH), 'the snapshot')
    })

    suite.test('restore refuses damaged streams with BACKEND_SNAPSHOT_CORRUPT and changes nothing', async (f) => {
      const good = concat(...(await collectSnapshot(await (await sourceWith(() => f.open(), RICH)).snapshot())))
      const target = await targetWith(() => f.open())
      const flip = (at: number) => {
        const copy = good.slice()
        copy[at] = (copy[at] as number) ^ 0x01
        return copy
      }
      const valueAt = good.length - 200 * 1024 // inside the 300 KiB value
      const cases: [string, Uint8Array[]][] = [
        ['an empty stream', []],
        ['empty chunks only', [bytes(), bytes()]],
        ['a wrong magic', [flip(0)]],
        ['a wrong format version', [flip(SnapshotWriter.MAGIC.length - 1)]],
        ['not a snapshot at all', [text('{"hello":"world"}')]],
        ['a flipped byte in a value', chunked(flip(valueAt), 64 * 1024)],
        ['a flipped byte in a bucket name', [flip(SnapshotWriter.MAGIC.length + 2)]],
        ['a flipped CRC byte', [flip(good.length - 1)]],
        ['a flipped end record', [flip(good.length - 5)]],
        ['truncated after the magic', [good.subarray(0, SnapshotWriter.MAGIC.length)]],
        ['truncated inside a value', [good.subarray(0, valueAt)]],
        ['truncated before the CRC', [good.subarray(0, good.length - 4)]],
        ['one byte short', [good.subarray(0, good.length - 1)]],
        ['zeros, then a non-zero byte, after the end', [good, bytes(0, 0, 1)]],
        ['trailing bytes in the last chunk', [concat(good, text('garbage'))]],
        ['two snapshots back to back', [good, good]],
      ]
      for (const [title, chunks] of cases) {
        await rejectsWithCode(() => target.restore(streamOf(chunks)), CORRUPT, title)
        await assertHolds(target, TARGET, `unchanged after ${title}`)
      }
      assert.equal(await target.hash(), referenceHash(TARGET), 'hash unchanged')
      inTx(target, (tx) => tx.unsafePut('old', text('after'), text('3')))
      await target.forceCommit()
      assert.ok(target.readTx().unsafeGet('old', text('after')), 'the target works on')
    })

    suite.test('every single-byte change of a snapshot is refused with BACKEND_SNAPSHOT_CORRUPT', async (f) => {
      const good = referenceSnapshot(SMALL)
      const target = await targetWith(() => f.open())
      const wrong: string[] = []
      for (let at = 0; at < good.length; at++) {
        for (const mask of [0x01, 0x80]) {
          const damaged = good.slice()
          damaged[at] = (damaged[at] as number) ^ mask
          try {
            await target.restore(streamOf([damaged]))
            wrong.push(`byte ${at} ^ 0x${mask.toString(16)}: restored`)
          } catch (error) {
            const code = (error as { code?: unknown }).code
            if (code !== CORRUPT) wrong.push(`byte ${at} ^ 0x${mask.toString(16)}: ${String(error)} (code ${code})`)
          }
        }
      }
      await assertHolds(target, TARGET, 'unchanged')
      assert.deepEqual(wrong, [], `of ${good.length * 2} damaged streams`)
    })

    const refusesAll = async (f: Fixture, cases: readonly (readonly [string, Uint8Array])[]) => {
      const target = await targetWith(() => f.open())
      const wrong: string[] = []
      for (const [title, stream] of cases) {
        try {
          await target.restore(streamOf([stream]))
          wrong.push(`${title}: restored`)
          // Put the target back for the next case.
          await target.restore(streamOf([referenceSnapshot(TARGET)]))
        } catch (error) {
          const code = (error as { code?: unknown }).code
          if (code !== CORRUPT) wrong.push(`${title}: ${String(error)} (code ${code})`)
          await assertHolds(target, TARGET, `unchanged after ${title}`)
        }
      }
      assert.deepEqual(wrong, [], `of ${cases.length} malformed streams`)
    }
    const k = (s: string) => text(s)

    suite.test(
      'bucket records breaking the format are refused with BACKEND_SNAPSHOT_CORRUPT, even with a valid CRC',
      (f) =>
        refusesAll(f, [
          ['no magic', new SnapshotWriter(false).bucket('a').end()],
          ['buckets out of order', new SnapshotWriter().bucket('b').bucket('a').end()],
          ['a bucket twice', new SnapshotWriter().bucket('a').bucket('a').end()],
          ['an empty bucket name', new SnapshotWriter().bucket('').end()],
          ['a bucket name of 256 bytes', new SnapshotWriter().bucket('n'.repeat(256)).end()],
          ['a bucket name with a space', new SnapshotWriter().bucket('a b').end()],
          ['a bucket name with a NUL', new SnapshotWriter().bucket(bytes(0x61, 0x00)).end()],
          ['a bucket name with a byte >= 0x80', new SnapshotWriter().bucket(bytes(0x61, 0xe9)).end()],
          ['an unknown record type', new SnapshotWriter().bucket('a').raw(bytes(0x03, 0x00)).end()],
        ]),
    )

    suite.test(
      'entry records breaking the format are refused with BACKEND_SNAPSHOT_CORRUPT, even with a valid CRC',
      (f) =>
        refusesAll(f, [
          ['an entry before any bucket', new SnapshotWriter().entry(k('a'), k('1')).bucket('a').end()],
          ['keys out of order', new SnapshotWriter().bucket('a').entry(k('b'), k('1')).entry(k('a'), k('2')).end()],
          ['a key twice', new SnapshotWriter().bucket('a').entry(k('a'), k('1')).entry(k('a'), k('2')).end()],
          [
            'keys out of order after a bucket change',
            new SnapshotWriter()
              .bucket('a')
              .entry(k('b'), k('1'))
              .bucket('b')
              .entry(k('b'), k('1'))
              .entry(k('a'), k('2'))
              .end(),
          ],
        ]),
    )

    suite.test('restore replaces everything: old buckets, keys and pending writes are gone', async (f) => {
      const source = await sourceWith(() => f.open(), RICH)
      const chunks = await collectSnapshot(await source.snapshot())
      const target = await targetWith(() => f.open())
      await target.restore(streamOf(chunks))
      await assertHolds(target, RICH, 'right after restore')
      assert.equal(target.readTx().hasBucket('old'), false)
      assert.equal(target.readTx().hasBucket('pending'), false)
      await target.forceCommit()
      await assertHolds(target, RICH, 'after a commit')
      inTx(target, (tx) => {
        tx.unsafePut('key', revision(41), text('next'))
        tx.unsafeDeleteBucket('empty')
      })
      await target.forceCommit()
      const model = Model.of(RICH)
      model.put('key', revision(41), text('next'))
      model.deleteBucket('empty')
      await assertHolds(target, model.content(), 'writes go on after restore')
      assert.equal(await target.hash(), referenceHash(model.content()))
    })

    suite.test('restore stops on its abort signal and then changes nothing', async (f) => {
      const chunks = chunked(referenceSnapshot(RICH), 64 * 1024)
      const target = await targetWith(() => f.open())
      const isAbort = (error: unknown) => (error as { name?: unknown }).name === 'AbortError'
      await assert.rejects(
        async () => target.restore(streamOf(chunks), { signal: AbortSignal.abort() }),
        isAbort,
        'aborted before',
      )
      await assertHolds(target, TARGET, 'unchanged after an abort before')
      const controller = new AbortController()
      async function* abortingMidway() {
        for (const [i, chunk] of chunks.entries()) {
          if (i === 2) controller.abort()
          yield chunk
        }
      }
      await assert.rejects(
        async () => target.restore(abortingMidway(), { signal: controller.signal }),
        isAbort,
        'aborted midway',
      )
      await assertHolds(target, TARGET, 'unchanged after an abort midway')
      await target.restore(streamOf(chunks), { signal: new AbortController().signal })
      await assertHolds(target, RICH, 'a signal never aborted does not stop it')
    })

    suite.test('a source failing midway fails restore and changes nothing', async (f) => {
      const chunks = chunked(referenceSnapshot(RICH), 64 * 1024)
      const target = await targetWith(() => f.open())
      const failure = new Error('connection reset')
      async function* failing() {
        yield chunks[0] as Uint8Array
        yield chunks[1] as Uint8Array
        throw failure
      }
      await assert.rejects(async () => target.restore(failing()))
      await assertHolds(target, TARGET, 'unchanged')
    })

    suite.test(
      'restored contents survive reopen; what they replaced does not come back',
      async (f) => {
        const target = await targetWith(() => f.open())
        await target.restore(streamOf([referenceSnapshot(RICH)]))
        const reopened = await f.reopen(target)
        await assertHolds(reopened, RICH, 'after reopen')
        assert.equal(await reopened.hash(), referenceHash(RICH))
      },
      { durable: true },
    )
  })
}
