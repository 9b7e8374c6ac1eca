/**
 * One 64-bit scratch word, seen both as a bigint and as two 32-bit halves. Storing a bigint and
 * reading the halves, or the reverse, converts between the two forms without allocating more
 * than the result: several times faster than `BigInt.asUintN`, `&` and `>>` on bigints, which
 * each allocate (measured by bench/codec.bench.ts on messages carrying 64-bit IDs).
 *
 * Everything here is synchronous and the word is used within one function call, so one shared
 * word is enough.
 *
 * @internal Used by the codec runtime only.
 */
const word = new ArrayBuffer(8)

/** The word as an unsigned 64-bit integer; storing a negative bigint wraps it modulo 2^64. */
export const SCRATCH_U64: BigUint64Array = new BigUint64Array(word)
/** The word as a signed 64-bit integer. */
export const SCRATCH_I64: BigInt64Array = new BigInt64Array(word)
/** The word as two unsigned 32-bit halves, at {@link LO} and {@link HI}. */
export const SCRATCH_U32: Uint32Array = new Uint32Array(word)

// Typed arrays use the platform's byte order (big-endian on s390x, for one).
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1
/** Index of the low 32 bits in {@link SCRATCH_U32}. */
export const LO: number = littleEndian ? 0 : 1
/** Index of the high 32 bits in {@link SCRATCH_U32}. */
export const HI: number = littleEndian ? 1 : 0
