// The normalizer of the differential harness: it erases from etcdctl's output exactly what
// legitimately differs between two healthy single-member servers, and nothing else.
//
// Normalized (each only where etcdctl prints it):
//   * this server's ports (client, peer) and work dir          -> <CLIENT_PORT>, <PEER_PORT>, <DIR>
//   * member ID, cluster ID, lease IDs, decimal and hex        -> <MEMBER_ID>, <CLUSTER_ID>, <LEASE:name>
//     (by *value*: each side's IDs are learnt from its own responses, so a wrong ID in a field,
//     e.g. a `leader` that is not the member, still shows as a difference), with the spaces
//     `%16x` pads a short one with (`Member %16x added to cluster %16x`)
//   * raft term, raft index, raft applied index                -> <RAFT_TERM>, <RAFT_INDEX>, <RAFT_APPLIED_INDEX>
//   * db sizes (bytes, and `20 kB` style)                      -> <DB_SIZE>, <DB_SIZE_IN_USE>, <SIZE>
//   * server version (`3.4.23`)                                -> <VERSION>
//   * durations (`took = 1.2ms`, "took":"1.2ms", zap took)      -> <DURATION>
//   * `snapshot status`'s hash: a hash of the whole db file, which holds member and cluster IDs
//                                                              -> <FILE_HASH>
//   * the session lease in `lock`/`elect` keys (`<name>/<lease hex>`)  -> <name>/<SESSION_LEASE>
//   * remaining TTL of `lease timetolive`                      -> <REMAINING#n>, compared within ±1 s
//   * orders etcd leaves unspecified (Go map iteration): the IDs of `lease list` and the keys of
//     `lease timetolive --keys` are sorted (after the IDs were replaced); so is `member add`'s
//     ETCD_INITIAL_CLUSTER, which follows the (random) member IDs
//   * log noise on stderr: zap timestamps, client UUIDs, Go log timestamps, addresses in Go panics
// Never normalized: revisions, compact revisions, counts, keys, values, versions of keys, granted
// TTLs, HashKV hashes (mvcc hashes the same bytes as etcd), flags, booleans, error texts, exit codes.

/** What the normalizer knows about one server. */
export interface NormalizeContext {
  readonly clientPort: number
  readonly peerPort: number
  /** Absolute paths (e.g. the side's work dir) and their placeholders. */
  readonly paths: ReadonlyMap<string, string>
  /** Known 64-bit IDs and their placeholders: member, cluster, leases. */
  readonly ids: ReadonlyMap<bigint, string>
}

/** A normalized output: text plus the fuzzy numbers taken out of it (compared within ±1). */
export interface Normalized {
  readonly text: string
  readonly fuzzy: readonly number[]
}

/** IDs below this are too short to be replaced by value without hitting other numbers. */
export const MIN_REPLACEABLE_ID = 1n << 32n

/** The output format an etcdctl invocation asked for (`-w`/`--write-out`); `simple` by default. */
export function outputFormat(args: readonly string[]): string {
  let format = 'simple'
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if ((arg === '-w' || arg === '--write-out') && i + 1 < args.length) format = args[i + 1] as string
    else if (arg.startsWith('-w=')) format = arg.slice(3)
    else if (arg.startsWith('--write-out=')) format = arg.slice('--write-out='.length)
  }
  return format
}

/** The command words of an invocation (`endpoint status`, `lease timetolive`, `get`). */
export function commandOf(args: readonly string[]): string {
  const words: string[] = []
  for (const arg of args) {
    if (arg.startsWith('-')) break
    words.push(arg)
    if (words.length === 2) break
  }
  const [first = '', second = ''] = words
  return ['endpoint', 'lease', 'member', 'alarm', 'snapshot'].includes(first) ? `${first} ${second}` : first
}

