/**
 * The record encoder: frames `walpb.Record`s into one reusable buffer and writes them to the
 * tail file with one positional write per flush, keeping the running CRC-32C.
 *
 * One frame (every frame starts and ends on an 8-byte boundary of the file):
 *
 * ```
 *   0               8                               8+N            8+N+P
 *   +---------------+-------------------------------+--------------+
 *   | length word L | walpb.Record (N bytes)        | P zero bytes |   P = (8 - N % 8) % 8
 *   +---------------+-------------------------------+--------------+
 *
 *   L, little-endian uint64:  bits 0-55  N
 *                             bits 56-63 0x80 | P when P > 0, else 0
 *
 *   e.g. the CRC record 08 04 10 00 (N = 4, P = 4):
 *     04 00 00 00 00 00 00 84   08 04 10 00   00 00 00 00
 * ```
 *
 * The CRC (etcd's `wal/encoder.go`, §1.4 of the storage notes): every record but a CRC record
 * stores `crc = crc32c_update(running, data)` and that becomes the running value, across files;
 * a CRC record stores the running value and changes nothing. etcd's page-aligned 128 KiB
 * writer exists only to batch syscalls; here a flush writes everything encoded since the last
 * one, which is one `save()`.
 */

import { type Entry, entrySize } from '@etcd-ts/raft'
import { crc32c } from '@node-rs/crc32'
import { writeEntry } from './entry-writer.js'
import type { WalFile } from './file-system.js'
import { type RecordType, RecordType as RecordTypes, recordSize, writeRecord } from './walpb.js'

/** Bytes of the length word before each record. */
export const FRAME_HEADER_BYTES = 8

const INITIAL_BUFFER_BYTES = 64 * 1024
/** A flush leaves a buffer grown beyond this (by one huge save) to the garbage collector. */
const RETAINED_BUFFER_BYTES = 4 * 1024 * 1024
const TWO_POW_32 = 0x1_0000_0000

/** The zero padding after a record of `size` bytes, so the next frame starts 8-byte aligned. */
export function paddingBytes(size: number): number {
  return (8 - (size % 8)) % 8
}

/** Writes the length word of a frame holding a record of `size` bytes at `at`. */
export function writeLengthWord(target: Uint8Array, at: number, size: number): void {
  const padding = paddingBytes(size)
  const low = size % TWO_POW_32
  const high = Math.floor(size / TWO_POW_32)
  target[at] = low & 0xff
  target[at + 1] = (low >>> 8) & 0xff
  target[at + 2] = (low >>> 16) & 0xff
  target[at + 3] = low >>> 24
  target[at + 4] = high & 0xff
  target[at + 5] = (high >>> 8) & 0xff
  target[at + 6] = (high >>> 16) & 0xff
  target[at + 7] = padding > 0 ? 0x80 | padding : 0
}

/** Encodes records for one file, starting at `offset`, continuing the CRC chain from `crc`. */
export class Encoder {
  /** The running CRC-32C: the `crc` of the last non-CRC record encoded (or the seed). */
  crc: number
  /** The file written to by {@link flush}. */
  file: WalFile
  /** Where the next flush writes: the end of what was flushed. */
  offset: number
  #buffer: Uint8Array = new Uint8Array(INITIAL_BUFFER_BYTES)
  // Where an entry is encoded before its frame: its CRC decides the frame header's length.
  #scratch: Uint8Array = new Uint8Array(1024)
  // Invariant: #buffer[0, #length) holds the frames encoded since the last flush.
  #length = 0

  constructor(file: WalFile, offset: number, crc: number) {
    this.file = file
    this.offset = offset
    this.crc = crc
  }

  /** Bytes encoded and not yet flushed. */
  get pendingBytes(): number {
    return this.#length
  }

  /** The file offset the encoded records end at, once flushed. */
  get endOffset(): number {
    return this.offset + this.#length
  }

  /**
   * Encodes a record of `type` (not CRC) holding `data` (`undefined`: no data field, as Go
   * writes a nil slice), chaining the CRC. Does not keep `data`.
   */
  encode(type: Exclude<RecordType, typeof RecordTypes.Crc>, data: Uint8Array | undefined): void {
    if (data !== undefined) this.crc = crc32c(data, this.crc)
    this.#frame(type, this.crc, data)
  }

  /**
   * Encodes an entry record: `entry` as `raftpb.Entry`, without allocating (see `writeEntry`).
   *
   * @throws RangeError (from raft's `entrySize`) if a field is out of range; nothing is encoded.
   */
  encodeEntry(entry: Entry): void {
    const size = entrySize(entry)
    if (size > this.#scratch.length) this.#scratch = new Uint8Array(Math.max(size, this.#scratch.length * 2))
    writeEntry(this.#scratch, 0, entry)
    this.encode(RecordTypes.Entry, this.#scratch.subarray(0, size))
  }

  /** Encodes a CRC record holding `crc` (the running CRC is unchanged). */
  encodeCrc(crc: number): void {
    this.#frame(RecordTypes.Crc, crc, undefined)
  }

  /** What to pass to {@link rollback} to forget records encoded after this call. */
  mark(): { readonly length: number; readonly crc: number } {
    return { length: this.#length, crc: this.crc }
  }

  /** Forgets the records encoded (not flushed) since `mark` was taken. */
  rollback(mark: { readonly length: number; readonly crc: number }): void {
    this.#length = mark.length
    this.crc = mark.crc
  }

  /** Writes everything encoded since the last flush with one positional write. */
  async flush(): Promise<void> {
    if (this.#length === 0) return
    await this.file.write(this.#buffer.subarray(0, this.#length), this.offset)
    this.offset += this.#length
    this.#length = 0
    if (this.#buffer.length > RETAINED_BUFFER_BYTES) this.#buffer = new Uint8Array(INITIAL_BUFFER_BYTES)
    if (this.#scratch.length > RETAINED_BUFFER_BYTES) this.#scratch = new Uint8Array(1024)
  }

  /** Points the encoder at another file (a cut), keeping the CRC chain. Nothing may be pending. */
  retarget(file: WalFile, offset: number): void {
    this.file = file
    this.offset = offset
  }

  #frame(type: RecordType, crc: number, data: Uint8Array | undefined): void {
    const size = recordSize(crc, data?.length)
    const padding = paddingBytes(size)
    const start = this.#reserve(FRAME_HEADER_BYTES + size + padding)
    writeLengthWord(this.#buffer, start, size)
    const end = writeRecord(this.#buffer, start + FRAME_HEADER_BYTES, type, crc, data)
    this.#buffer.fill(0, end, end + padding)
  }

  /** Makes room for `bytes` more at the end of the buffer; returns where they start. */
  #reserve(bytes: number): number {
    const start = this.#length
    const needed = start + bytes
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2))
      grown.set(this.#buffer.subarray(0, start))
      this.#buffer = grown
    }
    this.#length = needed
    return start
  }
}
