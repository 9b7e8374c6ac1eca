/**
 * `@etcd-ts/backend-conformance`: the one test suite every `@etcd-ts/backend` adapter runs, in
 * the spirit of Level's abstract-level test suite. It checks an adapter against the contract of
 * `@etcd-ts/backend` (etcd's backend semantics): buckets, byte order, ranges, buffered writes
 * and their visibility, concurrent-read isolation, write-transaction discipline, commit
 * triggers, the pre-commit hook, snapshot/restore, the hash, size and defrag, durability across
 * reopen, and a model-based property test against a naive twin.
 *
 * It depends on `@etcd-ts/backend` (the contract), `node:test` and `fast-check`; adapters
 * (`@etcd-ts/backend-memory`, `@etcd-ts/backend-level`, third-party ones) use it in their tests.
 * Each adapter's `test/conformance.test.ts` is one call:
 *
 * @example
 * ```ts
 * import { runBackendConformance } from '@etcd-ts/backend-conformance'
 * import { MemoryBackend } from '@etcd-ts/backend-memory'
 *
 * runBackendConformance({
 *   name: 'backend-memory',
 *   create: ({ options, components }) => new MemoryBackend(options, components),
 *   features: { durable: false },
 * })
 * ```
 *
 * @packageDocumentation
 */
export { ManualClock } from './manual-clock.js'
export type { ConformanceContext, ConformanceFeatures, ConformanceOptions } from './options.js'
export { runBackendConformance } from './run-backend-conformance.js'
