// A tiny bbolt reader for tests: walks the meta page, the root bucket and every bucket's B+tree,
// checking what bbolt's `tx.Check()` checks (page types, bounds, every page reachable exactly once)
// plus key order and branch keys. Reads files written by real bbolt too (free pages allowed).
import { compareBytes } from '@etcd-ts/backend'
import { fnv1a64 } from '../src/bbolt.js'

const NO_FREELIST = 0xffffffffffffffffn

export interface BoltMeta {
  readonly pageSize: number
  readonly root: number
  readonly freelist: number
  readonly pgid: number
  readonly txid: number
}

export interface BoltContents {
  readonly meta: BoltMeta
  /** Buckets in order, each with its entries in order. */
  readonly buckets: { name: Uint8Array; entries: [Uint8Array, Uint8Array][] }[]
  /** The deepest tree (1 = a single leaf), over all buckets. */
  readonly maxDepth: number
  /** Pages spanned by overflowing pages (sum of overflow counts). */
  readonly overflowPages: number
}

function readMeta(file: Uint8Array, offset: number): (BoltMeta & { valid: boolean }) | undefined {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const start = offset + 16
  if (start + 64 > file.length) return undefined
  const checksum = view.getBigUint64(start + 56, true)
  const valid =
    view.getUint32(start, true) === 0xed0cdaed &&
    view.getUint32(start + 4, true) === 2 &&
    fnv1a64(file.subarray(start, start + 56)) === checksum &&
    (view.getUint16(offset + 8, true) & 0x04) !== 0
  return {
    valid,
    pageSize: view.getUint32(start + 8, true),
    root: Number(view.getBigUint64(start + 16, true)),
    freelist: Number(view.getBigUint64(start + 32, true)),
    pgid: Number(view.getBigUint64(start + 40, true)),
    txid: Number(view.getBigUint64(start + 48, true)),
  }
}

