/**
 * The record decoder: reads frames from a sequence of segment files, verifying the CRC chain,
 * and tells a torn tail (repairable) from corruption (not). It follows etcd's
 * `wal/decoder.go` (3.5.7+ and 3.6), §1.11 of the storage notes:
 *
 * 1. Read the 8-byte length word. End of file, or a zero word (preallocated space), ends the
 *    file: go on with the next one, at offset 0; after the last, end of log. A partial word
 *    (1-7 bytes left) is an unexpected EOF.
 * 2. A frame longer than what is left of the file is an unexpected EOF, never an allocation:
 *    a garbage length at the tail is what a torn write leaves (etcd #14098, where a fixed
 *    10 MiB cap made nodes unbootable after a crash).
 * 3. Read the N + P bytes, unmarshal the record; then (but for CRC records) chain and check the
 *    CRC. A failure is an unexpected EOF if the frame is torn, else the error.
 * 4. "Torn" is only considered in the last file: split the frame's N + P bytes at 512-byte
 *    sector boundaries of the file; if any piece is all zeros, a sector of the write never
 *    reached the disk.
 *
 * CRC records are not checked here: the reader of the records does (a new decoder starts at
 * 0 and takes the value of the first CRC record it meets; see {@link Decoder.updateCrc}).
 */
import { crc32c } from '@node-rs/crc32'
import { FRAME_HEADER_BYTES } from './encoder.js'
import { CrcMismatchError, InvalidRecordError, UnexpectedEofError } from './errors.js'
import type { WalFile } from './file-system.js'
import { decodeRecord, RecordType, WalpbDecodeError, type WalRecord } from './walpb.js'

/** The sector size torn writes are detected at (etcd's `minSectorSize`). */
export const SECTOR_BYTES = 512

/** Reads are done in pieces of up to this many bytes (1 MiB). */
const READ_CHUNK_BYTES = 1 << 20
const TWO_POW_32 = 0x1_0000_0000

/** A segment file to decode. */
export interface DecoderSource {
  /** The path, for error messages. */
  readonly path: string
  readonly file: WalFile
}

/** A record with where it was found. */
export interface DecodedRecord extends WalRecord {
  /** The path of the file holding it. */
  readonly path: string
  /** The offset of its frame in that file. */
  readonly offset: number
}

/**
 * Decodes the records of `sources`, in order. Reads through the files it is given and never
 * closes them. Record data are views into freshly read buffers that nothing else writes to.
 */
export class Decoder {
  readonly #sources: readonly DecoderSource[]
  #index = 0
  #reader: ChunkReader | undefined
  #crc = 0
  // Invariant: #lastOffset is the end of the last valid frame of the current file (0 at its start).
  #lastOffset = 0

  constructor(sources: readonly DecoderSource[]) {
    this.#sources = sources
  }

  /** The running CRC: the `crc` of the last non-CRC record, or the last value given to {@link updateCrc}. */
  get lastCrc(): number {
    return this.#crc
  }

  /** The end of the last valid frame in the file being read (after the end of log: in the last file). */
  get lastOffset(): number {
    return this.#lastOffset
  }

  /** Seeds the running CRC (with a CRC record's value). */
  updateCrc(crc: number): void {
    this.#crc = crc
  }

