// Damage that is not a torn tail: a flipped bit anywhere but the torn region is
// WAL_CRC_MISMATCH naming the file and offset, never skipped and never "repaired". And a fuzz
// of every reader over mutated WALs: only WAL_* errors, no hang, no allocation sized by a
// hostile length word.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parseWalName, Wal, type WalFile, type WalFileSystem } from '../src/index.js'
import { CrashFileSystem } from '../src/testing/index.js'
import { bootRead, codeOf, DIR, entries, entry, hardState, METADATA, seededRandom, ZERO_SNAPSHOT } from './helpers.js'

/** A WAL of 30 entries over several segments, with snapshot records. */
async function sampleWal(): Promise<{ fs: CrashFileSystem; names: string[] }> {
  const fs = new CrashFileSystem()
  const random = seededRandom(3)
  const wal = await Wal.create(DIR, METADATA, { fs, segmentSizeBytes: 1500 })
  for (let i = 1; i <= 30; i++) {
    await wal.save(hardState(1, i - 1), [entry(i, 1, 20 + Math.floor(random() * 200))])
    if (i % 10 === 0) await wal.saveSnapshot({ index: i - 2, term: 1 })
  }
  await wal.close()
  const names = (await fs.readdir(DIR)).filter((name) => parseWalName(name) !== undefined).sort()
  assert.ok(names.length >= 3)
  return { fs, names }
}

describe('a flipped bit', () => {
  for (const which of ['a middle segment', 'the middle of the last segment'] as const) {
    it(`in ${which} is WAL_CRC_MISMATCH naming the file and the offset; repair refuses it`, async () => {
      const { fs: base, names } = await sampleWal()
      const name = which === 'a middle segment' ? (names[1] as string) : (names.at(-1) as string)
      const path = join(DIR, name)
      const fs = base.crash({ mode: 'drop', random: Math.random })
      const bytes = fs.readFile(path)
      const used = bytes.reduce((last, byte, i) => (byte !== 0 ? i : last), -1)
      const at = Math.floor(used / 2)
      bytes[at] = (bytes[at] as number) ^ 0x04
      fs.writeFile(path, bytes)

      const error = await bootRead(fs).then(
        () => assert.fail('expected WAL_CRC_MISMATCH'),
        (caught: { code?: string; file?: string; offset?: number; message: string }) => caught,
      )
      assert.equal(error.code, 'WAL_CRC_MISMATCH')
      assert.equal(error.file, path)
      assert.ok(error.offset !== undefined && error.offset <= at && at - error.offset < 300, `frame at ${error.offset}`)
      assert.ok(error.message.includes(path) && error.message.includes(`offset ${error.offset}`), error.message)
      for (const reader of [
        Wal.openForRead(DIR, ZERO_SNAPSHOT, { fs }).then((wal) => wal.readAll()),
        Wal.verify(DIR, ZERO_SNAPSHOT, { fs }),
        Wal.validSnapshotEntries(DIR, { fs }),
      ]) {
        assert.equal(await codeOf(reader), 'WAL_CRC_MISMATCH')
      }
      if (which === 'the middle of the last segment') {
        assert.equal(await Wal.repair(DIR, { fs }), false)
        assert.deepEqual(fs.readFile(path), bytes, 'repair left the file alone')
        assert.equal(await fs.exists(`${path}.broken`), false)
      }
    })
  }
})