/** The first positional argument after the command word (`lock <name>`, `elect <name>`), if any. */
function firstOperand(args: readonly string[]): string | undefined {
  const positional = args.filter((arg) => !arg.startsWith('-'))
  return positional[1]
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A Go `time.Duration` as printed by `%v` (`1.2ms`, `850µs`, `1m2.5s`). */
const DURATION = String.raw`(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+`

function replaceKnownValues(text: string, context: NormalizeContext): string {
  let result = text
  const paths = [...context.paths].sort((a, b) => b[0].length - a[0].length)
  for (const [path, placeholder] of paths) result = result.split(path).join(placeholder)
  result = result
    .replace(new RegExp(`127\\.0\\.0\\.1:${context.clientPort}(?!\\d)`, 'g'), '127.0.0.1:<CLIENT_PORT>')
    .replace(new RegExp(`127\\.0\\.0\\.1:${context.peerPort}(?!\\d)`, 'g'), '127.0.0.1:<PEER_PORT>')
  for (const [id, placeholder] of context.ids) {
    if (id < MIN_REPLACEABLE_ID) continue
    const decimal = id.toString(10)
    const hex = id.toString(16)
    const padded = hex.padStart(16, '0')
    result = result.replace(new RegExp(`(?<![0-9])${decimal}(?![0-9])`, 'g'), placeholder)
    for (const form of new Set([padded, hex])) {
      result = result.replace(new RegExp(`(?<![0-9a-fA-F])${form}(?![0-9a-fA-F])`, 'g'), placeholder)
    }
  }
  return result
}

// JSON (-w json): "key":value pairs, wherever they are nested.
const JSON_RULES: readonly [RegExp, string][] = [
  [/"raft_term":\d+/g, '"raft_term":"<RAFT_TERM>"'],
  [/"raftTerm":\d+/g, '"raftTerm":"<RAFT_TERM>"'],
  [/"raftIndex":\d+/g, '"raftIndex":"<RAFT_INDEX>"'],
  [/"raftAppliedIndex":\d+/g, '"raftAppliedIndex":"<RAFT_APPLIED_INDEX>"'],
  [/"dbSize":\d+/g, '"dbSize":"<DB_SIZE>"'],
  [/"dbSizeInUse":\d+/g, '"dbSizeInUse":"<DB_SIZE_IN_USE>"'],
  // Only the string-valued server version; a key's "version" is a number and is kept.
  [/"version":"[^"]*"/g, '"version":"<VERSION>"'],
  [new RegExp(`"took":"${DURATION}"`, 'g'), '"took":"<DURATION>"'],
]

// Fields (-w fields): `"Name" : value` lines.
const FIELDS_RULES: readonly [RegExp, string][] = [
  [/^"RaftTerm" : \d+$/gm, '"RaftTerm" : <RAFT_TERM>'],
  [/^"RaftIndex" : \d+$/gm, '"RaftIndex" : <RAFT_INDEX>'],
  [/^"RaftAppliedIndex" : \d+$/gm, '"RaftAppliedIndex" : <RAFT_APPLIED_INDEX>'],
  [/^"DBSize" : \d+$/gm, '"DBSize" : <DB_SIZE>'],
  [/^"DBSizeInUse" : \d+$/gm, '"DBSizeInUse" : <DB_SIZE_IN_USE>'],
  [/^"Version" : "[^"]*"$/gm, '"Version" : "<VERSION>"'],
  [new RegExp(`^"Took" : ${DURATION}$`, 'gm'), '"Took" : <DURATION>'],
]

// Table (-w table) column names whose cells are normalized, and how.
const TABLE_COLUMNS: Readonly<Record<string, string>> = {
  VERSION: '<VERSION>',
  'DB SIZE': '<SIZE>',
  'RAFT TERM': '<RAFT_TERM>',
  'RAFT INDEX': '<RAFT_INDEX>',
  'RAFT APPLIED INDEX': '<RAFT_APPLIED_INDEX>',
  TOOK: '<DURATION>',
}

// `snapshot status -w table` also has a file hash and a file size.
const SNAPSHOT_TABLE_COLUMNS: Readonly<Record<string, string>> = {
  ...TABLE_COLUMNS,
  HASH: '<FILE_HASH>',
  'TOTAL SIZE': '<SIZE>',
}

/**
 * Tables are rendered client-side with widths that follow the (normalized) cell contents, so
 * they are compared cell by cell: borders become `+-+-+`, rows `| a | b |` with trimmed cells.
 */
function normalizeTable(text: string, columns: Readonly<Record<string, string>>): string {
  const lines = text.split('\n')
  let header: string[] | undefined
  return lines
    .map((line) => {
      if (/^\+[-+]+\+$/.test(line)) return `+${'-+'.repeat(line.split('+').length - 2)}`
      if (!line.startsWith('|')) return line
      const cells = line
        .slice(1, line.endsWith('|') ? -1 : undefined)
        .split('|')
        .map((cell) => cell.trim())
      if (header === undefined) {
        header = cells
      } else {
        for (let i = 0; i < cells.length; i++) {
          const placeholder = columns[header[i] ?? '']
          if (placeholder !== undefined && cells[i] !== '') cells[i] = placeholder
        }
      }
      return `| ${cells.join(' | ')} |`
    })
    .join('\n')
}

function normalizeSimple(text: string, command: string): string {
  let result = text.replace(new RegExp(`took = ${DURATION}`, 'g'), 'took = <DURATION>')
  if (command === 'endpoint status') {
    // endpoint, ID, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors
    result = result
      .split('\n')
      .map((line) => {
        const fields = line.split(', ')
        if (fields.length < 9 || !fields[0]?.includes('127.0.0.1')) return line
        fields[2] = '<VERSION>'
        fields[3] = '<SIZE>'
        fields[6] = '<RAFT_TERM>'
        fields[7] = '<RAFT_INDEX>'
        fields[8] = '<RAFT_APPLIED_INDEX>'
        return fields.join(', ')
      })
      .join('\n')
  }
  if (command === 'snapshot status') {
    // hash, revision, total keys, total size
    result = result.replace(/^[0-9a-f]+, (\d+), (\d+), .+$/gm, '<FILE_HASH>, $1, $2, <SIZE>')
  }
  if (command === 'lease list') result = sortLeaseList(result)
  return result
}

/** `lease list`: `found N leases`, then one ID a line, in Go map order; sorted here. */
function sortLeaseList(text: string): string {
  const lines = text.split('\n')
  const first = lines.findIndex((line) => /^found \d+ leases$/.test(line))
  if (first < 0) return text
  let end = first + 1
  while (end < lines.length && lines[end] !== '') end++
  const ids = lines.slice(first + 1, end).sort()
  return [...lines.slice(0, first + 1), ...ids, ...lines.slice(end)].join('\n')
}

/** Sorts the comma-separated items of a JSON array (its items must not contain commas). */
function sortJsonArray(text: string, name: string): string {
  return text.replace(new RegExp(`"${name}":\\[([^\\]]*)\\]`, 'g'), (_, items: string) => {
    const sorted = items === '' ? [] : items.split(',').sort()
    return `"${name}":[${sorted.join(',')}]`
  })
}

/** Sorts every run of consecutive lines starting with `prefix` (fields output of Go map order). */
function sortLineRuns(text: string, prefix: string): string {
  const lines = text.split('\n')
  for (let start = 0; start < lines.length; start++) {
    if (!(lines[start] as string).startsWith(prefix)) continue
    let end = start
    while (end < lines.length && (lines[end] as string).startsWith(prefix)) end++
    lines.splice(start, end - start, ...lines.slice(start, end).sort())
    start = end
  }
  return lines.join('\n')
}

/**
 * Normalizes one etcdctl stdout for the given invocation. `lease timetolive`'s remaining TTL is
 * pulled out into `fuzzy` (in order) and replaced by `<REMAINING#n>`.
 */
export function normalizeStdout(stdout: string, args: readonly string[], context: NormalizeContext): Normalized {
  const format = outputFormat(args)
  const command = commandOf(args)
  const fuzzy: number[] = []
  let text = replaceKnownValues(stdout, context)
  const name = command === 'lock' || command === 'elect' ? firstOperand(args) : undefined
  if (name !== undefined) {
    // The key of a lock or election is the name plus its session's lease ID in hex (unpadded).
    text = text.replace(new RegExp(`${escapeRegExp(name)}/[0-9a-f]+(?![0-9a-f])`, 'g'), `${name}/<SESSION_LEASE>`)
  }
  if (command.startsWith('member ')) {
    // `Member %16x added to cluster %16x`: `%16x` pads a short hex ID with spaces.
    text = text.replace(/\b(Member|cluster) +(<[A-Z_]+(?::\w+)?>)/g, '$1 $2')
  }
  if (command === 'member add') {
    text = text.replace(/^ETCD_INITIAL_CLUSTER="([^"]*)"$/m, (_, members: string) => {
      return `ETCD_INITIAL_CLUSTER="${members.split(',').sort().join(',')}"`
    })
  }
  const takeFuzzy = (value: string): string => {
    fuzzy.push(Number(value))
    return `<REMAINING#${fuzzy.length}>`
  }
  if (format === 'json') {
    for (const [pattern, replacement] of JSON_RULES) text = text.replace(pattern, replacement)
    if (command === 'lease timetolive') {
      text = text.replace(/"ttl":(-?\d+)/g, (_, value: string) => `"ttl":${takeFuzzy(value)}`)
      text = sortJsonArray(text, 'keys')
    }
    if (command === 'lease list') text = sortJsonArray(text, 'leases')
    if (command === 'snapshot status') {
      text = text.replace(/"hash":\d+/g, '"hash":"<FILE_HASH>"').replace(/"totalSize":\d+/g, '"totalSize":"<SIZE>"')
    }
  } else if (format === 'fields') {
    for (const [pattern, replacement] of FIELDS_RULES) text = text.replace(pattern, replacement)
    if (command === 'lease timetolive') {
      text = text.replace(/^"TTL" : (-?\d+)$/gm, (_, value: string) => `"TTL" : ${takeFuzzy(value)}`)
      text = sortLineRuns(text, '"Key" : ')
    }
    if (command === 'lease list') text = sortLineRuns(text, '"ID" : ')
    if (command === 'snapshot status') {
      text = text.replace(/^"Hash" : \d+$/gm, '"Hash" : <FILE_HASH>').replace(/^"Size" : \d+$/gm, '"Size" : <SIZE>')
    }
  } else if (format === 'table') {
    text = normalizeTable(text, command === 'snapshot status' ? SNAPSHOT_TABLE_COLUMNS : TABLE_COLUMNS)
  } else {
    text = normalizeSimple(text, command)
    text = text.replace(/remaining\((-?\d+)s\)/g, (_, value: string) => `remaining(${takeFuzzy(value)}s)`)
    // `attached keys([k2 k1])`: the lease's keys in Go map order.
    text = text.replace(
      /attached keys\(\[([^\]]*)\]\)/g,
      (_, keys: string) => `attached keys([${keys.split(' ').sort().join(' ')}])`,
    )
  }
  return { text, fuzzy }
}

