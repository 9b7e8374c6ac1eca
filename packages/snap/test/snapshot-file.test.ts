import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { Snapshot } from '@etcd-ts/raft'
import { decodeSnapshotFile, encodeSnapshotFile, readSnapshotFile } from '@etcd-ts/snap'
import fc from 'fast-check'
import { arbitrarySnapshot, makeSnapshot, withTempDir } from './helpers.js'

// An independent CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven, so the
// golden bytes below do not trust the package's own CRC.
const CRC32C_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  return c >>> 0
})
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = ((CRC32C_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)) >>> 0
  return (crc ^ 0xffffffff) >>> 0
}
function varint(value: number): number[] {
  const out: number[] = []
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80)
    value = Math.floor(value / 128)
  }
  out.push(value)
  return out
}

const SNAP_ERROR_CODES = new Set(['SNAP_EMPTY', 'SNAP_CRC_MISMATCH', 'SNAP_INVALID'])
function assertTypedError(error: unknown): true {
  assert.ok(error instanceof Error, `not an Error: ${String(error)}`)
  assert.ok(SNAP_ERROR_CODES.has((error as { code?: string }).code ?? ''), `untyped error: ${error.stack}`)
  return true
}

// raftpb.Snapshot{data: "hi", metadata: {conf_state: {voters: [1]}, index: 21, term: 2}}, by hand:
//   0a 02 'h' 'i'                 field 1 (data), LEN 2
//   12 0a                         field 2 (metadata), LEN 10
//     0a 04 08 01 28 00             field 1 (conf_state), LEN 4: voters(1)=1, auto_leave(5)=false
//     10 15                         field 2 (index) = 21
//     18 02                         field 3 (term) = 2
// auto_leave is written because gogoproto emits non-nullable fields even when false (etcd 3.4+).
const RAFT_BYTES = [0x0a, 0x02, 0x68, 0x69, 0x12, 0x0a, 0x0a, 0x04, 0x08, 0x01, 0x28, 0x00, 0x10, 0x15, 0x18, 0x02]
// The same snapshot from a writer that omits auto_leave (etcd 3.3's ConfState has no such field).
const RAFT_BYTES_NO_AUTO_LEAVE = [0x0a, 0x02, 0x68, 0x69, 0x12, 0x08, 0x0a, 0x02, 0x08, 0x01, 0x10, 0x15, 0x18, 0x02]
const GOLDEN_SNAPSHOT: Snapshot = {
  data: new Uint8Array([0x68, 0x69]),
  metadata: {
    index: 21,
    term: 2,
    confState: { voters: [1n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
  },
}
// snappb.Snapshot{crc: field 1 varint, data: field 2 LEN}.
function snapFileBytes(raft: number[], crc = referenceCrc32c(new Uint8Array(raft))): Uint8Array {
  return new Uint8Array([0x08, ...varint(crc), 0x12, ...varint(raft.length), ...raft])
}

describe('snapshot file format', () => {
  it('uses CRC-32C: the reference table gives the check value for "123456789"', () => {
    assert.equal(referenceCrc32c(new TextEncoder().encode('123456789')), 0xe3069283)
  })

  it('encodes a small snapshot to the hand-derived golden bytes', () => {
    assert.deepEqual(encodeSnapshotFile(GOLDEN_SNAPSHOT), snapFileBytes(RAFT_BYTES))
  })

  it('decodes the golden bytes, with or without the default auto_leave', () => {
    assert.deepEqual(decodeSnapshotFile(snapFileBytes(RAFT_BYTES)), GOLDEN_SNAPSHOT)
    assert.deepEqual(decodeSnapshotFile(snapFileBytes(RAFT_BYTES_NO_AUTO_LEAVE)), GOLDEN_SNAPSHOT)
  })

  it('accepts fields in any order, repeated fields (last wins) and unknown fields', () => {
    const crc = referenceCrc32c(new Uint8Array(RAFT_BYTES))
    const reordered = new Uint8Array([
      0x12,
      0x01,
      0xff, // a first data field, replaced by the second
      0x1a,
      0x03,
      0x61,
      0x62,
      0x63, // unknown field 3, LEN
      0x20,
      0x96,
      0x01, // unknown field 4, varint
      0x12,
      RAFT_BYTES.length,
      ...RAFT_BYTES,
      0x08,
      ...varint(crc),
    ])
    assert.deepEqual(decodeSnapshotFile(reordered), GOLDEN_SNAPSHOT)
  })

  it('reads the crc as Go does: a wider varint is truncated to uint32', () => {
    const crc = referenceCrc32c(new Uint8Array(RAFT_BYTES))
    const wide = varint(crc + 2 ** 32 * 5) // same low 32 bits
    const bytes = new Uint8Array([0x08, ...wide, 0x12, RAFT_BYTES.length, ...RAFT_BYTES])
    assert.deepEqual(decodeSnapshotFile(bytes), GOLDEN_SNAPSHOT)
  })

  it('rejects an empty file, missing data and a zero crc as SNAP_EMPTY', () => {
    assert.throws(() => decodeSnapshotFile(new Uint8Array(0)), { code: 'SNAP_EMPTY' })
    assert.throws(() => decodeSnapshotFile(new Uint8Array([0x08, 0x05])), { code: 'SNAP_EMPTY' })
    assert.throws(() => decodeSnapshotFile(new Uint8Array([0x08, 0x05, 0x12, 0x00])), { code: 'SNAP_EMPTY' })
    assert.throws(() => decodeSnapshotFile(snapFileBytes(RAFT_BYTES, 0)), { code: 'SNAP_EMPTY' })
  })

  it('rejects a wrong crc as SNAP_CRC_MISMATCH, with both values', () => {
    const good = referenceCrc32c(new Uint8Array(RAFT_BYTES))
    const bad = (good ^ 1) >>> 0
    assert.throws(() => decodeSnapshotFile(snapFileBytes(RAFT_BYTES, bad), 'x.snap'), {
      code: 'SNAP_CRC_MISMATCH',
      path: 'x.snap',
      stored: bad,
      computed: good,
    })
  })

  it('rejects undecodable envelopes and raft snapshots as SNAP_INVALID', () => {
    for (const bytes of [
      [0x00], // field 0
      [0x09, 0, 0, 0, 0, 0, 0, 0, 0], // crc with wire type I64
      [0x08, 0x80], // truncated varint
      [0x08, 0x01, 0x12, 0x05, 0x01], // data runs past the end
      [0x08, ...Array(10).fill(0x80), 0x01], // varint over 10 bytes
      [0x0b], // group wire type
    ]) {
      assert.throws(() => decodeSnapshotFile(new Uint8Array(bytes)), { code: 'SNAP_INVALID' }, `${bytes}`)
    }
    const notRaft = [0x0a, 0x05, 0x01] // raftpb data field running past the end, with a valid crc
    assert.throws(
      () => decodeSnapshotFile(snapFileBytes(notRaft)),
      (error: Error) => {
        assert.equal((error as { code?: string }).code, 'SNAP_INVALID')
        assert.equal((error.cause as { code?: string }).code, 'RAFT_PROTOBUF_INVALID')
        return true
      },
    )
  })

  it('readSnapshotFile reads and verifies one file, naming it in errors', async () => {
    await withTempDir(async (dir) => {
      const good = join(dir, 'good.snap')
      await writeFile(good, snapFileBytes(RAFT_BYTES))
      assert.deepEqual(await readSnapshotFile(good), GOLDEN_SNAPSHOT)
      const bad = join(dir, 'bad.snap')
      await writeFile(bad, snapFileBytes(RAFT_BYTES, 1))
      await assert.rejects(readSnapshotFile(bad), { code: 'SNAP_CRC_MISMATCH', path: bad })
      await assert.rejects(readSnapshotFile(join(dir, 'missing.snap')), { code: 'ENOENT' })
      await assert.rejects(readSnapshotFile(''), TypeError)
    })
  })

  it('detects a torn write at every length (what etcd relies on when writing in place)', () => {
    const bytes = encodeSnapshotFile(makeSnapshot(3, 1000, [1n, 2n, 3n]))
    for (let length = 0; length < bytes.length; length++) {
      assert.throws(() => decodeSnapshotFile(bytes.subarray(0, length)), assertTypedError, `length ${length}`)
    }
  })
})

describe('snapshot file properties', () => {
  it('round-trips random snapshots through the file bytes', () => {
    fc.assert(
      fc.property(arbitrarySnapshot, (snapshot) => {
        assert.deepEqual(decodeSnapshotFile(encodeSnapshotFile(snapshot)), snapshot)
      }),
      { numRuns: 300 },
    )
  })

  it('gives only typed errors for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeSnapshotFile(bytes)
        } catch (error) {
          assertTypedError(error)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('gives only typed errors for random data in a valid envelope (reaching the raft decoder)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (data) => {
        try {
          decodeSnapshotFile(snapFileBytes([...data]))
        } catch (error) {
          assertTypedError(error)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('never returns a different snapshot after a single-bit flip of a valid file', () => {
    // A flip is either detected (a typed error) or lands in bits the format ignores: bits 32-34
    // of the crc varint's fifth byte, which Go (and we) truncate away. Then the snapshot is the same.
    fc.assert(
      fc.property(arbitrarySnapshot, (snapshot) => {
        const bytes = encodeSnapshotFile(snapshot)
        for (let bit = 0; bit < bytes.length * 8; bit++) {
          const flipped = bytes.slice()
          flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7))
          let decoded: Snapshot
          try {
            decoded = decodeSnapshotFile(flipped)
          } catch (error) {
            assertTypedError(error)
            continue
          }
          assert.deepEqual(decoded, snapshot, `bit ${bit}`)
          assert.ok(bit >= 40 && bit < 48 && (bit & 7) >= 4 && (bit & 7) < 7, `bit ${bit} went undetected`)
        }
      }),
      { numRuns: 40 },
    )
  })
})
