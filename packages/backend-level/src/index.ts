/**
 * `@etcd-ts/backend-level`: the `@etcd-ts/backend` contract on LevelDB (classic-level), the
 * daemon's default backend. Buckets are key prefixes of one LevelDB; every commit is one synced
 * LevelDB batch; concurrent reads pin LevelDB snapshots; `defrag()` rewrites the store into a fresh generation;
 * `restore()` builds a new LevelDB beside the live one and switches a pointer file, so a crash
 * leaves the old contents or the new ones. It depends on `@etcd-ts/backend` only, and passes
 * `@etcd-ts/backend-conformance`.
 *
 * @example
 * ```ts
 * import { Buckets } from '@etcd-ts/backend'
 * import { LevelBackend } from '@etcd-ts/backend-level'
 *
 * const backend = new LevelBackend({ location: join(dataDir, 'member', 'snap', 'db') })
 * await backend.open()
 * const tx = backend.batchTx()
 * tx.lock()
 * tx.unsafeCreateBucket(Buckets.Meta)
 * tx.unsafePut(Buckets.Meta, new TextEncoder().encode('term'), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 2]))
 * tx.unlock() // visible to readers now
 * await backend.forceCommit() // on disk now, synced
 * await backend.close()
 *
 * const reopened = new LevelBackend({ location: join(dataDir, 'member', 'snap', 'db') })
 * await reopened.open()
 * const term = reopened.readTx().unsafeGet(Buckets.Meta, new TextEncoder().encode('term')) // Uint8Array [0, 0, 0, 0, 0, 0, 0, 2]
 * await reopened.close()
 * ```
 *
 * @packageDocumentation
 */
export { InvalidLocationError, LocationLockedError } from './errors.js'
export { LevelBackend } from './level-backend.js'
export type { LevelEngineComponents, ReplaceFailpoint } from './level-engine.js'
export { LevelEngine } from './level-engine.js'
export type { LevelBackendOptions, LevelEngineOptions } from './options.js'
export { DEFAULT_CACHE_SIZE, DEFAULT_WRITE_BUFFER_SIZE } from './options.js'
