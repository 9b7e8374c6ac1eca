import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AlarmRequest,
  bytes,
  Compare,
  Compare_CompareResult,
  Compare_CompareTarget,
  HashRequest,
  InternalRaftRequest,
  KeyValue,
  LeaseGrantResponse,
  LeaseTimeToLiveResponse,
  Metadata,
  ProtoDecodeError,
  PutRequest,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseHeader,
  StatusResponse,
  TxnRequest,
  UnsafeIntegerError,
  WatchCreateRequest,
  WatchCreateRequest_FilterType,
  WatchResponse,
} from '../src/index.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'))

describe('binary encoding', () => {
  it('writes fields in number order with proto3 defaults omitted, like Go', () => {
    const wire = PutRequest.encode({ key: bytes('foo'), value: bytes('bar'), lease: 0n, prevKv: false })
    assert.equal(hex(wire), '0a03666f6f' + '1203626172')
    assert.equal(RangeRequest.encode({}).length, 0)
    assert.equal(RangeRequest.encode({ key: new Uint8Array(0), limit: 0, sortOrder: 0, serializable: false }).length, 0)
  })

  it('writes negative int64 as 10-byte two’s complement', () => {
    assert.equal(hex(PutRequest.encode({ lease: -5n })), '18fbffffffffffffffff01')
    // TTL is a number field: -1 for "no such lease"
    const ttl = LeaseTimeToLiveResponse.encode({ TTL: -1 })
    assert.equal(hex(ttl), '18ffffffffffffffffff01')
    assert.equal(LeaseTimeToLiveResponse.decode(ttl).TTL, -1)
  })

  it('keeps 64-bit IDs exact over the whole range', () => {
    const header = {
      clusterId: 0xffffffffffffffffn,
      memberId: 0x8000000000000000n,
      revision: Number.MAX_SAFE_INTEGER,
      raftTerm: 2 ** 32,
    }
    const back = ResponseHeader.decode(ResponseHeader.encode(header))
    assert.deepEqual(back, header)
    for (const ID of [
      0x7fffffffffffffffn,
      -0x8000000000000000n,
      -1n,
      1n,
      0x694d67ed2bfbea03n,
      2n ** 32n,
      2n ** 53n + 1n,
    ]) {
      assert.equal(LeaseGrantResponse.decode(LeaseGrantResponse.encode({ ID })).ID, ID)
    }
  })

  it('rejects 64-bit values out of range when encoding', () => {
    assert.throws(() => PutRequest.encode({ lease: 2n ** 63n }), RangeError)
    assert.throws(() => ResponseHeader.encode({ clusterId: -1n }), RangeError)
    assert.throws(() => ResponseHeader.encode({ clusterId: 2n ** 64n }), RangeError)
    assert.throws(() => ResponseHeader.encode({ revision: 2 ** 53 }), RangeError)
    assert.throws(() => ResponseHeader.encode({ revision: 1.5 }), RangeError)
    assert.throws(() => ResponseHeader.encode({ raftTerm: -1 }), RangeError)
  })

  it('throws UnsafeIntegerError for a number field beyond ±(2^53 - 1)', () => {
    // KeyValue.create_revision = 2^53 (field 2, varint)
    const wire = unhex('10 80808080808080 10')
    assert.throws(
      () => KeyValue.decode(wire),
      (e: unknown) => e instanceof UnsafeIntegerError && e.code === 'API_UNSAFE_INTEGER' && e.value === 2n ** 53n,
    )
    const min = KeyValue.encode({ createRevision: Number.MIN_SAFE_INTEGER, modRevision: Number.MAX_SAFE_INTEGER })
    assert.deepEqual(
      KeyValue.decode(min),
      KeyValue.create({ createRevision: Number.MIN_SAFE_INTEGER, modRevision: Number.MAX_SAFE_INTEGER }),
    )
    // PutRequest.lease and KeyValue.mod_revision are both field 3, varint
    assert.throws(() => KeyValue.decode(PutRequest.encode({ lease: -(2n ** 53n) })), UnsafeIntegerError)
    assert.equal(KeyValue.decode(PutRequest.encode({ lease: -(2n ** 53n) + 1n })).modRevision, Number.MIN_SAFE_INTEGER)
    assert.throws(() => KeyValue.decode(PutRequest.encode({ lease: -(2n ** 63n) })), UnsafeIntegerError)
  })

  it('sorts a oneof between other fields by number (Compare.range_end is field 64)', () => {
    const wire = Compare.encode({
      result: Compare_CompareResult.NOT_EQUAL,
      target: Compare_CompareTarget.VALUE,
      key: bytes('k'),
      targetUnion: { case: 'value', value: bytes('v') },
      rangeEnd: bytes('z'),
    })
    assert.equal(hex(wire), '0803' + '1003' + '1a016b' + '3a0176' + '8204017a')
    const zero = Compare.encode({ targetUnion: { case: 'version', value: 0 } })
    assert.equal(hex(zero), '2000', 'a oneof member is written even when zero')
  })

  it('writes negative enums (int32) as 10 bytes and reads them back', () => {
    const wire = AlarmRequest.encode({ action: -1 as AlarmRequest['action'] })
    assert.equal(hex(wire), '08ffffffffffffffffff01')
    assert.equal(AlarmRequest.decode(wire).action, -1)
  })

  it('writes strings as UTF-8, short and long, with surrogate pairs and lone surrogates', () => {
    for (const s of ['', 'a', 'héllo', '日本語', '😀x', 'x'.repeat(100), 'é😀'.repeat(40), '\ud800', 'a\udc00b']) {
      const wire = StatusResponse.encode({ version: s })
      const expected = new TextEncoder().encode(s)
      assert.equal(StatusResponse.encodedLength({ version: s }), wire.length)
      if (s !== '') assert.deepEqual(wire.subarray(wire.length - expected.length), expected)
      assert.equal(StatusResponse.decode(wire).version, new TextDecoder().decode(expected))
    }
  })

  it('computes encodedLength without encoding', () => {
    const m = RangeResponse.create({
      header: { revision: 10, clusterId: 1n },
      kvs: [{ key: bytes('a'), value: new Uint8Array(300), createRevision: 5 }],
      count: 1,
    })
    assert.equal(RangeResponse.encodedLength(m), RangeResponse.encode(m).length)
  })

  it('encodes an empty message as no bytes', () => {
    assert.equal(HashRequest.encode({}).length, 0)
    assert.deepEqual(HashRequest.decode(new Uint8Array(0)), {})
  })

  it('writes proto2 optional fields when set, even to zero', () => {
    assert.equal(hex(Metadata.encode({ NodeID: 0n, ClusterID: 7n })), '0800' + '1007')
    assert.deepEqual(Metadata.decode(unhex('1007')), { NodeID: undefined, ClusterID: 7n })
  })
})

