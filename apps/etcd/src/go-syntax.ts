import { isIP } from 'node:net'

// Go's value syntaxes as etcd's flags see them: strconv's integers (base 0: `0x10`, `010`, `1_000`),
// strconv.ParseBool, time.ParseDuration, and etcd's URL checks (pkg/types/urls.go). Written from
// the Go documentation and checked against the real etcd 3.4 binary (see test/go-syntax.test.ts).

/** Why a value did not parse, worded as Go's `flag` package words it (`parse error`, `value out of range`). */
export class GoValueError extends Error {
  readonly code = 'DAEMON_VALUE_SYNTAX'
  constructor(message: string) {
    super(message)
    this.name = 'GoValueError'
  }
}

const PARSE_ERROR = 'parse error'
const RANGE_ERROR = 'value out of range'

/** `strconv.ParseBool`: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False. */
export function parseGoBool(text: string): boolean {
  switch (text) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false
    default:
      throw new GoValueError(PARSE_ERROR)
  }
}

/** Which strconv failure: the flag package reports them as `parse error` / `value out of range`. */
type NumFailure = 'syntax' | 'range'

function scanUnsigned(text: string, base: 0 | 10, bits: number): bigint | NumFailure {
  if (text === '') return 'syntax'
  let s = text
  let radix = 10n
  if (base === 0) {
    if (s[0] === '0') {
      const marker = s[1]?.toLowerCase()
      if (s.length >= 3 && marker === 'x') {
        radix = 16n
        s = s.slice(2)
      } else if (s.length >= 3 && marker === 'o') {
        radix = 8n
        s = s.slice(2)
      } else if (s.length >= 3 && marker === 'b') {
        radix = 2n
        s = s.slice(2)
      } else {
        radix = 8n
        s = s.slice(1)
      }
    }
  }
  const max = (1n << BigInt(bits)) - 1n
  let value = 0n
  let underscores = false
  for (const c of s) {
    if (c === '_' && base === 0) {
      underscores = true
      continue
    }
    const digit = digitValue(c)
    if (digit === undefined || BigInt(digit) >= radix) return 'syntax'
    value = value * radix + BigInt(digit)
    if (value > max) return 'range'
  }
  if (underscores && !underscoresWellPlaced(text)) return 'syntax'
  return value
}

function digitValue(c: string): number | undefined {
  const code = c.charCodeAt(0)
  if (code >= 48 && code <= 57) return code - 48
  const lower = code | 0x20
  if (lower >= 97 && lower <= 122) return lower - 97 + 10
  return undefined
}

/** strconv's underscoreOK: `_` only between digits, or right after a base prefix. */
function underscoresWellPlaced(text: string): boolean {
  let s = text
  if (s.startsWith('+') || s.startsWith('-')) s = s.slice(1)
  let saw = '^' // '^' start, '0' digit or prefix, '_' underscore, '!' other
  let hex = false
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1] ?? '')) {
    hex = s[1] === 'x' || s[1] === 'X'
    s = s.slice(2)
    saw = '0'
  }
  for (const c of s) {
    const isDigit = (c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))
    if (isDigit) {
      saw = '0'
      continue
    }
    if (c === '_') {
      if (saw !== '0') return false
      saw = '_'
      continue
    }
    if (saw === '_') return false
    saw = '!'
  }
  return saw !== '_'
}

/**
 * `strconv.ParseUint(text, 0, bits)` as the flag package uses it for `uint`/`uint64` flags,
 * returned as a `number`.
 *
 * Deviation: values above `Number.MAX_SAFE_INTEGER` are reported as out of range (etcd takes
 * them up to 2^64-1; no etcd setting is meaningful that large).
 *
 * @throws GoValueError `parse error` or `value out of range`.
 */
