import assert from 'node:assert/strict'
import { it } from 'node:test'
import { bytesEqual, compareBytes, concatBytes } from '@etcd-ts/backend'
import fc from 'fast-check'

it('compares bytewise like Buffer.compare, prefixes first', () => {
  assert.ok(compareBytes(new Uint8Array([1]), new Uint8Array([1, 0])) < 0)
  assert.ok(compareBytes(new Uint8Array([0xff]), new Uint8Array([1, 2])) > 0)
  assert.equal(compareBytes(new Uint8Array(), new Uint8Array()), 0)
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
      assert.equal(Math.sign(compareBytes(a, b)), Math.sign(Buffer.compare(a, b)))
      assert.equal(bytesEqual(a, b), Buffer.compare(a, b) === 0)
      assert.deepEqual([...concatBytes(a, b)], [...a, ...b])
    }),
    { numRuns: 1000 },
  )
})
