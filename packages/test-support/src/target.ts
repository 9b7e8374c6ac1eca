import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findBinary, type RealEtcd } from './etcd-process.js'
import { freePort, makeTempDir, removeDir } from './fs-net.js'
import { probeGrpcRange, probeHealth } from './readiness.js'
import { withTimeout } from './timeouts.js'
import { type ProcessExit, spawnProcess, type TrackedProcess } from './tracked-process.js'

/** Which server a suite drives: our daemon (`etcd-ts`) or the real etcd (`etcd`, the oracle). */
export type TargetKind = 'etcd-ts' | 'etcd'

/** The environment variable {@link targetKindFromEnv} reads. */
export const TARGET_ENV = 'ETCD_TEST_TARGET'

/**
 * The target kind named by `$ETCD_TEST_TARGET`: `etcd-ts` (the default, also for an empty value)
 * or `etcd` (the real etcd, to validate a suite against the oracle). Anything else throws, so a
 * typo never silently tests the wrong server.
 */
export function targetKindFromEnv(env: NodeJS.ProcessEnv = process.env): TargetKind {
  const value = env[TARGET_ENV]
  if (value === undefined || value === '' || value === 'etcd-ts') return 'etcd-ts'
  if (value === 'etcd') return 'etcd'
  throw new RangeError(`${TARGET_ENV} must be 'etcd-ts' or 'etcd', found '${value}'`)
}

/** Settings for {@link startTarget}, {@link startEtcdTs} and {@link startRealEtcdTarget}. */
export interface StartTargetOptions {
  /** The data dir; default: a fresh temp dir, removed by `dispose()`. A given one is never removed. */
  readonly dataDir?: string
  /** `--name`; default `default`. */
  readonly name?: string
  /** Extra flags after the standard ones, e.g. `['--backend', 'memory']` (etcd-ts only). */
  readonly args?: readonly string[]
  /** How long to wait for readiness, in ms. Default 30 000 for etcd-ts (tsx compiles on start), 20 000 for etcd. */
  readonly startTimeoutMs?: number
  /** Extra environment variables for the server. `ETCD_*`/`ETCDCTL_*` of the test process are never passed on. */
  readonly env?: Readonly<Record<string, string>>
  /** etcd only: the binary; default {@link findBinary}('etcd'). */
  readonly binary?: string
  /**
   * etcd-ts only: the daemon entry point, run as `node --conditions=@etcd-ts/source --import tsx <cli>`.
   * Default `$ETCD_TS_CLI`, else `<repo>/apps/etcd/src/cli.ts`.
   */
  readonly cliPath?: string
}

/**
 * A single-member server on 127.0.0.1 (real etcd or etcd-ts), on ports the OS picked. It has the
 * shape of {@link RealEtcd} plus what crash and restart tests need. `pid` changes on `restart()`.
 */
export interface EtcdTarget extends RealEtcd {
  readonly kind: TargetKind
  /** `127.0.0.1:<client port>`, as `etcdctl --endpoints` and gRPC clients take it. */
  readonly endpoint: string
  readonly clientPort: number
  readonly peerPort: number
  /** Whether the current incarnation is still running. */
  readonly running: boolean
  /** Sends `signal` (default `SIGKILL`) to the current PID: crash tests, `SIGSTOP`/`SIGCONT`. */
  kill(signal?: NodeJS.Signals): void
  /** Resolves with the exit status once the current incarnation exited; rejects after `timeoutMs` (default 10 000). */
  waitForExit(timeoutMs?: number): Promise<ProcessExit>
  /**
   * Stops the current incarnation if it still runs (SIGTERM, then SIGKILL after 10 s) and starts the
   * server again on the same data dir, name and ports; resolves once it is ready again.
   */
  restart(): Promise<void>
  /** Stops the server and removes the data dir if this handle created it. Idempotent; for `after` hooks. */
  dispose(): Promise<void>
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

// Ports handed out in this process, so that two servers started together never get the same one.
const handedOut = new Set<number>()
async function distinctFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort()
    if (!handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
  throw new Error('could not find a free port that was not handed out already')
}

function serverEnv(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    // etcd reads ETCD_* as flags (and warns about unknown ones, like ETCD_TEST_TARGET); the node
    // test runner's marker would make a node child behave like a test file.
    if (name.startsWith('ETCD_') || name.startsWith('ETCDCTL_') || name === 'NODE_TEST_CONTEXT') continue
    env[name] = value
  }
  return { ...env, ...extra }
}

interface LaunchSpec {
  readonly command: string
  readonly prefixArgs: readonly string[]
  readonly cwd: string | undefined
  readonly startTimeoutMs: number
}

class TargetServer implements EtcdTarget {
  readonly kind: TargetKind
  readonly name: string
  readonly dataDir: string
  readonly clientPort: number
  readonly peerPort: number
  readonly clientUrl: string
  readonly peerUrl: string
  readonly endpoint: string
  readonly #launch: LaunchSpec
  readonly #flags: readonly string[]
  readonly #env: NodeJS.ProcessEnv
  readonly #ownsDataDir: boolean
  #process: TrackedProcess | undefined
  #previousOutput = ''
  #disposed = false

