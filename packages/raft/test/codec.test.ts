// The raftpb wire codec: golden bytes derived by hand from raft.proto and gogoproto's rules,
// round trips, compatibility with older etcd encodings, and hostile input.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  decodeConfChange,
  decodeConfChangeV2,
  decodeConfState,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshot,
  encodeConfChange,
  encodeConfChangeV2,
  encodeConfState,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshot,
  entrySize,
} from '../src/raftpb/codec.js'
import {
  type ConfChange,
  ConfChangeTransition,
  ConfChangeType,
  type ConfChangeV2,
  type ConfState,
  createMessage,
  EMPTY_BYTES,
  EMPTY_CONF_STATE,
  EMPTY_SNAPSHOT,
  type Entry,
  EntryType,
  type HardState,
  isEmptySnapshot,
  LOCAL_APPEND_THREAD,
  type Message,
  MessageType,
  type Snapshot,
} from '../src/raftpb/types.js'

/** Bytes from hex pairs separated by spaces: `'08 00 22 02'`. */
function hex(text: string): Uint8Array {
  const pairs = text.split(/\s+/).filter((pair) => pair !== '')
  return Uint8Array.from(pairs, (pair) => Number.parseInt(pair, 16))
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ')
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** Asserts `encode(value)` gives `golden` and `decode(golden)` gives `value` back. */
function assertGolden<T>(encode: (value: T) => Uint8Array, decode: (bytes: Uint8Array) => T, value: T, golden: string) {
  assert.equal(toHex(encode(value)), toHex(hex(golden)))
  assert.deepEqual(decode(hex(golden)), value)
}

/** Asserts that `fn` throws an error whose `code` is `code`. */
function assertCode(fn: () => unknown, code: string) {
  assert.throws(fn, (error: unknown) => {
    assert.equal((error as { code?: unknown }).code, code, String(error))
    return true
  })
}

const INVALID = 'RAFT_PROTOBUF_INVALID'
const OUT_OF_RANGE = 'RAFT_VALUE_OUT_OF_RANGE'

const MAX_ID = 0xffff_ffff_ffff_ffffn
// An etcd-style member ID (etcd derives them from a hash, using all 64 bits).
const MEMBER_ID = 0x8e9e_05c5_2164_694dn
// MEMBER_ID as a varint: its 7-bit groups, low first, are 4d 52 11 0b 52 38 01 4f 0e 01;
// every group but the last gets the continuation bit 0x80.
const MEMBER_ID_VARINT = 'cd d2 91 8b d2 b8 81 cf 8e 01'
// 2^64 - 1: nine groups of seven 1-bits (ff with the continuation bit), then bit 63 alone (01).
const MAX_ID_VARINT = 'ff ff ff ff ff ff ff ff ff 01'

function entry(term: number, index: number, data: Uint8Array = EMPTY_BYTES, type: EntryType = 0): Entry {
  return { term, index, type, data }
}

function confState(voters: bigint[], learners: bigint[] = [], outgoing: bigint[] = [], next: bigint[] = []): ConfState {
  return { voters, learners, votersOutgoing: outgoing, learnersNext: next, autoLeave: false }
}

describe('golden bytes', () => {
  // Tags are `fieldNumber << 3 | wireType`, wire type 0 for varints and 2 for length-delimited
  // values: field 1 varint = 08, field 2 varint = 10, field 4 bytes = 22, field 7 bytes = 3a...

  it('Entry with data', () => {
    assertGolden(
      encodeEntry,
      decodeEntry,
      entry(1, 2, utf8('hi')),
      // 08 00: Type (1) EntryNormal, written first though declared last: fields go in number order
      // 10 01: Term (2) 1
      // 18 02: Index (3) 2
      // 22 02 68 69: Data (4, wire type 2) length 2, "hi"
      '08 00 10 01 18 02 22 02 68 69',
    )
  })

  it('empty Entry: type, term and index are non-nullable, so always written; empty data is not', () => {
    assertGolden(encodeEntry, decodeEntry, entry(0, 0), '08 00 10 00 18 00')
  })

  it('HardState: all three fields always', () => {
    // term (1) 5, vote (2) 3, commit (3) 4
    assertGolden(encodeHardState, decodeHardState, { term: 5, vote: 3n, commit: 4 }, '08 05 10 03 18 04')
    assertGolden(
      encodeHardState,
      decodeHardState,
      { term: 300, vote: MEMBER_ID, commit: 128 },
      // term 300 = 0b10_0101100: low group 0x2c | 0x80 = ac, then 300 >> 7 = 02
      // vote: a ten-byte varint; commit 128: 80 01
      `08 ac 02 10 ${MEMBER_ID_VARINT} 18 80 01`,
    )
    assertGolden(encodeHardState, decodeHardState, { term: 0, vote: 0n, commit: 0 }, '08 00 10 00 18 00')
  })

  it('ConfState: one record per ID (proto2, not packed), auto_leave always', () => {
    assertGolden(
      encodeConfState,
      decodeConfState,
      confState([1n, 2n], [3n]),
      // voters (1): 08 01, 08 02; learners (2): 10 03; auto_leave (5) false: 28 00
      '08 01 08 02 10 03 28 00',
    )
    assertGolden(
      encodeConfState,
      decodeConfState,
      { voters: [1n, 2n], learners: [3n], votersOutgoing: [1n, 4n], learnersNext: [4n], autoLeave: true },
      // voters_outgoing (3): 18 01, 18 04; learners_next (4): 20 04; auto_leave true: 28 01
      '08 01 08 02 10 03 18 01 18 04 20 04 28 01',
    )
    assertGolden(encodeConfState, decodeConfState, EMPTY_CONF_STATE, '28 00')
  })

  it('MsgApp with two entries and a commit index', () => {
    const message = createMessage({
      type: MessageType.MsgApp,
      to: 2n,
      from: 1n,
      term: 5,
      logTerm: 4,
      index: 10,
      entries: [entry(5, 11, utf8('a')), entry(5, 12)],
      commit: 11,
    })
    assertGolden(
      encodeMessage,
      decodeMessage,
      message,
      [
        '08 03', // type (1) MsgApp = 3
        '10 02', // to (2) 2
        '18 01', // from (3) 1
        '20 05', // term (4) 5
        '28 04', // logTerm (5) 4
        '30 0a', // index (6) 10
        '3a 09 08 00 10 05 18 0b 22 01 61', // entries (7): 9 bytes: type 0, term 5, index 11, data "a"
        '3a 06 08 00 10 05 18 0c', // entries (7): 6 bytes: type 0, term 5, index 12, no data
        '40 0b', // commit (8) 11
        // snapshot (9) unset: not written (nullable since raft v3.6)
        '50 00', // reject (10) false, always
        '58 00', // rejectHint (11) 0, always
        // context (12) empty: not written
        '68 00', // vote (13) 0, always (raft v3.6)
      ].join(' '),
    )
  })

  it('MsgVote', () => {
    const message = createMessage({ type: MessageType.MsgVote, to: 2n, from: 1n, term: 3, logTerm: 2, index: 7 })
    // type 5, to 2, from 1, term 3, logTerm 2, index 7, commit 0, reject false, rejectHint 0, vote 0
    assertGolden(encodeMessage, decodeMessage, message, '08 05 10 02 18 01 20 03 28 02 30 07 40 00 50 00 58 00 68 00')
    assertGolden(
      encodeMessage,
      decodeMessage,
      createMessage({ ...message, context: utf8('x') }),
      // context (12, wire type 2) = 62, length 1, "x", between rejectHint (11) and vote (13)
      '08 05 10 02 18 01 20 03 28 02 30 07 40 00 50 00 58 00 62 01 78 68 00',
    )
  })

  it('MsgAppResp with a 64-bit member ID, reject and hint', () => {
    const message = createMessage({
      type: MessageType.MsgAppResp,
      to: MEMBER_ID,
      from: 2n,
      term: 300,
      index: 128,
      reject: true,
      rejectHint: 127,
    })
    assertGolden(
      encodeMessage,
      decodeMessage,
      message,
      // type 4, to MEMBER_ID (ten bytes), from 2, term 300 (ac 02), logTerm 0, index 128 (80 01),
      // commit 0, reject true (50 01), rejectHint 127 (58 7f: the largest one-byte varint), vote 0
      `08 04 10 ${MEMBER_ID_VARINT} 18 02 20 ac 02 28 00 30 80 01 40 00 50 01 58 7f 68 00`,
    )
  })

  it('MsgSnap with a snapshot', () => {
    const snapshot: Snapshot = { data: utf8('s'), metadata: { confState: confState([1n, 2n]), index: 10, term: 3 } }
    const message = createMessage({ type: MessageType.MsgSnap, to: 2n, from: 1n, term: 3, snapshot })
    assertGolden(
      encodeMessage,
      decodeMessage,
      message,
      [
        '08 07 10 02 18 01 20 03 28 00 30 00 40 00', // type 7, to 2, from 1, term 3, logTerm, index, commit 0
        '4a 11', // snapshot (9): 17 bytes =
        '0a 01 73', //   data (1) "s": 3 bytes
        '12 0c', //   metadata (2): 2 + 12 bytes, 12 =
        '0a 06 08 01 08 02 28 00', //     conf_state (1): 2 + 6 bytes: voters 1 2, auto_leave false
        '10 0a', //     index (2) 10
        '18 03', //     term (3) 3
        '50 00 58 00 68 00', // reject, rejectHint, vote
      ].join(' '),
    )
    // The snapshot on its own: the same 17 bytes.
    assertGolden(encodeSnapshot, decodeSnapshot, snapshot, '0a 01 73 12 0c 0a 06 08 01 08 02 28 00 10 0a 18 03')
    // The empty snapshot: no data, metadata (2) of 8 bytes: conf_state (2 + 2: auto_leave), index, term.
    assertGolden(encodeSnapshot, decodeSnapshot, EMPTY_SNAPSHOT, '12 08 0a 02 28 00 10 00 18 00')
  })

  it('MsgStorageAppend to the local append thread, with a response', () => {
    const response = createMessage({
      type: MessageType.MsgStorageAppendResp,
      to: 1n,
      from: LOCAL_APPEND_THREAD,
      logTerm: 1,
      index: 5,
    })
    const message = createMessage({
      type: MessageType.MsgStorageAppend,
      to: LOCAL_APPEND_THREAD,
      from: 1n,
      responses: [response],
    })
    // The response: type 20 (08 14), to 1, from 2^64 - 1 (ten bytes), term 0, logTerm 1,
    // index 5, commit, reject, rejectHint, vote: 2 + 2 + 11 + 2 * 7 = 29 = 0x1d bytes.
    const responseBytes = `08 14 10 01 18 ${MAX_ID_VARINT} 20 00 28 01 30 05 40 00 50 00 58 00 68 00`
    assertGolden(
      encodeMessage,
      decodeMessage,
      message,
      // type 19 (08 13), to 2^64 - 1, from 1, zeros..., then responses (14, wire type 2) = 72
      `08 13 10 ${MAX_ID_VARINT} 18 01 20 00 28 00 30 00 40 00 50 00 58 00 68 00 72 1d ${responseBytes}`,
    )
  })

  it('ConfChange: id, type and node ID always, context when set', () => {
    const cc: ConfChange = { id: 7n, type: ConfChangeType.ConfChangeAddNode, nodeId: 2n, context: utf8('c') }
    // id (1) 7, type (2) AddNode = 0, node_id (3) 2, context (4) "c"
    assertGolden(encodeConfChange, decodeConfChange, cc, '08 07 10 00 18 02 22 01 63')
    assertGolden(
      encodeConfChange,
      decodeConfChange,
      { id: 0n, type: ConfChangeType.ConfChangeRemoveNode, nodeId: MEMBER_ID, context: EMPTY_BYTES },
      `08 00 10 01 18 ${MEMBER_ID_VARINT}`,
    )
  })

  it('ConfChangeV2: transition always, each change nested, context when set', () => {
    const cc: ConfChangeV2 = {
      transition: ConfChangeTransition.ConfChangeTransitionJointExplicit,
      changes: [
        { type: ConfChangeType.ConfChangeAddNode, nodeId: 4n },
        { type: ConfChangeType.ConfChangeAddLearnerNode, nodeId: 5n },
      ],
      context: utf8('x'),
    }
    assertGolden(
      encodeConfChangeV2,
      decodeConfChangeV2,
      cc,
      // transition (1) JointExplicit = 2; changes (2): 4 bytes each, ConfChangeSingle type (1)
      // and node_id (2): AddNode 4, then AddLearnerNode (3) 5; context (3) "x"
      '08 02 12 04 08 00 10 04 12 04 08 03 10 05 1a 01 78',
    )
    // The empty change that leaves a joint configuration: the transition alone.
    assertGolden(
      encodeConfChangeV2,
      decodeConfChangeV2,
      { transition: ConfChangeTransition.ConfChangeTransitionAuto, changes: [], context: EMPTY_BYTES },
      '08 00',
    )
  })
})

describe('round trips', () => {
  const MAX = Number.MAX_SAFE_INTEGER

  it('Entry: every type, max values, empty and large data', () => {
    for (const type of Object.values(EntryType)) {
      for (const value of [0, 1, 127, 128, 2 ** 31, 2 ** 32, 2 ** 49, MAX]) {
        for (const data of [EMPTY_BYTES, utf8('x'), new Uint8Array(300).fill(7)]) {
          const e = entry(value, MAX - value, data, type)
          const bytes = encodeEntry(e)
          assert.equal(bytes.length, entrySize(e))
          assert.deepEqual(decodeEntry(bytes), e)
        }
      }
    }
  })

  it('Message: every type, max values, max IDs', () => {
    for (const type of Object.values(MessageType)) {
      const message = createMessage({
        type,
        to: MAX_ID,
        from: MEMBER_ID,
        term: MAX,
        logTerm: MAX - 1,
        index: MAX,
        entries: [entry(MAX, MAX, utf8('data'), EntryType.EntryConfChangeV2)],
        commit: MAX,
        vote: MAX_ID,
        snapshot: { data: utf8('snap'), metadata: { confState: confState([MAX_ID]), index: MAX, term: MAX } },
        reject: true,
        rejectHint: MAX,
        context: utf8('ctx'),
        responses: [createMessage({ type, to: MAX_ID - 1n, commit: MAX })],
      })
      assert.deepEqual(decodeMessage(encodeMessage(message)), message)
      const zero = createMessage({ type })
      assert.deepEqual(decodeMessage(encodeMessage(zero)), zero)
    }
  })

  it('Message with an empty snapshot present stays present', () => {
    const message = createMessage({ type: MessageType.MsgHeartbeat, snapshot: EMPTY_SNAPSHOT })
    const decoded = decodeMessage(encodeMessage(message))
    assert.deepEqual(decoded, message)
    assert.notEqual(decoded.snapshot, undefined)
  })

  it('HardState and ConfState: max values and empty lists', () => {
    for (const state of [
      { term: MAX, vote: MAX_ID, commit: MAX },
      { term: 0, vote: 0n, commit: 0 },
      { term: 1, vote: 2n ** 63n, commit: 2 ** 53 - 2 },
    ] satisfies HardState[]) {
      assert.deepEqual(decodeHardState(encodeHardState(state)), state)
    }
    for (const state of [
      EMPTY_CONF_STATE,
      { ...EMPTY_CONF_STATE, autoLeave: true },
      { voters: [MAX_ID, 0n, 1n], learners: [], votersOutgoing: [2n ** 56n], learnersNext: [], autoLeave: false },
      { voters: [], learners: [MEMBER_ID], votersOutgoing: [], learnersNext: [2n ** 63n - 1n], autoLeave: true },
    ] satisfies ConfState[]) {
      assert.deepEqual(decodeConfState(encodeConfState(state)), state)
    }
  })

  it('Snapshot: empty data, max values', () => {
    for (const snapshot of [
      EMPTY_SNAPSHOT,
      { data: EMPTY_BYTES, metadata: { confState: EMPTY_CONF_STATE, index: MAX, term: MAX } },
      {
        data: new Uint8Array(1000).fill(1),
        metadata: { confState: confState([1n], [2n], [3n], [4n]), index: 1, term: 1 },
      },
    ] satisfies Snapshot[]) {
      assert.deepEqual(decodeSnapshot(encodeSnapshot(snapshot)), snapshot)
    }
  })

  it('ConfChange and ConfChangeV2: every type and transition, max IDs', () => {
    for (const type of Object.values(ConfChangeType)) {
      for (const cc of [
        { id: MAX_ID, type, nodeId: MAX_ID, context: utf8('{"name":"infra1"}') },
        { id: 0n, type, nodeId: 0n, context: EMPTY_BYTES },
      ] satisfies ConfChange[]) {
        assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc)
      }
    }
    for (const transition of Object.values(ConfChangeTransition)) {
      const cc: ConfChangeV2 = {
        transition,
        changes: Object.values(ConfChangeType).map((type, i) => ({ type, nodeId: MAX_ID - BigInt(i) })),
        context: utf8('ctx'),
      }
      assert.deepEqual(decodeConfChangeV2(encodeConfChangeV2(cc)), cc)
    }
  })

  it('decoded byte fields are views into the input, also from a Buffer or an offset view', () => {
    const bytes = encodeEntry(entry(1, 2, utf8('hello')))
    const decoded = decodeEntry(bytes)
    assert.equal(decoded.data.buffer, bytes.buffer)
    const padded = new Uint8Array(bytes.length + 3)
    padded.set(bytes, 3)
    assert.deepEqual(decodeEntry(padded.subarray(3)), decoded)
    assert.equal(toHex(decodeEntry(Buffer.from(bytes)).data), toHex(utf8('hello')))
  })
})

