import { InvalidRevisionKeyError } from './errors.js'

/**
 * A revision: `main` is the store revision of a write transaction, `sub` orders the changes
 * inside it (0, 1, 2, ...). etcd's `mvcc.Revision`.
 *
 * Both are non-negative safe integers (int64 in etcd; see STYLE.md §3 on `number` for counters).
 * Revisions are ordered by `main`, then `sub` ({@link compareRevisions}).
 */
export interface Revision {
  readonly main: number
  readonly sub: number
}

/** The zero revision `{ main: 0, sub: 0 }`: before any write (etcd's `Revision{}`). */
export const ZERO_REVISION: Revision = Object.freeze({ main: 0, sub: 0 })

/** Length of a revision key: 8-byte main, `'_'`, 8-byte sub (etcd's `revBytesLen`). */
export const REVISION_KEY_LENGTH = 17

/** Length of a revision key carrying the tombstone marker (etcd's `markedRevBytesLen`). */
export const MARKED_REVISION_KEY_LENGTH = 18

/** Byte between main and sub in a revision key: `'_'`. */
const SEPARATOR = 0x5f
/** Byte appended to the revision key of a tombstone (a delete): `'t'`. */
const TOMBSTONE_MARK = 0x74
const TWO_32 = 0x1_0000_0000
/** Largest high word of a safe integer: 2^53 - 1 = 0x1fffff * 2^32 + 0xffffffff. */
const MAX_SAFE_HIGH = 0x1f_ffff

/**
 * Orders revisions by `main`, then `sub`: negative if `a` is older than `b`, 0 if equal, positive
 * if newer. Usable as an `Array.prototype.sort` comparator.
 */
export function compareRevisions(a: Revision, b: Revision): number {
  return a.main !== b.main ? a.main - b.main : a.sub - b.sub
}

/**
 * A revision as short stable text, in the notation of etcd's docs: `main` alone when `sub` is 0
 * (`5`), else `main.sub` (`5.1`).
 */
export function describeRevision(rev: Revision): string {
  return rev.sub === 0 ? `${rev.main}` : `${rev.main}.${rev.sub}`
}

/**
 * The key of a revision in bucket `key` (etcd's `RevToBytes` / `appendMarkTombstone`):
 *
 * ```
 *  0        8   9       17  18
 *  | main   | _ | sub    | t |     main, sub: big-endian uint64; 't' only for a tombstone
 * ```
 *
 * 17 bytes, or 18 with the tombstone marker. Keys compare bytewise in revision order, which is
 * what lets the compactor and the watch catch-up scan bucket `key` by revision.
 *
 * @throws RangeError if `main` or `sub` is not a non-negative safe integer.
 */
export function encodeRevisionKey(rev: Revision, tombstone = false): Uint8Array {
  const out = new Uint8Array(tombstone ? MARKED_REVISION_KEY_LENGTH : REVISION_KEY_LENGTH)
  const view = new DataView(out.buffer)
  writeUint64(view, 0, rev.main, 'main')
  out[8] = SEPARATOR
  writeUint64(view, 9, rev.sub, 'sub')
  if (tombstone) out[17] = TOMBSTONE_MARK
  return out
}

/**
 * Reads a revision key of bucket `key` ({@link encodeRevisionKey}); the returned revision is new.
 *
 * @throws InvalidRevisionKeyError (`MVCC_INVALID_REVISION_KEY`) if `key` is not 17 or 18 bytes,
 *   byte 8 is not `'_'`, byte 17 (when present) is not `'t'`, or main or sub is negative (top bit
 *   set) or above `Number.MAX_SAFE_INTEGER`.
 */
export function decodeRevisionKey(key: Uint8Array): { rev: Revision; tombstone: boolean } {
  if (key.length !== REVISION_KEY_LENGTH && key.length !== MARKED_REVISION_KEY_LENGTH) {
    throw new InvalidRevisionKeyError(
      `expected ${REVISION_KEY_LENGTH} or ${MARKED_REVISION_KEY_LENGTH} bytes, found ${key.length}`,
    )
  }
  if (key[8] !== SEPARATOR) {
    throw new InvalidRevisionKeyError(`expected '_' (0x5f) at byte 8, found 0x${hex(key[8])}`)
  }
  const tombstone = key.length === MARKED_REVISION_KEY_LENGTH
  if (tombstone && key[17] !== TOMBSTONE_MARK) {
    throw new InvalidRevisionKeyError(`expected tombstone mark 't' (0x74) at byte 17, found 0x${hex(key[17])}`)
  }
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength)
  const main = readUint64(view, 0, 'main')
  const sub = readUint64(view, 9, 'sub')
  return { rev: { main, sub }, tombstone }
}

/**
 * Whether a revision key carries the tombstone marker (etcd's `isTombstone`): 18 bytes ending in
 * `'t'`. Checks only the length and the marker; {@link decodeRevisionKey} validates the rest.
 */
export function isTombstoneKey(key: Uint8Array): boolean {
  return key.length === MARKED_REVISION_KEY_LENGTH && key[17] === TOMBSTONE_MARK
}

function writeUint64(view: DataView, offset: number, value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`revision ${field}: expected a non-negative safe integer, found ${value}`)
  }
  view.setUint32(offset, Math.floor(value / TWO_32))
  view.setUint32(offset + 4, value >>> 0)
}

function readUint64(view: DataView, offset: number, field: string): number {
  const high = view.getUint32(offset)
  const low = view.getUint32(offset + 4)
  if (high > MAX_SAFE_HIGH) {
    const what = high >= 0x8000_0000 ? 'negative' : 'above Number.MAX_SAFE_INTEGER'
    throw new InvalidRevisionKeyError(
      `${field} revision 0x${high.toString(16).padStart(8, '0')}${low.toString(16).padStart(8, '0')} is ${what}`,
    )
  }
  return high * TWO_32 + low
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0')
}
