import { type BackendComponents, type BackendOptions, BufferedBackend } from '@etcd-ts/backend'
import { MemoryEngine } from './memory-engine.js'

/**
 * The `@etcd-ts/backend` contract in memory: fast, nothing on disk, everything gone on close.
 * For tests and ephemeral nodes. Commits keep etcd's batching semantics (interval, limit,
 * pre-commit hook) so a server behaves the same on it as on disk.
 */
export class MemoryBackend extends BufferedBackend {
  constructor(options: BackendOptions = {}, components: BackendComponents = {}) {
    super(new MemoryEngine(), options, components)
  }
}