describe('compatibility', () => {
  it('decodes an etcd 3.4 message: always-present empty snapshot, no vote field', () => {
    // etcd 3.4 wrote snapshot (9) in every message (non-nullable) and had no vote (13).
    // MsgHeartbeat to 2 from 1, term 3, commit 5; snapshot: metadata (2) of 8 bytes: conf_state
    // holding auto_leave false only, index 0, term 0.
    const golden = '08 08 10 02 18 01 20 03 28 00 30 00 40 05 4a 0a 12 08 0a 02 28 00 10 00 18 00 50 00 58 00'
    const decoded = decodeMessage(hex(golden))
    const expected = createMessage({
      type: MessageType.MsgHeartbeat,
      to: 2n,
      from: 1n,
      term: 3,
      commit: 5,
      snapshot: EMPTY_SNAPSHOT,
    })
    assert.deepEqual(decoded, expected)
    assert.ok(isEmptySnapshot(decoded.snapshot))
    // Re-encoded as raft v3.6 would (the snapshot was set): the same bytes and vote (13).
    assert.equal(toHex(encodeMessage(decoded)), `${golden} 68 00`)
  })

  it('decodes an empty snapshot without auto_leave (etcd before 3.4) and with no metadata at all', () => {
    // conf_state of zero bytes (0a 00)
    assert.deepEqual(decodeSnapshot(hex('12 06 0a 00 10 00 18 00')), EMPTY_SNAPSHOT)
    assert.deepEqual(decodeSnapshot(hex('')), EMPTY_SNAPSHOT)
    assert.deepEqual(decodeMessage(hex('4a 00')), createMessage({ type: 0, snapshot: EMPTY_SNAPSHOT }))
  })

  it('decodes packed repeated uint64 in ConfState, mixed with unpacked records', () => {
    // voters (1, wire type 2) packed: length 3: 1 2 3; learners (2) packed: 4; auto_leave true
    assert.deepEqual(decodeConfState(hex('0a 03 01 02 03 12 01 04 28 01')), {
      voters: [1n, 2n, 3n],
      learners: [4n],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: true,
    })
    // voters 1 unpacked, then 2 and MAX_ID packed (1 + 10 bytes), then voters_outgoing (3) and
    // learners_next (4) packed
    assert.deepEqual(decodeConfState(hex(`08 01 0a 0b 02 ${MAX_ID_VARINT} 1a 01 05 22 02 06 07`)), {
      voters: [1n, 2n, MAX_ID],
      learners: [],
      votersOutgoing: [5n],
      learnersNext: [6n, 7n],
      autoLeave: false,
    })
    // An empty packed list adds nothing.
    assert.deepEqual(decodeConfState(hex('0a 00')), EMPTY_CONF_STATE)
  })

  it('skips unknown fields of every wire type', () => {
    const unknown = [
      '78 96 01', // field 15, varint: tag 15 << 3 | 0 = 0x78; value 150
      '81 01 01 02 03 04 05 06 07 08', // field 16, I64: tag 16 << 3 | 1 = 129 = 81 01; 8 bytes
      '8a 01 03 61 62 63', // field 17, LEN: tag 138 = 8a 01; length 3, "abc"
      '95 01 de ad be ef', // field 18, I32: tag 149 = 95 01; 4 bytes
    ]
    const [varint, i64, len, i32] = unknown
    assert.deepEqual(
      decodeEntry(hex(`${varint} 08 00 ${i64} 10 01 ${len} 18 02 ${i32} 22 02 68 69 ${unknown.join(' ')}`)),
      entry(1, 2, utf8('hi')),
    )
    // In a message and inside its nested entries and snapshot.
    assert.deepEqual(
      decodeMessage(hex(`08 03 ${len} 3a 08 ${i32} 10 07 4a 0c ${i64} 12 00 ${varint} 68 05`)),
      createMessage({ type: MessageType.MsgApp, entries: [entry(7, 0)], snapshot: EMPTY_SNAPSHOT, vote: 5n }),
    )
    for (const field of unknown) {
      assert.deepEqual(decodeHardState(hex(`${field} 08 01`)), { term: 1, vote: 0n, commit: 0 })
      assert.deepEqual(decodeConfState(hex(`${field} 08 01`)), { ...EMPTY_CONF_STATE, voters: [1n] })
      assert.deepEqual(decodeConfChange(hex(`${field} 18 01`)), {
        id: 0n,
        type: 0,
        nodeId: 1n,
        context: EMPTY_BYTES,
      })
      assert.deepEqual(decodeConfChangeV2(hex(`12 ${(hex(field).length + 2).toString(16)} ${field} 10 09`)), {
        transition: 0,
        changes: [{ type: 0, nodeId: 9n }],
        context: EMPTY_BYTES,
      })
    }
  })

  it('accepts non-minimal varints, keeps the last of a repeated scalar, merges repeated messages', () => {
    // Tag 08 padded to two bytes (88 00), value 1 padded to three (81 80 00).
    assert.deepEqual(decodeHardState(hex('88 00 81 80 00')), { term: 1, vote: 0n, commit: 0 })
    assert.deepEqual(decodeEntry(hex('10 01 10 02')), entry(2, 0))
    // Two metadata records: index from the first, term and another voter from the second.
    assert.deepEqual(decodeSnapshot(hex('12 06 0a 02 08 01 10 05 12 06 0a 02 08 02 18 02')), {
      data: EMPTY_BYTES,
      metadata: { confState: confState([1n, 2n]), index: 5, term: 2 },
    })
  })

  it('decodes unknown enum values as their numbers, as Go does', () => {
    assert.equal(decodeEntry(hex('08 07')).type, 7)
    assert.equal(decodeMessage(hex('08 63')).type, 99)
    // A negative int32 arrives sign-extended to ten bytes: -1.
    assert.equal(decodeConfChange(hex(`10 ${MAX_ID_VARINT}`)).type, -1)
  })
})

