// Byte helpers of the suite. It compares bytes with its own code, not @etcd-ts/backend's, so a
// bug there cannot hide itself.
import { crc32c } from './crc32c.js'

const ENCODER = new TextEncoder()

/** Bytes from numbers. */
export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values)
}

/** The UTF-8 bytes of `s` (the suite only uses ASCII, including `\0`). */
export function text(s: string): Uint8Array {
  return ENCODER.encode(s)
}

/** `n` copies of `byte`. */
export function filled(n: number, byte: number): Uint8Array {
  return new Uint8Array(n).fill(byte)
}

/** The concatenation of `parts`. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** `n` as 8 bytes, big-endian (etcd's encoding of consistent_index, term, lease IDs). */
export function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n))
  return out
}

/** etcd's 17-byte revision key: 8-byte big-endian main, `_`, 8-byte big-endian sub. */
export function revision(main: number, sub = 0): Uint8Array {
  return concat(u64be(main), bytes(0x5f), u64be(sub))
}

/** Deterministic, incompressible bytes (xorshift32): large values that compression cannot shrink. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

/** Bytewise order, shorter first on a common prefix (LevelDB's and bbolt's order). */
export function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** Whether `a` and `b` hold the same bytes. */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compare(a, b) === 0
}

/** Lowercase hex. */
export function hex(a: Uint8Array): string {
  let out = ''
  for (let i = 0; i < a.length; i++) out += (a[i] as number).toString(16).padStart(2, '0')
  return out
}

/** Short, readable text for bytes in assertion messages: hex, or a digest for long arrays. */
export function showBytes(a: Uint8Array | undefined): string {
  if (a === undefined) return 'undefined'
  if (!(a instanceof Uint8Array)) return `not a Uint8Array: ${String(a)}`
  if (a.length <= 40) return `<${hex(a)}>`
  return `<${hex(a.subarray(0, 8))}… ${a.length} bytes, crc32c ${crc32c(a).toString(16)}>`
}
