// The describe* helpers print exactly what etcd-io/raft's DescribeEntry, DescribeMessage,
// DescribeReady, ... print (util.go), and quoteBytes is Go's %q of a byte slice.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ConfChangeTransition,
  ConfChangeType,
  type ConfState,
  createMessage,
  describeConfState,
  describeEntries,
  describeEntry,
  describeHardState,
  describeMessage,
  describeReady,
  describeSnapshot,
  describeSoftState,
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
  EMPTY_SNAPSHOT,
  type Entry,
  EntryType,
  encodeConfChange,
  encodeConfChangeV2,
  LOCAL_APPEND_THREAD,
  LOCAL_APPLY_THREAD,
  MessageType,
  quoteBytes,
  type Ready,
  type Snapshot,
  StateType,
} from '@etcd-ts/raft'
import { bytes, entry } from './helpers/network.js'

const VOTERS_123: ConfState = { ...EMPTY_CONF_STATE, voters: [1n, 2n, 3n] }
const SNAPSHOT: Snapshot = { data: bytes('state'), metadata: { index: 11, term: 1, confState: VOTERS_123 } }
const SNAPSHOT_TEXT =
  'Index:11 Term:1 ConfState:Voters:[1 2 3] VotersOutgoing:[] Learners:[] LearnersNext:[] AutoLeave:false'

function ready(fields: Partial<Ready>): Ready {
  return {
    softState: undefined,
    hardState: EMPTY_HARD_STATE,
    readStates: [],
    entries: [],
    snapshot: EMPTY_SNAPSHOT,
    committedEntries: [],
    messages: [],
    mustSync: false,
    ...fields,
  }
}

describe('describeEntry', () => {
  it('term/index, type and quoted payload', () => {
    assert.equal(describeEntry(entry(3, 1, 'foo')), '1/3 EntryNormal "foo"')
    // An empty payload still prints as "" (Go's %q of an empty slice).
    assert.equal(describeEntry(entry(3, 1)), '1/3 EntryNormal ""')
  })

  it('conf changes as change tokens', () => {
    const v1: Entry = {
      term: 2,
      index: 5,
      type: EntryType.EntryConfChange,
      data: encodeConfChange({ id: 0n, type: ConfChangeType.ConfChangeAddNode, nodeId: 2n, context: bytes('') }),
    }
    assert.equal(describeEntry(v1), '2/5 EntryConfChange v2')
    const v2: Entry = {
      term: 2,
      index: 6,
      type: EntryType.EntryConfChangeV2,
      data: encodeConfChangeV2({
        transition: ConfChangeTransition.ConfChangeTransitionAuto,
        changes: [
          { type: ConfChangeType.ConfChangeAddNode, nodeId: 4n },
          { type: ConfChangeType.ConfChangeAddLearnerNode, nodeId: 5n },
          { type: ConfChangeType.ConfChangeRemoveNode, nodeId: 1n },
        ],
        context: bytes(''),
      }),
    }
    assert.equal(describeEntry(v2), '2/6 EntryConfChangeV2 v4 l5 r1')
    // An empty ConfChangeV2 (leave joint) prints no payload and no trailing space.
    assert.equal(
      describeEntry({ term: 2, index: 7, type: EntryType.EntryConfChangeV2, data: bytes('') }),
      '2/7 EntryConfChangeV2',
    )
  })

  it('uses a custom formatter for normal entries only', () => {
    const upper = (data: Uint8Array) => new TextDecoder().decode(data).toUpperCase()
    assert.equal(describeEntry(entry(1, 1, 'abc'), upper), '1/1 EntryNormal ABC')
    // An empty formatted payload leaves no trailing space.
    assert.equal(
      describeEntry(entry(1, 1, 'abc'), () => ''),
      '1/1 EntryNormal',
    )
  })

  it('describeEntries puts each entry on its own line', () => {
    assert.equal(describeEntries([entry(1, 1, 'a'), entry(2, 1, 'b')]), '1/1 EntryNormal "a"\n1/2 EntryNormal "b"\n')
    assert.equal(describeEntries([]), '')
  })
})

