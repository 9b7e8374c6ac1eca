import { readFileSync } from 'node:fs'
import { ETCD_DEFAULTS, type EtcdConfig, resolveEtcdConfig } from '@etcd-ts/server'
import type { BackendKind } from './backend-factory.js'
import { loadConfigFile } from './config-file.js'
import { DaemonArgsError } from './errors.js'
import {
  type CommandLine,
  describeFlagValue,
  FLAGS,
  type FlagSpec,
  FlagSyntaxError,
  flagToEnv,
  parseCommandLine,
  parseFlagValue,
  sameFlagValue,
} from './flags.js'
import {
  bindUrlProblem,
  formatGoDuration,
  GoValueError,
  goQuote,
  hostUrlProblem,
  parseGoAtoi,
  parseGoDuration,
} from './go-syntax.js'
import { isLogLevel, LOG_LEVELS, type LogLevel } from './logger.js'
import { type DaemonNotice, type SettingSource, Settings } from './settings.js'

/** The server configuration the daemon computes: everything `startEtcd` takes but the backend and logger. */
export type DaemonServerConfig = Omit<EtcdConfig, 'backend' | 'logger'>

/** What the command line asks for. */
export type DaemonCommand = 'start' | 'help' | 'version'

/**
 * The daemon's options, from its command line, `ETCD_*` environment and config file, checked and
 * with etcd's defaults applied. For `help` and `version`, everything but `command` holds the
 * defaults (etcd stops before reading the environment).
 */
export interface DaemonOptions {
  readonly command: DaemonCommand
  /** Every field set, to etcd's defaults where not given. */
  readonly config: DaemonServerConfig
  /** `--backend` (ours): `level` (default) or `memory`. */
  readonly backend: BackendKind
  /** `--log-level` (or `debug` with `--debug`). */
  readonly logLevel: LogLevel
  /** `--log-outputs` resolved: `stdout`, `stderr` and file paths; etcd's `default` is `stderr`. */
  readonly logOutputs: readonly string[]
  /** The config file in use (`--config-file` or `ETCD_CONFIG_FILE`), if any. */
  readonly configFile: string | undefined
  /** The flags that were set, and from where (flag names without dashes). */
  readonly sources: ReadonlyMap<string, SettingSource>
  /** Lines to log once the logger exists, in order. */
  readonly notices: readonly DaemonNotice[]
}

/** Collaborators of {@link parseDaemonArgs}. */
export interface ParseDaemonArgsOptions {
  /** Reads the config file as UTF-8 text; default `fs.readFileSync`. */
  readonly readFile?: (path: string) => string
}

/** etcd's default `--initial-cluster` (embed.NewConfig). */
const DEFAULT_INITIAL_CLUSTER = 'default=http://localhost:2380'
/** etcd's `maxElectionMs`. */
const MAX_ELECTION_MS = 50_000
/** etcd's minimum watch progress notify interval (etcdserver/api/v3rpc/watch.go). */
const MIN_WATCH_PROGRESS_NOTIFY_INTERVAL_MS = 100

/**
 * Reads the daemon's configuration the way etcd 3.4's `etcd` binary does:
 *
 * 1. the command line, with Go's `flag` syntax (`-flag`, `--flag=value`, `--flag value`,
 *    booleans as `--flag`/`--flag=false`); `-h`/`--help` and `--version` stop there;
 * 2. if `--config-file` (or else `ETCD_CONFIG_FILE`) names a file, that YAML file alone: the other
 *    flags and all other environment variables are ignored (etcd 3.4 does the same);
 * 3. otherwise every `ETCD_<FLAG_NAME>` variable for a flag not given on the command line;
 *    a variable shadowed by its flag is an error, an unknown `ETCD_*` one a warning;
 * 4. etcd's checks (`embed.Config.Validate`, compaction retention), then ours: flags whose
 *    feature etcd-ts lacks are refused when ignoring them would be unsafe (TLS, discovery,
 *    proxy, access restrictions), and otherwise logged as ignored.
 *
 * Pure apart from `readFile`: nothing is printed; what etcd would log is in `notices`.
 *
 * @param argv the arguments after the program name
 * @param env the environment (`process.env`)
 * @throws DaemonArgsError with the one line to print and the exit code (2 for flag syntax, as
 *   Go's flag package; 1 for everything etcd rejects later).
 */
