import { encodeConfChange, encodeConfChangeV2 } from './codec.js'
import {
  type ConfChange,
  type ConfChangeSingle,
  ConfChangeTransition,
  ConfChangeType,
  type ConfChangeV2,
  describeConfChangeTransition,
  describeConfChangeType,
  EMPTY_BYTES,
  EntryType,
} from './types.js'

/** A v1 or v2 membership change, as `RawNode.proposeConfChange` and `applyConfChange` accept. */
export type AnyConfChange = ConfChange | ConfChangeV2

/** Whether `cc` is a {@link ConfChangeV2} (it has a `changes` list). */
export function isConfChangeV2(cc: AnyConfChange): cc is ConfChangeV2 {
  return 'changes' in cc
}

/** Views any conf change as a {@link ConfChangeV2}: a v1 change becomes one change, auto transition. */
export function confChangeAsV2(cc: AnyConfChange): ConfChangeV2 {
  if (isConfChangeV2(cc)) return cc
  return {
    transition: ConfChangeTransition.ConfChangeTransitionAuto,
    changes: [{ type: cc.type, nodeId: cc.nodeId }],
    context: cc.context,
  }
}

/**
 * Whether applying `cc` enters a joint configuration, and if so whether it is left
 * automatically: joint consensus is used when more than one change is requested or when the
 * transition asks for it explicitly (etcd's `ConfChangeV2.EnterJoint`).
 *
 * @returns `undefined` for a simple change; otherwise `{ autoLeave }`.
 */
export function confChangeEntersJoint(cc: ConfChangeV2): { autoLeave: boolean } | undefined {
  if (cc.transition === ConfChangeTransition.ConfChangeTransitionAuto && cc.changes.length <= 1) return undefined
  switch (cc.transition) {
    case ConfChangeTransition.ConfChangeTransitionAuto:
    case ConfChangeTransition.ConfChangeTransitionJointImplicit:
      return { autoLeave: true }
    case ConfChangeTransition.ConfChangeTransitionJointExplicit:
      return { autoLeave: false }
    default:
      throw new RangeError(`unknown transition: ${(cc as ConfChangeV2).transition}`)
  }
}

/** Whether `cc` leaves a joint configuration: it is empty (its context aside). */
export function confChangeLeavesJoint(cc: ConfChangeV2): boolean {
  return cc.transition === ConfChangeTransition.ConfChangeTransitionAuto && cc.changes.length === 0
}

/**
 * Encodes a conf change as the entry raft replicates: its type and data. `undefined` gives the
 * empty ConfChangeV2 with no data (the automatic leave of a joint configuration), whose payload
 * size is zero so that it is never refused for size.
 */
export function marshalConfChange(cc: AnyConfChange | undefined): { type: EntryType; data: Uint8Array } {
  if (cc === undefined) return { type: EntryType.EntryConfChangeV2, data: EMPTY_BYTES }
  if (isConfChangeV2(cc)) return { type: EntryType.EntryConfChangeV2, data: encodeConfChangeV2(cc) }
  return { type: EntryType.EntryConfChange, data: encodeConfChange(cc) }
}

const TOKEN_TYPES: Readonly<Record<string, ConfChangeType>> = {
  v: ConfChangeType.ConfChangeAddNode,
  l: ConfChangeType.ConfChangeAddLearnerNode,
  r: ConfChangeType.ConfChangeRemoveNode,
  u: ConfChangeType.ConfChangeUpdateNode,
}

/**
 * Parses changes written as etcd's tests write them: `v1` make 1 a voter, `l2` make 2 a
 * learner, `r3` remove 3, `u4` update 4, separated by spaces; IDs in decimal.
 *
 * @throws TypeError naming the bad token.
 */
export function confChangesFromString(text: string): ConfChangeSingle[] {
  const trimmed = text.trim()
  if (trimmed === '') return []
  return trimmed.split(' ').map((token) => {
    if (token.length < 2) throw new TypeError(`unknown token ${token}`)
    const type = TOKEN_TYPES[token[0] as string]
    if (type === undefined) throw new TypeError(`unknown input: ${token}`)
    const id = token.slice(1)
    if (!/^\d+$/.test(id) || BigInt(id) >= 2n ** 64n) {
      throw new TypeError(`strconv.ParseUint: parsing "${id}": invalid syntax`)
    }
    return { type, nodeId: BigInt(id) }
  })
}

