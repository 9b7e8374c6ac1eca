// The frame encoder and the record decoder (§1.2, §1.4, §1.11): framing and padding, the CRC
// chain across files, the end of a file, torn-write detection in the last file only, hostile
// length words, and fuzzing (only WAL_* errors, bounded reads).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { Decoder, type DecoderSource } from '../src/decoder.js'
import { Encoder, paddingBytes, writeLengthWord } from '../src/encoder.js'
import { CrcMismatchError, type InvalidRecordError, type UnexpectedEofError } from '../src/errors.js'
import type { WalFile } from '../src/index.js'
import { CrashFileSystem } from '../src/testing/index.js'
import { RecordType } from '../src/walpb.js'
import { referenceCrc32c } from './helpers.js'

type Payload = readonly [RecordType, Uint8Array | undefined]

/** Writes `records` to a new file at `path` with the package's encoder; returns the end offset. */
async function writeFrames(fs: CrashFileSystem, path: string, records: readonly Payload[], crc = 0): Promise<number> {
  const file = await fs.open(path, 'create')
  const encoder = new Encoder(file, 0, crc)
  for (const [type, data] of records) {
    if (type === RecordType.Crc) encoder.encodeCrc(encoder.crc)
    else encoder.encode(type, data)
  }
  await encoder.flush()
  await file.close()
  return encoder.offset
}

async function sources(fs: CrashFileSystem, ...paths: string[]): Promise<DecoderSource[]> {
  return Promise.all(paths.map(async (path) => ({ path, file: await fs.open(path, 'read') })))
}

/** Every record a decoder yields, checking CRC records as ReadAll does. */
async function decodeAll(
  decoder: Decoder,
): Promise<Array<{ type: number; data: number[] | undefined; offset: number }>> {
  const out: Array<{ type: number; data: number[] | undefined; offset: number }> = []
  for (let record = await decoder.next(); record !== undefined; record = await decoder.next()) {
    if (record.type === RecordType.Crc) decoder.acceptCrcRecord(record)
    out.push({ type: record.type, data: record.data && Array.from(record.data), offset: record.offset })
  }
  return out
}

const bytes = (length: number, seed = 1) => Uint8Array.from({ length }, (_, i) => (i * 13 + seed) % 251 || 1)

describe('frames', () => {
  it('length word: N in the low 56 bits, 0x80 | P in the top byte when padded', () => {
    for (let n = 1; n <= 24; n++) {
      const word = new Uint8Array(8)
      writeLengthWord(word, 0, n)
      const padding = (8 - (n % 8)) % 8
      assert.equal(paddingBytes(n), padding)
      assert.deepEqual(Array.from(word), [n, 0, 0, 0, 0, 0, 0, padding > 0 ? 0x80 | padding : 0])
    }
    const big = new Uint8Array(8)
    writeLengthWord(big, 0, 2 ** 40 + 3)
    assert.deepEqual(Array.from(big), [3, 0, 0, 0, 0, 1, 0, 0x85])
  })

  it('round-trip: 8-aligned frames, the CRC chained over the data of every non-CRC record', async () => {
    const fs = new CrashFileSystem()
    const records: Payload[] = [[RecordType.Crc, undefined]]
    for (let length = 0; length <= 20; length++) records.push([RecordType.Entry, bytes(length, length)])
    records.push([RecordType.Metadata, undefined], [RecordType.State, bytes(6)], [RecordType.Snapshot, bytes(4)])
    const end = await writeFrames(fs, '/a.wal', records)
    const decoder = new Decoder(await sources(fs, '/a.wal'))
    const decoded = await decodeAll(decoder)
    assert.deepEqual(
      decoded.map(({ type, data }) => [type, data]),
      records.map(([type, data]) => [type, data && Array.from(data)]),
    )
    assert.ok(decoded.every(({ offset }) => offset % 8 === 0))
    assert.equal(decoder.lastOffset, end)
    let crc = 0
    for (const [type, data] of records)
      if (type !== RecordType.Crc && data !== undefined) crc = referenceCrc32c(data, crc)
    assert.equal(decoder.lastCrc, crc)
  })

  it('rollback forgets records encoded since the mark, CRC included', async () => {
    const fs = new CrashFileSystem()
    const file = await fs.open('/a.wal', 'create')
    const encoder = new Encoder(file, 0, 0)
    encoder.encode(RecordType.Entry, bytes(10))
    const mark = encoder.mark()
    encoder.encode(RecordType.Entry, bytes(30))
    encoder.rollback(mark)
    await encoder.flush()
    assert.equal(encoder.crc, referenceCrc32c(bytes(10)))
    assert.equal(fs.fileSize('/a.wal'), 8 + 24)
  })
})

