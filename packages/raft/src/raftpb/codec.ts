/**
 * The raftpb wire codec: encodes and decodes raft's data exactly as etcd does, byte for byte.
 *
 * etcd (3.4 to 3.6) and etcd-io/raft v3.6 generate their codec from `raft/raftpb/raft.proto`
 * with gogoproto; peers exchange these bytes and the WAL stores them, so ours must match. The
 * format is protobuf's (https://protobuf.dev/programming-guides/encoding/): a message is a
 * sequence of fields, each a tag varint `fieldNumber << 3 | wireType` followed by its value.
 *
 * ```
 *   wire type 0  VARINT  base-128, low 7-bit group first, high bit set = more groups follow
 *   wire type 1  I64     8 bytes                        (no raftpb field; skipped)
 *   wire type 2  LEN     varint byte length, then the bytes (bytes, nested messages, packed lists)
 *   wire type 5  I32     4 bytes                        (no raftpb field; skipped)
 *
 *   Entry { term: 1, index: 2, type: EntryNormal, data: "hi" }
 *
 *     08 00   10 01   18 02   22 02 68 69
 *     ^^ field 1 (Type), VARINT = 1 << 3 | 0
 *             ^^ field 2 (Term), VARINT   ^^ field 4 (Data), LEN: length 2, then "hi"
 * ```
 *
 * The gogo rules we follow (etcd's `raft.pb.go`):
 *
 * - Fields are written in ascending field-number order, whatever the `.proto` declaration order.
 * - Fields declared `(gogoproto.nullable) = false` are always written, even when zero: Entry's
 *   type, term and index; every scalar of Message (and `vote`, field 13, in raft v3.6);
 *   HardState; `auto_leave`; SnapshotMetadata; Snapshot's metadata; ConfChange's id, type and
 *   node ID; ConfChangeSingle; ConfChangeV2's transition.
 * - Go writes a bytes field when its slice is non-nil. We cannot tell nil from empty, so a byte
 *   field is written when it is non-empty, and decoding an empty one gives {@link EMPTY_BYTES}.
 * - `Message.snapshot` is nullable since raft v3.6 and written only when set; etcd 3.4 always
 *   wrote an empty one. Both decode: the latter as a present, empty snapshot.
 * - Repeated fields write one record per element; repeated uint64 (ConfState) are not packed,
 *   but the decoder accepts packed lists too, as every protobuf decoder must.
 *
 * Decoding skips unknown fields, keeps the last value of a repeated singular scalar and merges a
 * repeated nested message into the earlier one, as protobuf specifies and gogo's `Unmarshal`
 * does. Decoded byte fields are views into the input (`subarray`), never copies: once decoded,
 * the input must not be mutated while the result is in use.
 */
import { ProtobufDecodeError, RaftInvariantError, ValueOutOfRangeError } from '../errors.js'
import {
  type ConfChange,
  type ConfChangeSingle,
  type ConfChangeTransition,
  type ConfChangeType,
  type ConfChangeV2,
  type ConfState,
  createMessage,
  EMPTY_BYTES,
  EMPTY_CONF_STATE,
  EMPTY_SNAPSHOT,
  type Entry,
  type EntryType,
  type HardState,
  type Message,
  type MessageType,
  type NodeId,
  type Snapshot,
  type SnapshotMetadata,
} from './types.js'

// Wire types, named as in the protobuf encoding guide.
const VARINT = 0
const I64 = 1
const LEN = 2
const I32 = 5

const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER)
const MAX_UINT64 = 0xffff_ffff_ffff_ffffn

/**
 * How deeply `Message.responses` may nest when decoding. raft nests one level; the bound keeps
 * hostile input (two bytes per level) from exhausting the stack. Protobuf's own default limit.
 */
const MAX_NESTING_DEPTH = 100

// ---------------------------------------------------------------------------------------------
// Sizes. Every encoder first computes the exact size (validating every value on the way), then
// allocates once and writes in one pass. All raftpb field numbers are below 16, so every tag is
// one byte.

/** The length of the varint encoding `value`, an integer in [0, 2^53 - 1]. */
function varintSize(value: number): number {
  if (value < 0x80) return 1
  if (value < 0x4000) return 2
  if (value < 0x20_0000) return 3
  if (value < 0x1000_0000) return 4
  if (value < 0x8_0000_0000) return 5 // 2^35
  if (value < 0x400_0000_0000) return 6 // 2^42
  if (value < 0x2_0000_0000_0000) return 7 // 2^49
  return 8
}

/** The encoded length of a LEN value of `length` bytes: its length prefix and the bytes. */
function delimitedSize(length: number): number {
  return varintSize(length) + length
}

/** The varint size of a `number` uint64 field; throws RangeError unless it is in [0, 2^53 - 1]. */
function uintSize(value: number, field: string): number {
  if (value >= 0 && value <= Number.MAX_SAFE_INTEGER && Number.isInteger(value)) return varintSize(value)
  throw new RangeError(`raftpb: ${field} must be an integer in [0, 2^53 - 1], got ${value}`)
}

