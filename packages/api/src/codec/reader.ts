import { ProtoDecodeError, UnsafeIntegerError } from '../errors.js'
import { HI, LO, SCRATCH_I64, SCRATCH_U32, SCRATCH_U64 } from './scratch64.js'

/** 2^32, to combine the two 32-bit halves of a 64-bit varint. */
const TWO_32 = 4294967296

const textDecoder = new TextDecoder()

/**
 * A cursor over protobuf binary data: the generated `decode*` functions read their fields
 * through it, in one pass. `bytes()` returns views into the input (no copies), so the input
 * must not be modified while decoded messages are in use.
 *
 * Every read checks the end of the input and throws {@link ProtoDecodeError} on truncated or
 * malformed data; 64-bit integers read as `number` throw {@link UnsafeIntegerError} beyond
 * ±(2^53 - 1).
 *
 * @internal Used by generated code only.
 */
export class Reader {
  readonly buf: Uint8Array
  /** Offset of the next byte to read. Invariant: pos <= end. */
  pos: number
  /** Offset just past the input. */
  readonly end: number
  /** Low and high 32 bits of the last 64-bit varint read by {@link varint64}. */
  private lo = 0
  private hi = 0

  constructor(buf: Uint8Array) {
    this.buf = buf
    this.pos = 0
    this.end = buf.length
  }

  /** Reads a varint as an unsigned 32-bit number (higher bits are dropped, as protobuf does). */
  uint32(): number {
    const b = this.buf
    let p = this.pos
    if (p + 5 > this.end) return this.uint32Slow()
    let c = b[p++] as number
    if (c < 0x80) {
      this.pos = p
      return c
    }
    let x = c & 0x7f
    c = b[p++] as number
    x |= (c & 0x7f) << 7
    if (c < 0x80) {
      this.pos = p
      return x
    }
    c = b[p++] as number
    x |= (c & 0x7f) << 14
    if (c < 0x80) {
      this.pos = p
      return x
    }
    c = b[p++] as number
    x |= (c & 0x7f) << 21
    if (c < 0x80) {
      this.pos = p
      return x
    }
    c = b[p++] as number
    x = (x | ((c & 0x0f) << 28)) >>> 0
    if (c < 0x80) {
      this.pos = p
      return x
    }
    this.pos = p
    this.skipVarintTail(5)
    return x
  }

  private uint32Slow(): number {
    this.varint64()
    return this.lo
  }

  /** Skips the remaining bytes of a varint of which `read` bytes were consumed. */
  private skipVarintTail(read: number): void {
    const b = this.buf
    let p = this.pos
    for (let i = read; i < 10; i++) {
      if (p >= this.end) throw truncated(p)
      if ((b[p++] as number) < 0x80) {
        this.pos = p
        return
      }
    }
    throw new ProtoDecodeError(`varint longer than 10 bytes at offset ${this.pos}`)
  }