export function parseDaemonArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  options: ParseDaemonArgsOptions = {},
): DaemonOptions {
  let commandLine: CommandLine
  try {
    commandLine = parseCommandLine(argv)
  } catch (error) {
    if (error instanceof FlagSyntaxError)
      throw new DaemonArgsError('DAEMON_FLAG_SYNTAX', error.message, { cause: error })
    throw error
  }
  const notices: DaemonNotice[] = commandLine.removed.map((name) => removedNotice(name))
  if (commandLine.help) return defaults('help', notices)
  const extra = commandLine.positional[0]
  if (extra !== undefined) throw invalid(`'${extra}' is not a valid flag`)
  if (commandLine.values.get('version') === true) return defaults('version', notices)

  const settings = new Settings()
  const flagFile = commandLine.values.get('config-file')
  const configFile = typeof flagFile === 'string' && flagFile !== '' ? flagFile : nonEmpty(env.ETCD_CONFIG_FILE)
  if (configFile !== undefined) {
    const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'))
    let text: string
    try {
      text = readFile(configFile)
    } catch (error) {
      throw invalid(`open ${configFile}: ${describeSystemError(error)}`, error)
    }
    loadConfigFile(text, configFile, settings, notices)
    notices.push({
      level: 'info',
      message:
        'loaded server configuration, other configuration command line flags and environment variables will be ignored if provided',
      fields: { path: configFile },
    })
    const ignoredFlags = [...commandLine.values.keys()].filter((name) => name !== 'config-file')
    const ignoredVariables = Object.keys(env).filter((key) => key.startsWith('ETCD_') && key !== 'ETCD_CONFIG_FILE')
    if (ignoredFlags.length > 0 || ignoredVariables.length > 0) {
      notices.push({
        level: 'warn',
        message: 'ignoring command-line flags and ETCD_* environment variables: a configuration file is in use',
        fields: { flags: ignoredFlags.map((name) => `--${name}`), 'environment-variables': ignoredVariables },
      })
    }
  } else {
    for (const [name, value] of commandLine.values) settings.set(name, value, 'command line')
    applyEnvironment(settings, env, notices)
  }
  return resolve('start', settings, configFile, configFile === undefined ? 'flags' : 'file', notices)
}

/** etcd's pkg/flags.SetFlagsFromEnv + verifyEnv (3.4). */
function applyEnvironment(
  settings: Settings,
  env: Readonly<Record<string, string | undefined>>,
  notices: DaemonNotice[],
): void {
  const shadowed = new Set(settings.names().map((name) => flagToEnv(name)))
  const used = new Set<string>()
  let failure: DaemonArgsError | undefined
  // Go's VisitAll walks the flags sorted by name.
  for (const spec of [...FLAGS].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const key = flagToEnv(spec.name)
    if (shadowed.has(key)) continue
    const text = env[key]
    if (text === undefined || text === '') continue
    used.add(key)
    try {
      settings.set(spec.name, parseFlagValue(spec, text, settings.get(spec.name)), 'environment', key)
    } catch (error) {
      if (!(error instanceof GoValueError)) throw error
      // etcd keeps going and reports the last failure.
      failure = invalid(`invalid value ${goQuote(text)} for ${key}: ${error.message}`, error)
      continue
    }
    if (spec.kind === 'removed') notices.push(removedNotice(spec.name))
    notices.push({
      level: 'info',
      message: 'recognized and used environment variable',
      fields: { 'variable-name': key, 'variable-value': text },
    })
  }
  for (const [key, value] of Object.entries(env)) {
    if (used.has(key)) continue
    if (shadowed.has(key)) {
      throw new DaemonArgsError(
        'DAEMON_ENV_CONFLICT',
        `conflicting environment variable ${goQuote(key)} is shadowed by corresponding command-line flag (either unset environment variable or disable flag)`,
      )
    }
    if (key.startsWith('ETCD_')) {
      notices.push({
        level: 'warn',
        message: 'unrecognized environment variable',
        fields: { 'environment-variable': `${key}=${value ?? ''}` },
      })
    }
  }
  if (failure !== undefined) throw failure
}

