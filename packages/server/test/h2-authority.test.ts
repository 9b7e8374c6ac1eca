import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import hpack, { type HpackHeader } from 'hpack.js'
import { AuthorityRewriter, HpackTable, rewriteHeaderBlock } from '../src/h2-authority.js'
import { frame, PREFACE } from './h2-frames.js'

const URL_AUTHORITY = 'http://127.0.0.1:2379'
const REWRITTEN = 'http:::127.0.0.1:2379'

/** Encodes successive header blocks with one hpack.js compressor (one dynamic table). */
function compressor() {
  const c = hpack.compressor.create({ table: { maxSize: 4096 } })
  return {
    encode(headers: HpackHeader[]): Buffer {
      c.write(headers)
      const pieces: Buffer[] = []
      for (let piece = c.read(); piece !== null; piece = c.read()) pieces.push(Buffer.from(piece))
      return Buffer.concat(pieces)
    },
    /** Emits a table size update to 0 and back, emptying the table (in the next block). */
    reset(): Buffer {
      c.reset()
      const pieces: Buffer[] = []
      for (let piece = c.read(); piece !== null; piece = c.read()) pieces.push(Buffer.from(piece))
      return Buffer.concat(pieces)
    },
  }
}

/** Decodes successive header blocks with one hpack.js decompressor. */
function decompressor() {
  const d = hpack.decompressor.create({ table: { maxSize: 4096 } })
  return (block: Buffer): [string, string][] => {
    d.write(block)
    let error: Error | null = null
    d.execute((e) => {
      error = e
    })
    const headers: [string, string][] = []
    for (let h = d.read(); h !== null; h = d.read()) headers.push([h.name, h.value])
    assert.equal(error, null)
    return headers
  }
}

function requestHeaders(path: string, authority: string, huffman: boolean): HpackHeader[] {
  return [
    { name: ':method', value: 'POST', huffman },
    { name: ':scheme', value: 'http', huffman },
    { name: ':path', value: path, huffman },
    { name: ':authority', value: authority, huffman },
    { name: 'content-type', value: 'application/grpc', huffman },
    { name: 'user-agent', value: 'grpc-go/1.26.0', huffman },
    { name: 'te', value: 'trailers', huffman },
    { name: 'x-secret', value: 'kept', huffman, neverIndex: true },
  ]
}

function pairs(headers: HpackHeader[], authority: string): [string, string][] {
  return headers.map((h) => [h.name, h.name === ':authority' ? authority : h.value])
}

/** A raw string literal, for blocks written by hand. */
function raw(text: string): Buffer {
  return Buffer.concat([Buffer.from([text.length]), Buffer.from(text, 'latin1')])
}

describe('rewriteHeaderBlock', () => {
  for (const huffman of [true, false]) {
    it(`rewrites a URL :authority to as many octets nghttp2 accepts (Huffman ${huffman ? 'on' : 'off'})`, () => {
      const encode = compressor()
      const decode = decompressor()
      const table = new HpackTable()
      const paths = ['/etcdserverpb.KV/Range', '/etcdserverpb.Maintenance/Status', '/etcdserverpb.KV/Range']
      for (const [i, path] of paths.entries()) {
        const headers = requestHeaders(path, URL_AUTHORITY, huffman)
        const block = encode.encode(headers)
        const rewritten = rewriteHeaderBlock(block, table)
        if (i === 0) {
          assert.ok(rewritten !== undefined, 'the first block carries the literal')
        } else {
          // Later blocks index the dynamic entry, whose value was rewritten when it was added.
          assert.equal(rewritten, undefined)
        }
        assert.deepEqual(decode(rewritten ?? block), pairs(headers, REWRITTEN))
      }
      // The table emptied and refilled: the literal comes again and is rewritten again.
      const reset = encode.reset()
      const headers = requestHeaders('/etcdserverpb.KV/Put', URL_AUTHORITY, huffman)
      const block = Buffer.concat([reset, encode.encode(headers)])
      const rewritten = rewriteHeaderBlock(block, table)
      assert.ok(rewritten !== undefined)
      assert.deepEqual(decode(rewritten), pairs(headers, REWRITTEN))
    })
  }

  it('leaves a valid :authority alone', () => {
    const encode = compressor()
    const table = new HpackTable()
    for (const huffman of [true, false]) {
      assert.equal(rewriteHeaderBlock(encode.encode(requestHeaders('/a', '127.0.0.1:2379', huffman)), table), undefined)
    }
  })

  it('follows evictions and finds :authority as a literal name or a dynamic name', () => {
    const encode = compressor()
    const decode = decompressor()
    const table = new HpackTable()
    // Enough large entries to evict the first ones, so dynamic indices shift.
    for (let i = 0; i < 6; i++) {
      const headers: HpackHeader[] = [
        { name: `x-big-${i}`, value: 'v'.repeat(900) },
        { name: ':authority', value: `http://10.0.0.${i}:2379` },
      ]
      const block = encode.encode(headers)
      assert.deepEqual(decode(rewriteHeaderBlock(block, table) ?? block), pairs(headers, `http:::10.0.0.${i}:2379`))
    }
    // By hand: a literal named ":authority" (not indexed), then one with incremental indexing
    // naming dynamic entry 62, the newest, which is the :authority added just before.
    const literalName = Buffer.concat([Buffer.from([0x00]), raw(':authority'), raw('http://a:1')])
    const dynamicName = Buffer.concat([Buffer.from([0x40 | 62]), raw('https://b:2')])
    const block = Buffer.concat([literalName, dynamicName])
    const rewritten = rewriteHeaderBlock(block, table)
    assert.ok(rewritten !== undefined)
    assert.deepEqual(decode(rewritten), [
      [':authority', 'http:::a:1'],
      [':authority', 'https:::b:2'],
    ])
  })

  it('throws on a truncated block', () => {
    assert.throws(() => rewriteHeaderBlock(Buffer.from([0x41, 0x85, 0x61]), new HpackTable()), RangeError)
  })
})