/** The varint size of a `bigint` uint64 field; throws RangeError unless it is in [0, 2^64 - 1]. */
function uint64Size(value: bigint, field: string): number {
  if (typeof value === 'bigint') {
    if (value >= 0n && value <= MAX_SAFE_BIGINT) return varintSize(Number(value))
    if (value > MAX_SAFE_BIGINT && value <= MAX_UINT64) return value < 1n << 56n ? 8 : value < 1n << 63n ? 9 : 10
  }
  throw new RangeError(`raftpb: ${field} must be a bigint in [0, 2^64 - 1], got ${String(value)}`)
}

/**
 * The varint size of an enum field. Enums are int32 on the wire: a negative value is
 * sign-extended to 64 bits (ten bytes). Throws RangeError outside the int32 range.
 */
function enumSize(value: number, field: string): number {
  if (Number.isInteger(value) && value >= -0x8000_0000 && value <= 0x7fff_ffff)
    return value >= 0 ? varintSize(value) : 10
  throw new RangeError(`raftpb: ${field} must be an int32 enum value, got ${value}`)
}

/** The size of an optional bytes field with its tag: nothing when empty. */
function optionalBytesSize(value: Uint8Array): number {
  return value.length === 0 ? 0 : 1 + delimitedSize(value.length)
}

/**
 * The encoded size of `entry` in bytes, computed without encoding it: what etcd's
 * `Entry.Size()` returns, and what raft's size limits (`maxSizePerMsg`, uncommitted size)
 * count. Always equals `encodeEntry(entry).length`.
 *
 * @throws RangeError if a field is out of range (see {@link encodeEntry}).
 */
export function entrySize(entry: Entry): number {
  return (
    3 + // tags of type, term, index
    enumSize(entry.type, 'Entry.type') +
    uintSize(entry.term, 'Entry.term') +
    uintSize(entry.index, 'Entry.index') +
    optionalBytesSize(entry.data)
  )
}

function confStateSize(state: ConfState): number {
  let size = 2 // auto_leave: tag and one byte
  for (const id of state.voters) size += 1 + uint64Size(id, 'ConfState.voters')
  for (const id of state.learners) size += 1 + uint64Size(id, 'ConfState.learners')
  for (const id of state.votersOutgoing) size += 1 + uint64Size(id, 'ConfState.votersOutgoing')
  for (const id of state.learnersNext) size += 1 + uint64Size(id, 'ConfState.learnersNext')
  return size
}

function snapshotMetadataSize(metadata: SnapshotMetadata): number {
  return (
    3 + // tags of conf_state, index, term
    delimitedSize(confStateSize(metadata.confState)) +
    uintSize(metadata.index, 'SnapshotMetadata.index') +
    uintSize(metadata.term, 'SnapshotMetadata.term')
  )
}

function snapshotSize(snapshot: Snapshot): number {
  return optionalBytesSize(snapshot.data) + 1 + delimitedSize(snapshotMetadataSize(snapshot.metadata))
}

function messageSize(message: Message): number {
  let size =
    10 + // tags of the ten scalars always written: type to from term logTerm index commit reject rejectHint vote
    enumSize(message.type, 'Message.type') +
    uint64Size(message.to, 'Message.to') +
    uint64Size(message.from, 'Message.from') +
    uintSize(message.term, 'Message.term') +
    uintSize(message.logTerm, 'Message.logTerm') +
    uintSize(message.index, 'Message.index') +
    uintSize(message.commit, 'Message.commit') +
    1 + // reject
    uintSize(message.rejectHint, 'Message.rejectHint') +
    uint64Size(message.vote, 'Message.vote') +
    optionalBytesSize(message.context)
  for (const entry of message.entries) size += 1 + delimitedSize(entrySize(entry))
  if (message.snapshot !== undefined) size += 1 + delimitedSize(snapshotSize(message.snapshot))
  for (const response of message.responses) size += 1 + delimitedSize(messageSize(response))
  return size
}

function hardStateSize(state: HardState): number {
  return (
    3 + // tags of term, vote, commit
    uintSize(state.term, 'HardState.term') +
    uint64Size(state.vote, 'HardState.vote') +
    uintSize(state.commit, 'HardState.commit')
  )
}

function confChangeSize(cc: ConfChange): number {
  return (
    3 + // tags of id, type, node_id
    uint64Size(cc.id, 'ConfChange.id') +
    enumSize(cc.type, 'ConfChange.type') +
    uint64Size(cc.nodeId, 'ConfChange.nodeId') +
    optionalBytesSize(cc.context)
  )
}

function confChangeSingleSize(change: ConfChangeSingle): number {
  return 2 + enumSize(change.type, 'ConfChangeSingle.type') + uint64Size(change.nodeId, 'ConfChangeSingle.nodeId')
}

function confChangeV2Size(cc: ConfChangeV2): number {
  let size = 1 + enumSize(cc.transition, 'ConfChangeV2.transition') + optionalBytesSize(cc.context)
  for (const change of cc.changes) size += 1 + delimitedSize(confChangeSingleSize(change))
  return size
}

