/**
 * Where the snapshotter reports what it did on its own: quarantined, deleted and skipped files.
 * One finished message per call. `@etcd-ts/raft`'s `Logger` (and `console`) satisfy it.
 */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** A logger that discards everything: the default. */
export const NOOP_LOGGER: Logger = Object.freeze({
  info() {},
  warn() {},
  error() {},
})

/**
 * Checks that `logger` implements {@link Logger}.
 *
 * @throws TypeError naming `field` and the missing method.
 */
export function checkLogger(logger: unknown, field: string): asserts logger is Logger {
  if (typeof logger !== 'object' || logger === null) {
    throw new TypeError(`snap: ${field} must be an object, got ${typeof logger}`)
  }
  for (const method of ['info', 'warn', 'error'] as const) {
    if (typeof (logger as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(`snap: ${field}.${method} must be a function`)
    }
  }
}
