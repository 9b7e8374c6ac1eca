import { HI, LO, SCRATCH_U32, SCRATCH_U64 } from './scratch64.js'

/** 2^32, to split 64-bit values into two 32-bit halves. */
const TWO_32 = 4294967296
const MAX_INT64 = 0x7fffffffffffffffn
const MIN_INT64 = -0x8000000000000000n
const MAX_UINT64 = 0xffffffffffffffffn

const textEncoder = new TextEncoder()

/** Strings at least this long are written with `TextEncoder.encodeInto`, shorter ones by hand. */
const ENCODE_INTO_MIN = 48
/** Byte arrays at least this long are copied with `set`, shorter ones by hand. */
const SET_MIN = 32

/*
 * Encoding is two passes over the message (generated `size*` and `write*` functions):
 *
 *   size pass:  computes the encoded size; pushes, in pre-order, the length of every
 *               length-delimited part whose length is not trivially known (nested messages,
 *               strings, packed arrays) onto `sizes`
 *   write pass: allocates exactly that many bytes once, walks the message in the same order
 *               and takes each length prefix from `sizes` (`Writer.nextSize()`)
 *
 * so nested lengths are computed once and nothing is copied. Both passes are synchronous, so
 * one scratch array and one Writer serve every encode.
 */
const scratchSizes: number[] = []

/**
 * Returns the shared, emptied scratch array for a size pass.
 *
 * @internal Used by generated code only.
 */
export function sizesScratch(): number[] {
  scratchSizes.length = 0
  return scratchSizes
}

/**
 * The write pass's cursor: one preallocated buffer, the offset, and the lengths computed by the
 * size pass.
 *
 * @internal Used by generated code only.
 */
export class Writer {
  buf: Uint8Array = new Uint8Array(0)
  pos = 0
  sizes: number[] = scratchSizes
  /** Index of the next entry of `sizes` to use. */
  si = 0

  /** The next length computed by the size pass. */
  nextSize(): number {
    return this.sizes[this.si++] as number
  }

  byte(v: number): void {
    this.buf[this.pos++] = v
  }

  /** An unsigned varint of up to 32 bits (tags, lengths, uint32, non-negative int32/enum). */
  uint32(v: number): void {
    const b = this.buf
    let p = this.pos
    while (v > 0x7f) {
      b[p++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    b[p++] = v
    this.pos = p
  }

  /** `int32` and enums: negative values take 10 bytes (sign-extended to 64 bits), as in Go. */
  int32(v: number): void {
    if (v >= 0) this.uint32(v)
    else this.varint64(v >>> 0, 0xffffffff)
  }

  sint32(v: number): void {
    this.uint32(((v << 1) ^ (v >> 31)) >>> 0)
  }

  bool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0
  }

  /** A varint from its low and high 32 bits (both unsigned). */
  varint64(lo: number, hi: number): void {
    const b = this.buf
    let p = this.pos
    while (hi > 0) {
      b[p++] = (lo & 0x7f) | 0x80
      lo = ((lo >>> 7) | (hi << 25)) >>> 0
      hi >>>= 7
    }
    while (lo > 0x7f) {
      b[p++] = (lo & 0x7f) | 0x80
      lo >>>= 7
    }
    b[p++] = lo
    this.pos = p
  }

  /** `int64`/`uint64` given as a `number` (a safe integer; checked by the size pass). */
  int64Number(v: number): void {
    if (v >>> 0 === v) {
      this.uint32(v)
      return
    }
    const hi = Math.floor(v / TWO_32)
    this.varint64((v - hi * TWO_32) >>> 0, hi >>> 0)
  }

  /** `int64`/`uint64` given as a `bigint` (in range; checked by the size pass). */
  int64Big(v: bigint): void {
    const n = Number(v)
    if (n >= 0 && n <= 0xffffffff) {
      this.uint32(n)
      return
    }
    SCRATCH_U64[0] = typeof v === 'bigint' ? v : BigInt(v) // negative values wrap to 64 bits
    this.varint64(SCRATCH_U32[LO] as number, SCRATCH_U32[HI] as number)
  }

  sint64Number(v: number): void {
    this.int64Big(zigzagBig(BigInt(v)))
  }

  sint64Big(v: bigint): void {
    this.int64Big(zigzagBig(v))
  }

  fixed32(v: number): void {
    const b = this.buf
    const p = this.pos
    b[p] = v & 0xff
    b[p + 1] = (v >>> 8) & 0xff
    b[p + 2] = (v >>> 16) & 0xff
    b[p + 3] = (v >>> 24) & 0xff
    this.pos = p + 4
  }

  fixed64Number(v: number): void {
    const hi = Math.floor(v / TWO_32)
    this.fixed32((v - hi * TWO_32) >>> 0)
    this.fixed32(hi >>> 0)
  }

  fixed64Big(v: bigint): void {
    SCRATCH_U64[0] = v
    this.fixed32(SCRATCH_U32[LO] as number)
    this.fixed32(SCRATCH_U32[HI] as number)
  }

  double(v: number): void {
    const b = this.buf
    new DataView(b.buffer, b.byteOffset + this.pos, 8).setFloat64(0, v, true)
    this.pos += 8
  }

  float(v: number): void {
    const b = this.buf
    new DataView(b.buffer, b.byteOffset + this.pos, 4).setFloat32(0, v, true)
    this.pos += 4
  }

  /** Length-prefixed bytes. */
  bytes(v: Uint8Array): void {
    const len = v.length
    this.uint32(len)
    const b = this.buf
    let p = this.pos
    if (len >= SET_MIN) {
      b.set(v, p)
      this.pos = p + len
      return
    }
    for (let i = 0; i < len; i++) b[p++] = v[i] as number
    this.pos = p
  }

  /** A length-prefixed string whose UTF-8 length the size pass computed. */
  string(v: string, len: number): void {
    this.uint32(len)
    const b = this.buf
    let p = this.pos
    if (len >= ENCODE_INTO_MIN) {
      textEncoder.encodeInto(v, b.subarray(p, p + len))
      this.pos = p + len
      return
    }
    const n = v.length
    for (let i = 0; i < n; i++) {
      let c = v.charCodeAt(i)
      if (c < 0x80) {
        b[p++] = c
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6)
        b[p++] = 0x80 | (c & 0x3f)
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < n ? v.charCodeAt(i + 1) : 0
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
            i++
            b[p++] = 0xf0 | (c >> 18)
            b[p++] = 0x80 | ((c >> 12) & 0x3f)
            b[p++] = 0x80 | ((c >> 6) & 0x3f)
            b[p++] = 0x80 | (c & 0x3f)
            continue
          }
          c = 0xfffd // a lone surrogate, replaced as TextEncoder does
        }
        b[p++] = 0xe0 | (c >> 12)
        b[p++] = 0x80 | ((c >> 6) & 0x3f)
        b[p++] = 0x80 | (c & 0x3f)
      }
    }
    this.pos = p
  }
}