// ---------------------------------------------------------------------------------------------
// Writing.

/**
 * Writes protobuf fields into a buffer allocated at its exact final size. It trusts its input:
 * the size functions above have validated every value before anything is written.
 */
class ProtoWriter {
  readonly output: Uint8Array
  pos = 0

  constructor(size: number) {
    this.output = new Uint8Array(size)
  }

  /** Writes the tag of field `fieldNumber` (below 16: one byte) with `wireType`. */
  tag(fieldNumber: number, wireType: number): void {
    this.output[this.pos++] = (fieldNumber << 3) | wireType
  }

  /** Writes an integer in [0, 2^53 - 1] as a varint. */
  uint(value: number): void {
    const output = this.output
    let pos = this.pos
    // Above 2^31 the bitwise operators see only the low 32 bits: `& 0x7f` is still exact (the
    // low bits survive ToInt32), but shifting must be done by division.
    while (value > 0x7fff_ffff) {
      const low = value & 0x7f
      output[pos++] = low | 0x80
      value = (value - low) / 0x80
    }
    while (value > 0x7f) {
      output[pos++] = (value & 0x7f) | 0x80
      value >>>= 7
    }
    output[pos++] = value
    this.pos = pos
  }

  /** Writes a bigint in [0, 2^64 - 1] as a varint. */
  uint64(value: bigint): void {
    if (value <= MAX_SAFE_BIGINT) {
      this.uint(Number(value))
      return
    }
    // Above 2^53: the low 28 bits as four 7-bit groups (more always follow), then the
    // remaining high bits (below 2^36, so a safe number).
    const output = this.output
    let low = Number(value & 0xfff_ffffn)
    for (let group = 0; group < 4; group++) {
      output[this.pos++] = (low & 0x7f) | 0x80
      low >>>= 7
    }
    this.uint(Number(value >> 28n))
  }

  /** Writes an int32 enum value: non-negative as a varint, negative sign-extended to 64 bits. */
  enum(value: number): void {
    if (value >= 0) this.uint(value)
    else this.uint64(BigInt.asUintN(64, BigInt(value)))
  }

  bool(value: boolean): void {
    this.output[this.pos++] = value ? 1 : 0
  }

  /** Writes a length prefix and the bytes. */
  bytes(value: Uint8Array): void {
    this.uint(value.length)
    this.output.set(value, this.pos)
    this.pos += value.length
  }

  /** Writes `value` as field `fieldNumber` if it is non-empty. */
  optionalBytes(fieldNumber: number, value: Uint8Array): void {
    if (value.length === 0) return
    this.tag(fieldNumber, LEN)
    this.bytes(value)
  }

  /** The written bytes; checks that the size computed up front was exact. */
  finish(): Uint8Array {
    if (this.pos !== this.output.length) {
      throw new RaftInvariantError(`raftpb: encoded ${this.pos} bytes into a buffer of ${this.output.length}`)
    }
    return this.output
  }
}

function writeEntry(w: ProtoWriter, entry: Entry): void {
  w.tag(1, VARINT)
  w.enum(entry.type)
  w.tag(2, VARINT)
  w.uint(entry.term)
  w.tag(3, VARINT)
  w.uint(entry.index)
  w.optionalBytes(4, entry.data)
}

function writeConfState(w: ProtoWriter, state: ConfState): void {
  for (const id of state.voters) {
    w.tag(1, VARINT)
    w.uint64(id)
  }
  for (const id of state.learners) {
    w.tag(2, VARINT)
    w.uint64(id)
  }
  for (const id of state.votersOutgoing) {
    w.tag(3, VARINT)
    w.uint64(id)
  }
  for (const id of state.learnersNext) {
    w.tag(4, VARINT)
    w.uint64(id)
  }
  w.tag(5, VARINT)
  w.bool(state.autoLeave)
}

function writeSnapshot(w: ProtoWriter, snapshot: Snapshot): void {
  w.optionalBytes(1, snapshot.data)
  const metadata = snapshot.metadata
  w.tag(2, LEN)
  w.uint(snapshotMetadataSize(metadata))
  w.tag(1, LEN)
  w.uint(confStateSize(metadata.confState))
  writeConfState(w, metadata.confState)
  w.tag(2, VARINT)
  w.uint(metadata.index)
  w.tag(3, VARINT)
  w.uint(metadata.term)
}

