// The Wal API on the in-memory file system: etcd's semantics for create, open, readAll, save,
// cut, saveSnapshot, releaseLockTo, close, verify and validSnapshotEntries; syscalls per save;
// misuse. Crash and corruption scenarios are in crash.test.ts and corruption.test.ts.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { EMPTY_HARD_STATE, type Entry, type HardState } from '@etcd-ts/raft'
import { Decoder } from '../src/decoder.js'
import { Encoder } from '../src/encoder.js'
import { parseWalName, RecordType, Wal, type WalFileSystem, walName } from '../src/index.js'
import { CrashFileSystem } from '../src/testing/index.js'
import { decodeRecord } from '../src/walpb.js'
import { assertEntries, codeOf, DIR, entries, entry, hardState, METADATA, writeWal, ZERO_SNAPSHOT } from './helpers.js'

async function walFiles(fs: WalFileSystem, dir = DIR): Promise<string[]> {
  return (await fs.readdir(dir)).filter((name) => name.endsWith('.wal')).sort()
}

async function readAllOnce(fs: WalFileSystem, snapshot = ZERO_SNAPSHOT, dir = DIR) {
  const wal = await Wal.openForRead(dir, snapshot, { fs })
  try {
    return await wal.readAll()
  } finally {
    await wal.close()
  }
}

/** The record types at the head of a segment file (decoded without CRC checks). */
function headTypes(fs: CrashFileSystem, path: string, count: number): Array<{ type: number; data?: Uint8Array }> {
  const bytes = fs.readFile(path)
  const out: Array<{ type: number; data?: Uint8Array }> = []
  let at = 0
  while (out.length < count) {
    const size = (bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16)
    const padding = (bytes[at + 7] as number) & 0x80 ? (bytes[at + 7] as number) & 7 : 0
    const record = decodeRecord(bytes.subarray(at + 8, at + 8 + size))
    out.push(record.data === undefined ? { type: record.type } : { type: record.type, data: record.data })
    at += 8 + size + padding
  }
  return out
}

describe('create', () => {
  it('create → save → close → open → readAll returns the metadata, the last HardState and the entries', async () => {
    const fs = new CrashFileSystem()
    const all = entries(1, 100)
    const saves: Array<[HardState, Entry[]]> = []
    for (let i = 0; i < 100; i += 10) saves.push([hardState(1, i), all.slice(i, i + 10)])
    await writeWal({ fs }, saves)
    const { metadata, hardState: state, entries: read } = await readAllOnce(fs)
    assert.deepEqual(Array.from(metadata), Array.from(METADATA))
    assert.deepEqual(state, hardState(1, 90))
    assertEntries(read, all)
  })

  it('refuses a directory holding *.wal files (WAL_EXISTS) and leaves it alone', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs }, [[hardState(1, 0), [entry(1)]]])
    assert.equal(await codeOf(Wal.create(DIR, METADATA, { fs })), 'WAL_EXISTS')
    assertEntries((await readAllOnce(fs)).entries, [entry(1)])
  })

  it('replaces a directory without WAL files and a leftover <dir>.tmp, as etcd does', async () => {
    const fs = new CrashFileSystem()
    await fs.mkdir(DIR)
    fs.writeFile(join(DIR, 'stray'), new Uint8Array([1]))
    await fs.mkdir(`${DIR}.tmp`)
    fs.writeFile(join(`${DIR}.tmp`, 'half-built.wal'), new Uint8Array([1]))
    const wal = await Wal.create(`${DIR}/`, METADATA, { fs })
    await wal.close()
    assert.deepEqual(await fs.readdir(DIR), ['0000000000000000-0000000000000000.wal'])
    assert.equal(await fs.exists(`${DIR}.tmp`), false)
  })

  it('keeps the spare segment 0.tmp ready and locked while open, and removes it on close', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs, segmentSizeBytes: 4096 })
    await wal.save(hardState(1, 0), [entry(1)]) // the pipeline has had time to prepare
    assert.ok((await fs.readdir(DIR)).includes('0.tmp'))
    assert.equal(fs.isLocked(join(DIR, '0.tmp')), true)
    assert.equal(fs.fileSize(join(DIR, '0.tmp')), 4096)
    await wal.close()
    assert.deepEqual(await fs.readdir(DIR), ['0000000000000000-0000000000000000.wal'])
  })

  it('exists() is true only when the directory holds *.wal files', async () => {
    const fs = new CrashFileSystem()
    assert.equal(await Wal.exists(DIR, { fs }), false)
    await fs.mkdir(DIR)
    fs.writeFile(join(DIR, '0.tmp'), new Uint8Array(1))
    assert.equal(await Wal.exists(DIR, { fs }), false)
    await fs.removeAll(DIR)
    await writeWal({ fs }, [])
    assert.equal(await Wal.exists(DIR, { fs }), true)
  })
})

