import type { BackendOptions } from '@etcd-ts/backend'

/** Default `cacheSize`: LevelDB's block cache, 8 MiB (classic-level's default). */
export const DEFAULT_CACHE_SIZE = 8 * 1024 * 1024
/** Default `writeBufferSize`: 4 MiB, LevelDB's default memtable size. */
export const DEFAULT_WRITE_BUFFER_SIZE = 4 * 1024 * 1024
/** LevelDB clamps the write buffer to this range (`SanitizeOptions` in db_impl.cc); we refuse values outside it. */
const MIN_WRITE_BUFFER_SIZE = 64 * 1024
const MAX_WRITE_BUFFER_SIZE = 1024 * 1024 * 1024
/** classic-level reads sizes as unsigned 32-bit integers. */
const MAX_UINT32 = 0xffff_ffff

/** Settings of a {@link LevelEngine}: where the store lives and how LevelDB is tuned. */
export interface LevelEngineOptions {
  /**
   * The store's directory (etcd's `member/snap/db`), created if missing. It holds a small
   * `GENERATION` pointer file and the LevelDB directory it names (see the README's on-disk
   * layout). Required; one open instance per location (a second one fails with
   * `LocationLockedError`).
   */
  readonly location: string
  /**
   * Bytes of LevelDB's LRU cache of uncompressed table blocks, which point reads (mvcc reads
   * values by revision) and range scans hit before the disk. Default 8 MiB (LevelDB's). 0
   * disables caching.
   */
  readonly cacheSize?: number
  /**
   * Bytes of writes LevelDB buffers in memory (and its log) before writing a sorted table.
   * Larger values mean fewer, larger level-0 tables and faster bulk loads, at the cost of
   * memory (up to two buffers) and a longer log replay when opening. Default 4 MiB (LevelDB's);
   * between 64 KiB and 1 GiB.
   */
  readonly writeBufferSize?: number
  /**
   * Whether table blocks are Snappy-compressed. Snappy is cheap and etcd's values (protobuf
   * `KeyValue`s) often compress; turn it off only for incompressible values. Default `true`.
   */
  readonly compression?: boolean
}

/** Settings of a `LevelBackend`: the backend's batching settings plus the LevelDB ones. */
export interface LevelBackendOptions extends BackendOptions, LevelEngineOptions {}

/** {@link LevelEngineOptions} checked, with defaults applied. */
export interface ResolvedLevelOptions {
  readonly location: string
  readonly cacheSize: number
  readonly writeBufferSize: number
  readonly compression: boolean
}

/**
 * Checks the LevelDB settings and applies their defaults.
 *
 * @throws TypeError or RangeError naming the offending field.
 */
export function resolveLevelOptions(options: LevelEngineOptions): ResolvedLevelOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object with a location, got ${options === null ? 'null' : typeof options}`)
  }
  const { location, cacheSize, writeBufferSize, compression } = options
  if (typeof location !== 'string' || location === '') {
    throw new TypeError(`location must be a non-empty string (a directory path), got ${describe(location)}`)
  }
  if (compression !== undefined && typeof compression !== 'boolean') {
    throw new TypeError(`compression must be a boolean, got ${describe(compression)}`)
  }
  return {
    location,
    cacheSize: integerIn(cacheSize ?? DEFAULT_CACHE_SIZE, 'cacheSize', 0, MAX_UINT32),
    writeBufferSize: integerIn(
      writeBufferSize ?? DEFAULT_WRITE_BUFFER_SIZE,
      'writeBufferSize',
      MIN_WRITE_BUFFER_SIZE,
      MAX_WRITE_BUFFER_SIZE,
    ),
    compression: compression ?? true,
  }
}

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${field} must be a number of bytes, got ${describe(value)}`)
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${field} must be an integer from ${min} to ${max} (bytes), got ${value}`)
  }
  return value
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}
