import { type ChildProcess, spawn } from 'node:child_process'

/** How a tracked process ended. */
export interface ProcessExit {
  /** The exit code, or `null` when a signal ended it. */
  readonly code: number | null
  /** The signal that ended it, or `null` when it exited by itself. */
  readonly signal: NodeJS.Signals | null
}

/** Settings for {@link spawnProcess}. */
export interface SpawnProcessOptions {
  /** Working directory; default: the current one. */
  readonly cwd?: string
  /** The complete environment of the child; default: this process's. */
  readonly env?: NodeJS.ProcessEnv
  /** Written to stdin, which is then closed (unless `keepStdinOpen`). Without it, stdin is `/dev/null`. */
  readonly input?: string | Uint8Array
  /**
   * Keep stdin open after writing `input` (e.g. `etcdctl watch -i`, which exits at end of input);
   * it closes when the process ends. Default `false`.
   */
  readonly keepStdinOpen?: boolean
}

/**
 * A child process a test started, with everything it printed, stopped by its own PID. Unlike
 * `spawnTracked`, it can be signalled (`kill('SIGKILL')` for crash tests, `SIGSTOP`/`SIGCONT`), its
 * stdout is kept as bytes too (for `etcdctl -w protobuf`), and its exit status is kept.
 */
export interface TrackedProcess {
  readonly pid: number
  /** Resolves when the process exited (never rejects). */
  readonly exited: Promise<ProcessExit>
  /** The exit status, once it exited; `undefined` while it runs. */
  exit(): ProcessExit | undefined
  /** Everything written to stdout so far, as bytes. */
  stdoutBytes(): Buffer
  /** Everything written to stdout so far, decoded as UTF-8. */
  stdout(): string
  /** Everything written to stderr so far, decoded as UTF-8. */
  stderr(): string
  /** stdout and stderr interleaved in arrival order (for failure messages). */
  output(): string
  /** Sends a signal to this PID (default `SIGTERM`); a no-op once the process exited. */
  kill(signal?: NodeJS.Signals): void
  /** Sends SIGTERM, then SIGKILL after `graceMs` (default 5000); resolves once it exited. Idempotent. */
  stop(graceMs?: number): Promise<ProcessExit>
  /**
   * Resolves once `predicate(stdout)` holds or the process exited; rejects after `timeoutMs`
   * (default 10 000) with what it printed so far.
   */
  waitForOutput(predicate: (stdout: string) => boolean, timeoutMs?: number): Promise<void>
}

// Children still running when the test process exits are killed by PID, so nothing outlives a
// test. (etcd-process.ts turns SIGINT/SIGTERM/SIGHUP into process.exit, which runs this too.)
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Spawns `command args` with pipes, tracked so that it is killed by PID however the test ends. */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options: SpawnProcessOptions = {},
): TrackedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  })
  if (child.pid === undefined) {
    // spawn reports ENOENT and friends asynchronously; the missing pid is the synchronous sign.
    child.on('error', () => {})
    throw new Error(`failed to start ${command}`)
  }
  const pid = child.pid
  running.add(child)

  const stdoutChunks: Buffer[] = []
  let stderr = ''
  let output = ''
  const listeners = new Set<() => void>()
  const notify = (): void => {
    for (const listener of listeners) listener()
  }
  child.stdout?.on('data', (chunk: Buffer) => {
    stdoutChunks.push(chunk)
    output += chunk.toString()
    notify()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    output += chunk.toString()
  })
  let exitStatus: ProcessExit | undefined
  const exited = new Promise<ProcessExit>((resolve) => {
    // 'close' comes after 'exit' and after stdout/stderr were drained, so output() is complete.
    child.once('close', (code, signal) => {
      running.delete(child)
      exitStatus = { code, signal }
      notify()
      resolve(exitStatus)
    })
  })
  child.on('error', (error) => {
    output += `\n[spawn error: ${error.message}]\n`
  })
  if (options.input !== undefined && child.stdin !== null) {
    child.stdin.on('error', () => {}) // EPIPE when the child exits before reading everything
    if (options.keepStdinOpen === true) child.stdin.write(options.input)
    else child.stdin.end(options.input)
  }

  const stdoutBytes = (): Buffer => Buffer.concat(stdoutChunks)
  const isAlive = (): boolean => exitStatus === undefined && child.exitCode === null && child.signalCode === null
  const handle: TrackedProcess = {
    pid,
    exited,
    exit: () => exitStatus,
    stdoutBytes,
    stdout: () => stdoutBytes().toString('utf8'),
    stderr: () => stderr,
    output: () => output,
    kill: (signal = 'SIGTERM') => {
      if (isAlive()) child.kill(signal)
    },
    stop: async (graceMs = 5000) => {
      if (!isAlive()) return exited
      child.kill('SIGTERM')
      // A stopped (SIGSTOP) process cannot act on SIGTERM until it is continued.
      child.kill('SIGCONT')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      try {
        return await exited
      } finally {
        clearTimeout(timer)
      }
    },
    waitForOutput: (predicate, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (predicate(handle.stdout()) || exitStatus !== undefined) {
            finish()
            resolve()
          }
        }
        const timer = setTimeout(() => {
          finish()
          reject(new Error(`timed out after ${timeoutMs} ms waiting for output of ${command}; got:\n${output}`))
        }, timeoutMs)
        const finish = (): void => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      }),
  }
  return handle
}