describe('segments', () => {
  it('cuts when a save ends past segmentSizeBytes: names %016x-%016x, each head = CRC, metadata, HardState', async () => {
    const fs = new CrashFileSystem()
    const all = entries(1, 60, 1, 100)
    await writeWal(
      { fs, segmentSizeBytes: 1024 },
      all.map((e) => [hardState(1, e.index - 1), [e]]),
    )
    const names = await walFiles(fs)
    assert.ok(names.length >= 5, `${names.length} segments`)
    const { entries: read } = await readAllOnce(fs)
    assertEntries(read, all)
    for (const [i, name] of names.entries()) {
      const parsed = parseWalName(name)
      assert.equal(parsed?.seq, i, `${name}: sequence numbers increase by one`)
      assert.equal(name, walName(i, parsed?.index ?? -1))
      if (i === 0) continue
      // A segment named after index k holds entry k first.
      const head = headTypes(fs, join(DIR, name), 4)
      assert.deepEqual(
        head.map(({ type }) => type),
        [RecordType.Crc, RecordType.Metadata, RecordType.State, RecordType.Entry],
      )
      assert.deepEqual(Array.from(head[1]?.data ?? []), Array.from(METADATA))
      const first = await readAllOnce(fs, { index: (parsed?.index ?? 0) - 1, term: 1 }).catch(
        (error: { result?: { entries: Entry[] } }) => error.result,
      )
      assert.equal(first?.entries[0]?.index, parsed?.index)
    }
    // The CRC chain runs across every file: one decoder over all of them verifies each record.
    const decoder = new Decoder(
      await Promise.all(names.map(async (name) => ({ path: name, file: await fs.open(join(DIR, name), 'read') }))),
    )
    let records = 0
    for (let record = await decoder.next(); record !== undefined; record = await decoder.next()) {
      if (record.type === RecordType.Crc) {
        assert.equal(record.crc, decoder.lastCrc, `${record.path}: the CRC record carries the running CRC`)
        decoder.acceptCrcRecord(record)
      }
      records++
    }
    assert.ok(records > 60)
  })

  it('a segment is truncated to its records at the cut; the new one is preallocated', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs, segmentSizeBytes: 512 }, [[hardState(1, 0), entries(1, 10, 1, 64)]])
    const names = await walFiles(fs)
    assert.equal(names.length, 2)
    assert.ok(fs.fileSize(join(DIR, names[0] as string)) > 512, 'cut after the save that crossed the size')
    assert.equal(fs.fileSize(join(DIR, names[1] as string)), 512)
  })

  it('reopen after readAll appends after the last record, continuing the chain, and cuts', async () => {
    const fs = new CrashFileSystem()
    const options = { fs, segmentSizeBytes: 2048 }
    await writeWal(options, [[hardState(1, 5), entries(1, 10)]])
    for (let round = 0; round < 5; round++) {
      const wal = await Wal.open(DIR, ZERO_SNAPSHOT, options)
      const { entries: read, hardState: state } = await wal.readAll()
      const last = read.at(-1)?.index ?? 0
      assert.equal(last, 10 + round * 20)
      assert.deepEqual(state, hardState(1, last - 5))
      await wal.save(hardState(1, last + 15), entries(last + 1, last + 20))
      await wal.close()
    }
    assertEntries((await readAllOnce(fs)).entries, entries(1, 110))
    assert.ok((await walFiles(fs)).length > 1)
  })

  it('after a reopen, a cut writes the HardState read at the head of the new segment', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs }, [[hardState(3, 2, 2n), entries(1, 2, 3)]])
    const wal = await Wal.open(DIR, ZERO_SNAPSHOT, { fs, segmentSizeBytes: 1 })
    await wal.readAll()
    await wal.save(EMPTY_HARD_STATE, [entry(3, 3)]) // no HardState given: the cut repeats the one read
    await wal.close()
    const names = await walFiles(fs)
    const head = headTypes(fs, join(DIR, names.at(-1) as string), 3)
    assert.equal(head[2]?.type, RecordType.State)
    const segment = await readAllOnce(fs, { index: 3, term: 3 }).catch((error: { result?: unknown }) => error.result)
    assert.deepEqual((segment as { hardState: HardState }).hardState, hardState(3, 2, 2n))
  })
})

