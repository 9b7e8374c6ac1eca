// The expiry heap against its naive twin: a list scanned for its minimum.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { LeaseQueue, type LeaseWithTime } from '../src/lease-queue.js'

interface Slot extends LeaseWithTime {
  readonly id: number
}

type Op =
  | { kind: 'upsert'; id: number; time: number }
  | { kind: 'remove'; id: number }
  | { kind: 'pop' }
  | { kind: 'clear' }

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('upsert' as const),
      id: fc.nat(30),
      time: fc.integer({ min: 0, max: 100 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), id: fc.nat(30) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pop' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
)

describe('LeaseQueue', () => {
  it('pops what a naive minimum scan would (times; ties in any order) and keeps its invariants', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const queue = new LeaseQueue<Slot>()
        const slots = new Map<number, Slot>()
        const model = new Map<number, number>() // id → time
        const slot = (id: number) => {
          let s = slots.get(id)
          if (s === undefined) {
            s = { id, time: 0, index: -1 }
            slots.set(id, s)
          }
          return s
        }
        for (const o of ops) {
          if (o.kind === 'upsert') {
            queue.upsert(slot(o.id), o.time)
            model.set(o.id, o.time)
          } else if (o.kind === 'remove') {
            queue.remove(slot(o.id))
            model.delete(o.id)
          } else if (o.kind === 'clear') {
            queue.clear()
            model.clear()
          } else {
            const popped = queue.pop()
            const min = Math.min(...model.values())
            if (model.size === 0) assert.equal(popped, undefined)
            else {
              assert.equal(popped?.time, min)
              assert.equal(model.get(popped?.id as number), min)
              model.delete(popped?.id as number)
              assert.equal(popped?.index, -1)
            }
          }
          assert.equal(queue.size, model.size)
          queue.items.forEach((s, i) => {
            assert.equal(s.index, i)
            if (i > 0) assert.ok((queue.items[(i - 1) >> 1] as Slot).time <= s.time)
            assert.equal(model.get(s.id), s.time)
          })
        }
      }),
      { numRuns: 500 },
    )
  })
})
