import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { freePort, makeTempDir } from './fs-net.js'

/** A child process a test started, stopped by its own PID. */
export interface ChildProcessHandle {
  readonly pid: number
  /** Everything it wrote to stdout and stderr so far (for failure messages). */
  output(): string
  /** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. Idempotent. */
  stop(graceMs?: number): Promise<void>
}

/** The real etcd, running on 127.0.0.1. */
export interface RealEtcd extends ChildProcessHandle {
  readonly name: string
  readonly dataDir: string
  readonly clientUrl: string
  readonly peerUrl: string
}

export interface StartRealEtcdOptions {
  /** The binary; default: {@link findBinary}('etcd'). */
  readonly binary?: string
  /** The data dir; default: a fresh temp dir (not removed on stop: the caller inspects it). */
  readonly dataDir?: string
  /** `--name`; default `default`. */
  readonly name?: string
  /** Extra flags, e.g. `['--snapshot-count', '20']`. */
  readonly args?: readonly string[]
  /** How long to wait for `/health`, in ms. Default 20 000. */
  readonly startTimeoutMs?: number
}

/**
 * Finds `etcd` or `etcdctl`: `$ETCD_BIN` / `$ETCDCTL_BIN`, else the first executable on `PATH`
 * (Debian's packages install them in /usr/bin).
 */
export function findBinary(name: 'etcd' | 'etcdctl'): string | undefined {
  const fromEnv = process.env[name === 'etcd' ? 'ETCD_BIN' : 'ETCDCTL_BIN']
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

// Children still running when the test process exits are killed, so nothing outlives a test:
// on a normal exit, and when the runner (node --test, turbo) stops us with a signal.
const running = new Set<ChildProcess>()
function killChildren(): void {
  for (const child of running) child.kill('SIGKILL')
}
process.once('exit', killChildren)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killChildren()
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1))
  })
}

/** Spawns a process and tracks it so it can be stopped by PID, even when the test fails. */
export function spawnTracked(command: string, args: readonly string[]): ChildProcessHandle {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid === undefined) throw new Error(`failed to start ${command}`)
  running.add(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child)
      resolve()
    })
  })
  const pid = child.pid
  return {
    pid,
    output: () => output,
    stop: (graceMs = 5000) => stopProcess(child, exited, graceMs),
  }
}

/** SIGTERM, then SIGKILL after `graceMs` if still alive; resolves when the process exited. */
export async function stopProcess(child: ChildProcess, exited: Promise<void>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return exited
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  try {
    await exited
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Starts the real etcd as a single member on 127.0.0.1, on ports the OS picked, and waits until
 * `/health` answers. Stop it with `stop()` (by PID) in an `after` hook.
 */
export async function startRealEtcd(options: StartRealEtcdOptions = {}): Promise<RealEtcd> {
  const binary = options.binary ?? findBinary('etcd')
  if (binary === undefined) throw new Error('etcd binary not found')
  const dataDir = options.dataDir ?? (await makeTempDir('etcd-real-'))
  const name = options.name ?? 'default'
  const clientUrl = `http://127.0.0.1:${await freePort()}`
  const peerUrl = `http://127.0.0.1:${await freePort()}`
  const args = [
    '--name',
    name,
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    clientUrl,
    '--advertise-client-urls',
    clientUrl,
    '--listen-peer-urls',
    peerUrl,
    '--initial-advertise-peer-urls',
    peerUrl,
    '--initial-cluster',
    `${name}=${peerUrl}`,
    ...(options.args ?? []),
  ]
  const handle = spawnTracked(binary, args)
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000)
  for (;;) {
    try {
      const response = await fetch(`${clientUrl}/health`)
      if (response.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await handle.stop(1000)
      throw new Error(`etcd did not become healthy at ${clientUrl}:\n${handle.output()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { ...handle, name, dataDir, clientUrl, peerUrl }
}
