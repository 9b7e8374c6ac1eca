import { type BackendComponents, BufferedBackend } from '@etcd-ts/backend'
import { LevelEngine } from './level-engine.js'
import type { LevelBackendOptions } from './options.js'

/**
 * The `@etcd-ts/backend` contract on LevelDB (classic-level): etcd's batched backend, durable.
 * Each commit (every `batchIntervalMs`, at `batchLimit` pending writes, or on `forceCommit()`)
 * is one synced LevelDB batch, so a resolved `forceCommit()` survives a crash or power loss;
 * concurrent reads pin LevelDB snapshots; `defrag()` compacts; `restore()` swaps in a new
 * LevelDB directory atomically, also across a crash.
 *
 * `open()` creates the location if needed, and fails with `LocationLockedError` while another
 * instance (of this process or another) has it open.
 */
export class LevelBackend extends BufferedBackend {
  readonly #location: string

  /**
   * @param options `location` (required), batching and LevelDB settings; see {@link LevelBackendOptions}.
   * @param components `clock` and `logger`.
   * @throws TypeError or RangeError naming an invalid option.
   */
  constructor(options: LevelBackendOptions, components: BackendComponents = {}) {
    const engine = new LevelEngine(options, components.logger === undefined ? {} : { logger: components.logger })
    super(engine, options, components)
    this.#location = engine.location
  }

  /** The store's directory. */
  get location(): string {
    return this.#location
  }
}
