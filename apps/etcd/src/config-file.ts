import { isMap, isScalar, parseDocument } from 'yaml'
import { DaemonArgsError } from './errors.js'
import { type ConfigFileType, FLAGS_BY_NAME, type FlagSpec, type FlagValue } from './flags.js'
import { GoValueError, nanosToMs, parseGoDuration, parseUrlList } from './go-syntax.js'
import type { DaemonNotice, Settings } from './settings.js'

// etcd's --config-file (embed.ConfigFromFile + etcdmain's configFromFile): YAML whose keys are the
// flag names. Values have Go types: strings, booleans, integers, durations in nanoseconds, and
// URL lists as one comma-separated string. Unknown keys are skipped (etcd skips them silently;
// we log a warning). YAML 1.1 as in etcd (go-yaml v2): `yes`/`no` are booleans.

/** The TLS sections of the file and the flags their keys stand for. */
const SECURITY_SECTIONS: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  [
    'client-transport-security',
    new Map([
      ['cert-file', 'cert-file'],
      ['key-file', 'key-file'],
      ['client-cert-auth', 'client-cert-auth'],
      ['trusted-ca-file', 'trusted-ca-file'],
      ['auto-tls', 'auto-tls'],
    ]),
  ],
  [
    'peer-transport-security',
    new Map([
      ['cert-file', 'peer-cert-file'],
      ['key-file', 'peer-key-file'],
      ['client-cert-auth', 'peer-client-cert-auth'],
      ['trusted-ca-file', 'peer-trusted-ca-file'],
      ['auto-tls', 'peer-auto-tls'],
    ]),
  ],
])

const INTEGER_RANGES: Partial<Record<ConfigFileType, readonly [bigint, bigint]>> = {
  uint: [0n, (1n << 64n) - 1n],
  uint64: [0n, (1n << 64n) - 1n],
  uint32: [0n, (1n << 32n) - 1n],
  int: [-(1n << 63n), (1n << 63n) - 1n],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  'time.Duration': [-(1n << 63n), (1n << 63n) - 1n],
}

/**
 * Loads etcd's YAML configuration file into `settings` (source `config file`).
 *
 * @param text the file's contents
 * @param path for messages
 * @throws DaemonArgsError `DAEMON_INVALID_CONFIG` naming the key and what was expected.
 */
export function loadConfigFile(text: string, path: string, settings: Settings, notices: DaemonNotice[]): void {
  const doc = parseDocument(text, { version: '1.1', intAsBigInt: true })
  const firstError = doc.errors[0]
  if (firstError !== undefined) {
    throw invalid(`error converting YAML to JSON: ${firstError.message.split('\n')[0] ?? ''} (${path})`)
  }
  const root: unknown = doc.toJS()
  if (root === null || root === undefined) return
  if (typeof root !== 'object' || Array.isArray(root) || !isMap(doc.contents)) {
    throw invalid(`config file ${path}: expected a mapping of option names to values at the top level`)
  }
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
    const value: unknown = (root as Record<string, unknown>)[key]
    if (value === null || value === undefined) continue // etcd: a null leaves the default
    const section = SECURITY_SECTIONS.get(key)
    if (section !== undefined) {
      loadSecuritySection(key, value, section, path, settings, notices)
      continue
    }
    const spec = FLAGS_BY_NAME.get(key)
    if (spec?.fileType === undefined) {
      notices.push({
        level: 'warn',
        message: 'unrecognized key in configuration file; ignoring it',
        fields: { key, path },
      })
      continue
    }
    settings.set(spec.name, convert(spec, key, value, path), 'config file')
  }
}

function loadSecuritySection(
  key: string,
  value: unknown,
  section: ReadonlyMap<string, string>,
  path: string,
  settings: Settings,
  notices: DaemonNotice[],
): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`config file ${path}: ${key}: cannot unmarshal ${describe(value)} into embed.securityConfig`)
  }
  for (const [innerKey, innerValue] of Object.entries(value)) {
    if (innerValue === null || innerValue === undefined) continue
    const flagName = section.get(innerKey)
    const spec = flagName === undefined ? undefined : FLAGS_BY_NAME.get(flagName)
    if (spec === undefined) {
      notices.push({
        level: 'warn',
        message: 'unrecognized key in configuration file; ignoring it',
        fields: { key: `${key}.${innerKey}`, path },
      })
      continue
    }
    const fileType: ConfigFileType = spec.kind === 'bool' ? 'bool' : 'string'
    const label = `${key}.${innerKey}`
    settings.set(spec.name, convertScalar(fileType, label, innerValue, path), 'config file', label)
  }
}

