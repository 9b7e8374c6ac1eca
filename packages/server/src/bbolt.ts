// A bbolt (go.etcd.io/bbolt) database writer: lays out a whole, freshly compacted database file in
// one pass, so that etcd's offline tools (`etcdctl snapshot status`, `snapshot restore`) and etcd
// itself can open the snapshots we stream. Layout (all little-endian, pages of `pageSize` bytes):
//
//   page 0, 1   meta pages (identical but for txid 0 / 1, as `bolt.Open` initialises them)
//   page 2      the freelist (empty)
//   3 …         every bucket's B+tree, leaves first, then each branch level
//   … last      the root bucket's tree: one element per bucket, value = bucket header
//
// Every page is reachable from the root and nothing is free, so `tx.Check()` reports nothing.

import { compareBytes } from '@etcd-ts/backend'

/** One bucket to write: its name and its entries, both sorted bytewise ascending. */
export interface BoltBucket {
  readonly name: Uint8Array
  readonly entries: Iterable<readonly [Uint8Array, Uint8Array]>
}

/** Options of {@link writeBoltDb}. */
export interface WriteBoltDbOptions {
  /** Page size in bytes: a power of two, 1024 … 65536. Default 4096 (bbolt's on Linux x86-64). */
  readonly pageSize?: number
}

/** bbolt's on-disk constants. */
export const BOLT_MAGIC = 0xed0cdaed
export const BOLT_VERSION = 2
export const BoltPageFlag = { branch: 0x01, leaf: 0x02, meta: 0x04, freelist: 0x10 } as const
/** Leaf element flag marking a nested bucket. */
export const BOLT_BUCKET_LEAF_FLAG = 0x01

const PAGE_HEADER_SIZE = 16
const ELEMENT_SIZE = 16 // leafPageElement and branchPageElement are both 16 bytes
const META_CHECKSUM_OFFSET = 56 // checksum covers the meta struct before this field
const BUCKET_HEADER_SIZE = 16
const MAX_KEY_SIZE = 32768
const MAX_VALUE_SIZE = 2 ** 31 - 2

interface Element {
  readonly key: Uint8Array
  readonly value: Uint8Array
  /** Leaf element flags (`BOLT_BUCKET_LEAF_FLAG` or 0); unused on branches. */
  readonly flags: number
  /** Branch element: the child's page id. */
  readonly child: number
}

interface Page {
  readonly id: number
  readonly flags: number
  readonly elements: readonly Element[]
  /** Number of pages it spans (1 + overflow). */
  readonly span: number
}

/** Accumulates pages and hands out contiguous page ids. */
class PageAllocator {
  readonly pages: Page[] = []
  next: number

  constructor(
    readonly pageSize: number,
    first: number,
  ) {
    this.next = first
  }

  add(flags: number, elements: readonly Element[]): Page {
    let size = PAGE_HEADER_SIZE
    for (const element of elements) {
      size += ELEMENT_SIZE + element.key.length + (flags === BoltPageFlag.leaf ? element.value.length : 0)
    }
    const span = Math.max(1, Math.ceil(size / this.pageSize))
    const page: Page = { id: this.next, flags, elements, span }
    this.next += span
    this.pages.push(page)
    return page
  }

  /**
   * Writes one B+tree for `elements` (sorted): leaves packed up to a page each (an element larger
   * than a page gets a leaf of its own, with overflow pages), then branch levels until one page
   * remains. Returns the root's page id.
   */
  tree(elements: Iterable<Element>): number {
    let level = this.level(BoltPageFlag.leaf, elements)
    while (level.length > 1) {
      level = this.level(
        BoltPageFlag.branch,
        level.map((page) => ({
          key: page.elements[0]?.key ?? new Uint8Array(),
          value: EMPTY,
          flags: 0,
          child: page.id,
        })),
      )
    }
    return level[0]?.id ?? this.add(BoltPageFlag.leaf, []).id
  }

  private level(flags: number, elements: Iterable<Element>): Page[] {
    const pages: Page[] = []
    let current: Element[] = []
    let size = PAGE_HEADER_SIZE
    for (const element of elements) {
      const elementSize = ELEMENT_SIZE + element.key.length + (flags === BoltPageFlag.leaf ? element.value.length : 0)
      // A branch needs at least two children per page so that each level shrinks.
      const minimum = flags === BoltPageFlag.branch ? 2 : 1
      if (current.length >= minimum && size + elementSize > this.pageSize) {
        pages.push(this.add(flags, current))
        current = []
        size = PAGE_HEADER_SIZE
      }
      current.push(element)
      size += elementSize
    }
    if (current.length > 0 || pages.length === 0) pages.push(this.add(flags, current))
    return pages
  }
}

const EMPTY = new Uint8Array(0)