export function parseGoUint(text: string, bits = 64): number {
  const scanned = scanUnsigned(text, 0, bits)
  if (scanned === 'syntax') throw new GoValueError(PARSE_ERROR)
  if (scanned === 'range' || scanned > BigInt(Number.MAX_SAFE_INTEGER)) throw new GoValueError(RANGE_ERROR)
  return Number(scanned)
}

/**
 * `strconv.ParseInt(text, 0, bits)` as the flag package uses it for `int`/`int64` flags.
 * Same deviation as {@link parseGoUint} beyond ±`Number.MAX_SAFE_INTEGER`.
 *
 * @throws GoValueError `parse error` or `value out of range`.
 */
export function parseGoInt(text: string, bits = 64): number {
  let s = text
  let negative = false
  if (s.startsWith('+') || s.startsWith('-')) {
    negative = s[0] === '-'
    s = s.slice(1)
  }
  const scanned = scanUnsigned(s, 0, bits)
  if (scanned === 'syntax') throw new GoValueError(PARSE_ERROR)
  const cutoff = 1n << BigInt(bits - 1)
  if (scanned === 'range' || (!negative && scanned >= cutoff) || (negative && scanned > cutoff)) {
    throw new GoValueError(RANGE_ERROR)
  }
  if (scanned > BigInt(Number.MAX_SAFE_INTEGER)) throw new GoValueError(RANGE_ERROR)
  return negative ? -Number(scanned) : Number(scanned)
}

/**
 * `strconv.ParseUint(text, 10, 32)`, for etcd's `--max-concurrent-streams`, whose flag type
 * reports strconv's own error text (`strconv.ParseUint: parsing "abc": invalid syntax`).
 */
export function parseGoUint32Decimal(text: string): number {
  const scanned = scanUnsigned(text, 10, 32)
  if (scanned === 'syntax') throw new GoValueError(`strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`)
  if (scanned === 'range') throw new GoValueError(`strconv.ParseUint: parsing ${goQuote(text)}: value out of range`)
  return Number(scanned)
}

/** `strconv.Atoi`-like: a decimal int with an optional sign, or undefined. */
export function parseGoAtoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : undefined
}

/** Go's `%q` for plain text (close enough: JSON's escaping). */
export function goQuote(text: string): string {
  return JSON.stringify(text)
}

const NANOS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // µ, MICRO SIGN
  ['\u03bcs', 1_000n], // μ, GREEK SMALL LETTER MU
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
])
const MAX_DURATION = (1n << 63n) - 1n

/** A malformed Go duration; the message is Go's (`time: invalid duration "abc"`). */
export class DurationSyntaxError extends GoValueError {
  constructor(message: string) {
    super(message)
    this.name = 'DurationSyntaxError'
  }
}

/**
 * Go's `time.ParseDuration`: a signed sequence of decimal numbers with optional fraction and a
 * unit each (`300ms`, `-1.5h`, `2h45m`, `1µs`); `0` needs no unit. Returns nanoseconds.
 *
 * @throws DurationSyntaxError with Go's message (`time: invalid duration "abc"`,
 *   `time: missing unit in duration "5"`, `time: unknown unit "x" in duration "5x"`).
 */
