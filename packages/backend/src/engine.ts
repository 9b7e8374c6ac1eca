import type { BucketName } from './buckets.js'

/**
 * The private API for implementors (as in Level's abstract-level): what an adapter provides.
 * The backend core ({@link BufferedBackend}) does the rest — buckets, buffering, batching,
 * commit scheduling, overlay reads, snapshots, hash — the same way for every adapter.
 *
 * An engine is a flat keyspace of byte keys in bytewise order. Keys and values handed to it are
 * never mutated afterwards; values it returns are never mutated by the core.
 */
export interface StorageEngine {
  /** Whether a resolved `write()` survives a crash (false for memory). */
  readonly durable: boolean
  open(): Promise<void>
  close(): Promise<void>
  /** The committed value of `key`, from `view` when given; synchronous. */
  get(key: Uint8Array, view?: EngineView): Uint8Array | undefined
  /**
   * The committed entries with `gte <= key < lt`, ascending, from `view` when given. The core
   * may stop iterating early (`return()` on the iterator); the engine must then release what it
   * holds.
   */
  entries(range: EngineRange, view?: EngineView): AsyncIterable<readonly [Uint8Array, Uint8Array]>
  /** Applies the batch atomically; resolves once it is durable (if `durable`). */
  write(batch: EngineBatch): Promise<void>
  /** A consistent view of what is committed now. Release it when done. */
  view(): EngineView
  /** Storage taken and storage in use by live data, in bytes. */
  size(): Promise<{ readonly size: number; readonly inUse: number }>
  /** Reclaims space left by deletes. */
  compact(): Promise<void>
  /**
   * Replaces everything with `entries` (ascending keys), atomically: if iterating `entries`
   * throws or `signal` aborts, the previous contents remain. Views taken before stay valid.
   */
  replace(entries: AsyncIterable<readonly [Uint8Array, Uint8Array]>, signal?: AbortSignal): Promise<void>
}

/** A pinned, consistent view of an engine's committed data. */
export interface EngineView {
  /** Releases it. Idempotent. */
  release(): void
}

/** A key range: `gte <= key < lt`. */
export interface EngineRange {
  readonly gte: Uint8Array
  readonly lt: Uint8Array
}

/** One atomic batch: keys are unique across `puts` and `deletes`. */
export interface EngineBatch {
  readonly puts: readonly (readonly [Uint8Array, Uint8Array])[]
  readonly deletes: readonly Uint8Array[]
}

// Key layout in the engine's flat keyspace:
//
//   0x00 <bucket name>                        bucket registry: one empty value per bucket
//   0x01 <name length: 1 byte> <name> <key>   data of a bucket
//
// Length-prefixing the name keeps every bucket's data in its own contiguous range.
const REGISTRY_TAG = 0x00
const DATA_TAG = 0x01
const ASCII = new TextEncoder()

/** The engine key marking that `bucket` exists. */
export function registryKey(bucket: BucketName): Uint8Array {
  const name = ASCII.encode(bucket)
  const key = new Uint8Array(1 + name.length)
  key[0] = REGISTRY_TAG
  key.set(name, 1)
  return key
}

/** The range of every registry key. */
export const REGISTRY_RANGE: EngineRange = { gte: Uint8Array.of(REGISTRY_TAG), lt: Uint8Array.of(DATA_TAG) }

/** The bucket a registry key names. */
export function bucketFromRegistryKey(key: Uint8Array): BucketName {
  return String.fromCharCode(...key.subarray(1))
}

/** The prefix of every engine key of `bucket`'s data. */
export function bucketPrefix(bucket: BucketName): Uint8Array {
  const name = ASCII.encode(bucket)
  const prefix = new Uint8Array(2 + name.length)
  prefix[0] = DATA_TAG
  prefix[1] = name.length
  prefix.set(name, 2)
  return prefix
}

/** The range of every engine key of `bucket`'s data, given its prefix. */
export function prefixRange(prefix: Uint8Array): EngineRange {
  // Bucket names are printable ASCII, so the last byte can be incremented without carrying.
  const lt = prefix.slice()
  lt[lt.length - 1] = (lt[lt.length - 1] as number) + 1
  return { gte: prefix, lt }
}

/** `prefix` followed by `key`. */
export function withPrefix(prefix: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + key.length)
  out.set(prefix)
  out.set(key, prefix.length)
  return out
}