describe('fuzz', () => {
  it('every reader over a mutated WAL returns or fails with a WAL_* error, reading at most a file at once', async () => {
    const { fs: base, names } = await sampleWal()
    const paths = names.map((name) => join(DIR, name))
    const mutation = fc.record({
      file: fc.nat(),
      kind: fc.constantFrom('flip', 'byte', 'zero', 'truncate', 'garbage', 'length'),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 700 }),
      value: fc.integer({ min: 0, max: 255 }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.nat(), async (mutations, seed) => {
        const fs = base.crash({ mode: 'drop', random: seededRandom(seed) })
        for (const { file, kind, at, length, value } of mutations) {
          const path = paths[file % paths.length] as string
          let bytes = fs.readFile(path)
          const position = bytes.length === 0 ? 0 : at % bytes.length
          if (kind === 'flip') bytes[position] = (bytes[position] as number) ^ (1 << (value % 8))
          else if (kind === 'byte') bytes[position] = value
          else if (kind === 'zero') bytes.fill(0, position, position + length)
          else if (kind === 'truncate') bytes = bytes.slice(0, position)
          else if (kind === 'garbage')
            bytes = Uint8Array.from([...bytes, ...Array.from({ length }, (_, i) => (i * value + 1) & 0xff)])
          else {
            // A garbage length word at a frame boundary (the file grows if it is too short for one).
            const word = position - (position % 8)
            if (bytes.length < word + 8) {
              const grown = new Uint8Array(word + 8)
              grown.set(bytes)
              bytes = grown
            }
            bytes.set([value, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x80 | (value & 7)], word)
          }
          fs.writeFile(path, bytes.subarray(0, Math.max(bytes.length, 0)))
        }
        const largestFile = Math.max(...paths.map((path) => fs.fileSize(path)), 8)
        const spied = spyReads(fs)
        const readers: Array<() => Promise<unknown>> = [
          () => bootRead(spied.fs).then(({ wal }) => wal.close()),
          () => Wal.openForRead(DIR, ZERO_SNAPSHOT, { fs: spied.fs }).then((wal) => wal.readAll()),
          () => Wal.verify(DIR, ZERO_SNAPSHOT, { fs: spied.fs }),
          () => Wal.validSnapshotEntries(DIR, { fs: spied.fs }),
        ]
        for (const read of readers) {
          try {
            await read()
          } catch (error) {
            assert.match(String((error as { code?: unknown }).code), /^WAL_/, String(error))
          }
        }
        // Repair copies the file in 1 MiB pieces; the decoder reads at most what a file holds.
        assert.ok(spied.largestRead() <= Math.max(largestFile, 1 << 20), `read ${spied.largestRead()} bytes at once`)
      }),
      { numRuns: 250 },
    )
  })

  it('after any mutation, the boot loop either recovers a log that keeps taking appends or reports a WAL_* error', async () => {
    const { fs: base, names } = await sampleWal()
    const last = join(DIR, names.at(-1) as string)
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 64 }), async (at, length) => {
        const fs = base.crash({ mode: 'drop', random: Math.random })
        const bytes = fs.readFile(last)
        const used = bytes.reduce((last, byte, i) => (byte !== 0 ? i : last), -1) + 1
        bytes.fill(0xa5, at % used, (at % used) + length)
        fs.writeFile(last, bytes)
        let recovered: Awaited<ReturnType<typeof bootRead>> | undefined
        try {
          recovered = await bootRead(fs)
        } catch (error) {
          assert.match(String((error as { code?: unknown }).code), /^WAL_/)
          return
        }
        const next = (recovered.result.entries.at(-1)?.index ?? 0) + 1
        await recovered.wal.save(hardState(1, next), entries(next, next + 1))
        await recovered.wal.close()
        const again = await bootRead(fs)
        assert.equal(again.result.entries.at(-1)?.index, next + 1)
        await again.wal.close()
      }),
      { numRuns: 150 },
    )
  })
})

/** `fs`, recording the largest read. */
function spyReads(fs: CrashFileSystem): { fs: WalFileSystem; largestRead(): number } {
  let largest = 0
  const wrapped: WalFileSystem = {
    open: async (path, mode) => {
      const file = await fs.open(path, mode)
      const spy: WalFile = {
        read: (buffer, position) => {
          largest = Math.max(largest, buffer.length)
          return file.read(buffer, position)
        },
        write: (data, position) => file.write(data, position),
        datasync: () => file.datasync(),
        truncate: (size) => file.truncate(size),
        allocate: (size) => file.allocate(size),
        size: () => file.size(),
        tryLock: () => file.tryLock(),
        unlock: () => file.unlock(),
        close: () => file.close(),
      }
      return spy
    },
    readdir: (dir) => fs.readdir(dir),
    exists: (path) => fs.exists(path),
    mkdir: (dir) => fs.mkdir(dir),
    rename: (from, to) => fs.rename(from, to),
    unlink: (path) => fs.unlink(path),
    removeAll: (path) => fs.removeAll(path),
    syncDir: (dir) => fs.syncDir(dir),
  }
  return { fs: wrapped, largestRead: () => largest }
}