describe('readAll', () => {
  it('a later entry at an index already read replaces it and every entry after it', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs }, [
      [hardState(1, 3), entries(1, 10, 1)],
      [hardState(2, 3), entries(5, 7, 2)],
      [hardState(2, 4), entries(8, 8, 2)],
    ])
    assertEntries((await readAllOnce(fs)).entries, [...entries(1, 4, 1), ...entries(5, 8, 2)])
  })

  it('entries at or before the snapshot opened at are skipped', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs })
    await wal.save(hardState(1, 5), entries(1, 5))
    await wal.saveSnapshot({ index: 5, term: 1 })
    await wal.save(hardState(1, 8), entries(6, 8))
    await wal.close()
    assertEntries((await readAllOnce(fs, { index: 5, term: 1 })).entries, entries(6, 8))
    assertEntries((await readAllOnce(fs, { index: 3, term: 1 }).catch((e) => e.result)).entries, entries(4, 8))
  })

  it('a hole after the entries read is WAL_SLICE_OUT_OF_RANGE', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs }, [[hardState(1, 0), [entry(1), entry(2), entry(5)]]])
    assert.equal(await codeOf(readAllOnce(fs)), 'WAL_SLICE_OUT_OF_RANGE')
  })

  it('a snapshot record at the index with another term is WAL_SNAPSHOT_MISMATCH', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs })
    await wal.save(hardState(2, 4), entries(1, 4, 2))
    await wal.saveSnapshot({ index: 4, term: 2 })
    await wal.close()
    assert.equal(await codeOf(readAllOnce(fs, { index: 4, term: 1 })), 'WAL_SNAPSHOT_MISMATCH')
    assert.equal(await codeOf(Wal.verify(DIR, { index: 4, term: 1 }, { fs })), 'WAL_SNAPSHOT_MISMATCH')
  })

  it('no snapshot record at the index: WAL_SNAPSHOT_NOT_FOUND carrying the data; opened for write, it appends', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs }, [[hardState(1, 4), entries(1, 4)]])
    const wal = await Wal.open(DIR, { index: 2, term: 1 }, { fs })
    const error = await wal.readAll().then(
      () => assert.fail('expected WAL_SNAPSHOT_NOT_FOUND'),
      (caught: { code: string; result?: { entries: Entry[]; hardState: HardState } }) => caught,
    )
    assert.equal(error.code, 'WAL_SNAPSHOT_NOT_FOUND')
    assertEntries(error.result?.entries ?? [], entries(3, 4))
    assert.deepEqual(error.result?.hardState, hardState(1, 4))
    await wal.save(hardState(1, 5), [entry(5)])
    await wal.close()
    assertEntries((await readAllOnce(fs)).entries, entries(1, 5))
  })

  it('two different metadata records are WAL_METADATA_CONFLICT', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs }, [[hardState(1, 1), [entry(1)]]])
    // Append a segment by hand whose head carries other metadata, chained correctly.
    const first = join(DIR, walName(0, 0))
    const decoder = new Decoder([{ path: first, file: await fs.open(first, 'read') }])
    for (let record = await decoder.next(); record !== undefined; record = await decoder.next());
    const file = await fs.open(join(DIR, walName(1, 2)), 'create')
    const encoder = new Encoder(file, 0, decoder.lastCrc)
    encoder.encodeCrc(decoder.lastCrc)
    encoder.encode(RecordType.Metadata, new Uint8Array([9, 9]))
    await encoder.flush()
    await file.close()
    assert.equal(await codeOf(readAllOnce(fs)), 'WAL_METADATA_CONFLICT')
    assert.equal(await codeOf(Wal.verify(DIR, ZERO_SNAPSHOT, { fs })), 'WAL_METADATA_CONFLICT')
  })

  it('an unknown record type is WAL_INVALID_RECORD', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs }, [[hardState(1, 1), [entry(1)]]])
    const path = join(DIR, walName(0, 0))
    const decoder = new Decoder([{ path, file: await fs.open(path, 'write') }])
    for (let record = await decoder.next(); record !== undefined; record = await decoder.next());
    const encoder = new Encoder(await fs.open(path, 'write'), decoder.lastOffset, decoder.lastCrc)
    encoder.encode(6 as typeof RecordType.Entry, new Uint8Array([1]))
    await encoder.flush()
    assert.equal(await codeOf(readAllOnce(fs)), 'WAL_INVALID_RECORD')
  })

  it('opened for write, zeroes what follows the last valid record, so later appends never meet old garbage', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs, segmentSizeBytes: 4096 }, [[hardState(1, 2), entries(1, 2)]])
    const path = join(DIR, walName(0, 0))
    const bytes = fs.readFile(path)
    let end = 0
    const decoder = new Decoder([{ path, file: await fs.open(path, 'read') }])
    for (let record = await decoder.next(); record !== undefined; record = await decoder.next())
      end = decoder.lastOffset
    // A zero length word, then the frames of a torn write that never completed.
    bytes.set(bytes.subarray(80, end), end + 8)
    fs.writeFile(path, bytes)
    const wal = await Wal.open(DIR, ZERO_SNAPSHOT, { fs })
    assertEntries((await wal.readAll()).entries, entries(1, 2))
    assert.ok(
      fs
        .readFile(path)
        .subarray(end)
        .every((byte) => byte === 0),
      'zeroed after the last valid record',
    )
    assert.equal(fs.hasUnsyncedData(path), false, 'and the zeros are durable')
    await wal.save(hardState(1, 3), [entry(3, 1, 4)])
    await wal.close()
    assertEntries((await readAllOnce(fs)).entries, [...entries(1, 2), entry(3, 1, 4)])
  })

  it('opened for read, accepts a log ending in a partial record', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs, segmentSizeBytes: 4096 }, [
      [hardState(1, 1), entries(1, 3)],
      [hardState(1, 2), [entry(4)]],
    ])
    const path = join(DIR, walName(0, 0))
    const end = fs.readFile(path).reduce((last, byte, i) => (byte !== 0 ? i : last), -1) + 1
    fs.truncateFile(path, end - 20) // cut inside the last HardState record
    const { entries: read, hardState: state } = await readAllOnce(fs)
    assertEntries(read, entries(1, 4))
    assert.deepEqual(state, hardState(1, 1))
    const wal = await Wal.open(DIR, ZERO_SNAPSHOT, { fs })
    assert.equal(await codeOf(wal.readAll()), 'WAL_UNEXPECTED_EOF', 'opened for write, it must be repaired')
    await wal.close()
  })
})

