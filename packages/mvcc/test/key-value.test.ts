// mvccpb.KeyValue's protobuf codec. Golden bytes are worked out by hand from kv.proto's field
// numbers: key 1 (bytes), create_revision 2, mod_revision 3, version 4 (int64), value 5 (bytes),
// lease 6 (int64); a tag byte is (field << 3) | wire type.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { InvalidKeyValueError } from '../src/errors.js'
import { decodeKeyValue, encodeKeyValue, type KeyValue } from '../src/key-value.js'

const bytes = (...b: number[]) => new Uint8Array(b)
const text = (s: string) => new TextEncoder().encode(s)

function keyValue(fields: Partial<KeyValue>): KeyValue {
  return {
    key: new Uint8Array(0),
    createRevision: 0,
    modRevision: 0,
    version: 0,
    value: new Uint8Array(0),
    lease: 0n,
    ...fields,
  }
}

function assertInvalid(encoded: Uint8Array): void {
  assert.throws(
    () => decodeKeyValue(encoded),
    (error: unknown) => error instanceof InvalidKeyValueError && error.code === 'MVCC_INVALID_KEY_VALUE',
  )
}

/** Decoded KeyValues hold views: compare as plain arrays. */
function plain(kv: KeyValue): unknown {
  return { ...kv, key: [...kv.key], value: [...kv.value] }
}

const full = keyValue({
  key: text('foo'),
  createRevision: 2,
  modRevision: 5,
  version: 3,
  value: text('bar'),
  lease: 0x1234n,
})
// biome-ignore format: one field per line
const fullBytes = bytes(
  0x0a, 3, 0x66, 0x6f, 0x6f, // 1 key: "foo"
  0x10, 2, //                   2 create_revision: 2
  0x18, 5, //                   3 mod_revision: 5
  0x20, 3, //                   4 version: 3
  0x2a, 3, 0x62, 0x61, 0x72, // 5 value: "bar"
  0x30, 0xb4, 0x24, //          6 lease: 0x1234 = 0b100100_0110100 → 0x34|0x80, 0x24
)

