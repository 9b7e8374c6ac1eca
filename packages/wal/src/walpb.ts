/**
 * walpb: the two protobuf messages of etcd's WAL, encoded and decoded by hand (raft's codec
 * handles the payloads: `raftpb.Entry`, `HardState`, `ConfState`).
 *
 * ```
 *   message Record   { optional int64  type = 1; optional uint32 crc  = 2; optional bytes data = 3; }
 *   message Snapshot { optional uint64 index = 1; optional uint64 term = 2;
 *                      optional raftpb.ConfState conf_state = 3;  // etcd 3.5+ }
 *
 *   the first record of a new WAL: a CRC record holding crc 0, no data
 *     08 04   10 00
 *     ^^ field 1 (type), varint 4
 *             ^^ field 2 (crc), varint 0
 * ```
 *
 * etcd 3.4 and 3.5 generate these with gogoproto and `(gogoproto.nullable) = false` on `type`,
 * `crc`, `index` and `term`, so those fields are always written, even when zero; `data` is
 * written when present (Go: non-nil), `conf_state` when set. We follow that exactly, so a fresh
 * WAL is byte-identical to etcd's. Decoding follows protobuf: fields in any order, the last of
 * a repeated scalar wins, unknown fields (varint, 64-bit, length-delimited, 32-bit) skipped.
 */
import { decodeConfState, encodeConfState } from '@etcd-ts/raft'
import type { WalSnapshot } from './types.js'

/** The record types of etcd's WAL, with their wire values (`wal.MetadataType`, ...). */
export const RecordType = {
  /** `data` is the metadata given at create (etcd: `etcdserverpb.Metadata`); at the head of every segment. */
  Metadata: 1,
  /** `data` is a `raftpb.Entry`. */
  Entry: 2,
  /** `data` is a `raftpb.HardState`. */
  State: 3,
  /** No `data`; `crc` is the running CRC of everything before. First record of every segment. */
  Crc: 4,
  /** `data` is a `walpb.Snapshot`. */
  Snapshot: 5,
} as const
export type RecordType = (typeof RecordType)[keyof typeof RecordType]

/** A decoded `walpb.Record`. `type` is any int64 read (only {@link RecordType} values are valid). */
export interface WalRecord {
  readonly type: number
  /** The CRC field, as an unsigned 32-bit integer. */
  readonly crc: number
  /** The data field; `undefined` when absent (Go: nil). A view into the decoded bytes. */
  readonly data: Uint8Array | undefined
}

/** A `walpb.Record` or `walpb.Snapshot` that does not decode. Internal: the decoder wraps it with the file and offset. */
export class WalpbDecodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WalpbDecodeError'
  }
}

const VARINT = 0
const I64 = 1
const LEN = 2
const I32 = 5
const TWO_POW_32 = 0x1_0000_0000

/** The length of the varint encoding of `value`, an integer in [0, 2^53 - 1]. */
export function varintSize(value: number): number {
  let size = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    size++
  }
  return size
}