describe('file selection', () => {
  async function segmentedWal(fs: CrashFileSystem): Promise<string[]> {
    // Every save cuts (segmentSizeBytes 1): segments start at index 0, 2, 3, ..., 11.
    const wal = await Wal.create(DIR, METADATA, { fs, segmentSizeBytes: 1 })
    for (let i = 1; i <= 10; i++) {
      await wal.save(hardState(1, i - 1), [entry(i)])
      if (i === 6) await wal.saveSnapshot({ index: 6, term: 1 })
    }
    await wal.close()
    return walFiles(fs)
  }

  it('opens at the last file starting at or before the snapshot index, and every later one', async () => {
    const fs = new CrashFileSystem()
    const names = await segmentedWal(fs)
    assert.deepEqual(
      names.map((name) => parseWalName(name)?.index),
      [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    )
    const wal = await Wal.open(DIR, { index: 6, term: 1 }, { fs })
    assertEntries((await wal.readAll()).entries, entries(7, 10))
    // Locked: every file from the one holding index 6 on; not the earlier ones.
    for (const name of names) {
      const index = parseWalName(name)?.index ?? 0
      assert.equal(fs.isLocked(join(DIR, name)), index >= 6, name)
    }
    await wal.close()
  })

  it('no WAL file (WAL_NOT_FOUND), no file at or before the index (WAL_NOT_FOUND), a gap (WAL_SEQUENCE_GAP)', async () => {
    const fs = new CrashFileSystem()
    assert.equal(await codeOf(Wal.open(DIR, ZERO_SNAPSHOT, { fs })), 'WAL_NOT_FOUND')
    await fs.mkdir(DIR)
    assert.equal(await codeOf(Wal.openForRead(DIR, ZERO_SNAPSHOT, { fs })), 'WAL_NOT_FOUND')
    const names = await segmentedWal(new CrashFileSystem()).then(() => undefined)
    assert.equal(names, undefined)
    const fs2 = new CrashFileSystem()
    const all = await segmentedWal(fs2)
    await fs2.unlink(join(DIR, all[0] as string))
    const notFound = await Wal.open(DIR, { index: 1, term: 1 }, { fs: fs2 }).catch((error) => error)
    assert.equal(notFound.code, 'WAL_NOT_FOUND')
    assert.equal(notFound.index, 1)
    await fs2.unlink(join(DIR, all[4] as string))
    assert.equal(await codeOf(Wal.open(DIR, { index: 2, term: 1 }, { fs: fs2 })), 'WAL_SEQUENCE_GAP')
    assert.equal(await codeOf(Wal.verify(DIR, { index: 2, term: 1 }, { fs: fs2 })), 'WAL_SEQUENCE_GAP')
    // Opening past the gap works.
    const wal = await Wal.openForRead(DIR, { index: 6, term: 1 }, { fs: fs2 })
    assertEntries((await wal.readAll()).entries, entries(7, 10))
    await wal.close()
  })

  it('ignores files that are not segments', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs }, [[hardState(1, 1), [entry(1)]]])
    fs.writeFile(join(DIR, 'notes.txt'), new Uint8Array([1]))
    fs.writeFile(join(DIR, '1.tmp'), new Uint8Array([1]))
    const warnings: string[] = []
    const wal = await Wal.openForRead(DIR, ZERO_SNAPSHOT, { fs, logger: { warn: (m) => warnings.push(m), info() {} } })
    assertEntries((await wal.readAll()).entries, [entry(1)])
    await wal.close()
    assert.equal(warnings.length, 1)
    assert.match(warnings[0] as string, /notes\.txt/)
  })
})

