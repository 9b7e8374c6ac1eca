import type { EtcdConfigInit } from '@etcd-ts/server'
import { backendFactory } from './backend-factory.js'
import { type DaemonOptions, describeSystemError, parseDaemonArgs } from './config.js'
import { DaemonArgsError, PROGRAM } from './errors.js'
import { createLogger, type DaemonLogger, type LoggerOptions, openOutput } from './logger.js'
import { helpText, usageText } from './usage.js'
import { ETCD_API_VERSION, packageVersion, versionText } from './version.js'

/** What the daemon needs of a started member (the server's `Etcd`). */
export interface RunningEtcd {
  /** The client URLs actually served (ports resolved). */
  readonly clientUrls: readonly string[]
  /** Stops the member: stop accepting, finish in-flight applies, commit the backend, close the WAL. */
  close(): Promise<void>
  /** Settles when the member stops; rejects on a fatal error. */
  readonly done: Promise<void>
}

/** `startEtcd` of `@etcd-ts/server`. */
export type StartEtcd = (init: EtcdConfigInit) => Promise<RunningEtcd>

/** The signals the daemon shuts down on. */
export type ShutdownSignal = 'SIGINT' | 'SIGTERM'

/** Where signals come from (`process` by default). */
export interface SignalSource {
  on(signal: ShutdownSignal, handler: () => void): unknown
  off(signal: ShutdownSignal, handler: () => void): unknown
}

/** Collaborators of {@link main}; each defaults to the real one. */
export interface MainComponents {
  readonly stdout?: { write(text: string): unknown }
  readonly stderr?: { write(text: string): unknown }
  /** Reads `--config-file`; default `fs.readFileSync(path, 'utf8')`. */
  readonly readFile?: (path: string) => string
  /** Default: `startEtcd` of `@etcd-ts/server`, loaded when first needed. */
  readonly startEtcd?: StartEtcd
  /** Default: `process`. */
  readonly signals?: SignalSource
  /** Default: {@link createLogger}, with the `stdout`/`stderr` outputs going to the streams above. */
  readonly createLogger?: (options: LoggerOptions) => DaemonLogger
}

const SIGNAL_NUMBERS: Readonly<Record<ShutdownSignal, number>> = { SIGINT: 2, SIGTERM: 15 }
/** Go's names for the signals, as etcd logs them. */
const GO_SIGNAL_NAMES: Readonly<Record<ShutdownSignal, string>> = { SIGINT: 'interrupt', SIGTERM: 'terminated' }

/**
 * The daemon: parses `argv` and `env` like etcd, then prints help or the version, or starts a
 * member and runs it until SIGINT or SIGTERM. Resolves with the process exit code:
 *
 * - 0 after `--help`, `--version`, or a clean shutdown on the first signal (etcd re-raises the
 *   signal instead, exiting 130/143);
 * - 2 for a flag syntax error (the message and the usage go to stderr, as Go's flag package does);
 * - 1 for a configuration etcd would refuse, a log output that cannot be opened, a member that
 *   fails to start, fails while running, or fails to close (one line says why);
 * - 128 + the signal number when a second signal cuts a slow shutdown short.
 *
 * Nothing here calls `process.exit`; `cli.ts` does, once stdout and stderr are flushed.
 */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  components: MainComponents = {},
): Promise<number> {
  const stdout = components.stdout ?? process.stdout
  const stderr = components.stderr ?? process.stderr
  let options: DaemonOptions
  try {
    options = parseDaemonArgs(argv, env, components.readFile === undefined ? {} : { readFile: components.readFile })
  } catch (error) {
    if (!(error instanceof DaemonArgsError)) throw error
    stderr.write(`${error.message}\n`)
    if (error.showUsage) stderr.write(usageText())
    return error.exitCode
  }
  if (options.command === 'help') {
    // Go's flag package: the usage to stderr; etcd then prints its flag list to stdout.
    stderr.write(usageText())
    stdout.write(helpText())
    return 0
  }
  if (options.command === 'version') {
    stdout.write(versionText())
    return 0
  }

  // `stdout`/`stderr` log outputs are this call's streams, so a caller capturing them sees the log too.
  const makeLogger =
    components.createLogger ??
    ((loggerOptions: LoggerOptions) =>
      createLogger(loggerOptions, {
        openOutput: (output) => (output === 'stdout' ? stdout : output === 'stderr' ? stderr : openOutput(output)),
      }))
  let logger: DaemonLogger
  try {
    logger = makeLogger({ level: options.logLevel, outputs: options.logOutputs })
  } catch (error) {
    const path = (error as { path?: unknown }).path
    stderr.write(
      `error verifying flags, open sink ${JSON.stringify(typeof path === 'string' ? path : '')}: ${describeSystemError(error)}. See '${PROGRAM} --help'.\n`,
    )
    return 1
  }
  try {
    return await run(options, logger, components, stderr)
  } finally {
    await logger.close()
  }
}