  /** Reads a varint of up to 64 bits into `lo`/`hi`. */
  private varint64(): void {
    const b = this.buf
    const end = this.end
    let p = this.pos
    let lo = 0
    let hi = 0
    let c: number
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) throw truncated(p)
      c = b[p++] as number
      lo |= (c & 0x7f) << shift
      if (c < 0x80) {
        this.pos = p
        this.lo = lo >>> 0
        this.hi = 0
        return
      }
    }
    if (p >= end) throw truncated(p)
    c = b[p++] as number
    lo |= (c & 0x0f) << 28
    hi = (c & 0x7f) >> 4
    if (c < 0x80) {
      this.pos = p
      this.lo = lo >>> 0
      this.hi = hi
      return
    }
    for (let shift = 3; shift < 32; shift += 7) {
      if (p >= end) throw truncated(p)
      c = b[p++] as number
      hi |= (c & 0x7f) << shift
      if (c < 0x80) {
        this.pos = p
        this.lo = lo >>> 0
        this.hi = hi >>> 0
        return
      }
    }
    throw new ProtoDecodeError(`varint longer than 10 bytes at offset ${this.pos}`)
  }

  /** `int32` (and enums): a varint, sign-extended to 64 bits on the wire. */
  int32(): number {
    return this.uint32() | 0
  }

  /** `sint32`: zigzag varint. */
  sint32(): number {
    const v = this.uint32()
    return (v >>> 1) ^ -(v & 1)
  }

  bool(): boolean {
    const b = this.buf
    const p = this.pos
    if (p < this.end) {
      const c = b[p] as number
      if (c < 0x80) {
        this.pos = p + 1
        return c !== 0
      }
    }
    this.varint64()
    return this.lo !== 0 || this.hi !== 0
  }

  /** `int64` read as a `number` (fields with `jstype = JS_NUMBER`). */
  int64Number(field: string): number {
    const p = this.pos
    if (p < this.end) {
      const c = this.buf[p] as number
      if (c < 0x80) {
        this.pos = p + 1
        return c
      }
    }
    this.varint64()
    const hi = this.hi
    if (hi <= 0x1fffff) return hi * TWO_32 + this.lo
    if (hi >= 0xffe00000) {
      const v = (hi | 0) * TWO_32 + this.lo
      if (v >= Number.MIN_SAFE_INTEGER) return v
    }
    throw new UnsafeIntegerError(field, BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(this.lo)))
  }

  /** `uint64` read as a `number` (fields with `jstype = JS_NUMBER`). */
  uint64Number(field: string): number {
    const p = this.pos
    if (p < this.end) {
      const c = this.buf[p] as number
      if (c < 0x80) {
        this.pos = p + 1
        return c
      }
    }
    this.varint64()
    const hi = this.hi
    if (hi <= 0x1fffff) return hi * TWO_32 + this.lo
    throw new UnsafeIntegerError(field, (BigInt(hi) << 32n) | BigInt(this.lo))
  }

  /** `int64` read as a signed `bigint`. */
  int64Big(): bigint {
    this.varint64()
    const hi = this.hi
    if (hi <= 0x1fffff) return BigInt(hi * TWO_32 + this.lo)
    if (hi >= 0xffe00000) return BigInt((hi | 0) * TWO_32 + this.lo)
    SCRATCH_U32[LO] = this.lo
    SCRATCH_U32[HI] = hi
    return SCRATCH_I64[0] as bigint
  }

  /** `uint64` read as an unsigned `bigint`. */
  uint64Big(): bigint {
    this.varint64()
    const hi = this.hi
    if (hi <= 0x1fffff) return BigInt(hi * TWO_32 + this.lo)
    SCRATCH_U32[LO] = this.lo
    SCRATCH_U32[HI] = hi
    return SCRATCH_U64[0] as bigint
  }

  /** `sint64` read as a `number`. */
  sint64Number(field: string): number {
    this.varint64()
    const lo = this.lo
    const hi = this.hi
    // zigzag: n = (v >>> 1) ^ -(v & 1), done on 64 bits
    const neg = lo & 1
    const l = ((lo >>> 1) | (hi << 31)) >>> 0
    const h = hi >>> 1
    if (h <= 0x1fffff) {
      const v = h * TWO_32 + l
      if (neg === 0) return v
      if (v < Number.MAX_SAFE_INTEGER) return -v - 1
    }
    throw new UnsafeIntegerError(field, zigzagBig(lo, hi))
  }

  /** `sint64` read as a `bigint`. */
  sint64Big(): bigint {
    this.varint64()
    return zigzagBig(this.lo, this.hi)
  }

  fixed32(): number {
    const p = this.pos
    if (p + 4 > this.end) throw truncated(this.end)
    const b = this.buf
    this.pos = p + 4
    return (
      ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>>
      0
    )
  }

  sfixed32(): number {
    return this.fixed32() | 0
  }

  /** `fixed64` read as a `number`. */
  fixed64Number(field: string): number {
    const lo = this.fixed32()
    const hi = this.fixed32()
    if (hi <= 0x1fffff) return hi * TWO_32 + lo
    throw new UnsafeIntegerError(field, (BigInt(hi) << 32n) | BigInt(lo))
  }

  /** `sfixed64` read as a `number`. */
  sfixed64Number(field: string): number {
    const lo = this.fixed32()
    const hi = this.fixed32()
    if (hi <= 0x1fffff) return hi * TWO_32 + lo
    if (hi >= 0xffe00000) {
      const v = (hi | 0) * TWO_32 + lo
      if (v >= Number.MIN_SAFE_INTEGER) return v
    }
    throw new UnsafeIntegerError(field, BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)))
  }

  fixed64Big(): bigint {
    const lo = this.fixed32()
    SCRATCH_U32[HI] = this.fixed32()
    SCRATCH_U32[LO] = lo
    return SCRATCH_U64[0] as bigint
  }

  sfixed64Big(): bigint {
    const lo = this.fixed32()
    SCRATCH_U32[HI] = this.fixed32()
    SCRATCH_U32[LO] = lo
    return SCRATCH_I64[0] as bigint
  }

  double(): number {
    const p = this.pos
    if (p + 8 > this.end) throw truncated(this.end)
    this.pos = p + 8
    const b = this.buf
    return new DataView(b.buffer, b.byteOffset + p, 8).getFloat64(0, true)
  }

  float(): number {
    const p = this.pos
    if (p + 4 > this.end) throw truncated(this.end)
    this.pos = p + 4
    const b = this.buf
    return new DataView(b.buffer, b.byteOffset + p, 4).getFloat32(0, true)
  }

  /** Reads a length prefix and returns the offset just past the delimited bytes. */
  delimitedEnd(): number {
    const len = this.uint32()
    const end = this.pos + len
    if (end > this.end) throw truncated(this.end)
    return end
  }

  /** `bytes`: a view into the input, not a copy. */
  bytes(): Uint8Array {
    const len = this.uint32()
    const start = this.pos
    const end = start + len
    if (end > this.end) throw truncated(this.end)
    this.pos = end
    return this.buf.subarray(start, end)
  }

  string(): string {
    const len = this.uint32()
    const start = this.pos
    const end = start + len
    if (end > this.end) throw truncated(this.end)
    this.pos = end
    if (len < 32) {
      const b = this.buf
      let s = ''
      for (let i = start; i < end; i++) {
        const c = b[i] as number
        if (c >= 0x80) return textDecoder.decode(b.subarray(start, end))
        s += String.fromCharCode(c)
      }
      return s
    }
    return textDecoder.decode(this.buf.subarray(start, end))
  }

  /** Skips the value of a field whose tag was just read (unknown fields are dropped). */
  skip(tag: number): void {
    if (tag >>> 3 === 0) throw new ProtoDecodeError(`invalid tag ${tag} (field number 0) at offset ${this.pos}`)
    switch (tag & 7) {
      case 0:
        this.varint64()
        return
      case 1:
        this.advance(8)
        return
      case 2:
        this.pos = this.delimitedEnd()
        return
      case 3:
        this.skipGroup(tag >>> 3)
        return
      case 5:
        this.advance(4)
        return
      default:
        throw new ProtoDecodeError(`invalid wire type ${tag & 7} (field ${tag >>> 3}) at offset ${this.pos}`)
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw truncated(this.end)
    this.pos += n
  }

  private skipGroup(fieldNumber: number): void {
    for (;;) {
      if (this.pos >= this.end) throw truncated(this.pos)
      const tag = this.uint32()
      if ((tag & 7) === 4) {
        if (tag >>> 3 !== fieldNumber) throw new ProtoDecodeError(`mismatched end group (field ${tag >>> 3})`)
        return
      }
      this.skip(tag)
    }
  }

  /** Throws unless a message that should end at `end` ended exactly there. */
  checkEnd(end: number, typeName: string): void {
    if (this.pos !== end) throw new ProtoDecodeError(`${typeName}: a field overruns the message end at offset ${end}`)
  }
}

function zigzagBig(lo: number, hi: number): bigint {
  const v = (BigInt(hi) << 32n) | BigInt(lo)
  return (v >> 1n) ^ -(v & 1n)
}

function truncated(offset: number): ProtoDecodeError {
  return new ProtoDecodeError(`unexpected end of input at offset ${offset}`)
}

/**
 * The empty byte array every absent `bytes` field shares (its length is 0, so nothing can be
 * written into it).
 */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0)