function writeMessage(w: ProtoWriter, message: Message): void {
  w.tag(1, VARINT)
  w.enum(message.type)
  w.tag(2, VARINT)
  w.uint64(message.to)
  w.tag(3, VARINT)
  w.uint64(message.from)
  w.tag(4, VARINT)
  w.uint(message.term)
  w.tag(5, VARINT)
  w.uint(message.logTerm)
  w.tag(6, VARINT)
  w.uint(message.index)
  for (const entry of message.entries) {
    w.tag(7, LEN)
    w.uint(entrySize(entry))
    writeEntry(w, entry)
  }
  w.tag(8, VARINT)
  w.uint(message.commit)
  if (message.snapshot !== undefined) {
    w.tag(9, LEN)
    w.uint(snapshotSize(message.snapshot))
    writeSnapshot(w, message.snapshot)
  }
  w.tag(10, VARINT)
  w.bool(message.reject)
  w.tag(11, VARINT)
  w.uint(message.rejectHint)
  w.optionalBytes(12, message.context)
  w.tag(13, VARINT)
  w.uint64(message.vote)
  // Responses only fill local MsgStorage* messages, one level deep: sizing them again here
  // costs little.
  for (const response of message.responses) {
    w.tag(14, LEN)
    w.uint(messageSize(response))
    writeMessage(w, response)
  }
}

function writeConfChangeSingle(w: ProtoWriter, change: ConfChangeSingle): void {
  w.tag(1, VARINT)
  w.enum(change.type)
  w.tag(2, VARINT)
  w.uint64(change.nodeId)
}

// ---------------------------------------------------------------------------------------------
// Reading.

/** A {@link ProtobufDecodeError} saying what is wrong and at which byte offset of the input. */
function decodeError(what: string, offset: number): ProtobufDecodeError {
  return new ProtobufDecodeError(`raftpb: ${what} at offset ${offset}`)
}

/**
 * Reads protobuf fields from `input`. `limit` is the end of the message being read: nested
 * messages narrow it (`enter`) and restore it (`leave`), and no read goes past it.
 */
class ProtoReader {
  readonly input: Uint8Array
  pos = 0
  limit: number
  /** How many `Message.responses` levels enclose the current position. */
  depth = 0

  constructor(input: Uint8Array) {
    this.input = input
    this.limit = input.length
  }

  /**
   * Reads a varint of at most ten bytes as a `number`: exact up to 2^53 - 1; a larger value
   * comes back as some number above `Number.MAX_SAFE_INTEGER`, and `exactVarint` gives it
   * exactly. Like Go's generated decoders, the tenth byte contributes only bit 63.
   */
  varint(): number {
    const input = this.input
    const limit = this.limit
    const start = this.pos
    let pos = start
    if (pos >= limit) throw decodeError('truncated varint', start)
    let byte = input[pos++] as number
    if (byte < 0x80) {
      this.pos = pos
      return byte
    }
    let value = byte & 0x7f
    let scale = 0x80
    for (let group = 1; group < 9; group++) {
      if (pos >= limit) throw decodeError('truncated varint', start)
      byte = input[pos++] as number
      value += (byte & 0x7f) * scale
      if (byte < 0x80) {
        this.pos = pos
        return value
      }
      scale *= 0x80
    }
    if (pos >= limit) throw decodeError('truncated varint', start)
    byte = input[pos++] as number
    if (byte >= 0x80) throw decodeError('varint longer than 10 bytes', start)
    this.pos = pos
    return value + (byte & 0x01) * scale
  }

  /** The exact value of the (already validated) varint starting at `start`, modulo 2^64. */
  exactVarint(start: number): bigint {
    const input = this.input
    let pos = start
    let low = 0 // bits 0 to 27
    for (let shift = 0; shift < 28; shift += 7) {
      const byte = input[pos++] as number
      low |= (byte & 0x7f) << shift
      if (byte < 0x80) return BigInt(low)
    }
    let high = 0 // bits 28 to 63, below 2^36: exact as a number
    let scale = 1
    for (let group = 4; group < 10; group++) {
      const byte = input[pos++] as number
      high += (byte & (group === 9 ? 0x01 : 0x7f)) * scale
      if (byte < 0x80) break
      scale *= 0x80
    }
    return (BigInt(high) << 28n) | BigInt(low)
  }

  /** Reads a field tag: `fieldNumber << 3 | wireType`, with a field number of at least 1. */
  tag(): number {
    const start = this.pos
    const tag = this.varint()
    if (tag < 8 || tag > 0xffff_ffff)
      throw decodeError(`invalid field tag ${tag} (field number ${Math.floor(tag / 8)})`, start)
    return tag
  }

  /** Reads a uint64 field held in a `number` (index, term). */
  uint(field: string): number {
    const start = this.pos
    const value = this.varint()
    if (value > Number.MAX_SAFE_INTEGER) throw new ValueOutOfRangeError(field, this.exactVarint(start))
    return value
  }

  /** Reads a uint64 field held in a `bigint` (IDs). */
  uint64(): bigint {
    const start = this.pos
    const value = this.varint()
    return value <= Number.MAX_SAFE_INTEGER ? BigInt(value) : this.exactVarint(start)
  }

  /** Reads an enum: an int32, truncated from the varint as Go's `int32(v)` conversion does. */
  enum(): number {
    const start = this.pos
    const value = this.varint()
    if (value <= Number.MAX_SAFE_INTEGER) return value | 0
    return Number(BigInt.asIntN(32, this.exactVarint(start)))
  }

  bool(): boolean {
    return this.varint() !== 0
  }

