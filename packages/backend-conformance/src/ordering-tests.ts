import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { bytes, compare, concat, filled, pseudoRandomBytes, text } from './bytes.js'
import { assertBytes, assertEntries, entriesOf, type Suite, showEntries } from './harness.js'
import { LAYOUTS, layOut } from './layers.js'
import type { Entry } from './model.js'

const LONG = 4096

/** Keys in the order every adapter must keep: bytewise, a prefix before its extensions. */
const ORDERED_KEYS: readonly Uint8Array[] = [
  bytes(),
  bytes(0x00),
  bytes(0x00, 0x00),
  filled(LONG, 0x00),
  bytes(0x00, 0x01),
  bytes(0x00, 0xff),
  bytes(0x01),
  concat(filled(LONG - 1, 0x4c), bytes(0x00)),
  concat(filled(LONG - 1, 0x4c), bytes(0x01)),
  text('a'),
  text('a\0'),
  text('a\0\0'),
  text('a\x01'),
  text('ab'),
  text('b'),
  bytes(0x7f),
  bytes(0x80),
  bytes(0x80, 0x00),
  bytes(0xfe, 0xff, 0xff),
  bytes(0xff),
  bytes(0xff, 0x00),
  bytes(0xff, 0xff),
  filled(LONG, 0xff),
]

const ORDERED: readonly Entry[] = ORDERED_KEYS.map((key, i) => [key, i === 3 ? bytes() : bytes(i, 0xff - i, 0x00)])

// Written in an order far from sorted: from the middle outwards, alternating.
function scrambled<T>(items: readonly T[]): T[] {
  const out: T[] = []
  const middle = Math.floor(items.length / 2)
  for (let d = 0; out.length < items.length; d++) {
    const right = items[middle + d]
    const left = d > 0 ? items[middle - d] : undefined
    if (right !== undefined) out.push(right)
    if (left !== undefined) out.push(left)
  }
  return out.reverse()
}

const MIB = 1024 * 1024
const VALUES: readonly Entry[] = [
  [text('empty'), bytes()],
  [text('mib'), pseudoRandomBytes(MIB, 1)],
  [text('odd'), pseudoRandomBytes(64 * 1024 + 1, 2)],
  [text('zeros'), filled(1000, 0x00)],
  [text('ones'), filled(1000, 0xff)],
]

export function orderingTests(suite: Suite): void {
  describe('key order and values', () => {
    for (const layout of LAYOUTS) {
      suite.test(`keys are in bytewise order: 0x00, 0xff, empty, prefix and 4 KiB keys (${layout})`, async (f) => {
        for (let i = 1; i < ORDERED_KEYS.length; i++) {
          assert.ok(compare(ORDERED_KEYS[i - 1] as Uint8Array, ORDERED_KEYS[i] as Uint8Array) < 0, 'suite self-check')
        }
        const backend = await f.open()
        const laid = await layOut(backend, 'o', scrambled(ORDERED), layout)
        try {
          for (const [name, reader] of laid.readers) {
            assert.deepEqual(showEntries(await entriesOf(reader, 'o')), showEntries(ORDERED), `${name}: unsafeForEach`)
            assertEntries(
              await reader.unsafeRange('o', bytes(), filled(LONG + 1, 0xff)),
              ORDERED,
              `${name}: unsafeRange over everything`,
            )
            for (const [key, value] of ORDERED) {
              assertBytes(reader.unsafeGet('o', key), value, `${name}: unsafeGet`)
              assertEntries(await reader.unsafeRange('o', key), [[key, value]], `${name}: unsafeRange(key)`)
            }
          }
        } finally {
          laid.done()
        }
      })

      suite.test(`values are kept exactly: empty, 1 MiB and odd sizes (${layout})`, async (f) => {
        const backend = await f.open()
        const laid = await layOut(backend, 'v', VALUES, layout)
        try {
          for (const [name, reader] of laid.readers) {
            for (const [key, value] of VALUES) assertBytes(reader.unsafeGet('v', key), value, `${name}: unsafeGet`)
            const sorted = [...VALUES].sort((a, b) => compare(a[0], b[0]))
            const seen = await entriesOf(reader, 'v')
            assert.equal(seen.length, sorted.length, `${name}: entries`)
            seen.forEach(([key, value], i) => {
              const [k, v] = sorted[i] as Entry
              assertBytes(key, k, `${name}: key ${i}`)
              assertBytes(value, v, `${name}: value ${i}`)
            })
          }
        } finally {
          laid.done()
        }
      })
    }
  })
}