async function run(
  options: DaemonOptions,
  logger: DaemonLogger,
  components: MainComponents,
  stderr: { write(text: string): unknown },
): Promise<number> {
  for (const notice of options.notices) logger[notice.level](notice.message, notice.fields)
  const { config } = options
  logger.info('starting etcd-ts', {
    'etcd-ts-version': packageVersion(),
    'etcd-api-version': ETCD_API_VERSION,
    'node-version': process.version,
    'node-os': process.platform,
    'node-arch': process.arch,
    pid: process.pid,
    backend: options.backend,
    'config-file': options.configFile ?? '',
    name: config.name,
    'data-dir': config.dataDir,
  })
  // The one line for failures, also on stderr when the log goes elsewhere.
  const fail = (message: string, error: unknown): number => {
    const text = error instanceof Error ? error.message : String(error)
    logger.fatal(message, { error: text })
    if (!options.logOutputs.includes('stderr')) stderr.write(`${PROGRAM}: ${message}: ${text}\n`)
    return 1
  }

  const signals = components.signals ?? process
  let stopRequested: () => void = () => {}
  const stopping = new Promise<'stop'>((resolve) => {
    stopRequested = () => resolve('stop')
  })
  let forceExit: (code: number) => void = () => {}
  const forced = new Promise<{ forced: number }>((resolve) => {
    forceExit = (code) => resolve({ forced: code })
  })
  let received: ShutdownSignal | undefined
  const handlers = new Map<ShutdownSignal, () => void>()
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const handler = () => {
      if (received === undefined) {
        received = signal
        logger.info('received signal; shutting down', { signal: GO_SIGNAL_NAMES[signal] })
        stopRequested()
      } else {
        logger.warn('received a second signal; exiting without waiting for the shutdown', {
          signal: GO_SIGNAL_NAMES[signal],
        })
        forceExit(128 + SIGNAL_NUMBERS[signal])
      }
    }
    handlers.set(signal, handler)
    signals.on(signal, handler)
  }
  try {
    let etcd: RunningEtcd
    try {
      const start = components.startEtcd ?? (await loadStartEtcd())
      const started = await Promise.race([
        start({
          ...config,
          backend: backendFactory(options.backend, { logger: logger.child('backend') }),
          logger: logger.child('etcdserver'),
        }),
        forced,
      ])
      if ('forced' in started) return started.forced
      etcd = started
    } catch (error) {
      return fail('failed to start etcd-ts', error)
    }
    logger.info('etcd-ts is running', { name: config.name, 'client-urls': [...etcd.clientUrls] })

    const outcome = await Promise.race([
      stopping,
      etcd.done.then(
        () => 'done' as const,
        (error: unknown) => ({ error }),
      ),
      forced,
    ])
    if (typeof outcome === 'object' && 'forced' in outcome) return outcome.forced
    if (typeof outcome === 'object') return fail('etcd-ts member failed', outcome.error)
    if (outcome === 'done') {
      logger.warn('etcd-ts member stopped')
      return 0
    }
    const closed = await Promise.race([
      etcd.close().then(
        () => undefined,
        (error: unknown) => ({ error }),
      ),
      forced,
    ])
    if (closed !== undefined && 'forced' in closed) return closed.forced
    if (closed !== undefined) return fail('failed to close etcd-ts cleanly', closed.error)
    logger.info('closed etcd-ts', { name: config.name, 'data-dir': config.dataDir })
    return 0
  } finally {
    for (const [signal, handler] of handlers) signals.off(signal, handler)
  }
}

/** `startEtcd` of `@etcd-ts/server`, imported when first needed (tests inject a fake instead). */
async function loadStartEtcd(): Promise<StartEtcd> {
  const { startEtcd } = await import('@etcd-ts/server')
  return startEtcd
}