/** Go's log package prefix (`2024/01/02 15:04:05.000000 `), as grpc-go warnings carry it. */
const GO_LOG_TIMESTAMP = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? /

/**
 * Normalizes etcdctl's stderr: zap JSON log lines lose `ts`, their client UUID (`target`), their
 * `took` and `size`; Go log lines lose their timestamp; the arguments and offsets of a Go panic's
 * stack frames (`(0xc0002ac440?, {0x0?})`, `+0x45`) become `0x?`; known values are replaced as
 * on stdout.
 */
export function normalizeStderr(stderr: string, context: NormalizeContext): string {
  // `endpoint health` prints its simple output on stderr.
  let text = replaceKnownValues(stderr, context).replace(new RegExp(`took = ${DURATION}`, 'g'), 'took = <DURATION>')
  if (/^goroutine \d+ \[/m.test(text)) text = text.replace(/0x[0-9a-f]+/g, '0x?')
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('{') && line.endsWith('}')) {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>
          delete entry.ts
          if (typeof entry.target === 'string') {
            entry.target = entry.target.replace(/client-[0-9a-f-]{36}/g, 'client-<UUID>')
          }
          if ('took' in entry) entry.took = '<DURATION>'
          if ('size' in entry) entry.size = '<SIZE>'
          return JSON.stringify(entry)
        } catch {
          return line
        }
      }
      return line.replace(GO_LOG_TIMESTAMP, '')
    })
    .join('\n')
}

