import type { Backend, BackendComponents, BackendOptions } from '@etcd-ts/backend'

/** What the suite hands to {@link ConformanceOptions.create} for each backend it makes. */
export interface ConformanceContext {
  /**
   * Where the backend keeps its data. With `features.durable`, a fresh, empty directory that
   * exists (one per backend the suite creates, removed after the test); the suite reopens a store
   * by calling `create` again with the same `location`. Otherwise a unique name to ignore.
   */
  readonly location: string
  /** Settings to pass through to the backend; `undefined` means the adapter's defaults. */
  readonly options?: BackendOptions
  /**
   * Collaborators to pass through: always a manual `clock` (the suite controls time: commit
   * intervals must use it, never real timers) and a `logger` (an error logged fails the test).
   */
  readonly components?: BackendComponents
}

/** The optional capabilities of an adapter. The suite skips what an adapter does not declare. */
export interface ConformanceFeatures {
  /**
   * Whether committed data survives `close()` and a new backend opened at the same `location`
   * (`false` for memory). Durable adapters also get the reopen checks: commits, buckets,
   * pre-commit hook writes, restores and close's final commit must all be found after reopening.
   */
  readonly durable: boolean
}

/** How an adapter runs the suite. */
export interface ConformanceOptions {
  /** Suite title, e.g. `'backend-memory'`. */
  readonly name: string
  /**
   * Returns a fresh, unopened backend for `context` (the suite opens and closes it). Pass
   * `options` and `components` through unchanged.
   */
  readonly create: (context: ConformanceContext) => Backend | Promise<Backend>
  /** What the adapter supports beyond the core contract. */
  readonly features: ConformanceFeatures
}
