import { closeSync, createWriteStream, openSync } from 'node:fs'
import type { Writable } from 'node:stream'
import type { ServerLogger } from '@etcd-ts/server'

/** zap's levels, as etcd's `--log-level` accepts them, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'panic', 'fatal'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

const SEVERITY: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, panic: 4, fatal: 5 }

/** Whether `text` is one of {@link LOG_LEVELS}. */
export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text)
}

/** Where a log line goes: anything with `write`, like a `Writable`. */
export interface LogSink {
  write(chunk: string): unknown
}

/** Settings of {@link createLogger}. */
export interface LoggerOptions {
  /** Lines below this level are dropped. Default `info` (etcd's `--log-level`). */
  readonly level?: LogLevel
  /**
   * Where lines go: `stderr` (etcd's default), `stdout`, or file paths (appended to, created if
   * missing). Several outputs get every line. Default `['stderr']`.
   */
  readonly outputs?: readonly string[]
  /** The `caller` field of the root logger (see {@link DaemonLogger.child}). Default `etcdmain`. */
  readonly caller?: string
}

/** Collaborators of {@link createLogger}; the defaults are the real ones. */
export interface LoggerComponents {
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly clock?: { now(): number }
  /** Sinks for `stdout`/`stderr` and for file paths; default `process.stdout`, `process.stderr`, `fs.createWriteStream(path, { flags: 'a' })`. */
  readonly openOutput?: (output: string) => LogSink
}

/**
 * The daemon's logger: one JSON object per line in the shape of etcd's zap logger,
 * `{"level":"info","ts":"2026-11-21T10:00:00.123Z","caller":"etcdmain","msg":"…",…fields}` —
 * level, ts (UTC, milliseconds), caller, msg, then the fields in the order given.
 *
 * `caller` is a fixed component name per logger (`etcdmain`, `etcdserver`, `backend`) rather
 * than zap's `file.go:line`: finding the source line would need a stack capture on every call.
 *
 * Field values are written as JSON; a `bigint` becomes its decimal string, an `Error` its
 * message, a value JSON cannot write `"[unserializable]"`.
 */
export interface DaemonLogger extends ServerLogger {
  /** Writes at level `panic`. Only logs: the caller decides what happens next. */
  panic(message: string, fields?: Record<string, unknown>): void
  /** Writes at level `fatal`. Only logs: the caller decides what happens next (the daemon exits 1). */
  fatal(message: string, fields?: Record<string, unknown>): void
  /** Whether a line at `level` would be written. */
  enabled(level: LogLevel): boolean
  /** A logger writing to the same outputs with another `caller` (`etcdserver`). */
  child(caller: string): DaemonLogger
  /**
   * Resolves once every line written so far reached the operating system. Safe to call any
   * time, and after {@link close}.
   */
  flush(): Promise<void>
  /** Flushes, then closes file outputs (never stdout/stderr). Later lines are dropped. Idempotent. */
  close(): Promise<void>
}

/** Bytes a stream may buffer before lines are dropped (a stuck pipe must not eat all memory). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024

interface Output {
  readonly name: string
  readonly sink: LogSink
  readonly owned: boolean
  dropped: number
}

interface Shared {
  readonly outputs: readonly Output[]
  readonly minimum: number
  readonly now: () => number
  closed: boolean
}

/**
 * Makes the daemon's logger (see {@link DaemonLogger}).
 *
 * @throws RangeError for an unknown level; the `open` error (ENOENT, EACCES…) of a file output
 *   that cannot be opened for appending (files are opened synchronously, so a bad path fails here,
 *   at startup, as zap's "open sink" does in etcd).
 */
export function createLogger(options: LoggerOptions = {}, components: LoggerComponents = {}): DaemonLogger {
  const level = options.level ?? 'info'
  if (!isLogLevel(level)) throw new RangeError(`level must be one of ${LOG_LEVELS.join(', ')}, got ${String(level)}`)
  const names =
    options.outputs === undefined || options.outputs.length === 0 ? ['stderr'] : [...new Set(options.outputs)]
  const open = components.openOutput ?? openOutput
  const clock = components.clock ?? Date
  const outputs: Output[] = []
  try {
    for (const name of names) {
      outputs.push({ name, sink: open(name), owned: name !== 'stdout' && name !== 'stderr', dropped: 0 })
    }
  } catch (error) {
    for (const output of outputs) if (output.owned) (output.sink as Partial<Writable>).destroy?.()
    throw error
  }
  const shared: Shared = {
    outputs,
    minimum: SEVERITY[level],
    now: () => clock.now(),
    closed: false,
  }
  return makeLogger(shared, options.caller ?? 'etcdmain')
}

