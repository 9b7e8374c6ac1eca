import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BOLT_MAGIC, BoltPageFlag, fnv1a64, writeBoltDb } from '../src/bbolt.js'
import { readBoltDb } from './bbolt-reader.js'

const encoder = new TextEncoder()
const bytes = (text: string) => encoder.encode(text)
const PAGE = 4096

function pageHeader(file: Uint8Array, id: number, pageSize = PAGE) {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const offset = id * pageSize
  return {
    id: Number(view.getBigUint64(offset, true)),
    flags: view.getUint16(offset + 8, true),
    count: view.getUint16(offset + 10, true),
    overflow: view.getUint32(offset + 12, true),
  }
}

/** Keys `key-00000` … with values of `valueSize` bytes derived from the index. */
function numbered(count: number, valueSize: number): [Uint8Array, Uint8Array][] {
  const entries: [Uint8Array, Uint8Array][] = []
  for (let i = 0; i < count; i++) {
    const value = new Uint8Array(valueSize)
    for (let j = 0; j < valueSize; j++) value[j] = (i * 31 + j) & 0xff
    entries.push([bytes(`key-${String(i).padStart(5, '0')}`), value])
  }
  return entries
}

const ETCD_BUCKETS = [
  'alarm',
  'auth',
  'authRoles',
  'authUsers',
  'cluster',
  'key',
  'lease',
  'members',
  'members_removed',
  'meta',
]