function resolve(
  command: DaemonCommand,
  settings: Settings,
  configFile: string | undefined,
  mode: 'flags' | 'file',
  notices: DaemonNotice[],
): DaemonOptions {
  const check = command === 'start'
  const { logLevel, logOutputs } = resolveLogging(settings, notices, check)

  const name = settings.string('name')
  const listenPeerUrls = settings.list('listen-peer-urls')
  const listenClientUrls = settings.list('listen-client-urls')
  const initialAdvertisePeerUrls = settings.list('initial-advertise-peer-urls')
  let advertiseClientUrls = settings.list('advertise-client-urls')
  // etcdmain: "disable default advertise-client-urls if lcurls is set" (command line and env only).
  const missingAdvertise =
    mode === 'flags' && settings.isSet('listen-client-urls') && !settings.isSet('advertise-client-urls')
  if (missingAdvertise) advertiseClientUrls = []
  const discoverySet =
    settings.string('discovery') !== '' ||
    settings.string('discovery-srv') !== '' ||
    (mode === 'flags' && settings.string('discovery-srv-name') !== '')
  let initialCluster = settings.string('initial-cluster')
  if (
    discoverySet &&
    (mode === 'flags' ? !settings.isSet('initial-cluster') : initialCluster === DEFAULT_INITIAL_CLUSTER)
  ) {
    initialCluster = ''
  }
  const initialClusterState = settings.string('initial-cluster-state')
  const heartbeatIntervalMs = settings.number('heartbeat-interval')
  const electionTimeoutMs = settings.number('election-timeout')
  const autoCompactionMode = settings.string('auto-compaction-mode') || 'periodic'

  if (check) {
    // embed.Config.Validate, in its order.
    for (const url of [...listenPeerUrls, ...listenClientUrls, ...settings.list('listen-metrics-urls')]) {
      const problem = bindUrlProblem(url)
      if (problem !== undefined) throw invalid(problem)
    }
    for (const [flag, urls] of [
      ['initial-advertise-peer-urls', initialAdvertisePeerUrls],
      ['advertise-client-urls', advertiseClientUrls],
    ] as const) {
      for (const url of urls) {
        const problem = hostUrlProblem(url)
        if (problem !== undefined)
          throw invalid(`--${flag} ${goQuote(urls.join(','))} must be "host:port" (${problem})`)
      }
    }
    const bootstraps = [settings.string('discovery'), initialCluster, settings.string('discovery-srv')]
    if (bootstraps.filter((value) => value !== '').length > 1) {
      throw invalid(
        'multiple discovery or bootstrap flags are set. Choose one of "initial-cluster", "discovery" or "discovery-srv"',
      )
    }
    if (initialClusterState !== 'new' && initialClusterState !== 'existing') {
      throw invalid(`unexpected clusterState ${goQuote(initialClusterState)}`)
    }
    if (heartbeatIntervalMs <= 0) throw invalid(`--heartbeat-interval must be >0 (set to ${heartbeatIntervalMs}ms)`)
    if (electionTimeoutMs <= 0) throw invalid(`--election-timeout must be >0 (set to ${electionTimeoutMs}ms)`)
    if (5 * heartbeatIntervalMs > electionTimeoutMs) {
      throw invalid(
        `--election-timeout[${electionTimeoutMs}ms] should be at least as 5 times as --heartbeat-interval[${heartbeatIntervalMs}ms]`,
      )
    }
    if (electionTimeoutMs > MAX_ELECTION_MS) {
      throw invalid(
        `--election-timeout[${electionTimeoutMs}ms] is too long, and should be set less than ${MAX_ELECTION_MS}ms`,
      )
    }
    if (missingAdvertise && settings.string('proxy') === 'off') {
      throw invalid('--advertise-client-urls is required when --listen-client-urls is set explicitly')
    }
    if (autoCompactionMode !== 'periodic' && autoCompactionMode !== 'revision') {
      throw invalid(`unknown auto-compaction-mode ${goQuote(autoCompactionMode)}`)
    }
    // embed.StartEtcd: parseCompactionRetention.
    checkCompactionRetention(settings.string('auto-compaction-retention'))
    checkUnsupported(settings, notices)
  }

  let dataDir = settings.string('data-dir')
  if (dataDir === '') {
    dataDir = `${name}.etcd`
    if (check)
      notices.push({ level: 'warn', message: "'data-dir' was empty; using default", fields: { 'data-dir': dataDir } })
  }
  // embed.Config.UpdateDefaultClusterFromName: `etcd --name=abc` alone bootstraps abc=<its peer URLs>.
  if (name !== 'default' && initialCluster === DEFAULT_INITIAL_CLUSTER) {
    initialCluster = initialAdvertisePeerUrls.map((url) => `${name}=${url}`).join(',')
  }
  let snapshotCount = settings.number('snapshot-count')
  if (snapshotCount === 0) {
    // etcdserver.(*EtcdServer).start
    snapshotCount = ETCD_DEFAULTS.snapshotCount
    if (check) {
      notices.push({
        level: 'info',
        message: 'updating snapshot-count to default',
        fields: { 'given-snapshot-count': 0, 'updated-snapshot-count': snapshotCount },
      })
    }
  }
  const batchIntervalMs = settings.number('backend-batch-interval')
  const batchLimit = settings.number('backend-batch-limit')
  let watchProgressMs = settings.number('experimental-watch-progress-notify-interval')
  if (watchProgressMs <= 0) watchProgressMs = ETCD_DEFAULTS.watchProgressNotifyIntervalMs
  else if (watchProgressMs < MIN_WATCH_PROGRESS_NOTIFY_INTERVAL_MS) {
    watchProgressMs = MIN_WATCH_PROGRESS_NOTIFY_INTERVAL_MS
    if (check) {
      notices.push({
        level: 'warn',
        message: 'adjusting watch progress notify interval to minimum period',
        fields: { 'min-watch-progress-notify-interval': '100ms' },
      })
    }
  }
  if (check && batchIntervalMs < 0) {
    throw invalid(`--backend-batch-interval must not be negative (set to ${formatMs(batchIntervalMs)})`)
  }
  if (check && batchLimit < 0) throw invalid(`--backend-batch-limit must not be negative (set to ${batchLimit})`)

  const config: DaemonServerConfig = {
    name,
    dataDir,
    walDir: settings.string('wal-dir'),
    listenClientUrls,
    advertiseClientUrls,
    listenPeerUrls,
    initialAdvertisePeerUrls,
    initialCluster,
    initialClusterState: initialClusterState as DaemonServerConfig['initialClusterState'],
    initialClusterToken: settings.string('initial-cluster-token'),
    snapshotCount,
    snapshotCatchUpEntries: ETCD_DEFAULTS.snapshotCatchUpEntries,
    heartbeatIntervalMs,
    electionTimeoutMs,
    quotaBackendBytes: settings.number('quota-backend-bytes'),
    maxTxnOps: settings.number('max-txn-ops'),
    maxRequestBytes: settings.number('max-request-bytes'),
    autoCompactionMode: autoCompactionMode as DaemonServerConfig['autoCompactionMode'],
    autoCompactionRetention: settings.string('auto-compaction-retention'),
    maxSnapshots: settings.number('max-snapshots'),
    maxWals: settings.number('max-wals'),
    // 0 means the backend's default in etcd; sub-millisecond intervals round up to 1 ms.
    backendBatchIntervalMs: batchIntervalMs === 0 ? ETCD_DEFAULTS.backendBatchIntervalMs : Math.ceil(batchIntervalMs),
    backendBatchLimit: batchLimit === 0 ? ETCD_DEFAULTS.backendBatchLimit : batchLimit,
    watchProgressNotifyIntervalMs: Math.ceil(watchProgressMs),
    enableLeaseCheckpoint: settings.bool('experimental-enable-lease-checkpoint'),
    enableLeaseCheckpointPersist: settings.bool('experimental-enable-lease-checkpoint-persist'),
    strictReconfigCheck: settings.bool('strict-reconfig-check'),
  }
  if (check) checkWithServer(config)
  const sources = new Map<string, SettingSource>()
  for (const flagName of settings.names()) sources.set(flagName, settings.source(flagName) as SettingSource)
  return {
    command,
    config,
    backend: settings.string('backend') as BackendKind,
    logLevel,
    logOutputs,
    configFile,
    sources,
    notices,
  }
}