function convert(spec: FlagSpec, key: string, value: unknown, path: string): FlagValue {
  const fileType = spec.fileType as ConfigFileType
  if (fileType === '[]string') {
    if (!Array.isArray(value)) throw typeError(key, value, fileType, path)
    return value.map((item) => {
      if (typeof item !== 'string') throw typeError(key, item, 'string', path)
      return item
    })
  }
  const scalar = convertScalar(fileType, key, value, path)
  switch (spec.kind) {
    case 'urls': {
      // etcd: `if cfg.LCUrlsJSON != ""` — empty keeps the default.
      if (scalar === '') return spec.defaultValue
      try {
        return parseUrlList(scalar as string)
      } catch (error) {
        if (!(error instanceof GoValueError)) throw error
        throw invalid(`unexpected error setting up ${key}: ${error.message}`)
      }
    }
    case 'strings':
      return scalar === '' ? spec.defaultValue : [...new Set((scalar as string).split(','))].sort()
    case 'choice':
      // initial-cluster-state is checked later with etcd's own message ("unexpected clusterState").
      if (spec.name !== 'initial-cluster-state' && spec.choices?.includes(scalar as string) !== true) {
        throw invalid(`unexpected error setting up ${key} flag: invalid value ${JSON.stringify(scalar)}`)
      }
      return scalar
    default:
      return scalar
  }
}

function convertScalar(fileType: ConfigFileType, key: string, value: unknown, path: string): FlagValue {
  switch (fileType) {
    case 'string':
      if (typeof value !== 'string') throw typeError(key, value, fileType, path)
      return value
    case 'bool':
      if (typeof value !== 'boolean') throw typeError(key, value, fileType, path)
      return value
    case 'time.Duration':
      // etcd reads durations from the file as integer nanoseconds (time.Duration through JSON).
      // Extension: a Go duration string ("100ms") is accepted too.
      if (typeof value === 'string') {
        try {
          return nanosToMs(parseGoDuration(value))
        } catch (error) {
          if (!(error instanceof GoValueError)) throw error
          throw invalid(`config file ${path}: ${key}: ${error.message}`)
        }
      }
      return nanosToMs(integerIn(fileType, key, value, path))
    default: {
      const integer = integerIn(fileType, key, value, path)
      if (integer > BigInt(Number.MAX_SAFE_INTEGER) || integer < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw invalid(`config file ${path}: ${key}: ${integer} is out of range`)
      }
      return Number(integer)
    }
  }
}

function integerIn(fileType: ConfigFileType, key: string, value: unknown, path: string): bigint {
  let integer: bigint
  if (typeof value === 'bigint') integer = value
  else if (typeof value === 'number' && Number.isInteger(value)) integer = BigInt(value)
  else throw typeError(key, value, fileType, path)
  const range = INTEGER_RANGES[fileType]
  if (range !== undefined && (integer < range[0] || integer > range[1])) throw typeError(key, value, fileType, path)
  return integer
}

function typeError(key: string, value: unknown, fileType: ConfigFileType, path: string): DaemonArgsError {
  // etcd: "json: cannot unmarshal string into Go struct field configYAML.snapshot-count of type uint64"
  return invalid(`config file ${path}: ${key}: cannot unmarshal ${describe(value)} into a value of type ${fileType}`)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`
  if (typeof value === 'bigint' || typeof value === 'number') return `number ${value}`
  if (typeof value === 'boolean') return `bool ${value}`
  if (Array.isArray(value)) return 'array'
  return 'object'
}

function invalid(detail: string): DaemonArgsError {
  return new DaemonArgsError('DAEMON_INVALID_CONFIG', detail)
}