describe('errors', () => {
  it('truncated varint', () => {
    assertCode(() => decodeEntry(hex('10 80')), INVALID)
    assertCode(() => decodeEntry(hex('10')), INVALID)
    assertCode(() => decodeMessage(hex('80')), INVALID) // a truncated tag
  })

  it('length past the end of the input or of the enclosing message', () => {
    assertCode(() => decodeEntry(hex('22 05 68 69')), INVALID)
    // The entry claims 5 bytes, but the message ends after 2.
    assertCode(() => decodeMessage(hex('3a 05 08 00')), INVALID)
    // The entry's data claims 4 bytes; 4 follow in the message, but the entry is 4 bytes long.
    assertCode(() => decodeMessage(hex('3a 04 08 00 22 04 00 00 00 00')), INVALID)
    assertCode(() => decodeConfState(hex('0a 02 01')), INVALID)
  })

  it('a hostile length allocates nothing', () => {
    // data length 2^32 - 1 and 2^63 in a ten-byte input
    assertCode(() => decodeEntry(hex('22 ff ff ff ff 0f 00 00')), INVALID)
    assertCode(() => decodeSnapshot(hex('0a 80 80 80 80 80 80 80 80 80 01')), INVALID)
  })

  it('invalid wire types: groups (3, 4), 6 and 7', () => {
    for (const wireType of [3, 4, 6, 7]) {
      const tag = ((15 << 3) | wireType).toString(16)
      assertCode(() => decodeEntry(hex(`${tag} 00`)), INVALID)
      assertCode(() => decodeMessage(hex(`${tag} 00`)), INVALID)
    }
    assertCode(() => decodeEntry(hex('0f')), INVALID) // field 1, wire type 7
  })

  it('a known field with the wrong wire type', () => {
    assertCode(() => decodeEntry(hex('0a 00')), INVALID) // Type as bytes
    assertCode(() => decodeEntry(hex('20 00')), INVALID) // Data as varint
    assertCode(() => decodeMessage(hex('38 00')), INVALID) // entries as varint
    assertCode(() => decodeConfState(hex('2a 00')), INVALID) // auto_leave packed
  })

  it('field number 0', () => {
    assertCode(() => decodeEntry(hex('00 00')), INVALID)
    assertCode(() => decodeEntry(hex('02 00')), INVALID)
  })

  it('truncated fixed-width fields', () => {
    assertCode(() => decodeEntry(hex('81 01 00 00 00')), INVALID)
    assertCode(() => decodeEntry(hex('95 01 00')), INVALID)
  })

  it('varint longer than 10 bytes', () => {
    // Ten bytes are fine (2^64 - 1); an eleventh is not, whatever its value.
    assert.equal(decodeMessage(hex(`10 ${MAX_ID_VARINT}`)).to, MAX_ID)
    assertCode(() => decodeMessage(hex('10 ff ff ff ff ff ff ff ff ff 81 00')), INVALID)
    assertCode(() => decodeMessage(hex('10 80 80 80 80 80 80 80 80 80 80 00')), INVALID)
  })

  it('bits above 63 in the tenth byte are dropped, as in gogo decoders', () => {
    assert.equal(decodeMessage(hex('10 ff ff ff ff ff ff ff ff ff 7f')).to, MAX_ID)
    assert.equal(decodeMessage(hex('10 80 80 80 80 80 80 80 80 80 7e')).to, 0n)
  })

  it('term, index, commit and reject hint above 2^53 - 1', () => {
    // 2^53 - 1: seven groups of seven 1-bits, then 0f (four more bits).
    assert.equal(decodeEntry(hex('10 ff ff ff ff ff ff ff 0f')).term, Number.MAX_SAFE_INTEGER)
    // 2^53: seven empty groups, then 10 (bit 53 is the fifth bit of the eighth group).
    assert.throws(
      () => decodeEntry(hex('10 80 80 80 80 80 80 80 10')),
      (error: unknown) => {
        assert.equal((error as { code?: unknown }).code, OUT_OF_RANGE)
        assert.equal((error as { value?: unknown }).value, 2n ** 53n)
        return true
      },
    )
    assert.throws(
      () => decodeMessage(hex(`58 ${MAX_ID_VARINT}`)),
      (error: unknown) => (error as { code?: unknown; value?: unknown }).value === MAX_ID,
    )
    for (const tag of ['20', '28', '30', '40', '58'])
      assertCode(() => decodeMessage(hex(`${tag} ${MAX_ID_VARINT}`)), OUT_OF_RANGE)
    assertCode(() => decodeHardState(hex(`18 ${MAX_ID_VARINT}`)), OUT_OF_RANGE)
    assertCode(() => decodeSnapshot(hex(`12 0b 10 ${MAX_ID_VARINT}`)), OUT_OF_RANGE)
  })

  it('responses nested too deep', () => {
    const nest = (depth: number): Message =>
      depth === 0 ? createMessage({ type: 0 }) : createMessage({ type: 0, responses: [nest(depth - 1)] })
    assert.doesNotThrow(() => decodeMessage(encodeMessage(nest(100))))
    assertCode(() => decodeMessage(encodeMessage(nest(101))), INVALID)
    // Ten thousand levels of `72 <length>` (hostile: two to three bytes a level) fail cleanly,
    // without exhausting the stack.
    const headers: number[][] = []
    let size = 0
    for (let level = 0; level < 10_000; level++) {
      const header = [0x72, ...varint(size)]
      headers.push(header)
      size += header.length
    }
    const deep = Uint8Array.from(headers.reverse().flat())
    assertCode(() => decodeMessage(deep), INVALID)
  })

  it('encoders refuse out-of-range values with RangeError', () => {
    const bad: (() => unknown)[] = [
      () => encodeEntry(entry(-1, 0)),
      () => encodeEntry(entry(1.5, 0)),
      () => encodeEntry(entry(0, 2 ** 53)),
      () => encodeEntry(entry(0, Number.NaN)),
      () => encodeEntry({ ...entry(0, 0), type: (2 ** 31) as EntryType }),
      () => entrySize(entry(0, -1)),
      () => encodeMessage(createMessage({ type: 0, to: -1n })),
      () => encodeMessage(createMessage({ type: 0, from: 2n ** 64n })),
      () => encodeMessage(createMessage({ type: 0, entries: [entry(-1, 0)] })),
      () => encodeMessage(createMessage({ type: 0, responses: [createMessage({ type: 0, vote: -5n })] })),
      () => encodeHardState({ term: 0, vote: 0n, commit: -1 }),
      () => encodeConfState({ ...EMPTY_CONF_STATE, learnersNext: [2n ** 64n] }),
      () => encodeConfChange({ id: -1n, type: 0, nodeId: 0n, context: EMPTY_BYTES }),
      () => encodeConfChangeV2({ transition: 0, changes: [{ type: 0, nodeId: 2n ** 65n }], context: EMPTY_BYTES }),
      () => encodeConfState({ ...EMPTY_CONF_STATE, voters: [1 as unknown as bigint] }),
    ]
    for (const fn of bad) assert.throws(fn, RangeError)
  })

  it('a negative enum value is written sign-extended, as Go writes an int32', () => {
    const cc: ConfChange = { id: 0n, type: -1 as ConfChangeType, nodeId: 0n, context: EMPTY_BYTES }
    assert.equal(toHex(encodeConfChange(cc)), `08 00 10 ${MAX_ID_VARINT} 18 00`)
  })
})