describe('locks', () => {
  it('a second open for write fails with WAL_LOCKED until the first is closed; reading is always allowed', async () => {
    const fs = new CrashFileSystem()
    await writeWal({ fs }, [[hardState(1, 1), [entry(1)]]])
    const first = await Wal.open(DIR, ZERO_SNAPSHOT, { fs })
    assert.equal(await codeOf(Wal.open(DIR, ZERO_SNAPSHOT, { fs })), 'WAL_LOCKED')
    assert.equal(await codeOf(Wal.repair(DIR, { fs })), 'WAL_LOCKED')
    const reader = await Wal.openForRead(DIR, ZERO_SNAPSHOT, { fs })
    assertEntries((await reader.readAll()).entries, [entry(1)])
    await reader.close()
    assert.deepEqual((await Wal.verify(DIR, ZERO_SNAPSHOT, { fs })).commit, 1)
    await first.close()
    const second = await Wal.open(DIR, ZERO_SNAPSHOT, { fs })
    await second.readAll()
    await second.close()
  })

  it("releaseLockTo follows etcd's example: holding 1..6, releaseLockTo(4) releases 1 and 2 and keeps 3", async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs, segmentSizeBytes: 1 })
    await wal.save(hardState(1, 0), []) // cuts with no entry yet: the next segment starts at 1
    for (let i = 1; i <= 5; i++) await wal.save(hardState(1, i - 1), [entry(i)])
    const names = await walFiles(fs)
    assert.deepEqual(
      names.map((name) => parseWalName(name)?.index),
      [0, 1, 2, 3, 4, 5, 6],
    )
    const locked = () => names.filter((name) => fs.isLocked(join(DIR, name))).map((name) => parseWalName(name)?.index)
    assert.deepEqual(locked(), [0, 1, 2, 3, 4, 5, 6])
    await wal.releaseLockTo(2)
    assert.deepEqual(locked(), [1, 2, 3, 4, 5, 6], 'holding 1..6')
    await wal.releaseLockTo(4)
    assert.deepEqual(locked(), [3, 4, 5, 6])
    await wal.releaseLockTo(5)
    assert.deepEqual(locked(), [4, 5, 6])
    await wal.releaseLockTo(1) // nothing before
    assert.deepEqual(locked(), [4, 5, 6])
    await wal.releaseLockTo(100) // none starts at or after 100: all but the tail
    assert.deepEqual(locked(), [6])
    await wal.save(hardState(1, 5), [entry(6)]) // still appending
    await wal.close()
    assert.deepEqual(locked(), [])
    assertEntries((await readAllOnce(fs)).entries, entries(1, 6))
  })
})

