import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Backend, BackendOptions, Logger } from '@etcd-ts/backend'
import { ManualClock } from './manual-clock.js'
import type { ConformanceFeatures, ConformanceOptions } from './options.js'

let fixtures = 0

/** What one backend was made with, to reopen it alike. */
interface Made {
  readonly location: string
  readonly options: BackendOptions | undefined
}

/**
 * One test's world: a manual clock shared by its backends, its temporary directory (durable
 * adapters), and every backend it created, all closed and removed by `dispose()`.
 */
export class Fixture {
  readonly clock = new ManualClock()
  readonly features: ConformanceFeatures
  readonly #options: ConformanceOptions
  readonly #id = ++fixtures
  readonly #made = new Map<Backend, Made>()
  // Errors the backends logged: a commit failing in the background is only logged, so any
  // logged error fails the test.
  readonly #loggedErrors: string[] = []
  readonly #logger: Logger = {
    info() {},
    warn() {},
    error: (message) => {
      this.#loggedErrors.push(message)
    },
  }
  #root: string | undefined
  #locations = 0

  constructor(options: ConformanceOptions) {
    this.#options = options
    this.features = options.features
  }

  /** A location nobody used yet: a fresh empty directory (durable adapters) or a unique name. */
  async newLocation(): Promise<string> {
    const n = ++this.#locations
    if (!this.features.durable) return `memory:${this.#options.name}:${this.#id}:${n}`
    this.#root ??= await mkdtemp(join(tmpdir(), 'etcd-ts-conformance-'))
    const location = join(this.#root, `db-${n}`)
    await mkdir(location)
    return location
  }

  /** A new, unopened backend, at a new location unless `location` is given. */
  async create(settings: { location?: string; options?: BackendOptions } = {}): Promise<Backend> {
    const location = settings.location ?? (await this.newLocation())
    const backend = await this.#options.create({
      location,
      options: settings.options,
      components: { clock: this.clock, logger: this.#logger },
    })
    this.#made.set(backend, { location, options: settings.options })
    return backend
  }

  /** A new backend, opened. */
  async open(settings: { location?: string; options?: BackendOptions } = {}): Promise<Backend> {
    const backend = await this.create(settings)
    await backend.open()
    return backend
  }

  /** Closes `backend` and opens a new one at its location, with the same options. */
  async reopen(backend: Backend): Promise<Backend> {
    const made = this.#made.get(backend)
    if (made === undefined) throw new Error('reopen: not a backend of this test')
    await backend.close()
    return this.open(made)
  }

  /**
   * Closes every backend and removes the temp dir. Unless the test already failed, fails it if
   * closing failed or a backend logged an error.
   */
  async dispose(failed: boolean): Promise<void> {
    const errors: unknown[] = []
    for (const backend of this.#made.keys()) {
      try {
        await backend.close()
      } catch (error) {
        errors.push(error)
      }
    }
    this.#made.clear()
    if (this.#root !== undefined) await rm(this.#root, { recursive: true, force: true })
    if (failed) return
    if (errors.length > 0) throw new AggregateError(errors, 'closing the backends at the end of the test failed')
    if (this.#loggedErrors.length > 0) {
      throw new Error(`a backend logged errors: ${this.#loggedErrors.join('; ')}`)
    }
  }
}
