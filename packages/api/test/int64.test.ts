// The codec runtime's 64-bit primitives (src/codec/reader.ts, writer.ts, scratch64.ts) against
// protobufjs's writer and reader, including the fixed64/sfixed64 forms that no etcd message
// uses (so the generated codecs and test/codec-protobufjs.test.ts never reach them).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import protobuf from 'protobufjs'
import { Reader } from '../src/codec/reader.js'
import { finish, sizeFixed64Big, sizeInt64Big, sizesScratch, sizeUint64Big, writerFor } from '../src/codec/writer.js'

const Long = protobuf.util.Long as unknown as { fromString(value: string, unsigned: boolean): protobuf.Long }
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

const U64_MAX = 2n ** 64n - 1n
const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n
const edges = [0n, 1n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n]
const uint64 = fc.oneof(fc.bigInt(0n, U64_MAX), fc.constantFrom(...edges, 2n ** 63n, U64_MAX))
const int64 = fc.oneof(fc.bigInt(I64_MIN, I64_MAX), fc.constantFrom(...edges, -1n, I64_MIN, -(2n ** 32n)))

/** Encodes one value with our Writer: `size` bytes announced, `write` to fill them. */
function ours(size: number, write: (w: ReturnType<typeof writerFor>) => void): Uint8Array {
  const w = writerFor(size, sizesScratch())
  write(w)
  return finish(w, 'test')
}

describe('64-bit primitives against protobufjs', () => {
  it('uint64 varints', () => {
    fc.assert(
      fc.property(uint64, (v) => {
        const bytes = ours(sizeUint64Big(v, 'f'), (w) => w.int64Big(v))
        assert.equal(
          hex(bytes),
          hex(
            protobuf.Writer.create()
              .uint64(Long.fromString(String(v), true))
              .finish(),
          ),
        )
        assert.equal(new Reader(bytes).uint64Big(), v)
      }),
      { seed: 1, numRuns: 1000 },
    )
  })

  it('int64 varints (negative: 10 bytes)', () => {
    fc.assert(
      fc.property(int64, (v) => {
        const bytes = ours(sizeInt64Big(v, 'f'), (w) => w.int64Big(v))
        assert.equal(
          hex(bytes),
          hex(
            protobuf.Writer.create()
              .int64(Long.fromString(String(v), false))
              .finish(),
          ),
        )
        assert.equal(new Reader(bytes).int64Big(), v)
      }),
      { seed: 2, numRuns: 1000 },
    )
  })

  it('fixed64 and sfixed64', () => {
    fc.assert(
      fc.property(uint64, int64, (u, s) => {
        const fixed = ours(sizeFixed64Big(u, 'f', false), (w) => w.fixed64Big(u))
        assert.equal(
          hex(fixed),
          hex(
            protobuf.Writer.create()
              .fixed64(Long.fromString(String(u), true))
              .finish(),
          ),
        )
        assert.equal(new Reader(fixed).fixed64Big(), u)
        const sfixed = ours(sizeFixed64Big(s, 'f', true), (w) => w.fixed64Big(s))
        assert.equal(
          hex(sfixed),
          hex(
            protobuf.Writer.create()
              .sfixed64(Long.fromString(String(s), false))
              .finish(),
          ),
        )
        assert.equal(new Reader(sfixed).sfixed64Big(), s)
      }),
      { seed: 3, numRuns: 1000 },
    )
  })

  it('reject values outside the type', () => {
    assert.throws(() => sizeUint64Big(-1n, 'f'), RangeError)
    assert.throws(() => sizeUint64Big(U64_MAX + 1n, 'f'), RangeError)
    assert.throws(() => sizeInt64Big(I64_MAX + 1n, 'f'), RangeError)
    assert.throws(() => sizeInt64Big(I64_MIN - 1n, 'f'), RangeError)
    assert.throws(() => sizeFixed64Big(-1n, 'f', false), RangeError)
    assert.throws(() => sizeFixed64Big(2n ** 63n, 'f', true), RangeError)
  })
})

describe('encode output buffers', () => {
  it('are independent arrays, whatever their size (heap, slab or their own buffer)', () => {
    const outputs: Uint8Array[] = []
    for (const size of [1, 64, 65, 100, 4096, 4097, 3000, 3000, 3000, 10_000]) {
      const bytes = ours(size, (w) => {
        for (let i = 0; i < size; i++) w.byte(i & 0x7f)
      })
      assert.equal(bytes.length, size)
      assert.equal(bytes.byteOffset % 8, 0, 'slices are 8-byte aligned')
      outputs.push(bytes)
    }
    for (const bytes of outputs) {
      for (let i = 0; i < bytes.length; i++) assert.equal(bytes[i], i & 0x7f)
    }
  })
})
