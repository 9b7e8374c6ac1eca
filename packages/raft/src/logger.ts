/**
 * Where raft's log lines go: etcd's levels, one finished message per call.
 *
 * raft words its messages exactly as etcd-io/raft does (`1 became leader at term 1`), so logs
 * and etcd's test data compare line for line. Pass one through `Config.logger`; the default
 * discards everything.
 */
export interface Logger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/** A logger that discards everything: the default. */
export const NOOP_LOGGER: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
})