describe('verify and validSnapshotEntries', () => {
  it('verify returns the last HardState; a missing snapshot record is WAL_SNAPSHOT_NOT_FOUND', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs, segmentSizeBytes: 600 })
    await wal.save(hardState(1, 3), entries(1, 10))
    await wal.saveSnapshot({ index: 3, term: 1 })
    await wal.save(hardState(2, 9, 2n), entries(11, 20, 2))
    await wal.close()
    assert.deepEqual(await Wal.verify(DIR, ZERO_SNAPSHOT, { fs }), hardState(2, 9, 2n))
    assert.deepEqual(await Wal.verify(DIR, { index: 3, term: 1 }, { fs }), hardState(2, 9, 2n))
    assert.equal(await codeOf(Wal.verify(DIR, { index: 4, term: 1 }, { fs })), 'WAL_SNAPSHOT_NOT_FOUND')
  })

  it('validSnapshotEntries returns the snapshot records at or below the last commit index, in order', async () => {
    const fs = new CrashFileSystem()
    const confState = { voters: [1n, 2n, 3n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }
    const wal = await Wal.create(DIR, METADATA, { fs, segmentSizeBytes: 300 })
    await wal.save(hardState(1, 2), entries(1, 5))
    await wal.saveSnapshot({ index: 2, term: 1, confState })
    await wal.saveSnapshot({ index: 4, term: 1, confState })
    await wal.save(hardState(1, 4), entries(6, 8))
    await wal.saveSnapshot({ index: 7, term: 1, confState }) // beyond the commit index: not yet safe
    await wal.close()
    assert.deepEqual(await Wal.validSnapshotEntries(DIR, { fs }), [
      { index: 0, term: 0 },
      { index: 2, term: 1, confState },
      { index: 4, term: 1, confState },
    ])
  })
})

