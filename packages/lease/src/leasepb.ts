/**
 * The `lease` bucket's format, as etcd writes it:
 *
 * ```
 *   key    8 bytes: the lease ID as a big-endian two's-complement int64 (etcd's int64ToBytes)
 *   value  leasepb.Lease (proto3; fields equal to 0 are left out)
 *            1  ID            int64   varint (a negative value takes 10 bytes)
 *            2  TTL           int64   varint, seconds
 *            3  RemainingTTL  int64   varint, seconds; 0 = none checkpointed
 * ```
 *
 * (`etcd/lease/leasepb/lease.proto` at v3.4.23; gogoproto's marshaler emits exactly this.)
 */
import { LeaseRecordCorruptError } from './errors.js'
import type { LeaseId } from './types.js'

/** A decoded `leasepb.Lease`. */
export interface LeaseRecord {
  readonly id: LeaseId
  readonly ttlSeconds: number
  readonly remainingTtlSeconds: number
}

/** The bucket key of a lease: its ID as 8 big-endian bytes. */
export function leaseIdToBytes(id: LeaseId): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigInt64(0, id)
  return out
}

/** The lease ID a bucket key holds. @throws RangeError unless `key` is 8 bytes. */
export function leaseIdFromBytes(key: Uint8Array): LeaseId {
  if (key.length !== 8) throw new RangeError(`a lease key is 8 bytes, got ${key.length}`)
  return new DataView(key.buffer, key.byteOffset, 8).getBigInt64(0)
}

/** Encodes a `leasepb.Lease`. */
export function encodeLeaseRecord(record: LeaseRecord): Uint8Array {
  const out: number[] = []
  if (record.id !== 0n) {
    out.push(0x08)
    writeVarint(out, BigInt.asUintN(64, record.id))
  }
  if (record.ttlSeconds !== 0) {
    out.push(0x10)
    writeInt(out, record.ttlSeconds)
  }
  if (record.remainingTtlSeconds !== 0) {
    out.push(0x18)
    writeInt(out, record.remainingTtlSeconds)
  }
  return Uint8Array.from(out)
}

/**
 * Decodes a `leasepb.Lease`, skipping unknown fields as proto3 does.
 *
 * @throws LeaseRecordCorruptError when the bytes are not a valid message, or a TTL is beyond
 *   `Number.MAX_SAFE_INTEGER` in magnitude.
 */
export function decodeLeaseRecord(bytes: Uint8Array): LeaseRecord {
  let id = 0n
  let ttlSeconds = 0
  let remainingTtlSeconds = 0
  const cursor = { bytes, at: 0 }
  while (cursor.at < bytes.length) {
    const tag = readVarint(cursor)
    const field = tag >> 3n
    const wireType = Number(tag & 7n)
    if (field === 0n) throw new LeaseRecordCorruptError(`field number 0 at byte ${cursor.at}`)
    if (field >= 1n && field <= 3n) {
      if (wireType !== 0) throw new LeaseRecordCorruptError(`field ${field} has wire type ${wireType}, expected 0`)
      const value = BigInt.asIntN(64, readVarint(cursor))
      if (field === 1n) id = value
      else if (field === 2n) ttlSeconds = toSafeNumber(value, 'TTL')
      else remainingTtlSeconds = toSafeNumber(value, 'RemainingTTL')
      continue
    }
    skipField(cursor, wireType)
  }
  return { id, ttlSeconds, remainingTtlSeconds }
}

interface Cursor {
  readonly bytes: Uint8Array
  at: number
}

function writeInt(out: number[], value: number): void {
  if (value < 0) {
    writeVarint(out, BigInt.asUintN(64, BigInt(value)))
    return
  }
  let v = value
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
}

function writeVarint(out: number[], value: bigint): void {
  let v = value
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
}

function readVarint(cursor: Cursor): bigint {
  let result = 0n
  let shift = 0n
  for (let i = 0; i < 10; i++) {
    const byte = cursor.bytes[cursor.at]
    if (byte === undefined) throw new LeaseRecordCorruptError(`truncated varint at byte ${cursor.at}`)
    cursor.at++
    result |= BigInt(byte & 0x7f) << shift
    if (byte < 0x80) return BigInt.asUintN(64, result)
    shift += 7n
  }
  throw new LeaseRecordCorruptError(`varint longer than 10 bytes at byte ${cursor.at}`)
}

function skipField(cursor: Cursor, wireType: number): void {
  let length: number
  switch (wireType) {
    case 0:
      readVarint(cursor)
      return
    case 1:
      length = 8
      break
    case 2:
      length = toSafeNumber(readVarint(cursor), 'a length')
      break
    case 5:
      length = 4
      break
    default:
      throw new LeaseRecordCorruptError(`unsupported wire type ${wireType} at byte ${cursor.at}`)
  }
  if (cursor.at + length > cursor.bytes.length) {
    throw new LeaseRecordCorruptError(`field of ${length} bytes runs past the end at byte ${cursor.at}`)
  }
  cursor.at += length
}

// The checked conversion at the codec boundary (STYLE §3).
function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new LeaseRecordCorruptError(`${what} ${value} is beyond Number.MAX_SAFE_INTEGER`)
  }
  return Number(value)
}
