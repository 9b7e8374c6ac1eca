// The part of hpack.js 2.1.6 (a CommonJS package with no types of its own) that we use: its
// Huffman string decoder and static table, and, in tests, its compressor and decompressor.
declare module 'hpack.js' {
  import type { Duplex } from 'node:stream'

  interface HpackDecoder {
    push(chunk: Buffer): void
    /** Reads one string literal (H bit, length, octets): octets as a Buffer (raw) or an array (Huffman). */
    decodeStr(): Buffer | number[]
  }

  interface HpackStaticEntry {
    readonly name: string
    readonly value: string
    readonly nameSize: number
    readonly totalSize: number
  }

  interface HpackHeader {
    readonly name: string
    readonly value: string
    readonly huffman?: boolean
    readonly neverIndex?: boolean
    readonly incremental?: boolean
  }

  interface HpackCompressor extends Duplex {
    updateTableSize(size: number): void
    /** Emits a table size update to 0 and back to the maximum, emptying the table. */
    reset(): void
  }

  interface HpackDecompressor extends Duplex {
    execute(callback?: (error: Error | null) => void): void
    updateTableSize(size: number): void
  }

  interface HpackModule {
    readonly decoder: { create(): HpackDecoder }
    readonly 'static-table': { readonly table: readonly HpackStaticEntry[] }
    readonly compressor: { create(options: { table: { maxSize: number } }): HpackCompressor }
    readonly decompressor: { create(options: { table: { maxSize: number } }): HpackDecompressor }
  }

  const hpack: HpackModule
  export = hpack
  export type { HpackHeader }
}