  /** Reads a length prefix, checking that that many bytes remain in the current message. */
  length(field: string): number {
    const start = this.pos
    const length = this.varint()
    const remaining = this.limit - this.pos
    if (length > remaining) {
      throw decodeError(`${field} length ${length} runs past the end of its message (${remaining} bytes left)`, start)
    }
    return length
  }

  /** Reads a bytes field as a view into the input; an empty one as {@link EMPTY_BYTES}. */
  bytes(field: string): Uint8Array {
    const length = this.length(field)
    if (length === 0) return EMPTY_BYTES
    const start = this.pos
    this.pos = start + length
    return this.input.subarray(start, this.pos)
  }

  /** Reads a length prefix and narrows the limit to the nested message; returns the old limit. */
  enter(field: string): number {
    const length = this.length(field)
    const outer = this.limit
    this.limit = this.pos + length
    return outer
  }

  /** Restores the limit saved by `enter`, once the nested message was read to its end. */
  leave(outer: number): void {
    this.limit = outer
  }

  /**
   * Skips the value of a field that the decoder of `messageName` (whose fields are numbered 1 to
   * `lastField`) does not handle. A known field number with an unexpected wire type is an error,
   * as in gogo's decoders; an unknown field is skipped. `start` is the tag's offset.
   */
  skip(tag: number, start: number, messageName: string, lastField: number): void {
    const fieldNumber = tag >>> 3
    const wireType = tag & 7
    if (fieldNumber <= lastField) {
      throw decodeError(`${messageName} field ${fieldNumber} has unexpected wire type ${wireType}`, start)
    }
    switch (wireType) {
      case VARINT:
        this.varint()
        return
      case I64:
        this.skipFixed(8, start)
        return
      case LEN: {
        const length = this.length(`${messageName} unknown field ${fieldNumber}`)
        this.pos += length
        return
      }
      case I32:
        this.skipFixed(4, start)
        return
      default:
        // 3 and 4 are the deprecated groups, which raftpb never uses; 6 and 7 do not exist.
        throw decodeError(`${messageName} field ${fieldNumber} has invalid wire type ${wireType}`, start)
    }
  }

  skipFixed(length: number, start: number): void {
    if (this.limit - this.pos < length) throw decodeError(`truncated ${length * 8}-bit fixed field`, start)
    this.pos += length
  }
}

function readEntry(r: ProtoReader): Entry {
  let type = 0
  let term = 0
  let index = 0
  let data = EMPTY_BYTES
  while (r.pos < r.limit) {
    const start = r.pos
    const tag = r.tag()
    switch (tag) {
      case (1 << 3) | VARINT:
        type = r.enum()
        break
      case (2 << 3) | VARINT:
        term = r.uint('Entry.term')
        break
      case (3 << 3) | VARINT:
        index = r.uint('Entry.index')
        break
      case (4 << 3) | LEN:
        data = r.bytes('Entry.data')
        break
      default:
        r.skip(tag, start, 'Entry', 4)
    }
  }
  return { term, index, type: type as EntryType, data }
}

/**
 * Reads a repeated uint64 element into `ids`: one varint, or (wire type LEN) a packed list.
 */
function readIds(r: ProtoReader, tag: number, ids: NodeId[], field: string): void {
  if ((tag & 7) === VARINT) {
    ids.push(r.uint64())
    return
  }
  const outer = r.enter(field)
  while (r.pos < r.limit) ids.push(r.uint64())
  r.leave(outer)
}

/** Reads a ConfState; `base` is an earlier occurrence of the same field, merged into. */
function readConfState(r: ProtoReader, base: ConfState | undefined): ConfState {
  const voters = base === undefined ? [] : [...base.voters]
  const learners = base === undefined ? [] : [...base.learners]
  const votersOutgoing = base === undefined ? [] : [...base.votersOutgoing]
  const learnersNext = base === undefined ? [] : [...base.learnersNext]
  let autoLeave = base?.autoLeave ?? false
  while (r.pos < r.limit) {
    const start = r.pos
    const tag = r.tag()
    switch (tag) {
      case (1 << 3) | VARINT:
      case (1 << 3) | LEN:
        readIds(r, tag, voters, 'ConfState.voters')
        break
      case (2 << 3) | VARINT:
      case (2 << 3) | LEN:
        readIds(r, tag, learners, 'ConfState.learners')
        break
      case (3 << 3) | VARINT:
      case (3 << 3) | LEN:
        readIds(r, tag, votersOutgoing, 'ConfState.votersOutgoing')
        break
      case (4 << 3) | VARINT:
      case (4 << 3) | LEN:
        readIds(r, tag, learnersNext, 'ConfState.learnersNext')
        break
      case (5 << 3) | VARINT:
        autoLeave = r.bool()
        break
      default:
        r.skip(tag, start, 'ConfState', 5)
    }
  }
  const empty =
    voters.length === 0 &&
    learners.length === 0 &&
    votersOutgoing.length === 0 &&
    learnersNext.length === 0 &&
    !autoLeave
  return empty ? EMPTY_CONF_STATE : { voters, learners, votersOutgoing, learnersNext, autoLeave }
}