describe('describeMessage', () => {
  it('one entry inline', () => {
    const m = createMessage({
      type: MessageType.MsgApp,
      from: 1n,
      to: 2n,
      term: 1,
      logTerm: 1,
      index: 2,
      commit: 2,
      entries: [entry(3, 1, 'foo')],
    })
    assert.equal(describeMessage(m), '1->2 MsgApp Term:1 Log:1/2 Commit:2 Entries:[1/3 EntryNormal "foo"]')
  })

  it('several entries on indented lines', () => {
    const m = createMessage({
      type: MessageType.MsgApp,
      from: 1n,
      to: 2n,
      term: 1,
      logTerm: 1,
      index: 2,
      commit: 2,
      entries: [entry(3, 1, 'foo'), entry(4, 1, 'bar')],
    })
    assert.equal(
      describeMessage(m),
      '1->2 MsgApp Term:1 Log:1/2 Commit:2 Entries:[\n  1/3 EntryNormal "foo"\n  1/4 EntryNormal "bar"\n]',
    )
  })

  it('zero fields are left out; a rejection prints its hint', () => {
    assert.equal(
      describeMessage(createMessage({ type: MessageType.MsgAppResp, from: 2n, to: 1n, term: 1, index: 3 })),
      '2->1 MsgAppResp Term:1 Log:0/3',
    )
    assert.equal(
      describeMessage(
        createMessage({
          type: MessageType.MsgAppResp,
          from: 2n,
          to: 1n,
          term: 3,
          logTerm: 2,
          index: 5,
          reject: true,
          rejectHint: 4,
          commit: 1,
        }),
      ),
      '2->1 MsgAppResp Term:3 Log:2/5 Rejected (Hint: 4) Commit:1',
    )
  })

  it('IDs in hex; None and the local threads by name', () => {
    assert.equal(
      describeMessage(createMessage({ type: MessageType.MsgHeartbeat, from: 10n, to: 255n, term: 2 })),
      'a->ff MsgHeartbeat Term:2 Log:0/0',
    )
    assert.equal(
      describeMessage(createMessage({ type: MessageType.MsgHup, from: 0n, to: 1n })),
      'None->1 MsgHup Term:0 Log:0/0',
    )
    assert.equal(
      describeMessage(createMessage({ type: MessageType.MsgStorageAppendResp, from: LOCAL_APPEND_THREAD, to: 1n })),
      'AppendThread->1 MsgStorageAppendResp Term:0 Log:0/0',
    )
    assert.equal(
      describeMessage(createMessage({ type: MessageType.MsgStorageApply, from: 1n, to: LOCAL_APPLY_THREAD })),
      '1->ApplyThread MsgStorageApply Term:0 Log:0/0',
    )
  })

  it('a snapshot on its own line', () => {
    const m = createMessage({ type: MessageType.MsgSnap, from: 1n, to: 3n, term: 1, snapshot: SNAPSHOT })
    assert.equal(describeMessage(m), `1->3 MsgSnap Term:1 Log:0/0\n  Snapshot: ${SNAPSHOT_TEXT}`)
    // The empty snapshot is not printed.
    assert.equal(
      describeMessage(
        createMessage({ type: MessageType.MsgSnap, from: 1n, to: 3n, term: 1, snapshot: EMPTY_SNAPSHOT }),
      ),
      '1->3 MsgSnap Term:1 Log:0/0',
    )
  })

  it('responses nested and indented, with their entries', () => {
    const append = createMessage({
      type: MessageType.MsgStorageAppend,
      from: 1n,
      to: LOCAL_APPEND_THREAD,
      term: 1,
      commit: 10,
      vote: 1n,
      responses: [createMessage({ type: MessageType.MsgVoteResp, from: 1n, to: 1n, term: 1 })],
    })
    assert.equal(
      describeMessage(append),
      '1->AppendThread MsgStorageAppend Term:1 Log:0/0 Commit:10 Vote:1 Responses:[\n  1->1 MsgVoteResp Term:1 Log:0/0\n]',
    )
    const entries = [entry(1, 1, 'a'), entry(2, 1, 'b')]
    const apply = createMessage({
      type: MessageType.MsgStorageApply,
      from: 1n,
      to: LOCAL_APPLY_THREAD,
      entries,
      responses: [
        createMessage({ type: MessageType.MsgStorageApplyResp, from: LOCAL_APPLY_THREAD, to: 1n, entries }),
        createMessage({ type: MessageType.MsgSnap, from: 1n, to: 2n, term: 1, snapshot: SNAPSHOT }),
      ],
    })
    assert.equal(
      describeMessage(apply),
      [
        '1->ApplyThread MsgStorageApply Term:0 Log:0/0 Entries:[',
        '  1/1 EntryNormal "a"',
        '  1/2 EntryNormal "b"',
        '] Responses:[',
        '  ApplyThread->1 MsgStorageApplyResp Term:0 Log:0/0 Entries:[',
        '    1/1 EntryNormal "a"',
        '    1/2 EntryNormal "b"',
        '  ]',
        '  1->2 MsgSnap Term:1 Log:0/0',
        `    Snapshot: ${SNAPSHOT_TEXT}`,
        ']',
      ].join('\n'),
    )
  })

  it('passes the entry formatter down', () => {
    const m = createMessage({ type: MessageType.MsgProp, from: 1n, to: 2n, entries: [entry(0, 0, 'x')] })
    assert.equal(
      describeMessage(m, () => 'X'),
      '1->2 MsgProp Term:0 Log:0/0 Entries:[0/0 EntryNormal X]',
    )
  })
})

