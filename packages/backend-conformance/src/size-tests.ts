import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Backend } from '@etcd-ts/backend'
import { pseudoRandomBytes, text } from './bytes.js'
import { assertContent, inTx, readContent, type Suite } from './harness.js'
import { Model, referenceHash } from './model.js'

const MIB = 1024 * 1024

function assertSizes(backend: Backend, when: string): { size: number; inUse: number } {
  const size = backend.size()
  const inUse = backend.sizeInUse()
  assert.ok(Number.isFinite(size) && size >= 0, `size() is a number >= 0 ${when}: ${size}`)
  assert.ok(Number.isFinite(inUse) && inUse >= 0, `sizeInUse() is a number >= 0 ${when}: ${inUse}`)
  assert.ok(inUse <= size, `sizeInUse() <= size() ${when}: ${inUse} > ${size}`)
  return { size, inUse }
}

// Writes `count` incompressible 64 KiB values to bucket `s`, returning what the store holds.
function writeMuch(backend: Backend, model: Model, count: number, seed: number): void {
  inTx(backend, (tx) => {
    tx.unsafeCreateBucket('s')
    model.createBucket('s')
    for (let i = 0; i < count; i++) {
      const key = text(`k${String(i).padStart(4, '0')}`)
      const value = pseudoRandomBytes(64 * 1024, seed + i)
      tx.unsafePut('s', key, value)
      model.put('s', key, value)
    }
  })
}

export function sizeTests(suite: Suite): void {
  describe('size and defrag', () => {
    suite.test('size() and sizeInUse() are numbers >= 0, sizeInUse() <= size(), whatever happens', async (f) => {
      const backend = await f.open()
      assertSizes(backend, 'when new')
      const model = new Model()
      writeMuch(backend, model, 4, 1)
      assertSizes(backend, 'with writes pending')
      await backend.forceCommit()
      assertSizes(backend, 'after a commit')
      inTx(backend, (tx) => tx.unsafeDeleteBucket('s'))
      await backend.forceCommit()
      f.clock.advance(60_000)
      inTx(backend, (tx) => tx.unsafeCreateBucket('t'))
      await backend.forceCommit()
      assertSizes(backend, 'after deleting everything')
      await backend.defrag()
      assertSizes(backend, 'after defrag')
    })

    suite.test('size() grows by what was written, once committed and refreshed', async (f) => {
      const backend = await f.open()
      const before = assertSizes(backend, 'when new')
      const model = new Model()
      writeMuch(backend, model, 32, 100) // 2 MiB, incompressible
      await backend.forceCommit()
      // Sizes are cached: a commit a minute later is a refresh point.
      f.clock.advance(60_000)
      inTx(backend, (tx) => tx.unsafePut('s', text('later'), text('x')))
      await backend.forceCommit()
      const after = assertSizes(backend, 'after writing 2 MiB')
      assert.ok(after.size >= before.size + MIB, `size() grew by at least 1 MiB: ${before.size} -> ${after.size}`)
      assert.ok(after.inUse > before.inUse, `sizeInUse() grew: ${before.inUse} -> ${after.inUse}`)
      await backend.defrag()
      const defragged = assertSizes(backend, 'after defrag')
      assert.ok(defragged.size >= before.size + MIB, `2 MiB of live data after defrag: ${defragged.size}`)
      assert.ok(defragged.inUse >= before.inUse + MIB, `2 MiB in use after defrag: ${defragged.inUse}`)
    })

    suite.test('defrag() keeps every entry, pending ones too, and writes go on during it', async (f) => {
      const backend = await f.open()
      const model = new Model()
      writeMuch(backend, model, 16, 200)
      await backend.forceCommit()
      inTx(backend, (tx) => {
        for (let i = 0; i < 16; i++) {
          if (i % 4 !== 0) {
            const key = text(`k${String(i).padStart(4, '0')}`)
            tx.unsafeDelete('s', key)
            model.delete('s', key)
          }
        }
        tx.unsafeCreateBucket('pending')
        tx.unsafePut('pending', text('p'), text('1'))
      })
      model.createBucket('pending')
      model.put('pending', text('p'), text('1'))
      await backend.forceCommit()
      inTx(backend, (tx) => tx.unsafePut('pending', text('q'), text('2')))
      model.put('pending', text('q'), text('2'))
      const defrag = backend.defrag()
      inTx(backend, (tx) => tx.unsafePut('pending', text('during'), text('3')))
      model.put('pending', text('during'), text('3'))
      await defrag
      assertContent(await readContent(backend.readTx(), ['s', 'pending']), model.content(), 'after defrag')
      await backend.forceCommit()
      assertContent(await readContent(backend.readTx(), ['s', 'pending']), model.content(), 'after a commit')
      assert.equal(await backend.hash(), referenceHash(model.content()))
    })
  })
}
