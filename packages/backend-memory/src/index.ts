/**
 * `@etcd-ts/backend-memory`: the `@etcd-ts/backend` contract in memory, on copy-on-write B+
 * trees (sorted-btree): a concurrent read pins an O(1) clone. Nothing is durable. It depends
 * on `@etcd-ts/backend` only, and passes `@etcd-ts/backend-conformance`.
 *
 * @example
 * ```ts
 * import { Buckets } from '@etcd-ts/backend'
 * import { MemoryBackend } from '@etcd-ts/backend-memory'
 *
 * const backend = new MemoryBackend()
 * await backend.open()
 * const tx = backend.batchTx()
 * tx.lock()
 * tx.unsafeCreateBucket(Buckets.Meta)
 * tx.unsafePut(Buckets.Meta, new Uint8Array([1]), new Uint8Array([2]))
 * tx.unlock()
 * backend.readTx().unsafeGet(Buckets.Meta, new Uint8Array([1])) // Uint8Array [2]
 * await backend.close()
 * ```
 *
 * @packageDocumentation
 */
export { MemoryBackend } from './memory-backend.js'
export { MemoryEngine } from './memory-engine.js'