interface Frame {
  readonly type: number
  readonly flags: number
  readonly streamId: number
  readonly payload: Buffer
}

function parseFrames(bytes: Buffer): Frame[] {
  const frames: Frame[] = []
  for (let at = 0; at < bytes.length; ) {
    const length = bytes.readUIntBE(at, 3)
    frames.push({
      type: bytes[at + 3] as number,
      flags: bytes[at + 4] as number,
      streamId: bytes.readUInt32BE(at + 5),
      payload: bytes.subarray(at + 9, at + 9 + length),
    })
    at += 9 + length
  }
  return frames
}

describe('AuthorityRewriter', () => {
  const encode = compressor()
  const first = encode.encode(requestHeaders('/etcdserverpb.KV/Range', URL_AUTHORITY, true))
  const second = encode.encode(requestHeaders('/etcdserverpb.KV/Put', URL_AUTHORITY, true))
  const settings = frame(4, 0, 0, Buffer.from([0, 4, 0, 0, 0x40, 0]))
  const ack = frame(4, 1, 0, Buffer.alloc(0))
  const priority = Buffer.from([0, 0, 0, 0, 15])
  // HEADERS with PADDED and PRIORITY: pad length 3, priority fields, block, 3 octets of padding.
  const headers1 = frame(1, 0x4 | 0x8 | 0x20, 1, Buffer.concat([Buffer.from([3]), priority, first, Buffer.alloc(3)]))
  const data = frame(0, 1, 1, Buffer.from('hello'))
  // The second block split over HEADERS and CONTINUATION; its :authority is indexed.
  const headers3 = frame(1, 0x1, 3, second.subarray(0, 4))
  const continuation = frame(9, 0x4, 3, second.subarray(4))
  const ping = frame(6, 0, 0, Buffer.alloc(8, 7))
  const connection = Buffer.concat([PREFACE, settings, ack, headers1, data, headers3, continuation, ack, ping])

  for (const chunkSize of [connection.length, 1, 7]) {
    it(`drops our ACK, rewrites header blocks and passes the rest (chunks of ${chunkSize})`, () => {
      const rewriter = new AuthorityRewriter()
      const out: Buffer[] = []
      for (let at = 0; at < connection.length; at += chunkSize) {
        out.push(...rewriter.push(connection.subarray(at, at + chunkSize)))
      }
      const bytes = Buffer.concat(out)
      assert.deepEqual(bytes.subarray(0, PREFACE.length), PREFACE)
      const frames = parseFrames(bytes.subarray(PREFACE.length))
      assert.deepEqual(
        frames.map((f) => [f.type, f.flags, f.streamId]),
        [
          [4, 0, 0],
          [1, 0x4 | 0x20, 1], // padding dropped, priority kept
          [0, 1, 1],
          [1, 0x1, 3], // unchanged: the block indexes the rewritten entry
          [9, 0x4, 3],
          [4, 1, 0], // nghttp2's ACK passes
          [6, 0, 0],
        ],
      )
      const rewrittenHeaders = frames[1] as Frame
      assert.deepEqual(rewrittenHeaders.payload.subarray(0, 5), priority)
      const decode = decompressor()
      assert.deepEqual(
        decode(rewrittenHeaders.payload.subarray(5)),
        pairs(requestHeaders('/etcdserverpb.KV/Range', URL_AUTHORITY, true), REWRITTEN),
      )
      const block = Buffer.concat([(frames[3] as Frame).payload, (frames[4] as Frame).payload])
      assert.deepEqual(block, second)
      assert.deepEqual(decode(block), pairs(requestHeaders('/etcdserverpb.KV/Put', URL_AUTHORITY, true), REWRITTEN))
      assert.deepEqual((frames[2] as Frame).payload, Buffer.from('hello'))
    })
  }
})