describe('encodeKeyValue', () => {
  it('writes every field in field order (golden)', () => {
    assert.deepEqual(encodeKeyValue(full), fullBytes)
  })

  it('writes a tombstone as the key alone (golden)', () => {
    assert.deepEqual(encodeKeyValue(keyValue({ key: text('foo') })), bytes(0x0a, 3, 0x66, 0x6f, 0x6f))
    assert.deepEqual(encodeKeyValue(keyValue({})), bytes())
  })

  it('writes a negative lease as a 10-byte two’s-complement varint (golden)', () => {
    assert.deepEqual(
      encodeKeyValue(keyValue({ key: text('k'), lease: -1n })),
      bytes(0x0a, 1, 0x6b, 0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
    )
    // -2^63, the smallest int64: only bit 63 set.
    assert.deepEqual(
      encodeKeyValue(keyValue({ lease: -(1n << 63n) })),
      bytes(0x30, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
    )
    // The largest int64 lease: 63 one bits in 9 bytes.
    assert.deepEqual(
      encodeKeyValue(keyValue({ lease: (1n << 63n) - 1n })),
      bytes(0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
    )
  })

  it('writes large and multi-byte numbers and lengths as varints (golden)', () => {
    // 2^53 - 1: 53 one bits = 7 bytes of 7 bits, then 0b1111.
    assert.deepEqual(
      encodeKeyValue(keyValue({ modRevision: Number.MAX_SAFE_INTEGER })),
      bytes(0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f),
    )
    // 300 = 0b10_0101100 → 0xac, 0x02.
    const value = new Uint8Array(300).fill(7)
    const encoded = encodeKeyValue(keyValue({ version: 300, value }))
    assert.deepEqual(encoded.subarray(0, 6), bytes(0x20, 0xac, 0x02, 0x2a, 0xac, 0x02))
    assert.equal(encoded.length, 6 + 300)
    // A negative revision is a 10-byte varint too (never written by etcd, but int64 on the wire).
    assert.deepEqual(
      encodeKeyValue(keyValue({ createRevision: -2 })),
      bytes(0x10, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
    )
  })

  it('rejects numbers that are not safe integers and leases outside int64 as misuse', () => {
    assert.throws(() => encodeKeyValue(keyValue({ createRevision: 1.5 })), RangeError)
    assert.throws(() => encodeKeyValue(keyValue({ modRevision: 2 ** 53 })), RangeError)
    assert.throws(() => encodeKeyValue(keyValue({ version: Number.NaN })), RangeError)
    assert.throws(() => encodeKeyValue(keyValue({ lease: 1n << 63n })), RangeError)
    assert.throws(() => encodeKeyValue(keyValue({ lease: -(1n << 63n) - 1n })), RangeError)
  })
})

describe('decodeKeyValue', () => {
  it('reads the golden encodings back', () => {
    assert.deepEqual(plain(decodeKeyValue(fullBytes)), plain(full))
    assert.deepEqual(plain(decodeKeyValue(bytes(0x0a, 3, 0x66, 0x6f, 0x6f))), plain(keyValue({ key: text('foo') })))
    assert.equal(decodeKeyValue(bytes(0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)).lease, -1n)
    assert.equal(
      decodeKeyValue(bytes(0x10, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)).createRevision,
      -2,
    )
  })

  it('returns views into the input, not copies', () => {
    const decoded = decodeKeyValue(fullBytes)
    assert.equal(decoded.key.buffer, fullBytes.buffer)
    assert.equal(decoded.value.byteOffset, 13)
  })

  it('skips unknown fields of every wire type, and lets a repeated field’s last value win', () => {
    // biome-ignore format: one field per line
    const encoded = bytes(
      0x38, 0x96, 0x01, //            7 varint 150
      0x41, 1, 2, 3, 4, 5, 6, 7, 8, // 8 fixed64
      0x4a, 2, 0xaa, 0xbb, //          9 bytes
      0x55, 1, 2, 3, 4, //            10 fixed32
      0x18, 4, 0x18, 9, //             mod_revision 4, then 9
      0x0a, 1, 0x61, 0x0a, 1, 0x62, // key "a", then "b"
    )
    assert.deepEqual(plain(decodeKeyValue(encoded)), plain(keyValue({ key: text('b'), modRevision: 9 })))
  })

  it('round-trips every KeyValue', () => {
    const kv = fc
      .record({
        key: fc.uint8Array({ maxLength: 40 }),
        createRevision: fc.maxSafeInteger(),
        modRevision: fc.maxSafeNat(),
        version: fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat()),
        value: fc.uint8Array({ maxLength: 300 }),
        lease: fc.oneof(fc.constant(0n), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })),
      })
      .map((fields): KeyValue => ({ ...fields }))
    fc.assert(
      fc.property(kv, (original) => {
        const encoded = encodeKeyValue(original)
        const decoded = decodeKeyValue(encoded)
        assert.deepEqual(plain(decoded), plain(original))
        assert.deepEqual(encodeKeyValue(decoded), encoded)
      }),
      { numRuns: 2000 },
    )
  })

  it('rejects truncated input, bad varints, wrong wire types, field 0 and groups', () => {
    for (let cut = 1; cut < fullBytes.length; cut++) {
      // Cuts right after a complete field decode (to fewer fields); the others must throw.
      if ([5, 7, 9, 11, 16].includes(cut)) continue
      assertInvalid(fullBytes.subarray(0, cut))
    }
    assertInvalid(bytes(0x0a, 4, 0x66, 0x6f, 0x6f)) // key length past the end
    assertInvalid(bytes(0x10)) // tag without value
    assertInvalid(bytes(0x10, 0x80)) // varint cut short
    assertInvalid(bytes(0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)) // 11-byte varint
    assertInvalid(bytes(0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)) // bit 64
    assertInvalid(bytes(0x0a, 0x80, 0x80, 0x80, 0x80, 0x10, 0)) // a length above 2^32
    assertInvalid(bytes(0x08, 3)) // key as a varint
    assertInvalid(bytes(0x12, 0)) // create_revision as bytes
    assertInvalid(bytes(0x2d, 0, 0, 0, 0)) // value as fixed32
    assertInvalid(bytes(0x35, 0, 0, 0, 0)) // lease as fixed32
    assertInvalid(bytes(0x02, 0)) // field 0
    assertInvalid(bytes(0x3b, 0x3c)) // group 7 (start, end)
    assertInvalid(bytes(0x3e)) // wire type 6
    assertInvalid(bytes(0x41, 1, 2, 3)) // fixed64 cut short
    assertInvalid(bytes(0x45, 1, 2, 3)) // fixed32 cut short
  })

  it('rejects numbers that do not fit a safe integer', () => {
    // 2^53 = 0b1 followed by 53 zeros: bytes 0x80 x7, then 0x10.
    assertInvalid(bytes(0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10))
    // -(2^53), two's complement.
    assertInvalid(bytes(0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0xf0, 0xff, 0x01))
    // 2^63 - 1.
    assertInvalid(bytes(0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f))
    // Still fine: the largest and smallest safe integers.
    assert.equal(decodeKeyValue(bytes(0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f)).modRevision, 2 ** 53 - 1)
    assert.equal(
      decodeKeyValue(bytes(0x20, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0xf0, 0xff, 0x01)).version,
      -(2 ** 53 - 1),
    )
  })

  it('decodes any bytes to a KeyValue or an InvalidKeyValueError, nothing else', () => {
    const mutated = fc
      .tuple(fc.nat({ max: fullBytes.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: fullBytes.length }))
      .map(([at, byte, cut]) => {
        const copy = fullBytes.slice(0, Math.max(cut, at + 1))
        copy[at] = byte
        return copy
      })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 30 }), mutated), (encoded) => {
        try {
          const kv = decodeKeyValue(encoded)
          for (const n of [kv.createRevision, kv.modRevision, kv.version]) assert.ok(Number.isSafeInteger(n))
          assert.equal(BigInt.asIntN(64, kv.lease), kv.lease)
        } catch (error) {
          assert.ok(error instanceof InvalidKeyValueError, String(error))
        }
      }),
      { numRuns: 5000 },
    )
  })
})