/** The varint encoding of a small non-negative integer (test helper). */
function varint(value: number): number[] {
  const out: number[] = []
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80)
    value >>>= 7
  }
  out.push(value)
  return out
}

describe('properties', () => {
  const id = fc.oneof(
    fc.bigInt({ min: 0n, max: 300n }),
    fc.bigInt({ min: 0n, max: MAX_ID }),
    fc.constantFrom(0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, MAX_ID),
  )
  const num = fc.oneof(
    fc.nat(1000),
    fc.maxSafeNat(),
    fc.constantFrom(0, 127, 128, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER),
  )
  const bytes = fc.oneof(fc.constant(EMPTY_BYTES), fc.uint8Array({ maxLength: 40 }))
  // fast-check may build records without a prototype; decoded values have one.
  const plain = { noNullPrototype: true }
  const entryArb: fc.Arbitrary<Entry> = fc.record(
    { term: num, index: num, type: fc.constantFrom(...Object.values(EntryType)), data: bytes },
    plain,
  )
  const ids = fc.array(id, { maxLength: 4 })
  const confStateArb: fc.Arbitrary<ConfState> = fc.record(
    { voters: ids, learners: ids, votersOutgoing: ids, learnersNext: ids, autoLeave: fc.boolean() },
    plain,
  )
  const snapshotArb: fc.Arbitrary<Snapshot> = fc.record(
    { data: bytes, metadata: fc.record({ confState: confStateArb, index: num, term: num }, plain) },
    plain,
  )
  const messageFields = {
    type: fc.constantFrom(...Object.values(MessageType)),
    to: id,
    from: id,
    term: num,
    logTerm: num,
    index: num,
    entries: fc.array(entryArb, { maxLength: 4 }),
    commit: num,
    vote: id,
    snapshot: fc.option(snapshotArb, { nil: undefined }),
    reject: fc.boolean(),
    rejectHint: num,
    context: bytes,
  }
  const leafMessage: fc.Arbitrary<Message> = fc.record({ ...messageFields, responses: fc.constant([]) }, plain)
  const messageArb: fc.Arbitrary<Message> = fc.record(
    { ...messageFields, responses: fc.array(leafMessage, { maxLength: 2 }) },
    plain,
  )
  const changeArb = fc.record({ type: fc.constantFrom(...Object.values(ConfChangeType)), nodeId: id }, plain)
  const confChangeV2Arb: fc.Arbitrary<ConfChangeV2> = fc.record(
    {
      transition: fc.constantFrom(...Object.values(ConfChangeTransition)),
      changes: fc.array(changeArb, { maxLength: 4 }),
      context: bytes,
    },
    plain,
  )

  it('Entry round-trips and entrySize is its encoded length', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        const encoded = encodeEntry(e)
        assert.equal(entrySize(e), encoded.length)
        assert.deepEqual(decodeEntry(encoded), e)
      }),
      { numRuns: 1000 },
    )
  })

  it('Message round-trips, and re-encoding its decoding gives the same bytes', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        const encoded = encodeMessage(message)
        const decoded = decodeMessage(encoded)
        assert.deepEqual(decoded, message)
        assert.deepEqual(encodeMessage(decoded), encoded)
      }),
      { numRuns: 500 },
    )
  })

  it('ConfState, Snapshot, ConfChangeV2 round-trip', () => {
    fc.assert(
      fc.property(confStateArb, snapshotArb, confChangeV2Arb, (state, snapshot, cc) => {
        assert.deepEqual(decodeConfState(encodeConfState(state)), state)
        assert.deepEqual(decodeSnapshot(encodeSnapshot(snapshot)), snapshot)
        assert.deepEqual(decodeConfChangeV2(encodeConfChangeV2(cc)), cc)
      }),
      { numRuns: 500 },
    )
  })

  const decoders: ((bytes: Uint8Array) => unknown)[] = [
    decodeEntry,
    decodeMessage,
    decodeHardState,
    decodeConfState,
    decodeSnapshot,
    decodeConfChange,
    decodeConfChangeV2,
  ]

  /** Decodes `input`, which must either succeed or fail with one of the codec's own errors. */
  function decodesOrFailsCleanly(decode: (bytes: Uint8Array) => unknown, input: Uint8Array): void {
    try {
      decode(input)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code !== INVALID && code !== OUT_OF_RANGE) throw new Error(`unexpected error: ${String(error)}`)
    }
  }

  it('random bytes decode or fail with a typed error', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
        for (const decode of decoders) decodesOrFailsCleanly(decode, input)
      }),
      { numRuns: 2000 },
    )
  })

  it('mutated valid encodings decode or fail with a typed error', { timeout: 60_000 }, () => {
    const mutation = fc.record({
      writes: fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), {
        minLength: 1,
        maxLength: 4,
      }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    })
    fc.assert(
      fc.property(messageArb, mutation, (message, { writes, cut }) => {
        let input = encodeMessage(message)
        for (const { at, byte } of writes) input[at % input.length] = byte
        if (cut !== undefined) input = input.subarray(0, cut % (input.length + 1))
        decodesOrFailsCleanly(decodeMessage, input)
        decodesOrFailsCleanly(decodeSnapshot, input)
      }),
      { numRuns: 2000 },
    )
  })
})