const sharedWriter = new Writer()

/*
 * Output buffers. V8 allocates a typed array of up to 64 bytes on its heap, cheaply; a larger
 * one gets its own ArrayBuffer backing store, which costs several times more than the encoding
 * of a small message. So, as Node does for small Buffers (`Buffer.poolSize`) and protobufjs for
 * its writers, outputs of 65 bytes to 4 KiB are cut from a shared 8 KiB slab. Slices never
 * overlap and a slab is never reused, so every result is still a fresh, zero-initialized array
 * nobody else writes to; a slice keeps its slab alive as long as it lives.
 */
const HEAP_MAX = 64
const SLAB_SIZE = 8192
const SLAB_MAX = 4096
let slab = new Uint8Array(0)
let slabOffset = 0

function allocate(size: number): Uint8Array {
  if (size <= HEAP_MAX || size > SLAB_MAX) return new Uint8Array(size)
  if (slabOffset + size > slab.length) {
    slab = new Uint8Array(SLAB_SIZE)
    slabOffset = 0
  }
  const buf = slab.subarray(slabOffset, slabOffset + size)
  slabOffset = (slabOffset + size + 7) & ~7 // keep slices 8-byte aligned
  return buf
}

/**
 * Returns the shared Writer, reset onto a new buffer of `size` bytes and the sizes computed by
 * the size pass.
 *
 * @internal Used by generated code only.
 */
export function writerFor(size: number, sizes: number[]): Writer {
  const w = sharedWriter
  w.buf = allocate(size)
  w.pos = 0
  w.sizes = sizes
  w.si = 0
  return w
}

/**
 * Ends a write pass: checks that it wrote exactly what the size pass computed.
 *
 * @internal Used by generated code only.
 */
export function finish(w: Writer, typeName: string): Uint8Array {
  const buf = w.buf
  if (w.pos !== buf.length) {
    throw new Error(
      `${typeName}: encoded ${w.pos} bytes, expected ${buf.length} (was the message modified while encoding?)`,
    )
  }
  w.buf = new Uint8Array(0)
  return buf
}

/** Size of an unsigned varint of up to 32 bits. */
export function sizeUint32(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5
}

