// The lease bucket's format: leasepb.Lease (proto3) under the 8-byte big-endian ID.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeLeaseRecord, encodeLeaseRecord, leaseIdFromBytes, leaseIdToBytes } from '@etcd-ts/lease'
import fc from 'fast-check'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('leasepb.Lease', () => {
  it('encodes as gogoproto does: varints, fields equal to 0 left out', () => {
    assert.equal(hex(encodeLeaseRecord({ id: 1n, ttlSeconds: 10, remainingTtlSeconds: 0 })), '0801100a')
    assert.equal(hex(encodeLeaseRecord({ id: 0n, ttlSeconds: 0, remainingTtlSeconds: 0 })), '')
    assert.equal(
      hex(encodeLeaseRecord({ id: 0x694d67ed2bfbea03n, ttlSeconds: 600, remainingTtlSeconds: 300 })),
      '0883d4efdfd2fdd9a669' + '10d804' + '18ac02',
    )
    assert.equal(
      hex(encodeLeaseRecord({ id: -1n, ttlSeconds: 9_000_000_000, remainingTtlSeconds: 0 })),
      '08ffffffffffffffffff01' + '1080b4c4c321',
    )
  })

  it('decodes what it encodes, for every int64 ID and safe TTL', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.integer({ min: 0, max: 9_000_000_000 }),
        fc.integer({ min: 0, max: 9_000_000_000 }),
        (id, ttlSeconds, remainingTtlSeconds) => {
          const record = { id, ttlSeconds, remainingTtlSeconds }
          assert.deepEqual(decodeLeaseRecord(encodeLeaseRecord(record)), record)
          assert.equal(leaseIdFromBytes(leaseIdToBytes(id)), id)
        },
      ),
    )
  })

  it('skips unknown fields and reads negative TTLs as etcd would write them', () => {
    const bytes = Uint8Array.from([
      0x08,
      0x07,
      0x22,
      0x02,
      0xaa,
      0xbb,
      0x10,
      ...[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      0x2d,
      1,
      2,
      3,
      4,
      0x31,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      0x38,
      0x05,
    ])
    assert.deepEqual(decodeLeaseRecord(bytes), { id: 7n, ttlSeconds: -2, remainingTtlSeconds: 0 })
  })

  it('rejects damage with LEASE_RECORD_CORRUPT', () => {
    for (const bytes of [
      [0x08],
      [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      [0x00, 0x01],
      [0x12, 0x01, 0x01],
      [0x22, 0x05, 0x01],
      [0x2b],
      [0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // TTL 2^56
    ]) {
      assert.throws(
        () => decodeLeaseRecord(Uint8Array.from(bytes)),
        { code: 'LEASE_RECORD_CORRUPT' },
        hex(Uint8Array.from(bytes)),
      )
    }
  })

  it("keys lease IDs as 8 big-endian bytes (two's complement)", () => {
    assert.equal(hex(leaseIdToBytes(0x694d67ed2bfbea03n)), '694d67ed2bfbea03')
    assert.equal(hex(leaseIdToBytes(1n)), '0000000000000001')
    assert.equal(hex(leaseIdToBytes(-1n)), 'ffffffffffffffff')
    assert.throws(() => leaseIdFromBytes(Uint8Array.of(1, 2)), RangeError)
  })
})
