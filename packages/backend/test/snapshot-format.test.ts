import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeSnapshot, encodeSnapshot, type SnapshotRecord } from '@etcd-ts/backend'
import fc from 'fast-check'

async function* from<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

async function encode(records: SnapshotRecord[]): Promise<Uint8Array> {
  const chunks = await collect(encodeSnapshot(from(records)))
  return Buffer.concat(chunks)
}

const bytes = (...b: number[]) => new Uint8Array(b)
const records: SnapshotRecord[] = [
  { kind: 'bucket', bucket: 'a' },
  { kind: 'entry', key: bytes(), value: bytes() },
  { kind: 'entry', key: bytes(1), value: bytes(2, 3) },
  { kind: 'bucket', bucket: 'b' },
]

describe('snapshot format', () => {
  it('has the documented layout: magic, records, end byte, CRC-32C', async () => {
    const encoded = await encode(records)
    const text = new TextDecoder().decode(encoded.subarray(0, 24))
    assert.equal(text, 'etcd-ts-backend-snapshot')
    assert.deepEqual([...encoded.subarray(24, 26)], [0x0a, 0x01])
    // bucket "a": 01 01 61; entry: 02 00 00; entry: 02 01 01 02 02 03; bucket "b": 01 01 62; end 00
    assert.deepEqual([...encoded.subarray(26, 26 + 16)], [1, 1, 0x61, 2, 0, 0, 2, 1, 1, 2, 2, 3, 1, 1, 0x62, 0])
    assert.equal(encoded.length, 26 + 16 + 4)
  })

  it('round-trips, whatever the chunking of the stream', async () => {
    const encoded = await encode(records)
    for (const size of [1, 3, 7, encoded.length]) {
      const chunks: Uint8Array[] = []
      for (let i = 0; i < encoded.length; i += size) chunks.push(encoded.subarray(i, i + size))
      assert.deepEqual(await collect(decodeSnapshot(from(chunks))), records)
    }
  })

  it('accepts zero padding after the end record (Maintenance.Snapshot pads to 512 bytes)', async () => {
    const encoded = await encode(records)
    const padded = Buffer.concat([encoded, new Uint8Array(512 - (encoded.length % 512))])
    for (const size of [1, 5, padded.length]) {
      const chunks: Uint8Array[] = []
      for (let i = 0; i < padded.length; i += size) chunks.push(padded.subarray(i, i + size))
      assert.deepEqual(await collect(decodeSnapshot(from(chunks))), records)
    }
  })

  it('refuses damage with a typed error: magic, CRC, truncation, trailing non-zero bytes, order', async () => {
    const encoded = await encode(records)
    const damaged: Uint8Array[] = []
    const badMagic = encoded.slice()
    badMagic[0] = 0x45
    damaged.push(badMagic)
    const flipped = encoded.slice()
    flipped[30] = (flipped[30] as number) ^ 0x01
    damaged.push(flipped)
    damaged.push(encoded.subarray(0, encoded.length - 1))
    damaged.push(Buffer.concat([encoded, bytes(0, 0, 1)]))
    damaged.push(
      await encode([
        { kind: 'bucket', bucket: 'b' },
        { kind: 'bucket', bucket: 'a' },
      ]),
    )
    damaged.push(await encode([{ kind: 'entry', key: bytes(1), value: bytes(1) }]))
    damaged.push(
      await encode([
        { kind: 'bucket', bucket: 'a' },
        { kind: 'entry', key: bytes(2), value: bytes() },
        { kind: 'entry', key: bytes(1), value: bytes() },
      ]),
    )
    for (const stream of damaged) {
      await assert.rejects(collect(decodeSnapshot(from([stream]))), { code: 'BACKEND_SNAPSHOT_CORRUPT' })
    }
  })

  it('round-trips random snapshots and never throws anything but typed errors on random bytes', async () => {
    const key = fc.uint8Array({ maxLength: 40 })
    const bucket = fc.stringMatching(/^[a-z]{1,8}$/)
    const snapshot = fc.uniqueArray(bucket, { maxLength: 4 }).chain((names) =>
      fc.tuple(
        ...[...names].sort().map((name) =>
          fc.tuple(
            fc.constant(name),
            fc
              .uniqueArray(fc.tuple(key, key), { maxLength: 20, selector: ([k]) => Buffer.from(k).toString('hex') })
              .map((entries) => entries.sort(([a], [b]) => Buffer.compare(a, b))),
          ),
        ),
      ),
    )
    await fc.assert(
      fc.asyncProperty(snapshot, async (buckets) => {
        const input: SnapshotRecord[] = []
        for (const [name, entries] of buckets) {
          input.push({ kind: 'bucket', bucket: name })
          for (const [k, v] of entries) input.push({ kind: 'entry', key: k, value: v })
        }
        assert.deepEqual(await collect(decodeSnapshot(from([await encode(input)]))), input)
      }),
      { numRuns: 200 },
    )
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (random) => {
        try {
          await collect(decodeSnapshot(from([random])))
        } catch (error) {
          assert.equal((error as { code?: string }).code, 'BACKEND_SNAPSHOT_CORRUPT')
        }
      }),
      { numRuns: 500 },
    )
  })
})