  constructor(
    kind: TargetKind,
    launch: LaunchSpec,
    options: StartTargetOptions,
    dataDir: string,
    ownsDataDir: boolean,
    ports: { client: number; peer: number },
  ) {
    this.kind = kind
    this.#launch = launch
    this.name = options.name ?? 'default'
    this.dataDir = dataDir
    this.#ownsDataDir = ownsDataDir
    this.clientPort = ports.client
    this.peerPort = ports.peer
    this.clientUrl = `http://127.0.0.1:${ports.client}`
    this.peerUrl = `http://127.0.0.1:${ports.peer}`
    this.endpoint = `127.0.0.1:${ports.client}`
    this.#env = serverEnv(options.env)
    this.#flags = [
      '--name',
      this.name,
      '--data-dir',
      dataDir,
      '--listen-client-urls',
      this.clientUrl,
      '--advertise-client-urls',
      this.clientUrl,
      '--listen-peer-urls',
      this.peerUrl,
      '--initial-advertise-peer-urls',
      this.peerUrl,
      '--initial-cluster',
      `${this.name}=${this.peerUrl}`,
      ...(options.args ?? []),
    ]
  }

  get pid(): number {
    return this.#current().pid
  }

  get running(): boolean {
    return this.#process !== undefined && this.#process.exit() === undefined
  }

  output(): string {
    return this.#previousOutput + (this.#process?.output() ?? '')
  }

  async stop(graceMs = 10_000): Promise<void> {
    await this.#process?.stop(graceMs)
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#process?.kill(signal)
  }

  waitForExit(timeoutMs = 10_000): Promise<ProcessExit> {
    return withTimeout(this.#current().exited, timeoutMs, `${this.kind} (pid ${this.pid}) to exit`)
  }

  async restart(): Promise<void> {
    if (this.#disposed) throw new Error('restart() after dispose()')
    await this.stop()
    await this.start()
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    await this.stop()
    if (this.#ownsDataDir) await removeDir(this.dataDir)
  }

  /** Spawns the server and waits until `/health` (or a gRPC Range) answers. */
  async start(): Promise<void> {
    if (this.#process !== undefined) {
      this.#previousOutput += `${this.#process.output()}\n----- restart -----\n`
    }
    const child = spawnProcess(this.#launch.command, [...this.#launch.prefixArgs, ...this.#flags], {
      cwd: this.#launch.cwd,
      env: this.#env,
    })
    this.#process = child
    const deadline = Date.now() + this.#launch.startTimeoutMs
    for (;;) {
      const exit = child.exit()
      if (exit !== undefined) {
        throw new Error(
          `${this.kind} exited during startup (code ${exit.code}, signal ${exit.signal}):\n` +
            `${this.#describeCommand()}\n${lastLines(child.output(), 60)}`,
        )
      }
      if ((await probeHealth(this.clientUrl)) || (await probeGrpcRange(this.clientUrl))) return
      if (Date.now() > deadline) {
        await child.stop(1000)
        throw new Error(
          `${this.kind} did not become ready at ${this.clientUrl} within ${this.#launch.startTimeoutMs} ms:\n` +
            `${this.#describeCommand()}\n${lastLines(child.output(), 60)}`,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  #current(): TrackedProcess {
    if (this.#process === undefined) throw new Error('server not started')
    return this.#process
  }

  #describeCommand(): string {
    return `$ ${[this.#launch.command, ...this.#launch.prefixArgs, ...this.#flags].join(' ')}`
  }
}

function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n')
  return (lines.length > count ? ['…', ...lines.slice(-count)] : lines).join('\n')
}

async function launchTarget(kind: TargetKind, launch: LaunchSpec, options: StartTargetOptions): Promise<EtcdTarget> {
  const ownsDataDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? (await makeTempDir(kind === 'etcd' ? 'etcd-real-' : 'etcd-ts-'))
  const client = await distinctFreePort()
  const peer = await distinctFreePort()
  const server = new TargetServer(kind, launch, options, dataDir, ownsDataDir, { client, peer })
  try {
    await server.start()
  } catch (error) {
    await server.dispose()
    throw error
  }
  return server
}

/**
 * Starts the etcd-ts daemon from its TypeScript sources
 * (`node --conditions=@etcd-ts/source --import tsx apps/etcd/src/cli.ts`) with etcd's flags as a
 * single member on 127.0.0.1, and waits until it answers `GET /health` (or, failing that, a gRPC
 * `KV.Range`). Rejects with the daemon's output if it exits or is not ready in time. Stop it
 * with `dispose()` in an `after` hook.
 */
export function startEtcdTs(options: StartTargetOptions = {}): Promise<EtcdTarget> {
  const cli = options.cliPath ?? process.env.ETCD_TS_CLI ?? join(repoRoot, 'apps', 'etcd', 'src', 'cli.ts')
  return launchTarget(
    'etcd-ts',
    {
      command: process.execPath,
      prefixArgs: ['--conditions=@etcd-ts/source', '--import', 'tsx', cli],
      // `--import tsx` resolves from here (the workspace's node_modules).
      cwd: join(repoRoot, 'apps', 'etcd'),
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
    },
    options,
  )
}

/**
 * Starts the real etcd like `startRealEtcd` does, but returns an {@link EtcdTarget} (crash and
 * restart support, the same ports on restart). Throws if no etcd binary is found: call
 * `requireBinary('etcd')` first.
 */
export function startRealEtcdTarget(options: StartTargetOptions = {}): Promise<EtcdTarget> {
  const binary = options.binary ?? findBinary('etcd')
  if (binary === undefined) throw new Error('etcd binary not found (install etcd-server or set ETCD_BIN)')
  return launchTarget(
    'etcd',
    { command: binary, prefixArgs: [], cwd: undefined, startTimeoutMs: options.startTimeoutMs ?? 20_000 },
    options,
  )
}

/** Starts the server of the given kind: {@link startEtcdTs} or {@link startRealEtcdTarget}. */
export function startTarget(kind: TargetKind, options: StartTargetOptions = {}): Promise<EtcdTarget> {
  return kind === 'etcd' ? startRealEtcdTarget(options) : startEtcdTs(options)
}