describe('describe states and snapshots', () => {
  it('describeSoftState', () => {
    assert.equal(describeSoftState({ lead: 1n, raftState: StateType.StateLeader }), 'Lead:1 State:StateLeader')
    assert.equal(
      describeSoftState({ lead: 0n, raftState: StateType.StatePreCandidate }),
      'Lead:0 State:StatePreCandidate',
    )
  })

  it('describeHardState leaves out a zero vote', () => {
    assert.equal(describeHardState({ term: 2, vote: 3n, commit: 4 }), 'Term:2 Vote:3 Commit:4')
    assert.equal(describeHardState({ term: 1, vote: 0n, commit: 0 }), 'Term:1 Commit:0')
  })

  it('describeConfState prints decimal ID lists', () => {
    assert.equal(
      describeConfState({
        voters: [1n, 2n, 12n],
        votersOutgoing: [1n, 2n],
        learners: [4n],
        learnersNext: [3n],
        autoLeave: true,
      }),
      'Voters:[1 2 12] VotersOutgoing:[1 2] Learners:[4] LearnersNext:[3] AutoLeave:true',
    )
  })

  it('describeSnapshot', () => {
    assert.equal(describeSnapshot(SNAPSHOT), SNAPSHOT_TEXT)
  })
})

describe('describeReady', () => {
  it('<empty Ready> when nothing is pending', () => {
    assert.equal(describeReady(ready({})), '<empty Ready>')
    // MustSync alone is not content.
    assert.equal(describeReady(ready({ mustSync: true })), '<empty Ready>')
  })

  it('every section in etcd order', () => {
    const rd = ready({
      softState: { lead: 1n, raftState: StateType.StateLeader },
      hardState: { term: 1, vote: 1n, commit: 2 },
      entries: [entry(3, 1, 'a')],
      snapshot: SNAPSHOT,
      committedEntries: [entry(1, 1), entry(2, 1, 'b')],
      messages: [
        createMessage({
          type: MessageType.MsgApp,
          from: 1n,
          to: 2n,
          term: 1,
          logTerm: 1,
          index: 2,
          commit: 2,
          entries: [entry(3, 1, 'a')],
        }),
        createMessage({ type: MessageType.MsgHeartbeat, from: 1n, to: 3n, term: 1 }),
      ],
      mustSync: true,
    })
    assert.equal(
      describeReady(rd),
      [
        'Ready MustSync=true:',
        'Lead:1 State:StateLeader',
        'HardState Term:1 Vote:1 Commit:2',
        'Entries:',
        '1/3 EntryNormal "a"',
        `Snapshot ${SNAPSHOT_TEXT}`,
        'CommittedEntries:',
        '1/1 EntryNormal ""',
        '1/2 EntryNormal "b"',
        'Messages:',
        '1->2 MsgApp Term:1 Log:1/2 Commit:2 Entries:[1/3 EntryNormal "a"]',
        '1->3 MsgHeartbeat Term:1 Log:0/0',
        '',
      ].join('\n'),
    )
  })

  it('only the sections present', () => {
    assert.equal(
      describeReady(ready({ hardState: { term: 2, vote: 0n, commit: 0 }, mustSync: true })),
      'Ready MustSync=true:\nHardState Term:2 Commit:0\n',
    )
    assert.equal(
      describeReady(ready({ committedEntries: [entry(5, 2, 'x')] })),
      'Ready MustSync=false:\nCommittedEntries:\n2/5 EntryNormal "x"\n',
    )
  })

  it("prints ReadStates like Go's %v of []ReadState (request contexts as byte lists)", () => {
    // etcd: fmt.Fprintf(&buf, "ReadStates %v\n", rd.ReadStates) with ReadState{Index uint64,
    // RequestCtx []byte}; %v prints a []byte field as decimal bytes in brackets.
    const rd = ready({
      readStates: [
        { index: 1, requestCtx: bytes('foo') },
        { index: 2, requestCtx: bytes('') },
      ],
    })
    assert.equal(describeReady(rd), 'Ready MustSync=false:\nReadStates [{1 [102 111 111]} {2 []}]\n')
  })
})