/** Size of an `int32`/enum varint (negative: 10). */
export function sizeInt32(v: number): number {
  return v < 0 ? 10 : sizeUint32(v)
}

export function sizeSint32(v: number): number {
  return sizeUint32(((v << 1) ^ (v >> 31)) >>> 0)
}

function sizeVarint64(lo: number, hi: number): number {
  if (hi === 0) return sizeUint32(lo)
  return hi < 0x8 ? 5 : hi < 0x400 ? 6 : hi < 0x20000 ? 7 : hi < 0x1000000 ? 8 : hi < 0x80000000 ? 9 : 10
}

/**
 * Size of an `int64` given as a `number`; throws a RangeError unless it is a safe integer.
 */
export function sizeInt64Number(v: number, field: string): number {
  if (v >>> 0 === v) return sizeUint32(v)
  if (!Number.isSafeInteger(v)) throw new RangeError(`${field}: expected a safe integer, found ${v}`)
  if (v < 0) return 10
  const hi = Math.floor(v / TWO_32)
  return sizeVarint64((v - hi * TWO_32) >>> 0, hi)
}

/** Size of a `uint64` given as a `number`; throws a RangeError unless it is a non-negative safe integer. */
export function sizeUint64Number(v: number, field: string): number {
  if (v >>> 0 === v) return sizeUint32(v)
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`${field}: expected a non-negative safe integer, found ${v}`)
  }
  const hi = Math.floor(v / TWO_32)
  return sizeVarint64((v - hi * TWO_32) >>> 0, hi)
}

/** Size of an `int64` given as a `bigint`; throws a RangeError outside [-2^63, 2^63). */
export function sizeInt64Big(v: bigint, field: string): number {
  const n = Number(v)
  if (n >= 0 && n <= 0xffffffff) return sizeUint32(n)
  if (typeof v === 'number' && Number.isSafeInteger(v)) v = BigInt(v) // lenient for JavaScript callers
  if (typeof v !== 'bigint' || v < MIN_INT64 || v > MAX_INT64) {
    throw new RangeError(`${field}: expected an int64 bigint, found ${String(v)}`)
  }
  if (v < 0n) return 10
  SCRATCH_U64[0] = v
  return sizeVarint64(SCRATCH_U32[LO] as number, SCRATCH_U32[HI] as number)
}

/** Size of a `uint64` given as a `bigint`; throws a RangeError outside [0, 2^64). */
export function sizeUint64Big(v: bigint, field: string): number {
  const n = Number(v)
  if (n >= 0 && n <= 0xffffffff) return sizeUint32(n)
  if (typeof v === 'number' && Number.isSafeInteger(v)) v = BigInt(v) // lenient for JavaScript callers
  if (typeof v !== 'bigint' || v < 0n || v > MAX_UINT64) {
    throw new RangeError(`${field}: expected a uint64 bigint, found ${String(v)}`)
  }
  SCRATCH_U64[0] = v
  return sizeVarint64(SCRATCH_U32[LO] as number, SCRATCH_U32[HI] as number)
}

export function sizeSint64Number(v: number, field: string): number {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${field}: expected a safe integer, found ${v}`)
  return sizeUint64Big(zigzagBig(BigInt(v)), field)
}

export function sizeSint64Big(v: bigint, field: string): number {
  if (typeof v !== 'bigint' || v < MIN_INT64 || v > MAX_INT64) {
    throw new RangeError(`${field}: expected an int64 bigint, found ${String(v)}`)
  }
  return sizeUint64Big(zigzagBig(v), field)
}

/** Checks a `fixed64`/`sfixed64` number and returns 8. */
export function sizeFixed64Number(v: number, field: string): number {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${field}: expected a safe integer, found ${v}`)
  return 8
}

/** Checks a `fixed64`/`sfixed64` bigint and returns 8. */
export function sizeFixed64Big(v: bigint, field: string, signed: boolean): number {
  if (typeof v !== 'bigint' || v < (signed ? MIN_INT64 : 0n) || v > (signed ? MAX_INT64 : MAX_UINT64)) {
    throw new RangeError(`${field}: expected a ${signed ? 'sfixed64' : 'fixed64'} bigint, found ${String(v)}`)
  }
  return 8
}

/** Number of bytes of the UTF-8 encoding of `s` (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  const n = s.length
  let len = n
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) {
      len += 1
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 2 // 4 bytes for 2 UTF-16 units
        i++
      } else {
        len += 2
      }
    } else {
      len += 2
    }
  }
  return len
}

function zigzagBig(v: bigint): bigint {
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
}
