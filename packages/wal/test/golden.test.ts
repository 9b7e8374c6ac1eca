// A fresh WAL, byte for byte, built by hand from the storage notes (§1.2-§1.6) and checked
// against what Wal.create writes: the layout etcd 3.4.23 was seen to write (CRC record at 0
// with N=4 P=4, metadata at 16, snapshot record at 56, first entry at 80), then a save and a
// cut. The interop suite compares the same head with a WAL written by the real etcd.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodeEntry, encodeHardState } from '@etcd-ts/raft'
import { Wal } from '../src/index.js'
import { CrashFileSystem } from '../src/testing/index.js'
import { entry, hardState, referenceCrc32c } from './helpers.js'

/** A protobuf varint of a uint64, by hand. */
function varint(value: bigint | number): number[] {
  let v = BigInt(value)
  const out: number[] = []
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return out
}

/** One frame: little-endian length word (top byte 0x80 | padding), record, zero padding. */
function frame(record: number[]): number[] {
  const n = record.length
  const padding = (8 - (n % 8)) % 8
  const word = [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24, 0, 0, 0, padding > 0 ? 0x80 | padding : 0]
  return [...word, ...record, ...new Array<number>(padding).fill(0)]
}

/** walpb.Record{type, crc, data}: type and crc always, data when given. */
function record(type: number, crc: number, data?: Uint8Array | number[]): number[] {
  const bytes = [0x08, type, 0x10, ...varint(crc)]
  return data === undefined ? bytes : [...bytes, 0x1a, ...varint(data.length), ...data]
}

// etcdserverpb.Metadata{NodeID: 0x8e9e05c52164694d, ClusterID: 0xcdf818194e3a8c32}: the IDs of a
// default single-member etcd.
const METADATA = Uint8Array.from([0x08, ...varint(0x8e9e05c52164694dn), 0x10, ...varint(0xcdf818194e3a8c32n)])
const SNAPSHOT_0 = Uint8Array.from([0x08, 0x00, 0x10, 0x00]) // walpb.Snapshot{index 0, term 0}

describe('golden bytes of a fresh WAL', () => {
  it('create writes the CRC record, the metadata and the empty snapshot, then preallocated zeros', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create('/wal', METADATA, { fs })
    await wal.close()

    const crc1 = referenceCrc32c(METADATA)
    const crc2 = referenceCrc32c(SNAPSHOT_0, crc1)
    const expected = [
      ...frame(record(4, 0)), // 04 00 00 00 00 00 00 84 08 04 10 00 00 00 00 00
      ...frame(record(1, crc1, METADATA)),
      ...frame(record(5, crc2, SNAPSHOT_0)),
    ]
    assert.deepEqual(expected.slice(0, 16), [4, 0, 0, 0, 0, 0, 0, 0x84, 8, 4, 0x10, 0, 0, 0, 0, 0])

    const path = '/wal/0000000000000000-0000000000000000.wal'
    assert.equal(fs.fileSize(path), 64_000_000, 'preallocated to SegmentSizeBytes')
    const bytes = fs.readFile(path)
    assert.deepEqual(Array.from(bytes.subarray(0, expected.length)), expected)
    assert.ok(
      bytes.subarray(expected.length, expected.length + 4096).every((byte) => byte === 0),
      'zeros after the last record',
    )
    // With both CRCs five bytes long (as in etcd's own file), the frames sit where etcd's did.
    if (varint(crc1).length === 5 && varint(crc2).length === 5) assert.equal(expected.length, 80)
    assert.deepEqual(await fs.readdir('/wal'), ['0000000000000000-0000000000000000.wal'], 'close removed 0.tmp')
    assert.equal(await fs.exists('/wal.tmp'), false)
  })

  it('a save appends entry frames then the HardState frame, chaining the CRC', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create('/wal', METADATA, { fs })
    const e1 = entry(1, 1, 5)
    const e2 = entry(2, 1, 300)
    const state = hardState(1, 2)
    await wal.save(state, [e1, e2])
    await wal.close()

    const crc = referenceCrc32c(SNAPSHOT_0, referenceCrc32c(METADATA))
    const c1 = referenceCrc32c(encodeEntry(e1), crc)
    const c2 = referenceCrc32c(encodeEntry(e2), c1)
    const c3 = referenceCrc32c(encodeHardState(state), c2)
    const expected = [
      ...frame(record(2, c1, encodeEntry(e1))),
      ...frame(record(2, c2, encodeEntry(e2))),
      ...frame(record(3, c3, encodeHardState(state))),
    ]
    const bytes = fs.readFile('/wal/0000000000000000-0000000000000000.wal')
    const head = [...frame(record(4, 0)), ...frame(record(1, referenceCrc32c(METADATA), METADATA))]
    const at = head.length + frame(record(5, crc, SNAPSHOT_0)).length
    assert.deepEqual(Array.from(bytes.subarray(at, at + expected.length)), expected)
  })

  it('a cut starts the next segment with a CRC record of the running CRC, the metadata and the last HardState', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create('/wal', METADATA, { fs, segmentSizeBytes: 100 })
    const e1 = entry(1, 1, 40)
    const state = hardState(1, 1)
    await wal.save(state, [e1]) // ends past byte 100: cut
    await wal.close()

    const crcBefore = referenceCrc32c(
      encodeHardState(state),
      referenceCrc32c(encodeEntry(e1), referenceCrc32c(SNAPSHOT_0, referenceCrc32c(METADATA))),
    )
    const crcMeta = referenceCrc32c(METADATA, crcBefore)
    const expected = [
      ...frame(record(4, crcBefore)),
      ...frame(record(1, crcMeta, METADATA)),
      ...frame(record(3, referenceCrc32c(encodeHardState(state), crcMeta), encodeHardState(state))),
    ]
    const names = (await fs.readdir('/wal')).sort()
    assert.deepEqual(names, ['0000000000000000-0000000000000000.wal', '0000000000000001-0000000000000002.wal'])
    const second = fs.readFile('/wal/0000000000000001-0000000000000002.wal')
    assert.deepEqual(Array.from(second.subarray(0, expected.length)), expected)
    assert.equal(second.length, 104, 'the new segment was preallocated to segmentSizeBytes, rounded up to 8')
    // The first segment was truncated to what it holds at the cut.
    const crc1 = referenceCrc32c(METADATA)
    const crc2 = referenceCrc32c(SNAPSHOT_0, crc1)
    const crcEntry = referenceCrc32c(encodeEntry(e1), crc2)
    const firstLength = [
      frame(record(4, 0)),
      frame(record(1, crc1, METADATA)),
      frame(record(5, crc2, SNAPSHOT_0)),
      frame(record(2, crcEntry, encodeEntry(e1))),
      frame(record(3, crcBefore, encodeHardState(state))),
    ].reduce((sum, bytes) => sum + bytes.length, 0)
    assert.equal(fs.fileSize('/wal/0000000000000000-0000000000000000.wal'), firstLength)
  })
})