/** Reads and checks a whole bbolt file; throws on any inconsistency. */
export function readBoltDb(bytes: Uint8Array): BoltContents {
  const file = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) // slice() copies, even for a Buffer
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const meta0 = readMeta(file, 0)
  if (meta0 === undefined || !meta0.valid) throw new Error('meta page 0 invalid')
  const meta1 = readMeta(file, meta0.pageSize)
  const chosen = meta1?.valid === true && meta1.txid > meta0.txid ? meta1 : meta0
  const { pageSize } = chosen
  const reachable = new Set<number>([0, 1])
  const pageAt = (id: number) => {
    if (id >= chosen.pgid) throw new Error(`page ${id}: out of bounds (pgid ${chosen.pgid})`)
    const offset = id * pageSize
    if (Number(view.getBigUint64(offset, true)) !== id) throw new Error(`page ${id}: header id mismatch`)
    return {
      offset,
      flags: view.getUint16(offset + 8, true),
      count: view.getUint16(offset + 10, true),
      overflow: view.getUint32(offset + 12, true),
    }
  }
  const mark = (id: number, overflow: number) => {
    for (let i = 0; i <= overflow; i++) {
      if (reachable.has(id + i)) throw new Error(`page ${id + i}: multiple references`)
      reachable.add(id + i)
    }
  }
  // Freelist: ids listed there are free. etcd opens bbolt with NoFreelistSync, so its files have
  // no freelist page (pgid 0xffff…ffff): bbolt then treats every unreachable page as free.
  const free = new Set<number>()
  const hasFreelist = view.getBigUint64(chosen === meta0 ? 16 + 32 : pageSize + 16 + 32, true) !== NO_FREELIST
  if (hasFreelist) {
    const fl = pageAt(chosen.freelist)
    if ((fl.flags & 0x10) === 0) throw new Error('freelist page has wrong flags')
    mark(chosen.freelist, fl.overflow)
    let count = fl.count
    let idsAt = fl.offset + 16
    if (count === 0xffff) {
      count = Number(view.getBigUint64(idsAt, true))
      idsAt += 8
    }
    for (let i = 0; i < count; i++) free.add(Number(view.getBigUint64(idsAt + i * 8, true)))
  }

  let maxDepth = 0
  let overflowPages = 0
  const walk = (id: number, depth: number, out: [Uint8Array, Uint8Array, number][], low?: Uint8Array): void => {
    const page = pageAt(id)
    mark(id, page.overflow)
    overflowPages += page.overflow
    const start = page.offset + 16
    if (page.flags === 0x02) {
      maxDepth = Math.max(maxDepth, depth)
      for (let i = 0; i < page.count; i++) {
        const at = start + i * 16
        const flags = view.getUint32(at, true)
        const pos = view.getUint32(at + 4, true)
        const ksize = view.getUint32(at + 8, true)
        const vsize = view.getUint32(at + 12, true)
        const key = file.slice(at + pos, at + pos + ksize)
        const value = file.slice(at + pos + ksize, at + pos + ksize + vsize)
        if (i === 0 && low !== undefined && compareBytes(key, low) !== 0)
          throw new Error(`page ${id}: branch key mismatch`)
        out.push([key, value, flags])
      }
    } else if (page.flags === 0x01) {
      if (page.count === 0) throw new Error(`branch page ${id} is empty`)
      for (let i = 0; i < page.count; i++) {
        const at = start + i * 16
        const pos = view.getUint32(at, true)
        const ksize = view.getUint32(at + 4, true)
        const child = Number(view.getBigUint64(at + 8, true))
        const key = file.slice(at + pos, at + pos + ksize)
        if (i === 0 && low !== undefined && compareBytes(key, low) !== 0)
          throw new Error(`page ${id}: branch key mismatch`)
        walk(child, depth + 1, out, key)
      }
    } else {
      throw new Error(`page ${id}: invalid type ${page.flags}`)
    }
  }
  const sorted = (entries: [Uint8Array, Uint8Array, number][], what: string) => {
    entries.forEach(([key], i) => {
      const previous = entries[i - 1]
      if (previous !== undefined && compareBytes(previous[0], key) >= 0) {
        throw new Error(`${what}: keys out of order at ${i}`)
      }
    })
  }

  const rootEntries: [Uint8Array, Uint8Array, number][] = []
  walk(chosen.root, 1, rootEntries)
  sorted(rootEntries, 'root bucket')
  const buckets: BoltContents['buckets'] = []
  for (const [name, value, flags] of rootEntries) {
    if ((flags & 0x01) === 0) throw new Error('root bucket holds a plain key')
    const bucketView = new DataView(value.buffer, value.byteOffset, value.byteLength)
    const root = Number(bucketView.getBigUint64(0, true))
    const entries: [Uint8Array, Uint8Array, number][] = []
    if (root === 0) {
      // Inline bucket: a leaf page follows the 16-byte header (bbolt writes these for small buckets).
      const inline = value.slice(16)
      const iv = new DataView(inline.buffer, inline.byteOffset, inline.byteLength)
      const n = iv.getUint16(10, true)
      for (let i = 0; i < n; i++) {
        const at = 16 + i * 16
        const pos = iv.getUint32(at + 4, true)
        const ksize = iv.getUint32(at + 8, true)
        const vsize = iv.getUint32(at + 12, true)
        entries.push([
          inline.slice(at + pos, at + pos + ksize),
          inline.slice(at + pos + ksize, at + pos + ksize + vsize),
          iv.getUint32(at, true),
        ])
      }
      maxDepth = Math.max(maxDepth, 1)
    } else {
      walk(root, 1, entries)
    }
    sorted(entries, `bucket ${Buffer.from(name).toString()}`)
    buckets.push({ name, entries: entries.map(([k, v]) => [k, v]) })
  }
  for (let i = 0; i < chosen.pgid && hasFreelist; i++) {
    if (!reachable.has(i) && !free.has(i)) throw new Error(`page ${i}: unreachable unfreed`)
  }
  return { meta: chosen, buckets, maxDepth, overflowPages }
}
