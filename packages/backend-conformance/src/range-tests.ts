import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { bytes, text } from './bytes.js'
import { assertEntries, inTx, type Suite } from './harness.js'
import { LAYOUTS, layOut } from './layers.js'
import { type Entry, Model } from './model.js'

const CONTENT: readonly Entry[] = [
  [bytes(), text('empty key')],
  [text('a'), text('1')],
  [text('a\0'), text('2')],
  [text('ab'), text('3')],
  [text('b'), text('4')],
  [text('c'), bytes()],
  [text('d'), text('6')],
  [text('e'), text('7')],
  [bytes(0xff), text('8')],
]

type Case = readonly [title: string, key: Uint8Array, end?: Uint8Array, limit?: number]

const CASES: readonly Case[] = [
  // Without end (or with an empty one): the key itself, whatever the limit.
  ['end omitted', text('a')],
  ['end empty', text('a'), bytes()],
  ['end omitted, limit 3', text('a'), undefined, 3],
  ['end omitted, absent key', text('zz')],
  ['end omitted, a deleted key', text('a\0\0ZZ')],
  ['end omitted, the empty key', bytes()],
  ['end omitted, a prefix key', text('a\0')],
  // [key, end): half-open.
  ['[a, b)', text('a'), text('b')],
  ['[a, a\\0): a only', text('a'), text('a\0')],
  ['[a\\0, ab)', text('a\0'), text('ab')],
  ['[b, e)', text('b'), text('e')],
  ['[b, e\\0): e included', text('b'), text('e\0')],
  ['[empty, 0xff): all but 0xff', bytes(), bytes(0xff)],
  ['[empty, 0xff 0x00): all', bytes(), bytes(0xff, 0x00)],
  ['[0x00, 0x01): nothing live', bytes(0x00), bytes(0x01)],
  // Limits count live entries only.
  ['limit 1', bytes(), bytes(0xff, 0x00), 1],
  ['limit 2', bytes(), bytes(0xff, 0x00), 2],
  ['limit 3 from a', text('a'), bytes(0xff), 3],
  ['limit 4 from a\\0', text('a\0'), bytes(0xff), 4],
  ['limit 0: no limit', bytes(), bytes(0xff, 0x00), 0],
  ['limit beyond the count', text('d'), bytes(0xff, 0x00), 100],
  // Start at or after end: nothing.
  ['[c, c)', text('c'), text('c')],
  ['[d, b)', text('d'), text('b')],
  ['[0xff, a)', bytes(0xff), text('a')],
]

export function rangeTests(suite: Suite): void {
  describe('ranges', () => {
    const model = Model.of([['r', CONTENT]])
    for (const layout of LAYOUTS) {
      suite.test(
        `bounds and limits: single key, [key, end), live-only limits, empty when start >= end (${layout})`,
        async (f) => {
          const backend = await f.open()
          const laid = await layOut(backend, 'r', CONTENT, layout)
          try {
            for (const [name, reader] of laid.readers) {
              for (const [title, key, end, limit] of CASES) {
                assertEntries(
                  await reader.unsafeRange('r', key, end, limit),
                  model.range('r', key, end, limit),
                  `${name}: ${title}`,
                )
              }
            }
          } finally {
            laid.done()
          }
        },
      )
    }

    suite.test('a negative, NaN or fractional limit throws RangeError', async (f) => {
      const backend = await f.open()
      inTx(backend, (tx) => {
        tx.unsafeCreateBucket('r')
        tx.unsafePut('r', text('a'), text('1'))
      })
      const concurrent = backend.concurrentReadTx()
      const tx = backend.batchTx()
      tx.lock()
      try {
        for (const [name, reader] of [
          ['readTx', backend.readTx()],
          ['concurrentReadTx', concurrent],
          ['batchTx', tx],
        ] as const) {
          for (const limit of [-1, Number.NaN, 1.5]) {
            await assert.rejects(
              async () => reader.unsafeRange('r', text('a'), text('z'), limit),
              RangeError,
              `${name}: ${limit}`,
            )
            await assert.rejects(
              async () => reader.unsafeRange('r', text('a'), undefined, limit),
              RangeError,
              `${name}: ${limit}, no end`,
            )
          }
        }
      } finally {
        tx.unlock()
        concurrent.close()
      }
    })

    suite.test('unsafeForEach visits in key order and stops when visit returns false', async (f) => {
      const backend = await f.open()
      const laid = await layOut(backend, 'r', CONTENT, 'mixed-unlocked')
      try {
        const expected = model.entries('r')
        for (const [name, reader] of laid.readers) {
          const seen: Entry[] = []
          await reader.unsafeForEach('r', (key, value) => {
            seen.push([key, value])
            return seen.length < 3 ? undefined : false
          })
          assertEntries(
            { keys: seen.map(([k]) => k), values: seen.map(([, v]) => v) },
            expected.slice(0, 3),
            `${name}: stops after the visit returning false`,
          )
          let count = 0
          await reader.unsafeForEach('r', () => {
            count++
            return true
          })
          assert.equal(count, expected.length, `${name}: true continues`)
        }
        inTx(backend, (tx) => tx.unsafeCreateBucket('empty'))
        let visits = 0
        await backend.readTx().unsafeForEach('empty', () => {
          visits++
          return true
        })
        assert.equal(visits, 0, 'an empty bucket has nothing to visit')
      } finally {
        laid.done()
      }
    })
  })
}