  /**
   * Checks a CRC record against the running CRC, then seeds it with the record's value, as
   * etcd's readers do. A running CRC of 0 (a decoder that started at a later file, before its
   * first record) accepts any value.
   *
   * @throws CrcMismatchError if they differ.
   */
  acceptCrcRecord(record: DecodedRecord): void {
    if (this.#crc !== 0 && this.#crc !== record.crc) {
      throw new CrcMismatchError(record.path, record.offset, this.#crc, record.crc)
    }
    this.#crc = record.crc
  }

  /**
   * The next record, or `undefined` at the end of the log.
   *
   * @throws UnexpectedEofError for a torn or truncated frame (see the file comment).
   * @throws CrcMismatchError for a record whose CRC does not chain and that is not torn.
   * @throws InvalidRecordError for a frame that is not a `walpb.Record` and is not torn.
   */
  async next(): Promise<DecodedRecord | undefined> {
    for (;;) {
      const source = this.#sources[this.#index]
      if (source === undefined) return undefined
      this.#reader ??= await ChunkReader.open(source.file)
      const reader = this.#reader
      const offset = this.#lastOffset
      const remaining = reader.size - offset
      if (remaining <= 0) {
        this.#nextFile()
        continue
      }
      if (remaining < FRAME_HEADER_BYTES) {
        throw new UnexpectedEofError(source.path, offset, `${remaining} bytes left, a length word needs 8`)
      }
      const word = await reader.bytes(offset, FRAME_HEADER_BYTES)
      if (word === undefined) throw shrunk(source.path, offset)
      const low = readUint32(word, 0)
      const high = readUint32(word, 4)
      if (low === 0 && high === 0) {
        this.#nextFile()
        continue
      }
      const size = low + (high & 0x00ff_ffff) * TWO_POW_32
      const padding = high >= 0x8000_0000 ? (high >>> 24) & 0x7 : 0
      const frameBytes = size + padding
      if (frameBytes > remaining - FRAME_HEADER_BYTES) {
        throw new UnexpectedEofError(
          source.path,
          offset,
          `frame of ${frameBytes} bytes exceeds the ${remaining - FRAME_HEADER_BYTES} bytes left in the file`,
        )
      }
      const frame = await reader.bytes(offset + FRAME_HEADER_BYTES, frameBytes)
      if (frame === undefined) throw shrunk(source.path, offset)
      const record = this.#decode(source.path, offset, frame, size)
      this.#lastOffset = offset + FRAME_HEADER_BYTES + frameBytes
      return record
    }
  }

  #decode(path: string, offset: number, frame: Uint8Array, size: number): DecodedRecord {
    let record: WalRecord
    try {
      record = decodeRecord(frame.subarray(0, size))
    } catch (error) {
      if (!(error instanceof WalpbDecodeError)) throw error
      if (this.#isTorn(offset, frame)) {
        throw new UnexpectedEofError(path, offset, 'torn write: the record does not decode', { cause: error })
      }
      throw new InvalidRecordError(path, offset, error.message, { cause: error })
    }
    if (record.type !== RecordType.Crc) {
      // etcd updates the running CRC before comparing, even on a mismatch.
      this.#crc = record.data === undefined ? this.#crc : crc32c(record.data, this.#crc)
      if (this.#crc !== record.crc) {
        if (this.#isTorn(offset, frame)) {
          throw new UnexpectedEofError(path, offset, 'torn write: the record fails its crc')
        }
        throw new CrcMismatchError(path, offset, this.#crc, record.crc)
      }
    }
    return { type: record.type, crc: record.crc, data: record.data, path, offset }
  }

  /** Whether the frame at `offset` of the last file has a sector-bounded piece of all zeros. */
  #isTorn(offset: number, frame: Uint8Array): boolean {
    if (this.#index !== this.#sources.length - 1) return false
    let fileOffset = offset + FRAME_HEADER_BYTES
    let at = 0
    while (at < frame.length) {
      const length = Math.min(SECTOR_BYTES - (fileOffset % SECTOR_BYTES), frame.length - at)
      if (isZero(frame, at, at + length)) return true
      at += length
      fileOffset += length
    }
    return false
  }

  #nextFile(): void {
    this.#index++
    this.#reader = undefined
    // After the last file, lastOffset stays the end of its last valid frame.
    if (this.#index < this.#sources.length) this.#lastOffset = 0
  }
}

/** Buffered positional reads over one file whose size is taken once, when it is opened. */
class ChunkReader {
  readonly size: number
  readonly #file: WalFile
  #chunk: Uint8Array = new Uint8Array(0)
  #chunkStart = 0

  private constructor(file: WalFile, size: number) {
    this.#file = file
    this.size = size
  }

  static async open(file: WalFile): Promise<ChunkReader> {
    return new ChunkReader(file, await file.size())
  }

  /**
   * `length` bytes at `position` (within `size`): a view into a buffer read for them and
   * never written again, so views may be kept. `undefined` if the file holds fewer bytes
   * (callers check `size` first, so the file shrank while being read).
   */
  async bytes(position: number, length: number): Promise<Uint8Array | undefined> {
    const offset = position - this.#chunkStart
    if (offset >= 0 && offset + length <= this.#chunk.length) return this.#chunk.subarray(offset, offset + length)
    const chunkLength = length >= READ_CHUNK_BYTES ? length : Math.min(READ_CHUNK_BYTES, this.size - position)
    const chunk = new Uint8Array(Math.max(chunkLength, length))
    const read = await this.#file.read(chunk, position)
    if (read < length) return undefined
    this.#chunk = chunk.subarray(0, read)
    this.#chunkStart = position
    return chunk.subarray(0, length)
  }
}

function shrunk(path: string, offset: number): UnexpectedEofError {
  return new UnexpectedEofError(path, offset, 'short read: the file shrank while being read')
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  )
}

function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false
  return true
}