function* checkedEntries(bucket: Uint8Array, entries: Iterable<readonly [Uint8Array, Uint8Array]>): Iterable<Element> {
  let previous: Uint8Array | undefined
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > MAX_KEY_SIZE) {
      throw new RangeError(`bucket ${hex(bucket)}: key length ${key.length} outside 1..${MAX_KEY_SIZE}`)
    }
    if (value.length > MAX_VALUE_SIZE) throw new RangeError(`bucket ${hex(bucket)}: value too large`)
    if (previous !== undefined && compareBytes(previous, key) >= 0) {
      throw new RangeError(`bucket ${hex(bucket)}: key ${hex(key)} is not above ${hex(previous)}`)
    }
    previous = key
    yield { key, value, flags: 0, child: 0 }
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** FNV-1a, 64 bits, as Go's `hash/fnv` New64a. */
export function fnv1a64(bytes: Uint8Array): bigint {
  let hash = 0xcbf29ce484222325n
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn
  return hash
}

/**
 * Writes a complete bbolt database holding `buckets` (top-level buckets only, names and keys
 * sorted bytewise ascending, no duplicates; throws a `RangeError` otherwise) and returns the file
 * image. The arrays given are only read, never kept.
 */
export function writeBoltDb(buckets: Iterable<BoltBucket>, options: WriteBoltDbOptions = {}): Uint8Array {
  const pageSize = options.pageSize ?? 4096
  if (!Number.isInteger(pageSize) || pageSize < 1024 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new RangeError(`pageSize: ${pageSize} is not a power of two in 1024..65536`)
  }
  const FREELIST_PGID = 2
  const allocator = new PageAllocator(pageSize, 3)

  const rootElements: Element[] = []
  let previous: Uint8Array | undefined
  for (const bucket of buckets) {
    const name = bucket.name
    if (name.length === 0 || name.length > MAX_KEY_SIZE) throw new RangeError(`bucket name length ${name.length}`)
    if (previous !== undefined && compareBytes(previous, name) >= 0) {
      throw new RangeError(`bucket ${hex(name)} is not above ${hex(previous)}`)
    }
    previous = name
    const root = allocator.tree(checkedEntries(name, bucket.entries))
    const header = new Uint8Array(BUCKET_HEADER_SIZE) // {root pgid, sequence 0}
    new DataView(header.buffer).setBigUint64(0, BigInt(root), true)
    rootElements.push({ key: name, value: header, flags: BOLT_BUCKET_LEAF_FLAG, child: 0 })
  }
  const rootPgid = allocator.tree(rootElements)
  const highWater = allocator.next

  const file = new Uint8Array(highWater * pageSize)
  const view = new DataView(file.buffer)
  const header = (id: number, flags: number, count: number, overflow: number): number => {
    const offset = id * pageSize
    view.setBigUint64(offset, BigInt(id), true)
    view.setUint16(offset + 8, flags, true)
    view.setUint16(offset + 10, count, true)
    view.setUint32(offset + 12, overflow, true)
    return offset
  }

  for (const txid of [0, 1]) {
    const start = header(txid, BoltPageFlag.meta, 0, 0) + PAGE_HEADER_SIZE
    view.setUint32(start, BOLT_MAGIC, true)
    view.setUint32(start + 4, BOLT_VERSION, true)
    view.setUint32(start + 8, pageSize, true)
    view.setUint32(start + 12, 0, true) // flags
    view.setBigUint64(start + 16, BigInt(rootPgid), true) // root bucket: root pgid
    view.setBigUint64(start + 24, 0n, true) // root bucket: sequence
    view.setBigUint64(start + 32, BigInt(FREELIST_PGID), true)
    view.setBigUint64(start + 40, BigInt(highWater), true)
    view.setBigUint64(start + 48, BigInt(txid), true)
    view.setBigUint64(start + META_CHECKSUM_OFFSET, fnv1a64(file.subarray(start, start + META_CHECKSUM_OFFSET)), true)
  }
  header(FREELIST_PGID, BoltPageFlag.freelist, 0, 0)

  for (const page of allocator.pages) {
    if (page.elements.length > 0xffff) throw new RangeError(`page ${page.id}: too many elements`)
    const start = header(page.id, page.flags, page.elements.length, page.span - 1) + PAGE_HEADER_SIZE
    let data = start + page.elements.length * ELEMENT_SIZE
    page.elements.forEach((element, i) => {
      const at = start + i * ELEMENT_SIZE
      if (page.flags === BoltPageFlag.leaf) {
        view.setUint32(at, element.flags, true)
        view.setUint32(at + 4, data - at, true)
        view.setUint32(at + 8, element.key.length, true)
        view.setUint32(at + 12, element.value.length, true)
        file.set(element.key, data)
        file.set(element.value, data + element.key.length)
        data += element.key.length + element.value.length
      } else {
        view.setUint32(at, data - at, true)
        view.setUint32(at + 4, element.key.length, true)
        view.setBigUint64(at + 8, BigInt(element.child), true)
        file.set(element.key, data)
        data += element.key.length
      }
    })
  }
  return file
}
