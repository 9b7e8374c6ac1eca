import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { bytes, pseudoRandomBytes, text } from './bytes.js'
import { assertContent, inTx, readContent, type Suite, writeContent } from './harness.js'
import { type Content, Model, referenceHash } from './model.js'

const UNIVERSE = ['a', 'b', 'empty', 'deleted', 'x']

const CONTENT: Content = Model.of([
  [
    'a',
    [
      [bytes(), bytes()],
      [text('k'), text('v')],
      [bytes(0xff), pseudoRandomBytes(256 * 1024, 3)],
    ],
  ],
  ['b', [[bytes(0x00), bytes(0x00)]]],
  ['empty', []],
]).content()

export function durabilityTests(suite: Suite): void {
  const durable = { durable: true }
  describe('durability (reopen)', () => {
    suite.test(
      'committed data and buckets survive close and reopen',
      async (f) => {
        const backend = await f.open()
        writeContent(backend, CONTENT)
        inTx(backend, (tx) => {
          tx.unsafeCreateBucket('deleted')
          tx.unsafePut('deleted', text('k'), text('v'))
          tx.unsafePut('a', text('gone'), text('v'))
        })
        await backend.forceCommit()
        inTx(backend, (tx) => {
          tx.unsafeDeleteBucket('deleted')
          tx.unsafeDelete('a', text('gone'))
        })
        await backend.forceCommit()
        const reopened = await f.reopen(backend)
        assertContent(await readContent(reopened.readTx(), UNIVERSE), CONTENT, 'after reopen')
        assert.equal(await reopened.hash(), referenceHash(CONTENT))
      },
      durable,
    )

    suite.test(
      'writes unlocked but not committed survive close (close commits)',
      async (f) => {
        const backend = await f.open({ options: { batchIntervalMs: 1_000_000 } })
        writeContent(backend, CONTENT)
        const reopened = await f.reopen(backend)
        assertContent(await readContent(reopened.readTx(), UNIVERSE), CONTENT, 'after reopen')
      },
      durable,
    )

    suite.test(
      'a bucket deleted and recreated in one transaction reopens with only the new keys',
      async (f) => {
        const backend = await f.open()
        inTx(backend, (tx) => {
          tx.unsafeCreateBucket('x')
          for (const key of ['1', '2', '3']) tx.unsafePut('x', text(key), text('old'))
        })
        await backend.forceCommit()
        inTx(backend, (tx) => {
          tx.unsafeDeleteBucket('x')
          tx.unsafeCreateBucket('x')
          tx.unsafePut('x', text('2'), text('new'))
          tx.unsafePut('x', text('4'), text('new'))
        })
        await backend.forceCommit()
        const reopened = await f.reopen(backend)
        assertContent(await readContent(reopened.readTx(), ['x']), [
          [
            'x',
            [
              [text('2'), text('new')],
              [text('4'), text('new')],
            ],
          ],
        ])
      },
      durable,
    )

    suite.test(
      'reopened again and again, a store keeps everything and takes new writes',
      async (f) => {
        let backend = await f.open()
        const model = new Model()
        for (let round = 0; round < 4; round++) {
          inTx(backend, (tx) => {
            tx.unsafeCreateBucket('a')
            model.createBucket('a')
            tx.unsafePut('a', text(`round${round}`), bytes(round))
            model.put('a', text(`round${round}`), bytes(round))
            if (round > 0) {
              tx.unsafeDelete('a', text(`round${round - 1}`))
              model.delete('a', text(`round${round - 1}`))
            }
          })
          if (round % 2 === 0) await backend.forceCommit()
          backend = await f.reopen(backend)
          assertContent(await readContent(backend.readTx(), UNIVERSE), model.content(), `round ${round}`)
        }
      },
      durable,
    )
  })
}