/** embed.Config.setupLogging (zap only: etcd-ts always writes zap's JSON lines). */
function resolveLogging(
  settings: Settings,
  notices: DaemonNotice[],
  check: boolean,
): { logLevel: LogLevel; logOutputs: string[] } {
  const logger = settings.string('logger')
  if (check && logger !== 'zap' && logger !== 'capnslog') throw invalid(`unknown logger option ${goQuote(logger)}`)
  if (check && logger === 'capnslog') {
    notices.push({
      level: 'warn',
      message: "etcd-ts logs only in zap's JSON format; '--logger=capnslog' is ignored",
      fields: { logger },
    })
  }
  let outputs = settings.list('log-outputs')
  if (settings.isSet('log-output')) {
    notices.push({
      level: 'warn',
      message: "'--log-output' is deprecated; use '--log-outputs'",
      fields: { 'log-output': settings.list('log-output') },
    })
    if (!settings.isSet('log-outputs')) outputs = settings.list('log-output')
  }
  const level = settings.bool('debug') ? 'debug' : settings.string('log-level')
  if (settings.bool('debug') && check) {
    notices.push({ level: 'warn', message: "'--debug' is deprecated; use '--log-level=debug'" })
  }
  if (!isLogLevel(level)) {
    // etcd panics here (`panic: unknown level "x"`, exit 2); one line is kinder.
    if (check) throw invalid(`unknown level ${goQuote(level)} for --log-level (supports ${LOG_LEVELS.join(', ')})`)
    return { logLevel: 'info', logOutputs: ['stderr'] }
  }
  if (check && outputs.length > 1 && outputs.includes('default')) {
    throw invalid(`multi logoutput for ${goQuote('default')} is not supported yet`)
  }
  const logOutputs: string[] = []
  for (const output of outputs) {
    if (output === '') {
      if (check) throw invalid(`open sink "": open : no such file or directory`)
      continue
    }
    if (output === 'journal') {
      if (check) notices.push({ level: 'warn', message: "etcd-ts cannot log to journald; 'journal' writes to stderr" })
      logOutputs.push('stderr')
    } else logOutputs.push(output === 'default' ? 'stderr' : output)
  }
  return { logLevel: level, logOutputs: [...new Set(logOutputs)] }
}