describe('quoteBytes (Go %q)', () => {
  const q = (...input: number[]) => quoteBytes(Uint8Array.from(input))

  it('printable ASCII as is', () => {
    assert.equal(quoteBytes(bytes('')), '""')
    assert.equal(quoteBytes(bytes('foo bar ~!{}')), '"foo bar ~!{}"')
  })

  it('escapes quotes and backslashes', () => {
    assert.equal(quoteBytes(bytes('say "hi"')), '"say \\"hi\\""')
    assert.equal(quoteBytes(bytes('a\\b')), '"a\\\\b"')
    // A single quote needs no escape in a double-quoted Go string.
    assert.equal(quoteBytes(bytes("it's")), `"it's"`)
  })

  it('control bytes as C escapes or \\xNN', () => {
    assert.equal(q(0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d), '"\\a\\b\\t\\n\\v\\f\\r"')
    assert.equal(q(0x00, 0x01, 0x1b, 0x1f, 0x7f), '"\\x00\\x01\\x1b\\x1f\\x7f"')
  })

  it('invalid UTF-8 byte by byte as \\xNN (lower-case hex)', () => {
    assert.equal(q(0xff, 0xfe), '"\\xff\\xfe"')
    // A lone continuation byte.
    assert.equal(q(0x80), '"\\x80"')
    // Overlong encoding of NUL.
    assert.equal(q(0xc0, 0x80), '"\\xc0\\x80"')
    // A truncated 3-byte sequence, then ASCII.
    assert.equal(q(0xe4, 0xb8, 0x41), '"\\xe4\\xb8A"')
    // An encoded surrogate (U+D800).
    assert.equal(q(0xed, 0xa0, 0x80), '"\\xed\\xa0\\x80"')
    // Above U+10FFFF.
    assert.equal(q(0xf4, 0x90, 0x80, 0x80), '"\\xf4\\x90\\x80\\x80"')
    // Valid and invalid mixed.
    assert.equal(q(0x61, 0xff, 0xc3, 0xa9), '"a\\xffé"')
  })

  it('valid multi-byte UTF-8 kept when printable', () => {
    assert.equal(quoteBytes(bytes('é')), '"é"')
    assert.equal(quoteBytes(bytes('世界')), '"世界"')
    assert.equal(quoteBytes(bytes('😀')), '"😀"')
    // U+FFFD properly encoded is a printable symbol, not an error.
    assert.equal(q(0xef, 0xbf, 0xbd), '"\uFFFD"')
  })

  it('valid but non-printable runes as \\uNNNN or \\UNNNNNNNN', () => {
    assert.equal(quoteBytes(bytes('\u00a0')), '"\\u00a0"')
    assert.equal(quoteBytes(bytes('\u0085')), '"\\u0085"')
    assert.equal(quoteBytes(bytes('\u200b')), '"\\u200b"')
    assert.equal(quoteBytes(bytes('\u{e0001}')), '"\\U000e0001"')
    assert.equal(quoteBytes(bytes('\u{10ffff}')), '"\\U0010ffff"')
  })

  it('U+FEFF (byte order mark) is escaped as \\ufeff wherever it appears', () => {
    // Go: strconv.Quote("\ufeff") == `"\ufeff"` (a format character, not printable).
    assert.equal(q(0xef, 0xbb, 0xbf), '"\\ufeff"')
    assert.equal(q(0x61, 0xef, 0xbb, 0xbf, 0x62), '"a\\ufeffb"')
    assert.equal(describeEntry(entry(1, 1, Uint8Array.from([0xef, 0xbb, 0xbf]))), '1/1 EntryNormal "\\ufeff"')
  })
})