export function parseGoDuration(text: string): bigint {
  const invalid = () => new DurationSyntaxError(`time: invalid duration ${goQuote(text)}`)
  let s = text
  let negative = false
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    negative = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0n
  if (s === '') throw invalid()
  let total = 0n
  while (s !== '') {
    if (!(s[0] === '.' || (s[0] !== undefined && s[0] >= '0' && s[0] <= '9'))) throw invalid()
    const whole = /^[0-9]*/.exec(s)?.[0] ?? ''
    s = s.slice(whole.length)
    let fraction = ''
    let hasFraction = false
    if (s[0] === '.') {
      s = s.slice(1)
      fraction = /^[0-9]*/.exec(s)?.[0] ?? ''
      s = s.slice(fraction.length)
      hasFraction = fraction !== ''
    }
    if (whole === '' && !hasFraction) throw invalid()
    const unitMatch = /^[^0-9.]*/.exec(s)?.[0] ?? ''
    if (unitMatch === '') throw new DurationSyntaxError(`time: missing unit in duration ${goQuote(text)}`)
    s = s.slice(unitMatch.length)
    const unit = NANOS_PER_UNIT.get(unitMatch)
    if (unit === undefined) {
      throw new DurationSyntaxError(`time: unknown unit ${goQuote(unitMatch)} in duration ${goQuote(text)}`)
    }
    const wholeValue = whole === '' ? 0n : BigInt(whole)
    if (wholeValue > (1n << 63n) / unit) throw invalid()
    let value = wholeValue * unit
    if (hasFraction) {
      // Go's leadingFraction and float arithmetic, to land on the same nanosecond.
      let digits = 0n
      let scale = 1
      let overflow = false
      for (const c of fraction) {
        if (overflow) continue
        const next = digits * 10n + BigInt(c)
        if (digits > ((1n << 63n) - 1n) / 10n || next > 1n << 63n) {
          overflow = true
          continue
        }
        digits = next
        scale *= 10
      }
      if (digits > 0n) value += BigInt(Math.trunc(Number(digits) * (Number(unit) / scale)))
      if (value > 1n << 63n) throw invalid()
    }
    total += value
    if (total > 1n << 63n) throw invalid()
  }
  if (negative) return -total
  if (total > MAX_DURATION) throw invalid()
  return total
}

/** Go's `time.Duration.String()`: `0s`, `100ms`, `1.5s`, `10m0s`, `1h30m0s`, `500µs`. */
export function formatGoDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s'
  const negative = nanoseconds < 0n
  let u = negative ? -nanoseconds : nanoseconds
  let out: string
  if (u < 1_000_000_000n) {
    if (u < 1_000n) out = `${u}ns`
    else if (u < 1_000_000n) out = `${fraction(u, 3)}\u00b5s`
    else out = `${fraction(u, 6)}ms`
  } else {
    out = `${fraction(u % 60_000_000_000n, 9)}s`
    u /= 60_000_000_000n
    if (u > 0n) {
      out = `${u % 60n}m${out}`
      u /= 60n
      if (u > 0n) out = `${u}h${out}`
    }
  }
  return negative ? `-${out}` : out
}

function fraction(value: bigint, precision: number): string {
  const scale = 10n ** BigInt(precision)
  const whole = value / scale
  const rest = (value % scale).toString().padStart(precision, '0').replace(/0+$/, '')
  return rest === '' ? `${whole}` : `${whole}.${rest}`
}

/** Milliseconds (possibly fractional) of a Go duration. */
export function nanosToMs(nanoseconds: bigint): number {
  return Number(nanoseconds) / 1e6
}

/** The parts of a URL etcd looks at. */
export interface UrlParts {
  readonly scheme: string
  /** `host:port` as written (Go's `url.Host`). */
  readonly host: string
  readonly path: string
}

/**
 * A rough `url.Parse`: enough to find the scheme, the `host:port` and the path the way Go does.
 *
 * @throws GoValueError with Go's wording for the parse errors etcd users meet
 *   (`parse "127.0.0.1:2379": first path segment in URL cannot contain colon`).
 */
