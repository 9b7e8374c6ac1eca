import assert from 'node:assert/strict'
import { it } from 'node:test'
import { type ConformanceOptions, runBackendConformance } from '@etcd-ts/backend-conformance'

it('refuses malformed options at once', () => {
  const create = () => {
    throw new Error('never called')
  }
  const malformed: unknown[] = [
    undefined,
    {},
    { name: '', create, features: { durable: false } },
    { name: 'x', create: 'nope', features: { durable: false } },
    { name: 'x', create, features: {} },
    { name: 'x', create },
  ]
  for (const options of malformed) {
    assert.throws(() => runBackendConformance(options as ConformanceOptions), TypeError, JSON.stringify(options))
  }
})
