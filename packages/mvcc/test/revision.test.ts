// Revisions and their keys in bucket `key` (etcd-storage.md §4.1; etcd's revision.go).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compareBytes } from '@etcd-ts/backend'
import fc from 'fast-check'
import { InvalidRevisionKeyError } from '../src/errors.js'
import {
  compareRevisions,
  decodeRevisionKey,
  describeRevision,
  encodeRevisionKey,
  isTombstoneKey,
  type Revision,
} from '../src/revision.js'
import { RevisionSet } from '../src/revision-set.js'

const bytes = (...b: number[]) => new Uint8Array(b)
const safeInt = fc.maxSafeNat()
const revision = fc.tuple(safeInt, safeInt).map(([main, sub]): Revision => ({ main, sub }))

function assertInvalid(key: Uint8Array): void {
  assert.throws(
    () => decodeRevisionKey(key),
    (error: unknown) => error instanceof InvalidRevisionKeyError && error.code === 'MVCC_INVALID_REVISION_KEY',
  )
}

describe('compareRevisions', () => {
  it('orders by main, then sub', () => {
    assert.ok(compareRevisions({ main: 1, sub: 9 }, { main: 2, sub: 0 }) < 0)
    assert.ok(compareRevisions({ main: 2, sub: 1 }, { main: 2, sub: 0 }) > 0)
    assert.equal(compareRevisions({ main: 2, sub: 1 }, { main: 2, sub: 1 }), 0)
    const sorted = [
      { main: 3, sub: 0 },
      { main: 1, sub: 1 },
      { main: 1, sub: 0 },
    ].sort(compareRevisions)
    assert.deepEqual(sorted, [
      { main: 1, sub: 0 },
      { main: 1, sub: 1 },
      { main: 3, sub: 0 },
    ])
  })

  it('describes revisions in the notation of etcd docs', () => {
    assert.equal(describeRevision({ main: 5, sub: 0 }), '5')
    assert.equal(describeRevision({ main: 5, sub: 1 }), '5.1')
  })
})

describe('encodeRevisionKey', () => {
  it('is 8-byte big-endian main, "_", 8-byte big-endian sub', () => {
    assert.deepEqual(
      encodeRevisionKey({ main: 0x0102030405, sub: 2 }),
      bytes(0, 0, 0, 1, 2, 3, 4, 5, 0x5f, 0, 0, 0, 0, 0, 0, 0, 2),
    )
    assert.deepEqual(
      encodeRevisionKey({ main: Number.MAX_SAFE_INTEGER, sub: 0 }),
      bytes(0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x5f, 0, 0, 0, 0, 0, 0, 0, 0),
    )
  })

  it("appends 't' for a tombstone", () => {
    const key = encodeRevisionKey({ main: 7, sub: 1 }, true)
    assert.deepEqual(key, bytes(0, 0, 0, 0, 0, 0, 0, 7, 0x5f, 0, 0, 0, 0, 0, 0, 0, 1, 0x74))
    assert.equal(isTombstoneKey(key), true)
    assert.equal(isTombstoneKey(encodeRevisionKey({ main: 7, sub: 1 })), false)
    assert.equal(isTombstoneKey(bytes(...key.subarray(0, 17), 0x75)), false)
  })

  it('rejects negative, fractional and unsafe numbers as misuse', () => {
    for (const rev of [
      { main: -1, sub: 0 },
      { main: 1, sub: -1 },
      { main: 1.5, sub: 0 },
      { main: 2 ** 53, sub: 0 },
      { main: Number.NaN, sub: 0 },
    ]) {
      assert.throws(() => encodeRevisionKey(rev), RangeError)
    }
  })
})

