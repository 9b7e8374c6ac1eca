import { describe } from 'node:test'
import { bucketTests } from './bucket-tests.js'
import { commitTests } from './commit-tests.js'
import { durabilityTests } from './durability-tests.js'
import { makeSuite } from './harness.js'
import { hashTests } from './hash-tests.js'
import { hookTests } from './hook-tests.js'
import { isolationTests } from './isolation-tests.js'
import { lifecycleTests } from './lifecycle-tests.js'
import { modelTests } from './model-tests.js'
import type { ConformanceOptions } from './options.js'
import { orderingTests } from './ordering-tests.js'
import { rangeTests } from './range-tests.js'
import { sizeTests } from './size-tests.js'
import { snapshotTests } from './snapshot-tests.js'
import { visibilityTests } from './visibility-tests.js'
import { writeTxTests } from './write-tx-tests.js'

/**
 * Declares the conformance suite of the `@etcd-ts/backend` contract for one adapter, as
 * `node:test` tests under `describe(options.name)`. Call it once, at the top level of a test file
 * run by `node --test`; put the adapter's own tests beside it.
 *
 * Every test gets fresh backends from `options.create`, a manual clock (no real waits), and, for
 * durable adapters, a fresh temporary directory per backend, removed afterwards. Tests needing a
 * feature the adapter does not declare are reported as skipped.
 *
 * @throws TypeError when `options` is malformed (checked at once, before any test is declared).
 */
export function runBackendConformance(options: ConformanceOptions): void {
  if (typeof options?.name !== 'string' || options.name.length === 0) {
    throw new TypeError('runBackendConformance: options.name must be a non-empty string')
  }
  if (typeof options.create !== 'function') {
    throw new TypeError('runBackendConformance: options.create must be a function')
  }
  if (typeof options.features?.durable !== 'boolean') {
    throw new TypeError('runBackendConformance: options.features.durable must be a boolean')
  }
  const suite = makeSuite(options)
  describe(options.name, () => {
    lifecycleTests(suite)
    bucketTests(suite)
    orderingTests(suite)
    rangeTests(suite)
    visibilityTests(suite)
    isolationTests(suite)
    writeTxTests(suite)
    commitTests(suite)
    hookTests(suite)
    snapshotTests(suite)
    hashTests(suite)
    sizeTests(suite)
    durabilityTests(suite)
    modelTests(suite)
  })
}
