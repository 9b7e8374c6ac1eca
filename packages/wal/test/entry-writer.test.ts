// Our allocation-free entry writer must write exactly the bytes of raft's encodeEntry.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { type Entry, type EntryType, encodeEntry, entrySize } from '@etcd-ts/raft'
import fc from 'fast-check'
import { writeEntry } from '../src/entry-writer.js'

it("writeEntry writes raft's encodeEntry bytes, for every field range", () => {
  const entry = fc.record({
    term: fc.oneof(fc.nat({ max: 200 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    index: fc.oneof(fc.nat({ max: 200 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    type: fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff })),
    data: fc.uint8Array({ maxLength: 300 }),
  })
  fc.assert(
    fc.property(entry, fc.nat({ max: 16 }), (raw, at) => {
      const value: Entry = { ...raw, type: raw.type as EntryType }
      const size = entrySize(value)
      const target = new Uint8Array(at + size + 4).fill(0xee)
      assert.equal(writeEntry(target, at, value), at + size)
      assert.deepEqual(target.subarray(at, at + size), encodeEntry(value))
      assert.ok(
        target.subarray(at + size).every((byte) => byte === 0xee),
        'nothing written past the entry',
      )
    }),
    { numRuns: 3000 },
  )
})
