/**
 * The `snappb.Snapshot` envelope of a `.snap` file (etcd `api/snap/snappb/snap.proto`, proto2):
 *
 * ```
 * message snapshot {
 *   optional uint32 crc  = 1 [(gogoproto.nullable) = false];   // always written, even when 0
 *   optional bytes  data = 2;                                   // the marshaled raftpb.Snapshot
 * }
 *
 *  0x08 <crc varint, 1-5 bytes>  0x12 <len varint> <data: len bytes>
 * ```
 *
 * gogoproto writes the fields in number order; a reader must accept any order, repeated fields
 * (the last one wins) and unknown fields (skipped). Internal to this package: the public surface
 * is `encodeSnapshotFile` / `decodeSnapshotFile`.
 */

const VARINT = 0
const I64 = 1
const LEN = 2
const I32 = 5

/** The envelope's two fields. `data` is a view into the decoded bytes, never a copy. */
export interface SnappbSnapshot {
  /** CRC-32C of `data` (uint32). */
  readonly crc: number
  readonly data: Uint8Array
}

/** Bytes that are not a valid `snappb.Snapshot`. Wrapped in `InvalidSnapshotError` by callers. */
export class SnappbDecodeError extends Error {
  constructor(message: string) {
    super(`snappb: ${message}`)
    this.name = 'SnappbDecodeError'
  }
}

/** Encodes `{crc, data}` as gogoproto does: crc (always), then data. Returns a new array. */
export function encodeSnappb(snapshot: SnappbSnapshot): Uint8Array {
  const crc = snapshot.crc >>> 0
  const size = 1 + varintSize(crc) + 1 + varintSize(snapshot.data.length) + snapshot.data.length
  const out = new Uint8Array(size)
  let pos = 0
  out[pos++] = (1 << 3) | VARINT
  pos = writeVarint(out, pos, crc)
  out[pos++] = (2 << 3) | LEN
  pos = writeVarint(out, pos, snapshot.data.length)
  out.set(snapshot.data, pos)
  return out
}

/**
 * Decodes a `snappb.Snapshot`. Absent fields read as 0 and empty bytes, as in Go.
 *
 * @throws SnappbDecodeError on a truncated field, a bad wire type or tag, or an overlong varint.
 */
export function decodeSnappb(bytes: Uint8Array): SnappbSnapshot {
  let crc = 0
  let data: Uint8Array = new Uint8Array(0)
  let pos = 0
  while (pos < bytes.length) {
    const [key, afterKey] = readVarint(bytes, pos)
    pos = afterKey
    const field = Math.floor(key / 8)
    const wireType = key % 8
    if (field === 0) throw new SnappbDecodeError(`illegal tag 0 at offset ${afterKey}`)
    if (field === 1) {
      if (wireType !== VARINT) throw new SnappbDecodeError(`wrong wire type ${wireType} for field crc`)
      const [, next, low32] = readVarint(bytes, pos)
      crc = low32 // Go truncates a wider varint to uint32
      pos = next
    } else if (field === 2) {
      if (wireType !== LEN) throw new SnappbDecodeError(`wrong wire type ${wireType} for field data`)
      const [length, start] = readVarint(bytes, pos)
      if (length > bytes.length - start) throw new SnappbDecodeError('data runs past the end of the file')
      data = bytes.subarray(start, start + length)
      pos = start + length
    } else {
      pos = skipField(bytes, pos, wireType)
    }
  }
  return { crc, data }
}

function skipField(bytes: Uint8Array, pos: number, wireType: number): number {
  switch (wireType) {
    case VARINT:
      return readVarint(bytes, pos)[1]
    case I64:
      return checkEnd(bytes, pos + 8)
    case LEN: {
      const [length, start] = readVarint(bytes, pos)
      return checkEnd(bytes, start + length)
    }
    case I32:
      return checkEnd(bytes, pos + 4)
    default:
      // Groups (3, 4) are deprecated and never appear in etcd's files; 6 and 7 are invalid.
      throw new SnappbDecodeError(`unsupported wire type ${wireType}`)
  }
}

function checkEnd(bytes: Uint8Array, end: number): number {
  if (end > bytes.length) throw new SnappbDecodeError('unexpected end of data')
  return end
}

/**
 * Reads a base-128 varint of at most 10 bytes: its value, the next offset, and its low 32 bits
 * exactly. Values above 2^53 lose precision, which cannot matter: a length that large is always
 * past the end, and the crc uses the exact low 32 bits.
 */
function readVarint(bytes: Uint8Array, pos: number): [value: number, next: number, low32: number] {
  let value = 0
  let low32 = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new SnappbDecodeError('unexpected end of data in varint')
    const byte = bytes[pos++] as number
    value += (byte & 0x7f) * scale
    if (i < 5) low32 = (low32 + (byte & 0x7f) * scale) % 2 ** 32
    if (byte < 0x80) return [value, pos, low32]
    scale *= 128
  }
  throw new SnappbDecodeError('varint longer than 10 bytes')
}

function varintSize(value: number): number {
  let size = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    size++
  }
  return size
}

function writeVarint(out: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value % 128) | 0x80
    value = Math.floor(value / 128)
  }
  out[pos++] = value
  return pos
}
