// Key-range helpers, with etcd's conventions (clientv3 `op.go` GetPrefixRangeEnd; reference §0).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { bytes, fromKeyRangeEnd, isAllKeysRange, NUL, prefixRangeEnd, text } from '../src/index.js'

const b = (...values: number[]) => Uint8Array.from(values)

describe('prefixRangeEnd', () => {
  const cases: Array<[string, Uint8Array, Uint8Array]> = [
    ['"a" → "b"', bytes('a'), bytes('b')],
    ['"foo" → "fop"', bytes('foo'), bytes('fop')],
    ['"a\\xff" → "b" (trailing 0xff bytes are cut)', b(0x61, 0xff), bytes('b')],
    ['"a\\xff\\xff" → "b"', b(0x61, 0xff, 0xff), bytes('b')],
    ['"\\x00" → "\\x01"', b(0x00), b(0x01)],
    ['"\\xfe" → "\\xff"', b(0xfe), b(0xff)],
    ['"a\\xfe\\xff" → "a\\xff"', b(0x61, 0xfe, 0xff), b(0x61, 0xff)],
    ['"\\xff" → "\\0" (every key from the prefix on)', b(0xff), b(0x00)],
    ['"\\xff\\xff" → "\\0"', b(0xff, 0xff), b(0x00)],
    ['"" → "\\0"', new Uint8Array(0), b(0x00)],
  ]
  for (const [name, prefix, expected] of cases) {
    it(name, () => {
      assert.deepEqual(prefixRangeEnd(prefix), expected)
    })
  }

  it('returns a new array and leaves the prefix alone', () => {
    const prefix = b(0x61, 0x62, 0xff)
    const end = prefixRangeEnd(prefix)
    assert.deepEqual(prefix, b(0x61, 0x62, 0xff))
    assert.notEqual(end.buffer, prefix.buffer)
    end[0] = 0
    assert.deepEqual(prefix, b(0x61, 0x62, 0xff))
    assert.notEqual(prefixRangeEnd(b(0xff)), prefixRangeEnd(b(0xff)), 'not a shared "\\0"')
  })

  it('works on a view into a larger buffer', () => {
    const backing = b(0x01, 0x61, 0xff, 0x02)
    assert.deepEqual(prefixRangeEnd(backing.subarray(1, 3)), b(0x62))
    assert.deepEqual(backing, b(0x01, 0x61, 0xff, 0x02))
  })

  it('bounds exactly the keys that start with the prefix (property)', () => {
    const compare = (x: Uint8Array, y: Uint8Array) => Buffer.compare(x, y)
    const startsWith = (key: Uint8Array, prefix: Uint8Array) =>
      key.length >= prefix.length && prefix.every((v, i) => key[i] === v)
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xfe, 0xff))
    const key = fc.array(byte, { maxLength: 6 }).map((a) => Uint8Array.from(a))
    fc.assert(
      fc.property(key, key, (prefix, k) => {
        const end = prefixRangeEnd(prefix)
        const allFromPrefix = end.length === 1 && end[0] === 0 // "\0": no upper bound
        const inRange = compare(k, prefix) >= 0 && (allFromPrefix || compare(k, end) < 0)
        assert.equal(inRange, startsWith(k, prefix))
      }),
      { seed: 42, numRuns: 2000 },
    )
  })
})

describe('fromKeyRangeEnd, isAllKeysRange and NUL', () => {
  it('fromKeyRangeEnd is "\\0", a new array each call', () => {
    assert.deepEqual(fromKeyRangeEnd(), b(0))
    assert.notEqual(fromKeyRangeEnd(), fromKeyRangeEnd())
  })

  it('NUL is the one-byte key "\\0"', () => {
    assert.deepEqual(NUL, b(0))
  })

  it('isAllKeysRange is true only for key = range_end = "\\0"', () => {
    assert.equal(isAllKeysRange(b(0), b(0)), true)
    assert.equal(isAllKeysRange(NUL, fromKeyRangeEnd()), true)
    assert.equal(isAllKeysRange(b(0), new Uint8Array(0)), false)
    assert.equal(isAllKeysRange(new Uint8Array(0), b(0)), false)
    assert.equal(isAllKeysRange(bytes('a'), b(0)), false)
    assert.equal(isAllKeysRange(b(0, 0), b(0)), false)
    assert.equal(isAllKeysRange(b(0), b(1)), false)
  })
})

describe('bytes and text', () => {
  it('convert UTF-8 both ways', () => {
    for (const s of ['', 'foo', '/registry/pods/default/nginx', 'é日本😀']) {
      assert.equal(text(bytes(s)), s)
    }
    assert.deepEqual(bytes('é'), b(0xc3, 0xa9))
  })

  it('text replaces invalid sequences with U+FFFD', () => {
    assert.equal(text(b(0x61, 0xff, 0x62)), 'a\ufffdb')
    assert.equal(text(b(0xc3)), '\ufffd')
  })
})
