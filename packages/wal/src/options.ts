import type { WalFileSystem } from './file-system.js'
import { NodeFileSystem } from './node-file-system.js'
import type { WalLogger, WalOptions, WalSnapshot } from './types.js'

/** etcd's `SegmentSizeBytes`: 64 × 1000 × 1000 bytes (a decimal "64 MB"). */
export const SEGMENT_SIZE_BYTES = 64_000_000

/** {@link WalOptions} with every default applied. */
export interface ResolvedWalOptions {
  readonly fs: WalFileSystem
  readonly logger: WalLogger
  readonly segmentSizeBytes: number
  /**
   * What new segments are preallocated to: `segmentSizeBytes` rounded up to a multiple of 8,
   * so that the zeros after the last frame always hold a whole (zero) length word. A partial
   * one at the end of a file reads as a torn write (etcd's decoder), which would make a
   * cleanly closed WAL need a repair.
   */
  readonly preallocateBytes: number
  readonly unsafeNoFsync: boolean
}

const NOOP_LOGGER: WalLogger = Object.freeze({ warn() {}, info() {} })
let defaultFs: WalFileSystem | undefined

/**
 * Validates `options` and applies the defaults.
 *
 * @throws TypeError or RangeError naming the offending field.
 */
export function resolveOptions(options: WalOptions | undefined): ResolvedWalOptions {
  if (options === undefined) options = {}
  else if (typeof options !== 'object' || options === null) throw new TypeError('wal: options must be an object')
  const { fs, logger, segmentSizeBytes = SEGMENT_SIZE_BYTES, unsafeNoFsync = false } = options
  if (fs !== undefined) {
    for (const method of ['open', 'readdir', 'exists', 'mkdir', 'rename', 'unlink', 'removeAll', 'syncDir'] as const) {
      if (typeof fs?.[method] !== 'function') throw new TypeError(`wal: options.fs must implement ${method}()`)
    }
  }
  if (logger !== undefined && (typeof logger?.warn !== 'function' || typeof logger.info !== 'function')) {
    throw new TypeError('wal: options.logger must have warn() and info()')
  }
  if (!Number.isSafeInteger(segmentSizeBytes) || segmentSizeBytes < 1) {
    throw new RangeError(`wal: options.segmentSizeBytes must be a positive integer, got ${segmentSizeBytes}`)
  }
  if (typeof unsafeNoFsync !== 'boolean') {
    throw new TypeError(`wal: options.unsafeNoFsync must be a boolean, got ${typeof unsafeNoFsync}`)
  }
  if (fs === undefined) defaultFs ??= new NodeFileSystem()
  return {
    fs: fs ?? (defaultFs as WalFileSystem),
    logger: logger ?? NOOP_LOGGER,
    segmentSizeBytes,
    preallocateBytes: Math.ceil(segmentSizeBytes / 8) * 8,
    unsafeNoFsync,
  }
}

/** @throws TypeError unless `dir` is a non-empty string. */
export function validateDir(dir: unknown): asserts dir is string {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('wal: dir must be a non-empty string')
}

/** @throws TypeError or RangeError naming the field of `snapshot` (called `name`) that is invalid. */
export function validateSnapshot(snapshot: unknown, name = 'snapshot'): asserts snapshot is WalSnapshot {
  if (typeof snapshot !== 'object' || snapshot === null) throw new TypeError(`wal: ${name} must be an object`)
  const { index, term, confState } = snapshot as Partial<WalSnapshot>
  validateIndex(index, `${name}.index`)
  validateIndex(term, `${name}.term`)
  if (confState !== undefined && (typeof confState !== 'object' || confState === null)) {
    throw new TypeError(`wal: ${name}.confState must be a ConfState when set`)
  }
}

/** @throws RangeError unless `value` is an integer in [0, 2^53 - 1]. */
export function validateIndex(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`wal: ${name} must be an integer in [0, 2^53 - 1], got ${String(value)}`)
  }
}