const TYPE_TOKENS: Readonly<Record<ConfChangeType, string>> = {
  [ConfChangeType.ConfChangeAddNode]: 'v',
  [ConfChangeType.ConfChangeAddLearnerNode]: 'l',
  [ConfChangeType.ConfChangeRemoveNode]: 'r',
  [ConfChangeType.ConfChangeUpdateNode]: 'u',
}

/** The inverse of {@link confChangesFromString}: `v1 l2 r3`. */
export function confChangesToString(changes: readonly ConfChangeSingle[]): string {
  return changes.map((c) => `${TYPE_TOKENS[c.type] ?? 'unknown'}${c.nodeId}`).join(' ')
}

/**
 * A conf change in protobuf text format, as etcd-io/raft prints it in log lines:
 * `transition:ConfChangeTransitionAuto changes:{type:ConfChangeAddNode node_id:3}`.
 */
export function describeConfChange(cc: AnyConfChange): string {
  const context = cc.context.length > 0 ? ` context:${quoteBytes(cc.context)}` : ''
  if (!isConfChangeV2(cc)) {
    return `id:${cc.id} type:${describeConfChangeType(cc.type)} node_id:${cc.nodeId}${context}`
  }
  const changes = cc.changes
    .map((c) => ` changes:{type:${describeConfChangeType(c.type)} node_id:${c.nodeId}}`)
    .join('')
  return `transition:${describeConfChangeTransition(cc.transition)}${changes}${context}`
}

/**
 * Bytes as a Go double-quoted string literal (Go's `%q`): printable ASCII as is, `"` and `\`
 * escaped, other bytes as `\a`-style or `\xNN` escapes, valid UTF-8 above ASCII kept.
 */
export function quoteBytes(bytes: Uint8Array): string {
  let out = '"'
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number
    if (b < 0x80) {
      out += quoteAscii(b)
      i++
      continue
    }
    const length = utf8SequenceLength(bytes, i)
    if (length === 0) {
      out += `\\x${hex2(b)}`
      i++
      continue
    }
    const codePoint = decodeCodePoint(bytes, i, length)
    out += isGoPrintable(codePoint) ? String.fromCodePoint(codePoint) : goEscapeRune(codePoint)
    i += length
  }
  return `${out}"`
}

function quoteAscii(b: number): string {
  switch (b) {
    case 0x07:
      return '\\a'
    case 0x08:
      return '\\b'
    case 0x0c:
      return '\\f'
    case 0x0a:
      return '\\n'
    case 0x0d:
      return '\\r'
    case 0x09:
      return '\\t'
    case 0x0b:
      return '\\v'
    case 0x22:
      return '\\"'
    case 0x5c:
      return '\\\\'
  }
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${hex2(b)}`
}

// The length of the valid UTF-8 sequence starting at bytes[i] (a non-ASCII lead byte), or 0.
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i] as number
  const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0
  if (length === 0 || i + length > bytes.length) return 0
  for (let k = 1; k < length; k++) if (((bytes[i + k] as number) & 0xc0) !== 0x80) return 0
  const second = bytes[i + 1] as number
  // Overlong, surrogate and out-of-range forms are invalid.
  if (b === 0xe0 && second < 0xa0) return 0
  if (b === 0xed && second > 0x9f) return 0
  if (b === 0xf0 && second < 0x90) return 0
  if (b === 0xf4 && second > 0x8f) return 0
  return length
}

// The code point of a valid UTF-8 sequence of `length` bytes at bytes[i].
function decodeCodePoint(bytes: Uint8Array, i: number, length: number): number {
  const lead = bytes[i] as number
  let codePoint = length === 2 ? lead & 0x1f : length === 3 ? lead & 0x0f : lead & 0x07
  for (let k = 1; k < length; k++) codePoint = (codePoint << 6) | ((bytes[i + k] as number) & 0x3f)
  return codePoint
}

function isGoPrintable(codePoint: number): boolean {
  // Close to Go's unicode.IsPrint for what raft logs carry: letters, marks, symbols,
  // punctuation and the ASCII space; controls, format characters and separators are escaped.
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(String.fromCodePoint(codePoint))
}

function goEscapeRune(codePoint: number): string {
  return codePoint < 0x10000
    ? `\\u${codePoint.toString(16).padStart(4, '0')}`
    : `\\U${codePoint.toString(16).padStart(8, '0')}`
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0')
}