/**
 * The real sinks: process.stdout, process.stderr, or a file opened (synchronously, so a bad
 * path throws here) for appending and written through an asynchronous stream.
 */
export function openOutput(output: string): LogSink {
  if (output === 'stdout') return process.stdout
  if (output === 'stderr') return process.stderr
  const fd = openSync(output, 'a')
  let stream: Writable
  try {
    stream = createWriteStream(output, { fd, flags: 'a' })
  } catch (error) {
    closeSync(fd)
    throw error
  }
  stream.once('error', (error) => {
    process.stderr.write(`etcd-ts: log output ${output}: ${error.message}\n`)
  })
  return stream
}

function makeLogger(shared: Shared, caller: string): DaemonLogger {
  const prefix = `","caller":${JSON.stringify(caller)},"msg":`
  const log = (level: LogLevel, message: string, fields: Record<string, unknown> | undefined) => {
    if (SEVERITY[level] < shared.minimum || shared.closed) return
    let line = `{"level":"${level}","ts":"${new Date(shared.now()).toISOString()}${prefix}${JSON.stringify(String(message))}`
    if (fields !== undefined) {
      for (const key of Object.keys(fields)) line += `,${JSON.stringify(key)}:${encodeValue(fields[key])}`
    }
    line += '}\n'
    for (const output of shared.outputs) write(output, line, shared.now)
  }
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    panic: (message, fields) => log('panic', message, fields),
    fatal: (message, fields) => log('fatal', message, fields),
    enabled: (level) => SEVERITY[level] >= shared.minimum,
    child: (childCaller) => makeLogger(shared, childCaller),
    flush: () => Promise.all(shared.outputs.map((output) => drained(output.sink))).then(() => undefined),
    close: async () => {
      if (shared.closed) return
      shared.closed = true
      await Promise.all(shared.outputs.map((output) => (output.owned ? ended(output.sink) : drained(output.sink))))
    },
  }
}

function write(output: Output, line: string, now: () => number): void {
  const sink = output.sink as Partial<Writable> & LogSink
  if (typeof sink.writableLength === 'number' && sink.writableLength > MAX_BUFFERED_BYTES) {
    output.dropped++
    return
  }
  if (output.dropped > 0) {
    const dropped = output.dropped
    output.dropped = 0
    sink.write(
      `{"level":"warn","ts":"${new Date(now()).toISOString()}","caller":"logger","msg":"dropped log lines: output is not keeping up","output":${JSON.stringify(output.name)},"dropped":${dropped}}\n`,
    )
  }
  sink.write(line)
}

function encodeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value))
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return `"${value}"`
    case 'undefined':
      return 'null'
    default:
      if (value === null) return 'null'
      if (value instanceof Error) return JSON.stringify(value.message)
      try {
        return (
          JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner)) ??
          'null'
        )
      } catch {
        return '"[unserializable]"'
      }
  }
}

/** Resolves when a Writable has handed everything buffered to the OS (immediately for plain sinks). */
function drained(sink: LogSink): Promise<void> {
  const stream = sink as Partial<Writable>
  if (typeof stream.writableLength !== 'number' || stream.writableLength === 0 || stream.destroyed === true) {
    return Promise.resolve()
  }
  return new Promise((resolve) => {
    const done = () => {
      stream.off?.('drain', done)
      stream.off?.('close', done)
      stream.off?.('error', done)
      resolve()
    }
    stream.on?.('drain', done)
    stream.on?.('close', done)
    stream.on?.('error', done)
  })
}

/** Ends a file stream and resolves once it is closed (or failed). */
function ended(sink: LogSink): Promise<void> {
  const stream = sink as Partial<Writable>
  if (typeof stream.end !== 'function' || stream.destroyed === true || stream.writableFinished === true) {
    return Promise.resolve()
  }
  return new Promise((resolve) => {
    stream.once?.('close', () => resolve())
    stream.once?.('error', () => resolve())
    stream.end?.()
  })
}
