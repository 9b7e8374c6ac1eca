import { crc32c } from '@node-rs/crc32'
import type { BucketName } from './buckets.js'
import { compareBytes } from './bytes.js'
import { SnapshotCorruptError } from './errors.js'

/**
 * The backend snapshot stream, the same for every adapter:
 *
 * ```
 *   "etcd-ts-backend-snapshot" 0x0a 0x01       magic and format version
 *   0x01 <varint n> <n bytes: bucket name>     a bucket (in name order)...
 *   0x02 <varint n> <key> <varint m> <value>   ...then its entries (in key order)
 *   ...
 *   0x00 <4 bytes: CRC-32C, little-endian>     end: CRC of every byte before it
 * ```
 *
 * Equal contents give equal bytes (buckets and keys are written in order), so snapshots of two
 * adapters holding the same data are byte-identical.
 */
export const SNAPSHOT_FORMAT = 'etcd-ts-backend-snapshot v1'

const MAGIC = new Uint8Array([...new TextEncoder().encode('etcd-ts-backend-snapshot'), 0x0a, 0x01])
const RECORD_END = 0x00
const RECORD_BUCKET = 0x01
const RECORD_ENTRY = 0x02
/** Refuse any key or value longer than this while decoding (a hostile length). */
const MAX_FIELD_BYTES = 1 << 30
const CHUNK_BYTES = 64 * 1024

/** What a snapshot stream holds, in order: buckets, each followed by its entries. */
export type SnapshotRecord =
  | { readonly kind: 'bucket'; readonly bucket: BucketName }
  | { readonly kind: 'entry'; readonly key: Uint8Array; readonly value: Uint8Array }

function varintLength(n: number): number {
  let length = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    length++
  }
  return length
}

/** The encoded size of a record. */
export function snapshotRecordSize(record: SnapshotRecord): number {
  if (record.kind === 'bucket') return 1 + varintLength(record.bucket.length) + record.bucket.length
  return (
    1 + varintLength(record.key.length) + record.key.length + varintLength(record.value.length) + record.value.length
  )
}

/** The bytes a snapshot adds around its records (magic and end). */
export const SNAPSHOT_OVERHEAD = MAGIC.length + 5

/** Encodes records into snapshot stream chunks of about 64 KiB. */
export async function* encodeSnapshot(records: AsyncIterable<SnapshotRecord>): AsyncGenerator<Uint8Array> {
  let chunk = new Uint8Array(CHUNK_BYTES)
  let length = 0
  let crc = 0
  const flush = (): Uint8Array => {
    const out = chunk.subarray(0, length)
    crc = crc32c(out, crc)
    chunk = new Uint8Array(CHUNK_BYTES)
    length = 0
    return out
  }
  const reserve = (n: number): void => {
    if (length + n <= chunk.length) return
    // A record larger than a chunk gets a chunk of its own size.
    const bigger = new Uint8Array(Math.max(CHUNK_BYTES, length + n))
    bigger.set(chunk.subarray(0, length))
    chunk = bigger
  }
  const writeVarint = (n: number): void => {
    while (n >= 0x80) {
      chunk[length++] = (n & 0x7f) | 0x80
      n = Math.floor(n / 128)
    }
    chunk[length++] = n
  }
  const writeBytes = (bytes: Uint8Array): void => {
    chunk.set(bytes, length)
    length += bytes.length
  }
  reserve(MAGIC.length)
  writeBytes(MAGIC)
  for await (const record of records) {
    const size = snapshotRecordSize(record)
    if (length > 0 && length + size > CHUNK_BYTES) yield flush()
    reserve(size)
    if (record.kind === 'bucket') {
      chunk[length++] = RECORD_BUCKET
      writeVarint(record.bucket.length)
      for (let i = 0; i < record.bucket.length; i++) chunk[length++] = record.bucket.charCodeAt(i)
    } else {
      chunk[length++] = RECORD_ENTRY
      writeVarint(record.key.length)
      writeBytes(record.key)
      writeVarint(record.value.length)
      writeBytes(record.value)
    }
  }
  reserve(1)
  chunk[length++] = RECORD_END
  const last = flush()
  const end = new Uint8Array(4)
  new DataView(end.buffer).setUint32(0, crc >>> 0, true)
  yield last
  yield end
}

/**
 * Decodes a snapshot stream into its records, checking structure and the final CRC. Records
 * are yielded as they are read, before the CRC at the end is known: a consumer must apply them
 * all or nothing (the iteration throws if the stream turns out damaged).
 *
 * @throws SnapshotCorruptError for a bad magic, record, length, CRC, or trailing bytes.
 */