/** A protobuf field as parsed without a schema: number, wire type, and its value. */
interface WireField {
  readonly field: number
  readonly wireType: number
  readonly value: bigint | Uint8Array
}

function readVarint(bytes: Uint8Array, offset: number): [bigint, number] {
  let result = 0n
  let shift = 0n
  let position = offset
  for (;;) {
    if (position >= bytes.length) throw new Error('truncated varint')
    const byte = bytes[position] as number
    position++
    result |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) return [result, position]
    shift += 7n
  }
}

function parseWire(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = []
  let offset = 0
  while (offset < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, offset)
    const field = Number(tag >> 3n)
    const wireType = Number(tag & 7n)
    if (wireType === 0) {
      const [value, next] = readVarint(bytes, afterTag)
      fields.push({ field, wireType, value })
      offset = next
    } else if (wireType === 2) {
      const [length, start] = readVarint(bytes, afterTag)
      const end = start + Number(length)
      if (end > bytes.length) throw new Error('truncated length-delimited field')
      fields.push({ field, wireType, value: bytes.subarray(start, end) })
      offset = end
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4
      fields.push({ field, wireType, value: bytes.subarray(afterTag, afterTag + size) })
      offset = afterTag + size
    } else {
      throw new Error(`unsupported wire type ${wireType}`)
    }
  }
  return fields
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/**
 * Renders `etcdctl -w protobuf` output (one marshalled response) as text: every top-level field
 * as is (bytes in hex) except field 1, the ResponseHeader, which is decoded so that its
 * cluster_id (1), member_id (2) and raft_term (4) can be normalized while its revision (3) is kept.
 * Anything that does not parse is shown as raw hex.
 */
export function normalizeProtobuf(bytes: Uint8Array, context: NormalizeContext): string {
  let fields: WireField[]
  try {
    fields = parseWire(bytes)
  } catch (error) {
    return `unparsable protobuf (${String(error)}): ${hex(bytes)}`
  }
  const idName = (value: bigint): string => context.ids.get(value) ?? value.toString()
  const lines: string[] = []
  for (const { field, wireType, value } of fields) {
    if (field === 1 && wireType === 2 && value instanceof Uint8Array) {
      let header: WireField[]
      try {
        header = parseWire(value)
      } catch {
        lines.push(`1 bytes ${hex(value)}`)
        continue
      }
      for (const sub of header) {
        const raw = typeof sub.value === 'bigint' ? sub.value : undefined
        const shown =
          raw === undefined
            ? hex(sub.value as Uint8Array)
            : sub.field === 1 || sub.field === 2
              ? idName(raw)
              : sub.field === 4
                ? '<RAFT_TERM>'
                : raw.toString()
        lines.push(`1.${sub.field} ${shown}`)
      }
    } else {
      lines.push(`${field} ${typeof value === 'bigint' ? `varint ${value}` : `bytes ${hex(value)}`}`)
    }
  }
  return lines.join('\n')
}