function readSnapshotMetadata(r: ProtoReader, base: SnapshotMetadata | undefined): SnapshotMetadata {
  let confState = base?.confState
  let index = base?.index ?? 0
  let term = base?.term ?? 0
  while (r.pos < r.limit) {
    const start = r.pos
    const tag = r.tag()
    switch (tag) {
      case (1 << 3) | LEN: {
        const outer = r.enter('SnapshotMetadata.conf_state')
        confState = readConfState(r, confState)
        r.leave(outer)
        break
      }
      case (2 << 3) | VARINT:
        index = r.uint('SnapshotMetadata.index')
        break
      case (3 << 3) | VARINT:
        term = r.uint('SnapshotMetadata.term')
        break
      default:
        r.skip(tag, start, 'SnapshotMetadata', 3)
    }
  }
  if (index === 0 && term === 0 && (confState === undefined || confState === EMPTY_CONF_STATE)) {
    return EMPTY_SNAPSHOT.metadata
  }
  return { confState: confState ?? EMPTY_CONF_STATE, index, term }
}

function readSnapshot(r: ProtoReader, base: Snapshot | undefined): Snapshot {
  let data = base?.data ?? EMPTY_BYTES
  let metadata = base?.metadata
  while (r.pos < r.limit) {
    const start = r.pos
    const tag = r.tag()
    switch (tag) {
      case (1 << 3) | LEN:
        data = r.bytes('Snapshot.data')
        break
      case (2 << 3) | LEN: {
        const outer = r.enter('Snapshot.metadata')
        metadata = readSnapshotMetadata(r, metadata)
        r.leave(outer)
        break
      }
      default:
        r.skip(tag, start, 'Snapshot', 2)
    }
  }
  // etcd 3.4 sends an empty snapshot in every message: share one object for all of them.
  if (data.length === 0 && (metadata === undefined || metadata === EMPTY_SNAPSHOT.metadata)) return EMPTY_SNAPSHOT
  return { data, metadata: metadata ?? EMPTY_SNAPSHOT.metadata }
}

function readMessage(r: ProtoReader): Message {
  let type = 0
  let to = 0n
  let from = 0n
  let term = 0
  let logTerm = 0
  let index = 0
  const entries: Entry[] = []
  let commit = 0
  let vote = 0n
  let snapshot: Snapshot | undefined
  let reject = false
  let rejectHint = 0
  let context = EMPTY_BYTES
  const responses: Message[] = []
  while (r.pos < r.limit) {
    const start = r.pos
    const tag = r.tag()
    switch (tag) {
      case (1 << 3) | VARINT:
        type = r.enum()
        break
      case (2 << 3) | VARINT:
        to = r.uint64()
        break
      case (3 << 3) | VARINT:
        from = r.uint64()
        break
      case (4 << 3) | VARINT:
        term = r.uint('Message.term')
        break
      case (5 << 3) | VARINT:
        logTerm = r.uint('Message.logTerm')
        break
      case (6 << 3) | VARINT:
        index = r.uint('Message.index')
        break
      case (7 << 3) | LEN: {
        const outer = r.enter('Message.entries')
        entries.push(readEntry(r))
        r.leave(outer)
        break
      }
      case (8 << 3) | VARINT:
        commit = r.uint('Message.commit')
        break
      case (9 << 3) | LEN: {
        const outer = r.enter('Message.snapshot')
        snapshot = readSnapshot(r, snapshot)
        r.leave(outer)
        break
      }
      case (10 << 3) | VARINT:
        reject = r.bool()
        break
      case (11 << 3) | VARINT:
        rejectHint = r.uint('Message.rejectHint')
        break
      case (12 << 3) | LEN:
        context = r.bytes('Message.context')
        break
      case (13 << 3) | VARINT:
        vote = r.uint64()
        break
      case (14 << 3) | LEN: {
        if (r.depth >= MAX_NESTING_DEPTH) throw decodeError(`responses nested over ${MAX_NESTING_DEPTH} deep`, start)
        const outer = r.enter('Message.responses')
        r.depth++
        responses.push(readMessage(r))
        r.depth--
        r.leave(outer)
        break
      }
      default:
        r.skip(tag, start, 'Message', 14)
    }
  }
  return createMessage({
    type: type as MessageType,
    to,
    from,
    term,
    logTerm,
    index,
    entries,
    commit,
    vote,
    snapshot,
    reject,
    rejectHint,
    context,
    responses,
  })
}

function readHardState(r: ProtoReader): HardState {
  let term = 0
  let vote = 0n
  let commit = 0
  while (r.pos < r.limit) {
    const start = r.pos
    const tag = r.tag()
    switch (tag) {
      case (1 << 3) | VARINT:
        term = r.uint('HardState.term')
        break
      case (2 << 3) | VARINT:
        vote = r.uint64()
        break
      case (3 << 3) | VARINT:
        commit = r.uint('HardState.commit')
        break
      default:
        r.skip(tag, start, 'HardState', 3)
    }
  }
  return { term, vote, commit }
}

