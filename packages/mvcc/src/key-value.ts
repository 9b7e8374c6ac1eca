// mvccpb.KeyValue, the value stored under each revision key of bucket `key`, and its protobuf
// encoding (etcd's api/mvccpb/kv.proto). Written by hand: six fields, on every read path.
import { InvalidKeyValueError } from './errors.js'

/**
 * A lease ID: a signed 64-bit integer, `0n` for "no lease" (etcd's `lease.LeaseID`; int64 on the
 * wire). A `bigint` because etcd derives lease IDs from the member ID and time, using all 64 bits.
 */
export type LeaseId = bigint

/**
 * A key's value at one revision: etcd's `mvccpb.KeyValue`. Tombstones (deletes) are stored as a
 * KeyValue with only `key` set: the numbers 0, `value` empty and `lease` 0n.
 */
export interface KeyValue {
  /** The key (arbitrary bytes). */
  readonly key: Uint8Array
  /** The revision of the put that created the key's current generation (its `main`). */
  readonly createRevision: number
  /** The revision (`main`) of this change. */
  readonly modRevision: number
  /** The number of changes of the key since its creation, 1 for the creating put. */
  readonly version: number
  /** The value (arbitrary bytes). */
  readonly value: Uint8Array
  /** The lease the key is attached to, `0n` for none. */
  readonly lease: LeaseId
}

// Field tags: (field number << 3) | wire type (0 varint, 2 length-delimited).
const TAG_KEY = 0x0a // 1, bytes
const TAG_CREATE_REVISION = 0x10 // 2, int64
const TAG_MOD_REVISION = 0x18 // 3, int64
const TAG_VERSION = 0x20 // 4, int64
const TAG_VALUE = 0x2a // 5, bytes
const TAG_LEASE = 0x30 // 6, int64

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_BYTES = 2
const WIRE_FIXED32 = 5

const TWO_32 = 0x1_0000_0000
/** Largest high word of a safe integer: 2^53 - 1 = 0x1fffff * 2^32 + 0xffffffff. */
const MAX_SAFE_HIGH = 0x1f_ffff
const INT64_MIN = -(1n << 63n)
const INT64_MAX = (1n << 63n) - 1n
const EMPTY: Uint8Array = new Uint8Array(0)

/**
 * The protobuf encoding of `kv` (proto3: fields in field-number order, zero numbers, empty byte
 * strings and a zero lease omitted; negative numbers as 10-byte two's-complement varints), the
 * same bytes etcd writes. A new array; `kv` is not kept.
 *
 * @throws RangeError if a revision or the version is not a safe integer, or `lease` is outside
 *   the int64 range.
 */
export function encodeKeyValue(kv: KeyValue): Uint8Array {
  const { key, createRevision, modRevision, version, value, lease } = kv
  checkSafeInteger(createRevision, 'createRevision')
  checkSafeInteger(modRevision, 'modRevision')
  checkSafeInteger(version, 'version')
  if (lease < INT64_MIN || lease > INT64_MAX) {
    throw new RangeError(`KeyValue lease: expected an int64, found ${lease}`)
  }
  let size = 0
  if (key.length > 0) size += 1 + uintSize(key.length) + key.length
  if (createRevision !== 0) size += 1 + int64Size(createRevision)
  if (modRevision !== 0) size += 1 + int64Size(modRevision)
  if (version !== 0) size += 1 + int64Size(version)
  if (value.length > 0) size += 1 + uintSize(value.length) + value.length
  // The lease as two uint32 words (two's complement when negative); bigint work only if set.
  const leaseLow = lease === 0n ? 0 : Number(lease & 0xffff_ffffn)
  const leaseHigh = lease === 0n ? 0 : Number((lease >> 32n) & 0xffff_ffffn)
  if (lease !== 0n) size += 1 + varint64Size(leaseLow, leaseHigh)

  const writer = new Writer(size)
  if (key.length > 0) writer.bytes(TAG_KEY, key)
  if (createRevision !== 0) writer.int64(TAG_CREATE_REVISION, createRevision)
  if (modRevision !== 0) writer.int64(TAG_MOD_REVISION, modRevision)
  if (version !== 0) writer.int64(TAG_VERSION, version)
  if (value.length > 0) writer.bytes(TAG_VALUE, value)
  if (lease !== 0n) {
    writer.out[writer.pos++] = TAG_LEASE
    writer.varint64(leaseLow, leaseHigh)
  }
  return writer.out
}

