/**
 * Writes a `raftpb.Entry` into a caller's buffer, byte for byte as raft's `encodeEntry` does
 * (type, term and index always; data when non-empty), without allocating: `save()` encodes
 * every entry of a call into one reused buffer. Raft's `entrySize` sizes and validates the
 * entry first, so the two codecs cannot disagree on what is valid; a property test checks that
 * they write the same bytes.
 */
import type { Entry } from '@etcd-ts/raft'

/**
 * Writes `entry` at `at` of `target`, which must have room for `entrySize(entry)` bytes (and
 * the entry must have passed `entrySize`, which throws RangeError for out-of-range fields).
 *
 * @returns The position after the entry.
 */
export function writeEntry(target: Uint8Array, at: number, entry: Entry): number {
  target[at++] = 0x08 // field 1 (type), varint
  if (entry.type >= 0) at = writeUint(target, at, entry.type)
  else {
    // An int32 enum below zero is sign-extended to 64 bits: ten bytes.
    let value = BigInt.asUintN(64, BigInt(entry.type))
    for (let i = 0; i < 9; i++) {
      target[at++] = Number(value & 0x7fn) | 0x80
      value >>= 7n
    }
    target[at++] = Number(value)
  }
  target[at++] = 0x10 // field 2 (term), varint
  at = writeUint(target, at, entry.term)
  target[at++] = 0x18 // field 3 (index), varint
  at = writeUint(target, at, entry.index)
  const data = entry.data
  if (data.length > 0) {
    target[at++] = 0x22 // field 4 (data), length-delimited
    at = writeUint(target, at, data.length)
    target.set(data, at)
    at += data.length
  }
  return at
}

/** Writes an integer in [0, 2^53 - 1] as a varint; returns the position after it. */
function writeUint(target: Uint8Array, at: number, value: number): number {
  // Above 2^31 the bitwise operators see only the low 32 bits, so divide there.
  while (value > 0x7fff_ffff) {
    const low = value % 0x80
    target[at++] = low | 0x80
    value = (value - low) / 0x80
  }
  while (value > 0x7f) {
    target[at++] = (value & 0x7f) | 0x80
    value >>>= 7
  }
  target[at++] = value
  return at
}