describe('decoder', () => {
  it('reads on into the next file at a zero length word (preallocated space), ignoring what follows it', async () => {
    const fs = new CrashFileSystem()
    const end = await writeFrames(fs, '/0.wal', [
      [RecordType.Crc, undefined],
      [RecordType.Entry, bytes(5)],
    ])
    fs.truncateFile('/0.wal', end + 64)
    const garbage = fs.readFile('/0.wal')
    garbage.set([9, 9, 9, 9], end + 16) // junk after the zero word: never read
    fs.writeFile('/0.wal', garbage)
    const crc = referenceCrc32c(bytes(5))
    await writeFrames(
      fs,
      '/1.wal',
      [
        [RecordType.Crc, undefined],
        [RecordType.Entry, bytes(7)],
      ],
      crc,
    )
    const decoder = new Decoder(await sources(fs, '/0.wal', '/1.wal'))
    const decoded = await decodeAll(decoder)
    assert.deepEqual(
      decoded.map(({ type }) => type),
      [4, 2, 4, 2],
    )
    assert.equal(decoder.lastCrc, referenceCrc32c(bytes(7), crc))
  })

  it('a decoder starting at a later file takes the CRC of its first CRC record', async () => {
    const fs = new CrashFileSystem()
    await writeFrames(
      fs,
      '/1.wal',
      [
        [RecordType.Crc, undefined],
        [RecordType.Entry, bytes(7)],
      ],
      0x1234_5678,
    )
    const decoded = await decodeAll(new Decoder(await sources(fs, '/1.wal')))
    assert.equal(decoded.length, 2)
  })

  it('a CRC record that disagrees with the running CRC is WAL_CRC_MISMATCH', async () => {
    const fs = new CrashFileSystem()
    await writeFrames(fs, '/0.wal', [
      [RecordType.Crc, undefined],
      [RecordType.Entry, bytes(5)],
    ])
    await writeFrames(fs, '/1.wal', [[RecordType.Crc, undefined]], 0xbad)
    const decoder = new Decoder(await sources(fs, '/0.wal', '/1.wal'))
    await assert.rejects(decodeAll(decoder), (error: CrcMismatchError) => {
      assert.equal(error.code, 'WAL_CRC_MISMATCH')
      assert.equal(error.file, '/1.wal')
      assert.equal(error.offset, 0)
      return true
    })
  })

  it('a partial length word at the end is WAL_UNEXPECTED_EOF', async () => {
    const fs = new CrashFileSystem()
    const end = await writeFrames(fs, '/0.wal', [[RecordType.Entry, bytes(5)]])
    fs.truncateFile('/0.wal', end + 3)
    const bytesNow = fs.readFile('/0.wal')
    bytesNow[end] = 1
    fs.writeFile('/0.wal', bytesNow)
    await assert.rejects(decodeAll(new Decoder(await sources(fs, '/0.wal'))), {
      code: 'WAL_UNEXPECTED_EOF',
      offset: end,
    })
  })

  for (const [name, word] of [
    ['2^55 bytes', [0, 0, 0, 0, 0, 0, 0x80, 0x00]],
    ['2^56 - 1 bytes and padding 7', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x87]],
    ['one byte more than the file holds', [41, 0, 0, 0, 0, 0, 0, 0x87]],
  ] as const) {
    it(`a length word claiming ${name} is WAL_UNEXPECTED_EOF, read without allocating it`, async () => {
      const fs = new CrashFileSystem()
      const end = await writeFrames(fs, '/0.wal', [[RecordType.Entry, bytes(5)]])
      const content = new Uint8Array(end + 48)
      content.set(fs.readFile('/0.wal'))
      content.set(word, end)
      fs.writeFile('/0.wal', content)
      const file = await fs.open('/0.wal', 'read')
      let largestRead = 0
      const spy: WalFile = {
        ...file,
        read: (buffer, position) => {
          largestRead = Math.max(largestRead, buffer.length)
          return file.read(buffer, position)
        },
        size: () => file.size(),
      }
      await assert.rejects(decodeAll(new Decoder([{ path: '/0.wal', file: spy }])), {
        code: 'WAL_UNEXPECTED_EOF',
        offset: end,
      })
      assert.ok(largestRead <= content.length, `read ${largestRead} bytes at once`)
    })
  }

  it('torn write: a frame with an all-zero sector piece is WAL_UNEXPECTED_EOF in the last file only', async () => {
    // An entry spanning the sector boundary at 512, whose bytes after 512 never reached the disk.
    const fs = new CrashFileSystem()
    const end = await writeFrames(fs, '/0.wal', [
      [RecordType.Entry, bytes(400)],
      [RecordType.Entry, bytes(300, 7)],
    ])
    const torn = fs.readFile('/0.wal')
    torn.fill(0, 512, end)
    fs.writeFile('/0.wal', torn)
    fs.writeFile('/1.wal', torn)
    await writeFrames(fs, '/2.wal', [[RecordType.Crc, undefined]])
    await assert.rejects(decodeAll(new Decoder(await sources(fs, '/0.wal'))), (error: UnexpectedEofError) => {
      assert.equal(error.code, 'WAL_UNEXPECTED_EOF')
      assert.ok(error.offset > 400 && error.offset < 512)
      return true
    })
    // The same frame before the last file is corruption.
    await assert.rejects(decodeAll(new Decoder(await sources(fs, '/1.wal', '/2.wal'))), {
      code: 'WAL_CRC_MISMATCH',
      file: '/1.wal',
    })
  })

  it('a flipped bit is WAL_CRC_MISMATCH naming the file and the frame offset', async () => {
    const fs = new CrashFileSystem()
    const end = await writeFrames(fs, '/0.wal', [
      [RecordType.Entry, bytes(100)],
      [RecordType.Entry, bytes(100, 3)],
      [RecordType.Entry, bytes(100, 5)],
    ])
    const frameBytes = end / 3
    const damaged = fs.readFile('/0.wal')
    damaged[frameBytes + 60] = (damaged[frameBytes + 60] as number) ^ 0x10
    fs.writeFile('/0.wal', damaged)
    await assert.rejects(decodeAll(new Decoder(await sources(fs, '/0.wal'))), (error: CrcMismatchError) => {
      assert.ok(error instanceof CrcMismatchError)
      assert.equal(error.file, '/0.wal')
      assert.equal(error.offset, frameBytes)
      assert.match(error.message, new RegExp(`/0\\.wal at offset ${frameBytes}`))
      return true
    })
  })

  it('a frame that is not a walpb.Record is WAL_INVALID_RECORD, or WAL_UNEXPECTED_EOF if torn', async () => {
    const fs = new CrashFileSystem()
    const frame = new Uint8Array(16)
    writeLengthWord(frame, 0, 3)
    frame.set([0x0a, 0x05, 0xff], 8) // field 1 with wire type 2: invalid for Record.type
    fs.writeFile('/0.wal', frame)
    await assert.rejects(decodeAll(new Decoder(await sources(fs, '/0.wal'))), (error: InvalidRecordError) => {
      assert.equal(error.code, 'WAL_INVALID_RECORD')
      assert.equal(error.offset, 0)
      return true
    })
    const zeros = new Uint8Array(16)
    writeLengthWord(zeros, 0, 3) // N = 3 bytes of zeros: field number 0, and torn
    fs.writeFile('/0.wal', zeros)
    await assert.rejects(decodeAll(new Decoder(await sources(fs, '/0.wal'))), { code: 'WAL_UNEXPECTED_EOF' })
  })

  it('fuzz: mutated streams of two files fail only with WAL_* errors, reading at most a file at once', async () => {
    const fs = new CrashFileSystem()
    const end0 = await writeFrames(fs, '/0.wal', [
      [RecordType.Crc, undefined],
      [RecordType.Metadata, bytes(9)],
      [RecordType.Entry, bytes(700)],
      [RecordType.State, bytes(6)],
    ])
    const crc = referenceCrc32c(bytes(6), referenceCrc32c(bytes(700), referenceCrc32c(bytes(9))))
    await writeFrames(
      fs,
      '/1.wal',
      [
        [RecordType.Crc, undefined],
        [RecordType.Entry, bytes(40)],
      ],
      crc,
    )
    const originals = [fs.readFile('/0.wal'), fs.readFile('/1.wal')]
    assert.equal(originals[0]?.length, end0)
    const mutation = fc.record({
      file: fc.integer({ min: 0, max: 1 }),
      kind: fc.constantFrom('flip', 'set', 'zero', 'truncate', 'extend'),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 600 }),
      value: fc.integer({ min: 0, max: 255 }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
        const files: Uint8Array[] = originals.map((original) => (original as Uint8Array).slice())
        for (const { file, kind, at, length, value } of mutations) {
          let target = files[file] as Uint8Array
          const position = target.length === 0 ? 0 : at % target.length
          if (kind === 'flip') target[position] = (target[position] as number) ^ (1 << (value % 8))
          else if (kind === 'set') target[position] = value
          else if (kind === 'zero') target.fill(0, position, position + length)
          else if (kind === 'truncate') target = target.slice(0, position)
          else target = Uint8Array.from([...target, ...bytes(length, value)])
          files[file] = target
        }
        const mutated = new CrashFileSystem()
        mutated.writeFile('/0.wal', files[0] as Uint8Array)
        mutated.writeFile('/1.wal', files[1] as Uint8Array)
        const opened = await sources(mutated, '/0.wal', '/1.wal')
        const largest = Math.max(...files.map((file) => file.length), 8)
        let largestRead = 0
        const spied = opened.map(({ path, file }) => ({
          path,
          file: {
            ...file,
            size: () => file.size(),
            read: (buffer: Uint8Array, position: number) => {
              largestRead = Math.max(largestRead, buffer.length)
              return file.read(buffer, position)
            },
          } as WalFile,
        }))
        try {
          await decodeAll(new Decoder(spied))
        } catch (error) {
          assert.match(String((error as { code?: unknown }).code), /^WAL_/, String(error))
        }
        assert.ok(largestRead <= largest, `read ${largestRead} bytes at once, files are at most ${largest}`)
      }),
      { numRuns: 1500 },
    )
  })
})