/**
 * Reads an `mvccpb.KeyValue` (protobuf; absent fields are zero or empty, a repeated field's last
 * occurrence wins, unknown fields are skipped). `key` and `value` are views into `bytes`, not
 * copies: `bytes` must not change while the result is in use.
 *
 * @throws InvalidKeyValueError (`MVCC_INVALID_KEY_VALUE`) if `bytes` is not a valid encoding
 *   (truncated, bad varint, wrong wire type for a known field, field number 0, a group) or a
 *   revision or the version does not fit a safe integer.
 */
export function decodeKeyValue(bytes: Uint8Array): KeyValue {
  const reader = new Reader(bytes)
  let key = EMPTY
  let createRevision = 0
  let modRevision = 0
  let version = 0
  let value = EMPTY
  let lease: LeaseId = 0n
  while (reader.pos < bytes.length) {
    reader.varint()
    if (reader.high !== 0 || reader.low >>> 3 === 0) {
      throw new InvalidKeyValueError(`invalid field tag at byte ${reader.start}`)
    }
    const field = reader.low >>> 3
    const wireType = reader.low & 7
    switch (field) {
      case 1:
        reader.expectWireType(wireType, WIRE_BYTES, 'key')
        key = reader.bytes()
        break
      case 2:
        reader.expectWireType(wireType, WIRE_VARINT, 'create_revision')
        createRevision = reader.int64Number('create_revision')
        break
      case 3:
        reader.expectWireType(wireType, WIRE_VARINT, 'mod_revision')
        modRevision = reader.int64Number('mod_revision')
        break
      case 4:
        reader.expectWireType(wireType, WIRE_VARINT, 'version')
        version = reader.int64Number('version')
        break
      case 5:
        reader.expectWireType(wireType, WIRE_BYTES, 'value')
        value = reader.bytes()
        break
      case 6:
        reader.expectWireType(wireType, WIRE_VARINT, 'lease')
        reader.varint()
        lease =
          reader.high === 0 ? BigInt(reader.low) : BigInt.asIntN(64, (BigInt(reader.high) << 32n) | BigInt(reader.low))
        break
      default:
        reader.skip(wireType, field)
    }
  }
  return { key, createRevision, modRevision, version, value, lease }
}

function checkSafeInteger(value: number, field: string): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`KeyValue ${field}: expected a safe integer, found ${value}`)
}

/** Bytes of the varint of a non-negative safe integer. */
function uintSize(value: number): number {
  let size = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    size++
  }
  return size
}

/** Bytes of an int64 field's varint: negatives take all 10. */
function int64Size(value: number): number {
  return value < 0 ? 10 : uintSize(value)
}

/** Bytes of the varint of the 64-bit value `high * 2^32 + low` (both uint32). */
function varint64Size(low: number, high: number): number {
  let size = 1
  while (high !== 0 || low > 0x7f) {
    low = ((low >>> 7) | (high << 25)) >>> 0
    high >>>= 7
    size++
  }
  return size
}

/** Writes fields into an array of the exact encoded size. */
class Writer {
  readonly out: Uint8Array
  pos = 0
  constructor(size: number) {
    this.out = new Uint8Array(size)
  }

  bytes(tag: number, data: Uint8Array): void {
    this.out[this.pos++] = tag
    this.uint(data.length)
    this.out.set(data, this.pos)
    this.pos += data.length
  }

  int64(tag: number, value: number): void {
    this.out[this.pos++] = tag
    if (value >= 0) {
      this.uint(value)
      return
    }
    // Two's complement of |value| over 64 bits, as two uint32 words.
    const magnitude = -value
    let low = magnitude >>> 0
    let high = Math.floor(magnitude / TWO_32)
    low = (~low + 1) >>> 0
    high = (~high + (low === 0 ? 1 : 0)) >>> 0
    this.varint64(low, high)
  }

  /** A non-negative safe integer as a varint. */
  uint(value: number): void {
    const out = this.out
    while (value > 0x7fff_ffff) {
      out[this.pos++] = (value % 0x80) | 0x80
      value = Math.floor(value / 0x80)
    }
    while (value > 0x7f) {
      out[this.pos++] = (value & 0x7f) | 0x80
      value >>>= 7
    }
    out[this.pos++] = value
  }