describe('binary decoding', () => {
  it('returns views into the input for bytes fields', () => {
    const wire = PutRequest.encode({ key: bytes('key'), value: bytes('value') })
    const put = PutRequest.decode(wire)
    assert.equal(put.key.buffer, wire.buffer)
    assert.equal(put.key.byteOffset, 2)
    assert.equal(put.value.buffer, wire.buffer)
  })

  it('fills every field, with defaults for absent ones', () => {
    assert.deepEqual(RangeRequest.decode(new Uint8Array(0)), RangeRequest.create())
    const r = RangeRequest.create()
    assert.equal(r.limit, 0)
    assert.equal(r.key.length, 0)
    assert.equal(r.sortOrder, 0)
    assert.equal(RangeResponse.create().header, undefined)
    assert.deepEqual(RangeResponse.create().kvs, [])
  })

  it('skips unknown fields of every wire type', () => {
    const known = PutRequest.encode({ key: bytes('k') })
    const unknown = unhex(
      [
        'f806 96 01', // field 111 varint 150
        'f906 0102030405060708', // field 111 fixed64
        'fa06 03 616263', // field 111 length-delimited
        'fd06 01020304', // field 111 fixed32
        'fb06 0801 fc06', // field 111 group containing field 1 varint
      ].join(''),
    )
    const wire = new Uint8Array([...unknown, ...known, ...unknown])
    assert.deepEqual(PutRequest.decode(wire), PutRequest.create({ key: bytes('k') }))
  })

  it('reads repeated scalars packed and unpacked', () => {
    const packed = WatchCreateRequest.encode({ filters: [WatchCreateRequest_FilterType.NODELETE, 0, 1] })
    assert.equal(hex(packed), '2a03010001')
    assert.deepEqual(WatchCreateRequest.decode(packed).filters, [1, 0, 1])
    assert.deepEqual(WatchCreateRequest.decode(unhex('2801 2800 2a0101')).filters, [1, 0, 1])
  })

  it('merges repeated occurrences of a message field and keeps the last scalar', () => {
    const a = RangeResponse.encode({ header: { revision: 5, clusterId: 1n }, count: 1 })
    const b = RangeResponse.encode({ header: { memberId: 2n }, count: 2 })
    const merged = RangeResponse.decode(new Uint8Array([...a, ...b]))
    assert.deepEqual(merged.header, ResponseHeader.create({ revision: 5, clusterId: 1n, memberId: 2n }))
    assert.equal(merged.count, 2)
  })

  it('keeps the last oneof member, merging when it is the same message case', () => {
    const a = RequestOp.encode({ request: { case: 'requestRange', value: { key: bytes('a'), limit: 1 } } })
    const b = RequestOp.encode({ request: { case: 'requestRange', value: { limit: 2 } } })
    const c = RequestOp.encode({ request: { case: 'requestPut', value: { key: bytes('p') } } })
    const ab = RequestOp.decode(new Uint8Array([...a, ...b]))
    assert.deepEqual(ab.request, { case: 'requestRange', value: RangeRequest.create({ key: bytes('a'), limit: 2 }) })
    assert.equal(RequestOp.decode(new Uint8Array([...a, ...c])).request?.case, 'requestPut')
  })

  it('decodes nested transactions and raft requests', () => {
    const txn: Parameters<typeof TxnRequest.encode>[0] = {
      compare: [{ key: bytes('k'), targetUnion: { case: 'createRevision', value: 0 } }],
      success: [
        {
          request: {
            case: 'requestTxn',
            value: { success: [{ request: { case: 'requestDeleteRange', value: { key: bytes('x'), prevKv: true } } }] },
          },
        },
      ],
      failure: [{ request: { case: 'requestRange', value: { key: bytes('k') } } }],
    }
    const irr = InternalRaftRequest.decode(
      InternalRaftRequest.encode({
        header: { ID: 0xabcdef0123456789n, username: 'root', authRevision: 3 },
        ID: 1n,
        txn,
      }),
    )
    assert.deepEqual(irr.txn, TxnRequest.create(txn))
    assert.equal(irr.header?.ID, 0xabcdef0123456789n)
    assert.equal(irr.put, undefined)
  })

  const malformed: Array<[string, string]> = [
    ['truncated varint', '08'],
    ['truncated varint 2', '08 80'],
    ['truncated length-delimited', '0a 05 6162'],
    ['truncated fixed64', 'f906 0102'],
    ['truncated fixed32', 'fd06 01'],
    ['varint longer than 10 bytes', '08 ffffffffffffffffffff01'],
    ['wire type 6', '0e'],
    ['wire type 7', '0f'],
    ['field number 0', '00 01'],
    ['unexpected end group', '0c'],
    ['unterminated group', '0b 0801'],
    ['mismatched end group', '0b 0801 14'],
    ['huge length', '0a ffffffff0f'],
  ]
  for (const [name, input] of malformed) {
    it(`throws ProtoDecodeError for ${name}`, () => {
      assert.throws(
        () => PutRequest.decode(unhex(input)),
        (e: unknown) => e instanceof ProtoDecodeError && e.code === 'API_PROTO_DECODE',
      )
    })
  }

  it('throws ProtoDecodeError when a nested field overruns its message', () => {
    // WatchResponse.header (field 1) of length 2 whose varint field claims 3 more bytes
    const wire = unhex('0a 02 18 ff ff 01')
    assert.throws(() => WatchResponse.decode(wire), ProtoDecodeError)
  })
})

describe('create', () => {
  it('turns init objects into full messages, nested and oneof values included', () => {
    const op = RequestOp.create({ request: { case: 'requestPut', value: { key: bytes('k') } } })
    assert.deepEqual(op.request, { case: 'requestPut', value: PutRequest.create({ key: bytes('k') }) })
    const resp = WatchResponse.create({ events: [{ kv: { key: bytes('k') } }] })
    assert.deepEqual(resp.events[0]?.kv, KeyValue.create({ key: bytes('k') }))
    assert.equal(resp.events[0]?.prevKv, undefined)
    assert.equal(resp.watchId, 0n)
  })
})
