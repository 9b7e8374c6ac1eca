// Shared by this package's tests: temp dirs, bytes, and child processes that never outlive a test.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Backend } from '@etcd-ts/backend'

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')

const encoder = new TextEncoder()
/** UTF-8 bytes of `s`. */
export const text = (s: string): Uint8Array => encoder.encode(s)
/** Bytes from numbers. */
export const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes)

/** Runs `body` with a fresh directory under the OS temp dir, removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'etcd-ts-backend-level-'))
  try {
    return await body(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** A deterministic pseudo-random source (mulberry32) in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `n` pseudo-random bytes. */
export function randomBytes(random: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256)
  return out
}

/** Every byte of a backend's snapshot stream, concatenated. */
export async function snapshotBytes(backend: Backend): Promise<Uint8Array> {
  const snapshot = await backend.snapshot()
  try {
    const chunks: Uint8Array[] = []
    for await (const chunk of snapshot.chunks()) chunks.push(chunk)
    const out = Buffer.concat(chunks)
    assert.equal(out.length, snapshot.size, 'snapshot.size is the byte count streamed')
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
  } finally {
    await snapshot.close()
  }
}

/** Yields `bytes` in chunks of `size`. */
export async function* chunked(bytes: Uint8Array, size = 7919): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
}

/** A running fixture script (`test/fixtures/<name>.ts`), reading its stdout line by line. */
export interface Fixture {
  readonly pid: number
  /** Resolves with the first line matching `pattern` (rejects if the process exits first). */
  waitForLine(pattern: RegExp): Promise<RegExpExecArray>
  /** Every stdout line so far. */
  lines(): readonly string[]
  /** stderr so far (for failure messages). */
  stderr(): string
  /** Resolves with the exit code or signal when the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** SIGKILLs it by PID unless it is gone; resolves once it is gone. */
  kill(): Promise<void>
}

// Children still alive when this test process exits are SIGKILLed, so none outlives a test.
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
})

/** Starts `node --conditions=@etcd-ts/source --import tsx test/fixtures/<name>.ts ...args`. */
export function startFixture(name: string, args: readonly string[]): Fixture {
  const child = spawn(
    process.execPath,
    ['--conditions=@etcd-ts/source', '--import', 'tsx', join('test', 'fixtures', `${name}.ts`), ...args],
    { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const pid = child.pid
  if (pid === undefined) throw new Error(`fixture ${name} did not start`)
  running.add(child)
  const lines: string[] = []
  const waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void; reject: (error: Error) => void }[] = []
  let partial = ''
  let stderr = ''
  let gone = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = true
      running.delete(child)
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new Error(`fixture ${name} exited (${code ?? signal}) before ${waiter.pattern}:\n${stderr}`))
      }
      resolve({ code, signal })
    })
  })
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    partial += chunk
    for (let end = partial.indexOf('\n'); end >= 0; end = partial.indexOf('\n')) {
      const line = partial.slice(0, end)
      partial = partial.slice(end + 1)
      lines.push(line)
      for (let i = waiters.length - 1; i >= 0; i--) {
        const waiter = waiters[i] as (typeof waiters)[number]
        const match = waiter.pattern.exec(line)
        if (match !== null) {
          waiters.splice(i, 1)
          waiter.resolve(match)
        }
      }
    }
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk
  })
  return {
    pid,
    lines: () => lines,
    stderr: () => stderr,
    exited,
    waitForLine(pattern) {
      for (const line of lines) {
        const match = pattern.exec(line)
        if (match !== null) return Promise.resolve(match)
      }
      if (gone) return Promise.reject(new Error(`fixture ${name} exited before ${pattern}:\n${stderr}`))
      return new Promise((resolve, reject) => waiters.push({ pattern, resolve, reject }))
    },
    async kill() {
      if (!gone) process.kill(pid, 'SIGKILL')
      await exited
    },
  }
}