  /** The 64-bit value `high * 2^32 + low` (both uint32) as a varint. */
  varint64(low: number, high: number): void {
    const out = this.out
    while (high !== 0 || low > 0x7f) {
      out[this.pos++] = (low & 0x7f) | 0x80
      low = ((low >>> 7) | (high << 25)) >>> 0
      high >>>= 7
    }
    out[this.pos++] = low
  }
}

/** Reads protobuf wire data; the last varint read is left in `low` and `high`. */
class Reader {
  readonly data: Uint8Array
  pos = 0
  /** Where the last varint started, for messages. */
  start = 0
  /** Low 32 bits of the last varint read (uint32). */
  low = 0
  /** High 32 bits of the last varint read (uint32). */
  high = 0
  constructor(data: Uint8Array) {
    this.data = data
  }

  #next(): number {
    const byte = this.data[this.pos]
    if (byte === undefined) throw new InvalidKeyValueError(`truncated varint at byte ${this.start}`)
    this.pos++
    return byte
  }

  /** Reads a varint of up to 64 bits into `low` and `high`. */
  varint(): void {
    this.start = this.pos
    let low = 0
    let byte = 0
    // Bytes 0-3 fill bits 0-27.
    for (let shift = 0; shift < 28; shift += 7) {
      byte = this.#next()
      low |= (byte & 0x7f) << shift
      if (byte < 0x80) {
        this.low = low >>> 0
        this.high = 0
        return
      }
    }
    // Byte 4 fills bits 28-34, across the two words.
    byte = this.#next()
    low |= (byte & 0x0f) << 28
    let high = (byte & 0x7f) >>> 4
    if (byte < 0x80) {
      this.low = low >>> 0
      this.high = high
      return
    }
    // Bytes 5-9 fill bits 35-63; the tenth may only carry bit 63.
    for (let shift = 3; shift < 38; shift += 7) {
      byte = this.#next()
      if (shift === 31 && byte > 1) throw new InvalidKeyValueError(`varint at byte ${this.start} overflows 64 bits`)
      high |= (byte & 0x7f) << shift
      if (byte < 0x80) {
        this.low = low >>> 0
        this.high = high >>> 0
        return
      }
    }
    throw new InvalidKeyValueError(`varint at byte ${this.start} overflows 64 bits`)
  }

  /** Reads an int64 varint that must be a safe integer. */
  int64Number(field: string): number {
    this.varint()
    let { low, high } = this
    if (high >= 0x8000_0000) {
      // Negative: take the two's complement to get the magnitude.
      low = (~low + 1) >>> 0
      high = (~high + (low === 0 ? 1 : 0)) >>> 0
      if (high > MAX_SAFE_HIGH) throw this.#unsafe(field)
      return -(high * TWO_32 + low)
    }
    if (high > MAX_SAFE_HIGH) throw this.#unsafe(field)
    return high * TWO_32 + low
  }

  /** Reads a length-delimited field's bytes, as a view. */
  bytes(): Uint8Array {
    const length = this.#length()
    const start = this.pos
    this.pos += length
    return this.data.subarray(start, this.pos)
  }

  expectWireType(found: number, expected: number, field: string): void {
    if (found !== expected) {
      throw new InvalidKeyValueError(
        `field ${field}: expected wire type ${expected}, found ${found} at byte ${this.start}`,
      )
    }
  }

  /** Skips an unknown field's value. */
  skip(wireType: number, field: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint()
        return
      case WIRE_FIXED64:
        this.#advance(8, field)
        return
      case WIRE_BYTES: {
        // Read the length first: `this.pos += this.#length()` would add to the old position.
        const length = this.#length()
        this.pos += length
        return
      }
      case WIRE_FIXED32:
        this.#advance(4, field)
        return
      default:
        throw new InvalidKeyValueError(`field ${field}: unsupported wire type ${wireType} at byte ${this.start}`)
    }
  }

  #length(): number {
    this.varint()
    const remaining = this.data.length - this.pos
    if (this.high !== 0 || this.low > remaining) {
      throw new InvalidKeyValueError(`length at byte ${this.start} runs past the end (${remaining} bytes left)`)
    }
    return this.low
  }

  #advance(count: number, field: number): void {
    if (this.data.length - this.pos < count)
      throw new InvalidKeyValueError(`field ${field}: truncated at byte ${this.pos}`)
    this.pos += count
  }

  #unsafe(field: string): InvalidKeyValueError {
    return new InvalidKeyValueError(`field ${field} at byte ${this.start} does not fit a safe integer`)
  }
}