describe('save: syscalls and durability rules', () => {
  it('one write and one fdatasync per save, however many entries; none for a commit-only change', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs })
    const count = async (call: () => Promise<void>) => {
      fs.counts.writes = 0
      fs.counts.datasyncs = 0
      await call()
      return { writes: fs.counts.writes, datasyncs: fs.counts.datasyncs }
    }
    // Let the pipeline finish preparing 0.tmp (it writes and syncs in the background).
    await wal.save(hardState(1, 0), [entry(1)])
    assert.deepEqual(await count(() => wal.save(hardState(1, 1), [entry(2)])), { writes: 1, datasyncs: 1 })
    assert.deepEqual(await count(() => wal.save(hardState(1, 2), entries(3, 514))), { writes: 1, datasyncs: 1 })
    assert.deepEqual(await count(() => wal.save(hardState(1, 3), [])), { writes: 1, datasyncs: 0 }, 'commit only')
    assert.deepEqual(await count(() => wal.save(hardState(2, 3), [])), { writes: 1, datasyncs: 1 }, 'term changed')
    assert.deepEqual(await count(() => wal.save(hardState(2, 3, 2n), [])), { writes: 1, datasyncs: 1 }, 'vote changed')
    assert.deepEqual(await count(() => wal.save(EMPTY_HARD_STATE, [])), { writes: 0, datasyncs: 0 }, 'nothing')
    assert.deepEqual(await count(() => wal.saveSnapshot({ index: 3, term: 1 })), { writes: 1, datasyncs: 1 })
    assert.deepEqual(await count(() => wal.save(hardState(2, 4, 2n), [])), { writes: 1, datasyncs: 0 })
    fs.counts.datasyncs = 0
    await wal.close()
    assert.equal(fs.counts.datasyncs, 1, 'close syncs the commit-only save left unsynced')
  })

  it('sync() makes a commit-only save durable', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs })
    await wal.save(hardState(1, 0), [entry(1)])
    await wal.save(hardState(1, 1), []) // commit only: written, not synced
    const path = join(DIR, walName(0, 0))
    assert.equal(fs.hasUnsyncedData(path), true)
    fs.counts.datasyncs = 0
    await wal.sync()
    assert.equal(fs.counts.datasyncs, 1)
    assert.equal(fs.hasUnsyncedData(path), false)
    await fs.syncDir('/')
    const after = fs.crash({ mode: 'drop', random: Math.random })
    assert.deepEqual((await readAllOnce(after)).hardState, hardState(1, 1))
    await wal.close()
  })

  it('unsafeNoFsync skips every fdatasync', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs, unsafeNoFsync: true, segmentSizeBytes: 256 })
    for (let i = 1; i <= 20; i++) await wal.save(hardState(1, i), [entry(i)])
    await wal.close()
    assert.equal(fs.counts.datasyncs, 0)
    assert.ok(fs.counts.dirSyncs > 0, 'directories are still synced')
    assertEntries((await readAllOnce(fs)).entries, entries(1, 20))
  })

  it('saves called without waiting run one after another, in call order', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs, segmentSizeBytes: 700 })
    await Promise.all(entries(1, 50).map((e) => wal.save(hardState(1, e.index), [e])))
    await wal.close()
    assertEntries((await readAllOnce(fs)).entries, entries(1, 50))
  })

  it('an entry out of range is a RangeError and writes nothing of its save', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs })
    await wal.save(hardState(1, 1), [entry(1)])
    await assert.rejects(wal.save(hardState(1, 2), [entry(2), { ...entry(3), term: -1 }]), RangeError)
    await wal.save(hardState(1, 2), [entry(2)])
    await wal.close()
    assertEntries((await readAllOnce(fs)).entries, entries(1, 2))
  })

  it('after a failed write the Wal refuses writes (WAL_FAILED); close still releases it', async () => {
    const fs = new CrashFileSystem()
    let failWrites = false
    const failing: WalFileSystem = {
      ...bind(fs),
      open: async (path, mode) => {
        const file = await fs.open(path, mode)
        return {
          ...bindFile(file),
          write: async (data, position) => {
            if (failWrites) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' })
            return file.write(data, position)
          },
        }
      },
    }
    const wal = await Wal.create(DIR, METADATA, { fs: failing })
    await wal.save(hardState(1, 1), [entry(1)])
    failWrites = true
    assert.equal(await codeOf(wal.save(hardState(1, 2), [entry(2)])), 'EIO')
    failWrites = false
    assert.equal(await codeOf(wal.save(hardState(1, 2), [entry(2)])), 'WAL_FAILED')
    await wal.close()
    assertEntries((await readAllOnce(fs)).entries, [entry(1)])
  })
})

