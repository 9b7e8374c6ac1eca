// walpb.Record and walpb.Snapshot: golden bytes from record.proto and gogoproto's rules, round
// trips, and hostile input (only WalpbDecodeError, never anything else).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { crc32c } from '@node-rs/crc32'
import fc from 'fast-check'
import {
  decodeRecord,
  decodeWalSnapshot,
  encodeWalSnapshot,
  RecordType,
  recordSize,
  varintSize,
  WalpbDecodeError,
  writeRecord,
  writeVarint,
} from '../src/walpb.js'
import { referenceCrc32c } from './helpers.js'

function encodeRecord(type: RecordType, crc: number, data: Uint8Array | undefined): Uint8Array {
  const out = new Uint8Array(recordSize(crc, data?.length))
  assert.equal(writeRecord(out, 0, type, crc, data), out.length)
  return out
}

describe('walpb.Record', () => {
  it('writes type and crc even when zero: the first CRC record is 08 04 10 00', () => {
    assert.deepEqual(Array.from(encodeRecord(RecordType.Crc, 0, undefined)), [0x08, 0x04, 0x10, 0x00])
  })

  it('writes data after type and crc, crc as a varint', () => {
    const bytes = encodeRecord(RecordType.Entry, 0xdeadbeef, new Uint8Array([1, 2, 3]))
    // 0xdeadbeef as a varint: ef fd b6 f5 0d
    assert.deepEqual(Array.from(bytes), [0x08, 0x02, 0x10, 0xef, 0xfd, 0xb6, 0xf5, 0x0d, 0x1a, 0x03, 1, 2, 3])
  })

  it('writes an empty data field when given empty data, and none when given undefined', () => {
    assert.deepEqual(Array.from(encodeRecord(RecordType.Metadata, 1, new Uint8Array(0))), [8, 1, 0x10, 1, 0x1a, 0])
    assert.deepEqual(decodeRecord(new Uint8Array([8, 1, 0x10, 1])), { type: 1, crc: 1, data: undefined })
  })

  it('round-trips every record type', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(RecordType)),
        fc.nat({ max: 0xffff_ffff }),
        fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined }),
        (type, crc, data) => {
          const decoded = decodeRecord(encodeRecord(type, crc, data))
          assert.equal(decoded.type, type)
          assert.equal(decoded.crc, crc)
          assert.deepEqual(decoded.data === undefined ? undefined : Array.from(decoded.data), data && Array.from(data))
        },
      ),
    )
  })

  it('decodes fields in any order, skips unknown ones, keeps the last of a repeated one', () => {
    const bytes = new Uint8Array([
      0x1a,
      0x01,
      0x07, // data = [7]
      0x20,
      0x96,
      0x01, // field 4, varint (unknown)
      0x2d,
      1,
      2,
      3,
      4, // field 5, fixed32 (unknown)
      0x31,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // field 6, fixed64 (unknown)
      0x3a,
      0x02,
      9,
      9, // field 7, bytes (unknown)
      0x10,
      0x05,
      0x08,
      0x03,
      0x08,
      0x02, // crc = 5, type = 3 then 2
    ])
    const record = decodeRecord(bytes)
    assert.equal(record.type, 2)
    assert.equal(record.crc, 5)
    assert.deepEqual(Array.from(record.data ?? []), [7])
  })

  it('keeps the low 32 bits of an oversized crc and reads a negative type (ten-byte varint)', () => {
    const crc = decodeRecord(new Uint8Array([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])).crc // 2^35 - 1
    assert.equal(crc, 0xffff_ffff)
    const negative = decodeRecord(new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))
    assert.equal(negative.type, -1)
  })

  for (const [name, bytes] of [
    ['a truncated varint', [0x08]],
    ['a field number 0', [0x00, 0x01]],
    ['a wrong wire type for type', [0x0a, 0x00]],
    ['a wrong wire type for crc', [0x15, 0, 0, 0, 0]],
    ['a wrong wire type for data', [0x18, 0x01]],
    ['data running past the end', [0x1a, 0x05, 1, 2]],
    ['an eleven-byte varint', [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
    ['a group (wire type 3)', [0x23]],
    ['a truncated fixed64', [0x31, 1, 2]],
  ] as const) {
    it(`rejects ${name} with WalpbDecodeError`, () => {
      assert.throws(() => decodeRecord(new Uint8Array(bytes)), WalpbDecodeError)
    })
  }

  it('fuzz: any bytes decode or throw WalpbDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeRecord(bytes)
        } catch (error) {
          assert.ok(error instanceof WalpbDecodeError, String(error))
        }
      }),
      { numRuns: 5000 },
    )
  })
})

describe('walpb.Snapshot', () => {
  it('writes index and term even when zero: the empty snapshot is 08 00 10 00, as etcd 3.4 writes it', () => {
    assert.deepEqual(Array.from(encodeWalSnapshot({ index: 0, term: 0 })), [0x08, 0x00, 0x10, 0x00])
  })

  it('round-trips with and without a ConfState', () => {
    const confState = {
      voters: [1n, 0xffff_ffff_ffff_ffffn],
      learners: [3n],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    }
    assert.deepEqual(decodeWalSnapshot(encodeWalSnapshot({ index: 300, term: 7 })), { index: 300, term: 7 })
    assert.deepEqual(decodeWalSnapshot(encodeWalSnapshot({ index: 2 ** 53 - 1, term: 1, confState })), {
      index: 2 ** 53 - 1,
      term: 1,
      confState,
    })
  })

  it('rejects an index above 2^53 - 1', () => {
    const bytes = new Uint8Array([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]) // 2^53
    assert.throws(() => decodeWalSnapshot(bytes), WalpbDecodeError)
  })
})

describe('varints and the CRC', () => {
  it('writes varints of every length up to 2^53 - 1', () => {
    for (const value of [0, 1, 127, 128, 16383, 16384, 2 ** 28, 2 ** 32, 2 ** 49, 2 ** 53 - 1]) {
      const out = new Uint8Array(10)
      const end = writeVarint(out, 0, value)
      assert.equal(end, varintSize(value))
      let decoded = 0
      for (let i = end - 1; i >= 0; i--) decoded = decoded * 128 + ((out[i] as number) & 0x7f)
      assert.equal(decoded, value)
    }
  })

  it("@node-rs/crc32's crc32c continues a CRC exactly like Go's crc32.Update", () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283) // the CRC-32C check value
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
        assert.equal(crc32c(b, crc32c(a)), referenceCrc32c(b, referenceCrc32c(a)))
        assert.equal(crc32c(b, crc32c(a)), referenceCrc32c(Uint8Array.from([...a, ...b])))
      }),
    )
  })
})