export function splitUrl(text: string): UrlParts {
  if (text.startsWith(':')) throw new GoValueError(`parse ${goQuote(text)}: missing protocol scheme`)
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(text)
  if (match === null) {
    const firstSegment = text.split('/')[0] ?? ''
    if (firstSegment.includes(':')) {
      throw new GoValueError(`parse ${goQuote(text)}: first path segment in URL cannot contain colon`)
    }
    return { scheme: '', host: '', path: text }
  }
  const scheme = (match[1] ?? '').toLowerCase()
  let rest = match[2] ?? ''
  const hashAt = rest.indexOf('#')
  if (hashAt >= 0) rest = rest.slice(0, hashAt)
  const queryAt = rest.indexOf('?')
  if (queryAt >= 0) rest = rest.slice(0, queryAt)
  if (!rest.startsWith('//')) return { scheme, host: '', path: rest }
  rest = rest.slice(2)
  const slashAt = rest.indexOf('/')
  let authority = slashAt >= 0 ? rest.slice(0, slashAt) : rest
  const path = slashAt >= 0 ? rest.slice(slashAt) : ''
  const at = authority.lastIndexOf('@')
  if (at >= 0) authority = authority.slice(at + 1)
  if (/[\s<>"{}|\\^`]/.test(authority)) throw new GoValueError(`parse ${goQuote(text)}: invalid character in host name`)
  // url.Parse: the port, if any, is digits only ("http://127.0.0.1:x" fails).
  const portAt = authority.lastIndexOf(':')
  if (portAt >= 0 && portAt > authority.lastIndexOf(']')) {
    const port = authority.slice(portAt)
    if (!/^:[0-9]*$/.test(port))
      throw new GoValueError(`parse ${goQuote(text)}: invalid port ${goQuote(port)} after host`)
  }
  return { scheme, host: authority, path }
}

/** Go's `net.SplitHostPort`; undefined when `hostport` is not `host:port` / `[v6]:port`. */
export function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']')
    if (end < 0 || hostport[end + 1] !== ':') return undefined
    const host = hostport.slice(1, end)
    const port = hostport.slice(end + 2)
    if (port.includes(':') || port.includes('[') || port.includes(']')) return undefined
    return { host, port }
  }
  const colon = hostport.lastIndexOf(':')
  if (colon < 0) return undefined
  const host = hostport.slice(0, colon)
  if (host.includes(':') || host.includes('[') || host.includes(']')) return undefined
  const port = hostport.slice(colon + 1)
  if (port.includes('[') || port.includes(']')) return undefined
  return { host, port }
}

/**
 * etcd's `types.NewURLs` on one comma-separated flag value: every URL trimmed, with scheme
 * http, https, unix or unixs, a `host:port`, and no path. Returns them sorted, without
 * duplicates (etcd sorts too; the flag type is "unique URLs").
 *
 * @throws GoValueError with etcd's message (`URL scheme must be http, https, unix, or unixs: foo`).
 */
export function parseUrlList(text: string): string[] {
  const urls = new Set<string>()
  for (const raw of text.split(',')) {
    const url = raw.trim()
    const parts = splitUrl(url)
    if (!['http', 'https', 'unix', 'unixs'].includes(parts.scheme)) {
      throw new GoValueError(`URL scheme must be http, https, unix, or unixs: ${url}`)
    }
    if (splitHostPort(parts.host) === undefined) {
      throw new GoValueError(`URL address does not have the form "host:port": ${url}`)
    }
    if (parts.path !== '') throw new GoValueError(`URL must not contain a path: ${url}`)
    urls.add(url)
  }
  return [...urls].sort()
}

/** etcd's `checkBindURLs` for one URL: listen URLs need an IP (or `localhost`), not a host name. */
export function bindUrlProblem(url: string): string | undefined {
  const parts = splitUrl(url)
  if (parts.scheme === 'unix' || parts.scheme === 'unixs') return undefined
  const hostPort = splitHostPort(parts.host)
  if (hostPort === undefined) return `address ${parts.host}: missing port in address`
  if (hostPort.host === 'localhost') return undefined
  if (isIP(hostPort.host) === 0) return `expected IP in URL for binding (${url})`
  return undefined
}

/** etcd's `checkHostURLs` for one URL: advertised URLs need a non-empty host. */
export function hostUrlProblem(url: string): string | undefined {
  const parts = splitUrl(url)
  const hostPort = splitHostPort(parts.host)
  if (hostPort === undefined) return `address ${parts.host}: missing port in address`
  if (hostPort.host === '') return `unexpected empty host (${url})`
  return undefined
}
