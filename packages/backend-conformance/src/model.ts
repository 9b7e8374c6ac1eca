// The naive twin every check compares against: a Map per bucket, sorted on demand with the
// suite's own byte order. Plus the documented byte layouts computed from it independently of
// @etcd-ts/backend: the hash (etcd's backend hash) and the snapshot stream (SNAPSHOT_FORMAT).
import { compare, concat, hex, text } from './bytes.js'
import { crc32c } from './crc32c.js'

/** One entry: key and value. */
export type Entry = readonly [key: Uint8Array, value: Uint8Array]

/** A whole store: buckets in name order, each with its entries in key order. */
export type Content = readonly (readonly [bucket: string, entries: readonly Entry[]])[]

/** A store as plain maps: the model the property test mutates alongside the backend. */
export class Model {
  readonly buckets: Map<string, Map<string, Entry>>

  constructor(buckets = new Map<string, Map<string, Entry>>()) {
    this.buckets = buckets
  }

  /** A model holding `content`. */
  static of(content: Content): Model {
    const model = new Model()
    for (const [bucket, entries] of content) {
      model.createBucket(bucket)
      for (const [key, value] of entries) model.put(bucket, key, value)
    }
    return model
  }

  /** A deep copy (entries are never mutated, so they are shared). */
  clone(): Model {
    return new Model(new Map([...this.buckets].map(([bucket, entries]) => [bucket, new Map(entries)])))
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket)
  }

  createBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map())
  }

  deleteBucket(bucket: string): void {
    this.buckets.delete(bucket)
  }

  put(bucket: string, key: Uint8Array, value: Uint8Array): void {
    this.#bucket(bucket).set(hex(key), [key, value])
  }

  delete(bucket: string, key: Uint8Array): void {
    this.#bucket(bucket).delete(hex(key))
  }

  get(bucket: string, key: Uint8Array): Uint8Array | undefined {
    return this.#bucket(bucket).get(hex(key))?.[1]
  }

  /** The entries of `bucket` in key order. */
  entries(bucket: string): Entry[] {
    return [...this.#bucket(bucket).values()].sort((a, b) => compare(a[0], b[0]))
  }

  /** What `unsafeRange(bucket, key, end, limit)` must return. */
  range(bucket: string, key: Uint8Array, end?: Uint8Array, limit = 0): Entry[] {
    if (end === undefined || end.length === 0) {
      const value = this.get(bucket, key)
      return value === undefined ? [] : [[key, value]]
    }
    const found = this.entries(bucket).filter(([k]) => compare(k, key) >= 0 && compare(k, end) < 0)
    return limit > 0 ? found.slice(0, limit) : found
  }

  content(): Content {
    return [...this.buckets.keys()].sort(compareNames).map((bucket) => [bucket, this.entries(bucket)] as const)
  }

  #bucket(bucket: string): Map<string, Entry> {
    const entries = this.buckets.get(bucket)
    if (entries === undefined) throw new Error(`model: no bucket ${bucket}`)
    return entries
  }
}

/** Bucket names in byte order (they are ASCII, so UTF-16 order is byte order). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The hash the contract documents (etcd's backend hash): CRC-32C over, for each bucket in name
 * order, the bucket name, then key and value of each entry in key order that `ignore` keeps.
 */
export function referenceHash(content: Content, ignore?: (bucket: string, key: Uint8Array) => boolean): number {
  let crc = 0
  for (const [bucket, entries] of content) {
    crc = crc32c(text(bucket), crc)
    for (const [key, value] of entries) {
      if (ignore?.(bucket, key) === true) continue
      crc = crc32c(key, crc)
      crc = crc32c(value, crc)
    }
  }
  return crc
}

/**
 * Writes snapshot streams by hand, following `SNAPSHOT_FORMAT` of @etcd-ts/backend:
 *
 * ```
 *   "etcd-ts-backend-snapshot" 0x0a 0x01       magic and format version
 *   0x01 <varint n> <n bytes: bucket name>     a bucket (in name order)...
 *   0x02 <varint n> <key> <varint m> <value>   ...then its entries (in key order)
 *   0x00 <4 bytes: CRC-32C, little-endian>     end: CRC of every byte before it
 * ```
 *
 * It writes whatever it is told, in that order, so tests can also build streams that are
 * well-formed byte-wise but break the format's rules (with a valid CRC).
 */
export class SnapshotWriter {
  static readonly MAGIC = concat(text('etcd-ts-backend-snapshot'), Uint8Array.of(0x0a, 0x01))
  readonly #parts: Uint8Array[] = []

  /** Starts with the magic unless `magic` is false. */
  constructor(magic = true) {
    if (magic) this.#parts.push(SnapshotWriter.MAGIC)
  }

  raw(bytes: Uint8Array): this {
    this.#parts.push(bytes)
    return this
  }

  bucket(name: string | Uint8Array): this {
    const bytes = typeof name === 'string' ? text(name) : name
    return this.raw(concat(Uint8Array.of(0x01), varint(bytes.length), bytes))
  }

  entry(key: Uint8Array, value: Uint8Array): this {
    return this.raw(concat(Uint8Array.of(0x02), varint(key.length), key, varint(value.length), value))
  }

  /** The end record and the CRC of everything before it; then the stream's bytes. */
  end(): Uint8Array {
    const body = concat(...this.#parts, Uint8Array.of(0x00))
    const crc = new Uint8Array(4)
    new DataView(crc.buffer).setUint32(0, crc32c(body), true)
    return concat(body, crc)
  }
}

/** The snapshot stream of `content`, as the format documents it. */
export function referenceSnapshot(content: Content): Uint8Array {
  const writer = new SnapshotWriter()
  for (const [bucket, entries] of content) {
    writer.bucket(bucket)
    for (const [key, value] of entries) writer.entry(key, value)
  }
  return writer.end()
}

function varint(n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}