describe('lifecycle and misuse', () => {
  it('close is idempotent; every call after it is WAL_CLOSED', async () => {
    const fs = new CrashFileSystem()
    const wal = await Wal.create(DIR, METADATA, { fs })
    await Promise.all([wal.close(), wal.close()])
    await wal.close()
    assert.equal(await codeOf(wal.save(hardState(1, 1), [entry(1)])), 'WAL_CLOSED')
    assert.equal(await codeOf(wal.saveSnapshot({ index: 1, term: 1 })), 'WAL_CLOSED')
    assert.equal(await codeOf(wal.readAll()), 'WAL_CLOSED')
    assert.equal(await codeOf(wal.releaseLockTo(1)), 'WAL_CLOSED')
  })

  it('readAll runs once (WAL_DECODER_NOT_FOUND); writes need append mode (WAL_NOT_WRITABLE)', async () => {
    const fs = new CrashFileSystem()
    const created = await Wal.create(DIR, METADATA, { fs })
    assert.equal(await codeOf(created.readAll()), 'WAL_DECODER_NOT_FOUND')
    await created.close()
    const writer = await Wal.open(DIR, ZERO_SNAPSHOT, { fs })
    assert.equal(await codeOf(writer.save(hardState(1, 1), [entry(1)])), 'WAL_NOT_WRITABLE')
    assert.equal(await codeOf(writer.releaseLockTo(1)), 'WAL_NOT_WRITABLE')
    await writer.readAll()
    assert.equal(await codeOf(writer.readAll()), 'WAL_DECODER_NOT_FOUND')
    await writer.close()
    const reader = await Wal.openForRead(DIR, ZERO_SNAPSHOT, { fs })
    await reader.readAll()
    assert.equal(await codeOf(reader.save(hardState(1, 1), [entry(1)])), 'WAL_NOT_WRITABLE')
    assert.equal(await codeOf(reader.saveSnapshot({ index: 1, term: 1 })), 'WAL_NOT_WRITABLE')
    await reader.releaseLockTo(1) // opened for read: no locks, nothing to do
    await reader.close()
  })

  it('bad arguments and options throw TypeError or RangeError naming them', async () => {
    const fs = new CrashFileSystem()
    await assert.rejects(Wal.create('', METADATA, { fs }), TypeError)
    await assert.rejects(Wal.create(DIR, 'meta' as unknown as Uint8Array, { fs }), /metadata/)
    await assert.rejects(Wal.create(DIR, METADATA, { fs, segmentSizeBytes: 0 }), /options\.segmentSizeBytes/)
    await assert.rejects(Wal.create(DIR, METADATA, { fs, segmentSizeBytes: 1.5 }), RangeError)
    await assert.rejects(Wal.create(DIR, METADATA, { fs, unsafeNoFsync: 1 as unknown as boolean }), /unsafeNoFsync/)
    await assert.rejects(Wal.create(DIR, METADATA, { fs: {} as WalFileSystem }), /options\.fs/)
    await assert.rejects(
      Wal.create(DIR, METADATA, { fs, logger: { warn() {} } as unknown as { warn(): void; info(): void } }),
      /options\.logger/,
    )
    await assert.rejects(Wal.open(DIR, { index: -1, term: 0 }, { fs }), /snapshot\.index/)
    await assert.rejects(Wal.open(DIR, { index: 0, term: 0.5 }, { fs }), /snapshot\.term/)
    await assert.rejects(Wal.open(DIR, undefined as unknown as { index: 0; term: 0 }, { fs }), /snapshot/)
    const wal = await Wal.create(DIR, METADATA, { fs })
    await assert.rejects(wal.save(undefined as unknown as HardState, []), /hardState/)
    await assert.rejects(wal.save(EMPTY_HARD_STATE, undefined as unknown as Entry[]), /entries/)
    await assert.rejects(wal.releaseLockTo(Number.NaN), RangeError)
    await assert.rejects(wal.saveSnapshot({ index: 2 ** 53, term: 1 }), /snapshot\.index/)
    await wal.close()
  })
})

function bind(fs: CrashFileSystem): WalFileSystem {
  return {
    open: fs.open.bind(fs),
    readdir: fs.readdir.bind(fs),
    exists: fs.exists.bind(fs),
    mkdir: fs.mkdir.bind(fs),
    rename: fs.rename.bind(fs),
    unlink: fs.unlink.bind(fs),
    removeAll: fs.removeAll.bind(fs),
    syncDir: fs.syncDir.bind(fs),
  }
}

function bindFile(file: Awaited<ReturnType<CrashFileSystem['open']>>) {
  return {
    read: file.read.bind(file),
    write: file.write.bind(file),
    datasync: file.datasync.bind(file),
    truncate: file.truncate.bind(file),
    allocate: file.allocate.bind(file),
    size: file.size.bind(file),
    tryLock: file.tryLock.bind(file),
    unlock: file.unlock.bind(file),
    close: file.close.bind(file),
  }
}
