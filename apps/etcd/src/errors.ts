/**
 * Why the daemon refuses its command line, environment or config file:
 * - `DAEMON_FLAG_SYNTAX`: Go's flag package would refuse it (unknown flag, bad value); exit 2,
 *   and the usage is printed after the message, as etcd does;
 * - `DAEMON_INVALID_CONFIG`: etcd's verification would refuse it (election timeout below five
 *   heartbeats, a listen URL with a host name, a config file that does not load…); exit 1;
 * - `DAEMON_ENV_CONFLICT`: a flag and its `ETCD_*` variable are both set (fatal in etcd 3.4); exit 1;
 * - `DAEMON_UNSUPPORTED`: a feature etcd-ts does not have yet and must not silently skip (TLS,
 *   discovery, proxying, access restrictions); exit 1.
 */
export type DaemonArgsErrorCode =
  | 'DAEMON_FLAG_SYNTAX'
  | 'DAEMON_INVALID_CONFIG'
  | 'DAEMON_ENV_CONFLICT'
  | 'DAEMON_UNSUPPORTED'

/** The program name in messages and usage. */
export const PROGRAM = 'etcd-ts'

/**
 * A command line, environment or config file the daemon refuses. `message` is the one line to
 * print (etcd's wording, with `etcd-ts` for `etcd`); `detail` is the problem alone.
 */
export class DaemonArgsError extends Error {
  readonly code: DaemonArgsErrorCode
  /** The process exit code etcd uses for this kind of problem (2 for flag syntax, else 1). */
  readonly exitCode: number
  /** Whether the usage text follows the message (Go's flag package prints it). */
  readonly showUsage: boolean
  readonly detail: string

  constructor(code: DaemonArgsErrorCode, detail: string, options?: ErrorOptions) {
    super(lineFor(code, detail), options)
    this.name = 'DaemonArgsError'
    this.code = code
    this.detail = detail
    this.exitCode = code === 'DAEMON_FLAG_SYNTAX' ? 2 : 1
    this.showUsage = code === 'DAEMON_FLAG_SYNTAX'
  }
}

function lineFor(code: DaemonArgsErrorCode, detail: string): string {
  switch (code) {
    case 'DAEMON_FLAG_SYNTAX':
    case 'DAEMON_ENV_CONFLICT':
      return detail
    case 'DAEMON_INVALID_CONFIG':
    case 'DAEMON_UNSUPPORTED':
      // etcdmain: plog.Errorf("error verifying flags, %v. See 'etcd --help'.", err)
      return `error verifying flags, ${detail}. See '${PROGRAM} --help'.`
  }
}