/** Writes `value` (an integer in [0, 2^53 - 1]) as a varint at `at`; returns the position after it. */
export function writeVarint(target: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    target[at++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  target[at++] = value
  return at
}

/**
 * The encoded size of a record with crc `crc` and `dataLength` bytes of data (`undefined`: no
 * data field). Record types are 1..5, one byte each.
 */
export function recordSize(crc: number, dataLength: number | undefined): number {
  const head = 2 + 1 + varintSize(crc)
  return dataLength === undefined ? head : head + 1 + varintSize(dataLength) + dataLength
}

/**
 * Writes a `walpb.Record` at `at` of `target`, which must have {@link recordSize} bytes of
 * room; returns the position after it. `data` is copied.
 */
export function writeRecord(
  target: Uint8Array,
  at: number,
  type: RecordType,
  crc: number,
  data: Uint8Array | undefined,
): number {
  target[at++] = 0x08 // field 1, varint
  target[at++] = type
  target[at++] = 0x10 // field 2, varint
  at = writeVarint(target, at, crc)
  if (data !== undefined) {
    target[at++] = 0x1a // field 3, length-delimited
    at = writeVarint(target, at, data.length)
    target.set(data, at)
    at += data.length
  }
  return at
}

/**
 * Decodes a `walpb.Record`. `data` is a view into `bytes`.
 *
 * @throws WalpbDecodeError if `bytes` is not a valid encoding.
 */
export function decodeRecord(bytes: Uint8Array): WalRecord {
  const reader = new Reader(bytes)
  let type = 0
  let crc = 0
  let data: Uint8Array | undefined
  while (reader.more()) {
    const [field, wireType] = reader.tag()
    if (field === 1) {
      reader.expect(wireType, VARINT, 'Record.type')
      type = reader.int64()
    } else if (field === 2) {
      reader.expect(wireType, VARINT, 'Record.crc')
      reader.varint()
      crc = reader.low32
    } else if (field === 3) {
      reader.expect(wireType, LEN, 'Record.data')
      data = reader.bytes()
    } else {
      reader.skip(wireType)
    }
  }
  return { type, crc, data }
}

/** Encodes a `walpb.Snapshot`: index and term always, the configuration when set. */
export function encodeWalSnapshot(snapshot: WalSnapshot): Uint8Array {
  const conf = snapshot.confState === undefined ? undefined : encodeConfState(snapshot.confState)
  let size = 2 + varintSize(snapshot.index) + varintSize(snapshot.term)
  if (conf !== undefined) size += 1 + varintSize(conf.length) + conf.length
  const out = new Uint8Array(size)
  out[0] = 0x08
  let at = writeVarint(out, 1, snapshot.index)
  out[at++] = 0x10
  at = writeVarint(out, at, snapshot.term)
  if (conf !== undefined) {
    out[at++] = 0x1a
    at = writeVarint(out, at, conf.length)
    out.set(conf, at)
  }
  return out
}

/**
 * Decodes a `walpb.Snapshot`.
 *
 * @throws WalpbDecodeError if `bytes` is not a valid encoding or index or term is above 2^53 - 1.
 * @throws raft's `ProtobufDecodeError` if the configuration does not decode.
 */
export function decodeWalSnapshot(bytes: Uint8Array): WalSnapshot {
  const reader = new Reader(bytes)
  let index = 0
  let term = 0
  let conf: Uint8Array | undefined
  while (reader.more()) {
    const [field, wireType] = reader.tag()
    if (field === 1) {
      reader.expect(wireType, VARINT, 'Snapshot.index')
      index = reader.uint53('Snapshot.index')
    } else if (field === 2) {
      reader.expect(wireType, VARINT, 'Snapshot.term')
      term = reader.uint53('Snapshot.term')
    } else if (field === 3) {
      reader.expect(wireType, LEN, 'Snapshot.conf_state')
      conf = reader.bytes()
    } else {
      reader.skip(wireType)
    }
  }
  return conf === undefined ? { index, term } : { index, term, confState: decodeConfState(conf) }
}

/** A cursor over protobuf bytes; every read is bounds-checked. */
class Reader {
  #at = 0
  /** The low 32 bits of the last varint read. */
  low32 = 0
  readonly #bytes: Uint8Array

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
  }

  more(): boolean {
    return this.#at < this.#bytes.length
  }

  tag(): [field: number, wireType: number] {
    const key = this.varint()
    const field = Math.floor(key / 8)
    if (field === 0 || field > 0x1fff_ffff) throw new WalpbDecodeError(`illegal field number ${field}`)
    return [field, key % 8]
  }

  expect(wireType: number, expected: number, field: string): void {
    if (wireType !== expected) throw new WalpbDecodeError(`wrong wire type ${wireType} for ${field}`)
  }

  /**
   * A varint of up to ten bytes, as a number: exact below 2^53, rounded above. Its low 32 bits
   * are left in {@link low32}.
   */
  varint(): number {
    let value = 0
    let low = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (this.#at >= this.#bytes.length) throw new WalpbDecodeError('truncated varint')
      const byte = this.#bytes[this.#at++] as number
      const part = (byte & 0x7f) * scale
      value += part
      if (i < 5) low += part
      if (byte < 0x80) {
        this.low32 = low % TWO_POW_32
        return value
      }
      scale *= 0x80
    }
    throw new WalpbDecodeError('varint longer than ten bytes')
  }

  /** An int64 varint (two's complement: ten bytes for negative values), exact when in the safe range. */
  int64(): number {
    const start = this.#at
    const value = this.varint()
    if (this.#at - start <= 7) return value // below 2^49
    let big = 0n
    for (let i = this.#at - 1; i >= start; i--) big = (big << 7n) | BigInt((this.#bytes[i] as number) & 0x7f)
    return Number(BigInt.asIntN(64, big))
  }

  /** A uint64 varint that must fit a `number` exactly. */
  uint53(field: string): number {
    const value = this.varint()
    if (value > Number.MAX_SAFE_INTEGER) throw new WalpbDecodeError(`${field} ${value} is above 2^53 - 1`)
    return value
  }

  bytes(): Uint8Array {
    const length = this.varint()
    if (length > this.#bytes.length - this.#at) throw new WalpbDecodeError('length-delimited field runs past the end')
    const start = this.#at
    this.#at += length
    return this.#bytes.subarray(start, this.#at)
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint()
    else if (wireType === LEN) this.bytes()
    else if (wireType === I64 || wireType === I32) {
      const length = wireType === I64 ? 8 : 4
      if (length > this.#bytes.length - this.#at) throw new WalpbDecodeError('fixed-width field runs past the end')
      this.#at += length
    } else throw new WalpbDecodeError(`unsupported wire type ${wireType}`)
  }
}