describe('decodeRevisionKey', () => {
  it('round-trips every revision, with and without the tombstone mark', () => {
    fc.assert(
      fc.property(revision, fc.boolean(), (rev, tombstone) => {
        const key = encodeRevisionKey(rev, tombstone)
        assert.equal(key.length, tombstone ? 18 : 17)
        assert.deepEqual(decodeRevisionKey(key), { rev, tombstone })
        assert.equal(isTombstoneKey(key), tombstone)
      }),
      { numRuns: 2000 },
    )
  })

  it('reads a key that is a view into a larger buffer', () => {
    const backing = new Uint8Array(40)
    backing.set(encodeRevisionKey({ main: 9, sub: 3 }, true), 5)
    assert.deepEqual(decodeRevisionKey(backing.subarray(5, 23)), { rev: { main: 9, sub: 3 }, tombstone: true })
  })

  it('orders encoded keys bytewise exactly as the revisions', () => {
    fc.assert(
      fc.property(revision, revision, fc.boolean(), (a, b, tombstone) => {
        const order = Math.sign(compareRevisions(a, b))
        assert.equal(Math.sign(compareBytes(encodeRevisionKey(a), encodeRevisionKey(b))), order)
        // The mark sorts a tombstone right after the same revision's plain key, before any later one.
        if (order !== 0) {
          assert.equal(Math.sign(compareBytes(encodeRevisionKey(a, tombstone), encodeRevisionKey(b))), order)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('rejects wrong lengths, separators and marks, negative and unsafe numbers', () => {
    const good = encodeRevisionKey({ main: 1, sub: 2 })
    assertInvalid(new Uint8Array(0))
    assertInvalid(good.subarray(0, 16))
    assertInvalid(new Uint8Array(19))
    assertInvalid(bytes(...good.subarray(0, 8), 0x2d, ...good.subarray(9)))
    assertInvalid(bytes(...good, 0x75))
    // Top bit set: a negative int64.
    assertInvalid(bytes(0x80, 0, 0, 0, 0, 0, 0, 1, 0x5f, 0, 0, 0, 0, 0, 0, 0, 0))
    assertInvalid(bytes(0, 0, 0, 0, 0, 0, 0, 1, 0x5f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
    // 2^53: positive but not a safe integer.
    assertInvalid(bytes(0, 0x20, 0, 0, 0, 0, 0, 0, 0x5f, 0, 0, 0, 0, 0, 0, 0, 0))
  })

  it('decodes any bytes to a revision or an InvalidRevisionKeyError, nothing else', () => {
    const nearlyValid = fc
      .tuple(revision, fc.boolean(), fc.nat({ max: 17 }), fc.integer({ min: 0, max: 255 }))
      .map(([rev, tombstone, at, byte]) => {
        const key = encodeRevisionKey(rev, tombstone)
        key[Math.min(at, key.length - 1)] = byte
        return key
      })
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 20 }), nearlyValid), (key) => {
        let decoded: { rev: Revision; tombstone: boolean }
        try {
          decoded = decodeRevisionKey(key)
        } catch (error) {
          assert.ok(error instanceof InvalidRevisionKeyError, String(error))
          return
        }
        assert.ok(Number.isSafeInteger(decoded.rev.main) && decoded.rev.main >= 0)
        assert.ok(Number.isSafeInteger(decoded.rev.sub) && decoded.rev.sub >= 0)
        assert.deepEqual(encodeRevisionKey(decoded.rev, decoded.tombstone), key)
      }),
      { numRuns: 3000 },
    )
  })
})

describe('RevisionSet', () => {
  it('adds, finds and deletes revisions by value', () => {
    const set = new RevisionSet()
    set.add({ main: 5, sub: 0 })
    set.add({ main: 5, sub: 0 })
    set.add({ main: 5, sub: 2 })
    set.add({ main: 7, sub: 1 })
    assert.equal(set.size, 3)
    assert.equal(set.has({ main: 5, sub: 2 }), true)
    assert.equal(set.has({ main: 5, sub: 1 }), false)
    assert.equal(set.has({ main: 6, sub: 0 }), false)
    assert.deepEqual(
      [...set],
      [
        { main: 5, sub: 0 },
        { main: 5, sub: 2 },
        { main: 7, sub: 1 },
      ],
    )
    assert.equal(set.delete({ main: 5, sub: 0 }), true)
    assert.equal(set.delete({ main: 5, sub: 0 }), false)
    assert.equal(set.delete({ main: 7, sub: 0 }), false)
    assert.equal(set.size, 2)
    assert.deepEqual(
      [...set],
      [
        { main: 5, sub: 2 },
        { main: 7, sub: 1 },
      ],
    )
  })

  it('behaves as a set of "main_sub" strings', () => {
    const small = fc.tuple(fc.nat({ max: 6 }), fc.nat({ max: 3 })).map(([main, sub]): Revision => ({ main, sub }))
    const command = fc.record({ op: fc.constantFrom('add', 'delete', 'has'), rev: small })
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const set = new RevisionSet()
        const model = new Set<string>()
        for (const { op, rev } of commands) {
          const name = `${rev.main}_${rev.sub}`
          if (op === 'add') {
            set.add(rev)
            model.add(name)
          } else if (op === 'delete') {
            assert.equal(set.delete(rev), model.delete(name))
          } else {
            assert.equal(set.has(rev), model.has(name))
          }
          assert.equal(set.size, model.size)
        }
        assert.deepEqual(new Set([...set].map((r) => `${r.main}_${r.sub}`)), model)
      }),
      { numRuns: 500 },
    )
  })
})