function readConfChange(r: ProtoReader): ConfChange {
  let id = 0n
  let type = 0
  let nodeId = 0n
  let context = EMPTY_BYTES
  while (r.pos < r.limit) {
    const start = r.pos
    const tag = r.tag()
    switch (tag) {
      case (1 << 3) | VARINT:
        id = r.uint64()
        break
      case (2 << 3) | VARINT:
        type = r.enum()
        break
      case (3 << 3) | VARINT:
        nodeId = r.uint64()
        break
      case (4 << 3) | LEN:
        context = r.bytes('ConfChange.context')
        break
      default:
        r.skip(tag, start, 'ConfChange', 4)
    }
  }
  return { id, type: type as ConfChangeType, nodeId, context }
}

function readConfChangeSingle(r: ProtoReader): ConfChangeSingle {
  let type = 0
  let nodeId = 0n
  while (r.pos < r.limit) {
    const start = r.pos
    const tag = r.tag()
    switch (tag) {
      case (1 << 3) | VARINT:
        type = r.enum()
        break
      case (2 << 3) | VARINT:
        nodeId = r.uint64()
        break
      default:
        r.skip(tag, start, 'ConfChangeSingle', 2)
    }
  }
  return { type: type as ConfChangeType, nodeId }
}

function readConfChangeV2(r: ProtoReader): ConfChangeV2 {
  let transition = 0
  const changes: ConfChangeSingle[] = []
  let context = EMPTY_BYTES
  while (r.pos < r.limit) {
    const start = r.pos
    const tag = r.tag()
    switch (tag) {
      case (1 << 3) | VARINT:
        transition = r.enum()
        break
      case (2 << 3) | LEN: {
        const outer = r.enter('ConfChangeV2.changes')
        changes.push(readConfChangeSingle(r))
        r.leave(outer)
        break
      }
      case (3 << 3) | LEN:
        context = r.bytes('ConfChangeV2.context')
        break
      default:
        r.skip(tag, start, 'ConfChangeV2', 3)
    }
  }
  return { transition: transition as ConfChangeTransition, changes, context }
}

// ---------------------------------------------------------------------------------------------
// The public codec. Every encoder allocates one new array, owned by the caller. Every decoder
// returns byte fields that are views into `bytes`, which the caller must therefore not mutate
// while it uses the result; it accepts any Uint8Array (a Buffer too).

/**
 * Encodes a log entry as `raftpb.Entry`, the bytes etcd's WAL stores and MsgApp carries.
 *
 * @returns A new array of exactly {@link entrySize} bytes.
 * @throws RangeError if `term` or `index` is not an integer in [0, 2^53 - 1], or `type` is not
 *   an int32.
 */
export function encodeEntry(entry: Entry): Uint8Array {
  const w = new ProtoWriter(entrySize(entry))
  writeEntry(w, entry)
  return w.finish()
}

/**
 * Decodes a `raftpb.Entry`. Absent fields read as zero; `data` is a view into `bytes`.
 *
 * @throws ProtobufDecodeError (`RAFT_PROTOBUF_INVALID`) if `bytes` is not a valid encoding.
 * @throws ValueOutOfRangeError (`RAFT_VALUE_OUT_OF_RANGE`) if term or index is above 2^53 - 1.
 */
export function decodeEntry(bytes: Uint8Array): Entry {
  return readEntry(new ProtoReader(bytes))
}

/**
 * Encodes a raft message as `raftpb.Message`, as etcd's peers send it. The snapshot is written
 * only when `message.snapshot` is set (raft v3.6); every scalar, `vote` included, always.
 *
 * @returns A new array.
 * @throws RangeError if an index or term is not an integer in [0, 2^53 - 1], an ID is not in
 *   [0, 2^64 - 1], or an enum is not an int32 (in the message or anything it carries).
 */
export function encodeMessage(message: Message): Uint8Array {
  const w = new ProtoWriter(messageSize(message))
  writeMessage(w, message)
  return w.finish()
}

/**
 * Decodes a `raftpb.Message` from any etcd version 3.4 to 3.6. Absent fields read as zero (as
 * {@link createMessage} gives them); the always-present empty snapshot of etcd 3.4 decodes as
 * a present {@link EMPTY_SNAPSHOT}. Byte fields are views into `bytes`.
 *
 * @throws ProtobufDecodeError (`RAFT_PROTOBUF_INVALID`) if `bytes` is not a valid encoding, or
 *   nests responses more than 100 deep.
 * @throws ValueOutOfRangeError (`RAFT_VALUE_OUT_OF_RANGE`) if an index, term, commit or reject
 *   hint is above 2^53 - 1.
 */
export function decodeMessage(bytes: Uint8Array): Message {
  return readMessage(new ProtoReader(bytes))
}

/**
 * Encodes a `raftpb.HardState` (term, vote and commit, always all three), as the WAL stores it.
 *
 * @returns A new array.
 * @throws RangeError if term or commit is not an integer in [0, 2^53 - 1] or vote is not in
 *   [0, 2^64 - 1].
 */