describe('writeBoltDb', () => {
  it('writes two valid meta pages, an empty freelist and an empty root leaf when there are no buckets', () => {
    const file = writeBoltDb([])
    assert.equal(file.length, 4 * PAGE)
    const view = new DataView(file.buffer)
    for (const id of [0, 1]) {
      assert.deepEqual(pageHeader(file, id), { id, flags: BoltPageFlag.meta, count: 0, overflow: 0 })
      const meta = id * PAGE + 16
      assert.equal(view.getUint32(meta, true), BOLT_MAGIC)
      assert.equal(view.getUint32(meta + 4, true), 2)
      assert.equal(view.getUint32(meta + 8, true), PAGE)
      assert.equal(view.getUint32(meta + 12, true), 0)
      assert.equal(view.getBigUint64(meta + 16, true), 3n, 'root bucket page')
      assert.equal(view.getBigUint64(meta + 24, true), 0n, 'root bucket sequence')
      assert.equal(view.getBigUint64(meta + 32, true), 2n, 'freelist page')
      assert.equal(view.getBigUint64(meta + 40, true), 4n, 'high-water mark')
      assert.equal(view.getBigUint64(meta + 48, true), BigInt(id), 'txid')
      assert.equal(view.getBigUint64(meta + 56, true), fnv1a64(file.subarray(meta, meta + 56)))
    }
    assert.deepEqual(pageHeader(file, 2), { id: 2, flags: BoltPageFlag.freelist, count: 0, overflow: 0 })
    assert.deepEqual(pageHeader(file, 3), { id: 3, flags: BoltPageFlag.leaf, count: 0, overflow: 0 })
    assert.deepEqual(readBoltDb(file).buckets, [])
  })

  it('FNV-1a 64 matches the published test vectors', () => {
    assert.equal(fnv1a64(new Uint8Array()), 0xcbf29ce484222325n)
    assert.equal(fnv1a64(bytes('a')), 0xaf63dc4c8601ec8cn)
    assert.equal(fnv1a64(bytes('foobar')), 0x85944171f73967e8n)
  })

  it("writes etcd's ten buckets empty, each a non-inline bucket with its own empty leaf", () => {
    const file = writeBoltDb(ETCD_BUCKETS.map((name) => ({ name: bytes(name), entries: [] })))
    const contents = readBoltDb(file)
    assert.deepEqual(
      contents.buckets.map((b) => new TextDecoder().decode(b.name)),
      ETCD_BUCKETS,
    )
    for (const bucket of contents.buckets) assert.equal(bucket.entries.length, 0)
    assert.equal(contents.meta.pgid, 3 + ETCD_BUCKETS.length + 1)
    const root = pageHeader(file, contents.meta.root)
    assert.equal(root.flags, BoltPageFlag.leaf)
    assert.equal(root.count, ETCD_BUCKETS.length)
    const view = new DataView(file.buffer)
    const firstElement = contents.meta.root * PAGE + 16
    assert.equal(view.getUint32(firstElement, true), 0x01, 'bucketLeafFlag')
    assert.equal(view.getUint32(firstElement + 12, true), 16, 'value = bucket header')
  })

  it('reads back small buckets exactly, pos relative to each element', () => {
    const buckets = [
      { name: bytes('a'), entries: numbered(10, 5) },
      { name: bytes('b'), entries: [[bytes('x'), new Uint8Array()] as [Uint8Array, Uint8Array]] },
    ]
    const contents = readBoltDb(writeBoltDb(buckets))
    assert.deepEqual(
      contents.buckets.map((b) => b.entries),
      buckets.map((b) => b.entries),
    )
  })

  it('builds multi-level branches for one bucket of 20 000 keys, every key readable in order', () => {
    const entries = numbered(20_000, 40)
    const file = writeBoltDb([{ name: bytes('key'), entries }])
    const contents = readBoltDb(file)
    assert.equal(contents.buckets.length, 1)
    assert.deepEqual(contents.buckets[0]?.entries, entries)
    assert.ok(contents.maxDepth >= 3, `depth ${contents.maxDepth}`)
    for (let id = 3; id < contents.meta.pgid; id++) {
      const header = pageHeader(file, id)
      assert.equal(header.id, id)
      assert.ok(header.flags === BoltPageFlag.leaf || header.flags === BoltPageFlag.branch)
      assert.equal(header.overflow, 0, 'small entries never overflow')
    }
  })

  it('gives values larger than a page contiguous overflow pages', () => {
    const big = numbered(5, 3 * PAGE + 100)
    const entries = [...numbered(3, 10), ...big.map(([k, v]): [Uint8Array, Uint8Array] => [bytes(`z${k}`), v])]
    const file = writeBoltDb([{ name: bytes('big'), entries }])
    const contents = readBoltDb(file)
    assert.deepEqual(contents.buckets[0]?.entries, entries)
    assert.equal(contents.overflowPages, 5 * 3, 'each big value spans 4 pages')
    assert.equal(file.length, contents.meta.pgid * PAGE)
  })

  it('honours another page size', () => {
    const entries = numbered(3000, 100)
    const file = writeBoltDb([{ name: bytes('key'), entries }], { pageSize: 16384 })
    const contents = readBoltDb(file)
    assert.equal(contents.meta.pageSize, 16384)
    assert.deepEqual(contents.buckets[0]?.entries, entries)
  })

  it('refuses unsorted or duplicate keys and bucket names, empty keys and bad page sizes', () => {
    const kv = (k: string): [Uint8Array, Uint8Array] => [bytes(k), bytes('v')]
    assert.throws(() => writeBoltDb([{ name: bytes('b'), entries: [kv('b'), kv('a')] }]), RangeError)
    assert.throws(() => writeBoltDb([{ name: bytes('b'), entries: [kv('a'), kv('a')] }]), RangeError)
    assert.throws(() => writeBoltDb([{ name: bytes('b'), entries: [[new Uint8Array(), bytes('v')]] }]), RangeError)
    assert.throws(() => writeBoltDb([{ name: bytes('b'), entries: [kv('x'.repeat(32769))] }]), RangeError)
    assert.throws(
      () =>
        writeBoltDb([
          { name: bytes('b'), entries: [] },
          { name: bytes('a'), entries: [] },
        ]),
      RangeError,
    )
    assert.throws(() => writeBoltDb([{ name: new Uint8Array(), entries: [] }]), RangeError)
    assert.throws(() => writeBoltDb([], { pageSize: 5000 }), /pageSize/)
  })
})
