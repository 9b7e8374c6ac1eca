import { findBinary } from './etcd-process.js'
import { type ProcessExit, spawnProcess, type TrackedProcess } from './tracked-process.js'

/** Settings for {@link runEtcdctl} and {@link spawnEtcdctl}. */
export interface EtcdctlOptions {
  /** Written to etcdctl's stdin (then closed): `txn`, `put` without a value. Default: none (`/dev/null`). */
  readonly input?: string | Uint8Array
  /** Extra environment variables. Inherited `ETCDCTL_*` variables are dropped; `ETCDCTL_API=3` is always set. */
  readonly env?: Readonly<Record<string, string>>
  /** {@link spawnEtcdctl} only: keep stdin open after `input` (`watch -i` exits at end of input). Default `false`. */
  readonly keepStdinOpen?: boolean
  /** {@link runEtcdctl} only: kill it (SIGKILL, by PID) after this long, in ms. Default 15 000. */
  readonly timeoutMs?: number
  /** The binary; default {@link findBinary}('etcdctl'). */
  readonly binary?: string
}

/** What one etcdctl invocation did. */
export interface EtcdctlResult {
  /** stdout decoded as UTF-8. */
  readonly stdout: string
  /** stdout as bytes (`-w protobuf` prints raw protobuf). */
  readonly stdoutBytes: Buffer
  readonly stderr: string
  /** The exit code; `null` if a signal ended it (e.g. after a timeout). */
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  /** Whether it was killed because it ran past `timeoutMs`. */
  readonly timedOut: boolean
  /** The full argument list it ran with (after `--endpoints`). */
  readonly args: readonly string[]
}

function etcdctlEnv(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('ETCDCTL_')) continue
    env[name] = value
  }
  return { ...env, ETCDCTL_API: '3', ...extra }
}

function etcdctlBinary(options: EtcdctlOptions): string {
  const binary = options.binary ?? findBinary('etcdctl')
  if (binary === undefined) throw new Error('etcdctl binary not found (install etcd-client or set ETCDCTL_BIN)')
  return binary
}

function etcdctlArgs(endpoint: string | readonly string[], args: readonly string[]): string[] {
  const endpoints = typeof endpoint === 'string' ? endpoint : endpoint.join(',')
  return [`--endpoints=${endpoints}`, ...args]
}

/**
 * Runs the real `etcdctl` (API v3) against `endpoint` (`127.0.0.1:PORT`, or several) and resolves
 * with its output and exit status; it never rejects for a non-zero exit. Past `timeoutMs` the
 * process is killed by PID and the result says `timedOut`.
 */
export async function runEtcdctl(
  endpoint: string | readonly string[],
  args: readonly string[],
  options: EtcdctlOptions = {},
): Promise<EtcdctlResult> {
  const fullArgs = etcdctlArgs(endpoint, args)
  const child = spawnProcess(etcdctlBinary(options), fullArgs, {
    env: etcdctlEnv(options.env),
    ...(options.input === undefined ? {} : { input: options.input }),
  })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, options.timeoutMs ?? 15_000)
  let exit: ProcessExit
  try {
    exit = await child.exited
  } finally {
    clearTimeout(timer)
  }
  return {
    stdout: child.stdout(),
    stdoutBytes: child.stdoutBytes(),
    stderr: child.stderr(),
    exitCode: exit.code,
    signal: exit.signal,
    timedOut,
    args: fullArgs,
  }
}

/**
 * Starts `etcdctl` in the background (e.g. `watch`), tracked by PID. Use `waitForOutput` to wait
 * for the lines you expect (with a timeout), then `stop()`; it is killed when the test process
 * exits in any case.
 */
export function spawnEtcdctl(
  endpoint: string | readonly string[],
  args: readonly string[],
  options: EtcdctlOptions = {},
): TrackedProcess {
  return spawnProcess(etcdctlBinary(options), etcdctlArgs(endpoint, args), {
    env: etcdctlEnv(options.env),
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.keepStdinOpen === true ? { keepStdinOpen: true } : {}),
  })
}