export function encodeHardState(state: HardState): Uint8Array {
  const w = new ProtoWriter(hardStateSize(state))
  w.tag(1, VARINT)
  w.uint(state.term)
  w.tag(2, VARINT)
  w.uint64(state.vote)
  w.tag(3, VARINT)
  w.uint(state.commit)
  return w.finish()
}

/**
 * Decodes a `raftpb.HardState`. Absent fields read as zero.
 *
 * @throws ProtobufDecodeError (`RAFT_PROTOBUF_INVALID`) if `bytes` is not a valid encoding.
 * @throws ValueOutOfRangeError (`RAFT_VALUE_OUT_OF_RANGE`) if term or commit is above 2^53 - 1.
 */
export function decodeHardState(bytes: Uint8Array): HardState {
  return readHardState(new ProtoReader(bytes))
}

/**
 * Encodes a `raftpb.ConfState`: each ID as its own record (not packed, as gogo writes proto2),
 * in list order, then `auto_leave`, always.
 *
 * @returns A new array.
 * @throws RangeError if an ID is not a bigint in [0, 2^64 - 1].
 */
export function encodeConfState(state: ConfState): Uint8Array {
  const w = new ProtoWriter(confStateSize(state))
  writeConfState(w, state)
  return w.finish()
}

/**
 * Decodes a `raftpb.ConfState`, accepting packed and unpacked ID lists. An empty configuration
 * decodes as {@link EMPTY_CONF_STATE}.
 *
 * @throws ProtobufDecodeError (`RAFT_PROTOBUF_INVALID`) if `bytes` is not a valid encoding.
 */
export function decodeConfState(bytes: Uint8Array): ConfState {
  return readConfState(new ProtoReader(bytes), undefined)
}

/**
 * Encodes a `raftpb.Snapshot`: `data` when non-empty, then the metadata, always.
 *
 * @returns A new array, holding a copy of `snapshot.data`.
 * @throws RangeError if index or term is not an integer in [0, 2^53 - 1] or an ID of the
 *   configuration is not in [0, 2^64 - 1].
 */
export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const w = new ProtoWriter(snapshotSize(snapshot))
  writeSnapshot(w, snapshot)
  return w.finish()
}

/**
 * Decodes a `raftpb.Snapshot`; `data` is a view into `bytes`. An empty snapshot decodes as
 * {@link EMPTY_SNAPSHOT}.
 *
 * @throws ProtobufDecodeError (`RAFT_PROTOBUF_INVALID`) if `bytes` is not a valid encoding.
 * @throws ValueOutOfRangeError (`RAFT_VALUE_OUT_OF_RANGE`) if index or term is above 2^53 - 1.
 */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  return readSnapshot(new ProtoReader(bytes), undefined)
}

/**
 * Encodes a `raftpb.ConfChange` (the data of an `EntryConfChange` entry): id, type and node ID
 * always, context when non-empty.
 *
 * @returns A new array.
 * @throws RangeError if id or nodeId is not in [0, 2^64 - 1] or type is not an int32.
 */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const w = new ProtoWriter(confChangeSize(cc))
  w.tag(1, VARINT)
  w.uint64(cc.id)
  w.tag(2, VARINT)
  w.enum(cc.type)
  w.tag(3, VARINT)
  w.uint64(cc.nodeId)
  w.optionalBytes(4, cc.context)
  return w.finish()
}

/**
 * Decodes a `raftpb.ConfChange`; `context` is a view into `bytes`. An unknown `type` is passed
 * through as its number, as Go does: the caller validates it.
 *
 * @throws ProtobufDecodeError (`RAFT_PROTOBUF_INVALID`) if `bytes` is not a valid encoding.
 */
export function decodeConfChange(bytes: Uint8Array): ConfChange {
  return readConfChange(new ProtoReader(bytes))
}

/**
 * Encodes a `raftpb.ConfChangeV2` (the data of an `EntryConfChangeV2` entry): the transition
 * always, each change as a nested `ConfChangeSingle`, the context when non-empty.
 *
 * @returns A new array.
 * @throws RangeError if a node ID is not in [0, 2^64 - 1] or an enum is not an int32.
 */
export function encodeConfChangeV2(cc: ConfChangeV2): Uint8Array {
  const w = new ProtoWriter(confChangeV2Size(cc))
  w.tag(1, VARINT)
  w.enum(cc.transition)
  for (const change of cc.changes) {
    w.tag(2, LEN)
    w.uint(confChangeSingleSize(change))
    writeConfChangeSingle(w, change)
  }
  w.optionalBytes(3, cc.context)
  return w.finish()
}

/**
 * Decodes a `raftpb.ConfChangeV2`; `context` is a view into `bytes`. Unknown enum values are
 * passed through as their numbers.
 *
 * @throws ProtobufDecodeError (`RAFT_PROTOBUF_INVALID`) if `bytes` is not a valid encoding.
 */
export function decodeConfChangeV2(bytes: Uint8Array): ConfChangeV2 {
  return readConfChangeV2(new ProtoReader(bytes))
}
