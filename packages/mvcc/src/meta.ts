import { type BatchTx, Buckets, type ReadTx } from '@etcd-ts/backend'
import { decodeRevisionKey, encodeRevisionKey } from './revision.js'

const ASCII = new TextEncoder()

/** Keys of the `meta` bucket mvcc and the server use (etcd's schema). */
export const MetaKeys = {
  ConsistentIndex: ASCII.encode('consistent_index'),
  Term: ASCII.encode('term'),
  ScheduledCompactRev: ASCII.encode('scheduledCompactRev'),
  FinishedCompactRev: ASCII.encode('finishedCompactRev'),
} as const

/** Writes a compaction revision (a 17-byte revision key with sub 0, as etcd stores it). */
export function unsafeSetCompactRev(tx: BatchTx, which: 'scheduled' | 'finished', rev: number): void {
  const key = which === 'scheduled' ? MetaKeys.ScheduledCompactRev : MetaKeys.FinishedCompactRev
  tx.unsafePut(Buckets.Meta, key, encodeRevisionKey({ main: rev, sub: 0 }))
}

/** Reads a compaction revision, or `undefined` if none was stored. */
export function unsafeReadCompactRev(tx: ReadTx, which: 'scheduled' | 'finished'): number | undefined {
  const key = which === 'scheduled' ? MetaKeys.ScheduledCompactRev : MetaKeys.FinishedCompactRev
  const value = tx.unsafeGet(Buckets.Meta, key)
  return value === undefined ? undefined : decodeRevisionKey(value).rev.main
}

/** An unsigned 64-bit big-endian integer, as etcd stores the consistent index and term. */
export function encodeUint64(value: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(value))
  return out
}

/** The inverse of {@link encodeUint64}; throws RangeError above 2^53 - 1 or for a bad length. */
export function decodeUint64(bytes: Uint8Array): number {
  if (bytes.length !== 8) throw new RangeError(`expected 8 bytes, got ${bytes.length}`)
  const value = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0)
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${value} is above Number.MAX_SAFE_INTEGER`)
  return Number(value)
}