export async function* decodeSnapshot(source: AsyncIterable<Uint8Array>): AsyncGenerator<SnapshotRecord> {
  const reader = new ChunkReader(source)
  const magic = await reader.take(MAGIC.length)
  for (let i = 0; i < MAGIC.length; i++) {
    if (magic[i] !== MAGIC[i]) throw new SnapshotCorruptError('not a backend snapshot (bad magic)')
  }
  let sawBucket = false
  let previousBucket: string | undefined
  let previousKey: Uint8Array | undefined
  for (;;) {
    const type = (await reader.take(1))[0]
    if (type === RECORD_END) break
    if (type === RECORD_BUCKET) {
      const n = await reader.varint()
      if (n === 0 || n > 255) throw new SnapshotCorruptError(`bad bucket name length ${n} at byte ${reader.offset}`)
      const name = await reader.take(n)
      if (!name.every((c) => c >= 0x21 && c <= 0x7e)) {
        throw new SnapshotCorruptError(`bucket name is not printable ASCII at byte ${reader.offset - n}`)
      }
      const bucket = String.fromCharCode(...name)
      if (previousBucket !== undefined && bucket <= previousBucket) {
        throw new SnapshotCorruptError(`buckets out of order at byte ${reader.offset}`)
      }
      previousBucket = bucket
      previousKey = undefined
      sawBucket = true
      yield { kind: 'bucket', bucket }
    } else if (type === RECORD_ENTRY) {
      if (!sawBucket) throw new SnapshotCorruptError(`entry before any bucket at byte ${reader.offset}`)
      // A copy, as a plain Uint8Array (Buffer#slice would return a view into the chunk).
      const key = new Uint8Array(await reader.take(await reader.field()))
      if (previousKey !== undefined && compareBytes(key, previousKey) <= 0) {
        throw new SnapshotCorruptError(`keys out of order at byte ${reader.offset}`)
      }
      previousKey = key
      const value = new Uint8Array(await reader.take(await reader.field()))
      yield { kind: 'entry', key, value }
    } else {
      throw new SnapshotCorruptError(`unknown record type ${type} at byte ${reader.offset - 1}`)
    }
  }
  const computed = reader.crc() >>> 0
  const stored = new DataView(new Uint8Array(await reader.take(4)).buffer).getUint32(0, true)
  if (computed !== stored) {
    throw new SnapshotCorruptError(`CRC mismatch: stored ${stored.toString(16)}, computed ${computed.toString(16)}`)
  }
  // Zero padding may follow (a server pads snapshots to 512-byte multiples, as etcdctl wants).
  if (!(await reader.onlyZerosLeft())) throw new SnapshotCorruptError('bytes after the end record')
}

// Reads exact byte counts from a chunked async source, keeping a running CRC of what was taken.
// Chunks are queued and consumed in place: a field spanning chunks is copied once, so cost stays
// linear in the stream however small its chunks are.
class ChunkReader {
  readonly #iterator: AsyncIterator<Uint8Array>
  readonly #chunks: Uint8Array[] = []
  #position = 0 // in #chunks[0]
  #available = 0
  #crc = 0
  offset = 0

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iterator = source[Symbol.asyncIterator]()
  }

  crc(): number {
    return this.#crc
  }

  async #fill(n: number): Promise<void> {
    while (this.#available < n) {
      const next = await this.#iterator.next()
      if (next.done === true) throw new SnapshotCorruptError(`truncated at byte ${this.offset + this.#available}`)
      if (next.value.length === 0) continue
      this.#chunks.push(next.value)
      this.#available += next.value.length
    }
  }

  async take(n: number): Promise<Uint8Array> {
    if (n === 0) return new Uint8Array(0)
    await this.#fill(n)
    const first = this.#chunks[0] as Uint8Array
    let out: Uint8Array
    if (first.length - this.#position >= n) {
      out = first.subarray(this.#position, this.#position + n)
      this.#position += n
    } else {
      out = new Uint8Array(n)
      let filled = 0
      while (filled < n) {
        const chunk = this.#chunks[0] as Uint8Array
        const part = chunk.subarray(this.#position, this.#position + n - filled)
        out.set(part, filled)
        filled += part.length
        this.#position += part.length
        if (this.#position === chunk.length) {
          this.#chunks.shift()
          this.#position = 0
        }
      }
    }
    if (this.#chunks.length > 0 && this.#position === (this.#chunks[0] as Uint8Array).length) {
      this.#chunks.shift()
      this.#position = 0
    }
    this.#available -= n
    this.offset += n
    this.#crc = crc32c(out, this.#crc)
    return out
  }

  async varint(): Promise<number> {
    let result = 0
    let multiplier = 1
    for (let i = 0; i < 8; i++) {
      const byte = (await this.take(1))[0] as number
      result += (byte & 0x7f) * multiplier
      if (byte < 0x80) return result
      multiplier *= 128
    }
    throw new SnapshotCorruptError(`varint too long at byte ${this.offset}`)
  }

  async field(): Promise<number> {
    const n = await this.varint()
    if (n > MAX_FIELD_BYTES) throw new SnapshotCorruptError(`length ${n} too large at byte ${this.offset}`)
    return n
  }

  /** Consumes the rest of the stream; whether it was nothing but zero bytes. */
  async onlyZerosLeft(): Promise<boolean> {
    let zeros = true
    const queued = this.#chunks.splice(0)
    for (let i = 0; i < queued.length; i++) {
      const rest = (queued[i] as Uint8Array).subarray(i === 0 ? this.#position : 0)
      if (zeros && !rest.every((byte) => byte === 0)) zeros = false
    }
    this.#position = 0
    this.#available = 0
    for (;;) {
      const next = await this.#iterator.next()
      if (next.done === true) return zeros
      if (zeros && !next.value.every((byte) => byte === 0)) zeros = false
    }
  }
}