/** etcd's parseCompactionRetention: hours (or revisions) as an integer, else a Go duration. */
function checkCompactionRetention(retention: string): void {
  const integer = parseGoAtoi(retention)
  if (integer !== undefined && integer >= 0) return
  try {
    parseGoDuration(retention)
  } catch (error) {
    if (!(error instanceof GoValueError)) throw error
    throw invalid(`error parsing CompactionRetention: ${error.message}`, error)
  }
}

/** Refuses flags whose feature is missing where ignoring them is unsafe; warns about the rest. */
function checkUnsupported(settings: Settings, notices: DaemonNotice[]): void {
  for (const spec of FLAGS) {
    if (!settings.isSet(spec.name) || !isActive(spec, settings)) continue
    const value = describeFlagValue(settings.get(spec.name))
    if (spec.support === 'refused') {
      throw new DaemonArgsError(
        'DAEMON_UNSUPPORTED',
        `${settings.label(spec.name)}=${value} needs ${spec.missingFeature ?? 'a feature'}, which etcd-ts does not support yet; refusing to start without it`,
      )
    }
    if (spec.support === 'ignored') {
      notices.push({
        level: 'warn',
        message: 'ignoring a flag etcd-ts does not support yet',
        fields: { flag: settings.label(spec.name), value, source: settings.source(spec.name) },
      })
    }
  }
}

/** Whether a set flag asks for something (differs from its default, or from "allow all"). */
function isActive(spec: FlagSpec, settings: Settings): boolean {
  const value = settings.get(spec.name)
  if (spec.name === 'cors' || spec.name === 'host-whitelist') {
    const list = value as readonly string[]
    return !(list.includes('*') || list.every((item) => item === ''))
  }
  return !sameFlagValue(value, spec.defaultValue)
}

/** The server's own checks (`resolveEtcdConfig`), so its refusals are verification errors too. */
function checkWithServer(config: DaemonServerConfig): void {
  try {
    resolveEtcdConfig({
      ...config,
      backend: () => {
        throw new Error('not used: validation only')
      },
    })
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ETCD_CONFIG') throw invalid((error as Error).message, error)
    throw error
  }
}

function defaults(command: DaemonCommand, notices: DaemonNotice[]): DaemonOptions {
  return resolve(command, new Settings(), undefined, 'flags', notices)
}

function removedNotice(name: string): DaemonNotice {
  // pkg/flags.IgnoredFlag.Set
  return { level: 'warn', message: `flag "-${name}" is no longer supported - ignoring.` }
}

function invalid(detail: string, cause?: unknown): DaemonArgsError {
  return new DaemonArgsError('DAEMON_INVALID_CONFIG', detail, cause === undefined ? undefined : { cause })
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

function formatMs(ms: number): string {
  return formatGoDuration(BigInt(Math.round(ms * 1e6)))
}

/** Go's wording of a Node system error: `no such file or directory`, `permission denied`. */
export function describeSystemError(error: unknown): string {
  const code = (error as { code?: unknown }).code
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory'
    case 'EACCES':
      return 'permission denied'
    case 'EISDIR':
      return 'is a directory'
    case 'ENOTDIR':
      return 'not a directory'
    default:
      return error instanceof Error ? error.message : String(error)
  }
}
