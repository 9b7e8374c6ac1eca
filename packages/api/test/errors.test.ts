// The error table against etcd's, read in place from the reference (never copied):
// ../shared/reference/etcd-api.md §3 lists rpctypes' errors with gRPC code and exact message
// (etcd 3.4 `etcdserver/api/v3rpc/rpctypes/error.go`), and §4.2 the gateway's HTTP statuses.
// Clients match the message text byte for byte, so the text is the contract here.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import {
  ETCD_ERRORS,
  EtcdError,
  type EtcdErrorCode,
  fromGrpcStatus,
  GrpcStatus,
  grpcCodeToHttpStatus,
  toGrpcStatus,
  WatchCancelReason,
} from '../src/index.js'
import { PACKAGE_DIR } from './protos.js'

/** etcd's API reference: `$ETCD_API_REFERENCE`, else `../shared/reference/etcd-api.md` next to the repository. */
const REFERENCE = process.env.ETCD_API_REFERENCE ?? resolve(PACKAGE_DIR, '../../../shared/reference/etcd-api.md')

/**
 * The reference's text, or `undefined` after skipping the test loudly; under `CI=true` a
 * missing reference fails instead: CI must check the table.
 */
function readReference(t: TestContext): string | undefined {
  if (existsSync(REFERENCE)) return readFileSync(REFERENCE, 'utf8')
  const message = `etcd API reference not found at ${REFERENCE} (set ETCD_API_REFERENCE): the error table is NOT checked against etcd`
  if (process.env.CI === 'true') throw new Error(message)
  console.warn(`SKIPPED: ${message}`)
  t.skip(message)
  return undefined
}

/** The text of the section whose heading starts with `heading`, up to the next heading of its level. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}`)
  assert.ok(start >= 0, `the reference has no section "${heading}"`)
  const level = heading.slice(0, heading.indexOf(' ') + 1)
  const end = markdown.indexOf(`\n${level}`, start + heading.length + 1)
  return markdown.slice(start, end < 0 ? undefined : end)
}

/** Go's spelling of a gRPC code (`codes.Canceled`) → ours (grpc's `CANCELLED`). */
function grpcCodeNamed(name: string): number {
  const ours = name === 'CANCELED' ? 'CANCELLED' : name
  const code = (GrpcStatus as Record<string, number>)[ours]
  assert.ok(code !== undefined, `unknown gRPC code name ${name}`)
  return code
}

interface TableRow {
  name: string
  code: number
  message: string
}

/** §3's table: `| ErrGRPCEmptyKey | INVALID_ARGUMENT (3) | \`etcdserver: key is not provided\` | … |`. */
function errorTable(markdown: string): TableRow[] {
  const rows: TableRow[] = []
  for (const line of section(markdown, '## 3.').split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    if (!cells[1]?.startsWith('Err')) continue
    // "UNAVAILABLE (main: FAILED_PRECONDITION)": the 3.4 code comes first. "OUT_OF_RANGE (11)": a number too.
    const codeCell = /^([A-Z_]+)(?: \((\d+)\))?/.exec(cells[2] ?? '')
    const message = /^`([^`]+)`$/.exec(cells[3] ?? '')
    assert.ok(codeCell && message, `cannot read the reference row ${line}`)
    const code = grpcCodeNamed(codeCell[1] as string)
    if (codeCell[2] !== undefined) assert.equal(code, Number(codeCell[2]), `${cells[1]}: code name and number differ`)
    rows.push({ name: cells[1], code, message: message[1] as string })
  }
  return rows
}

const codes = Object.keys(ETCD_ERRORS) as EtcdErrorCode[]

describe('ETCD_ERRORS against etcd (reference §3, read in place)', () => {
  it('has every rpctypes error with etcd 3.4’s gRPC code and exact message', (t) => {
    const markdown = readReference(t)
    if (markdown === undefined) return
    const rows = errorTable(markdown)
    assert.ok(rows.length >= 50, `expected the reference table to have about 52 rows, found ${rows.length}`)
    for (const row of rows) {
      const code = codes.find((c) => ETCD_ERRORS[c].message === row.message)
      assert.ok(code, `${row.name}: no error with the message ${JSON.stringify(row.message)}`)
      assert.equal(ETCD_ERRORS[code].grpcCode, row.code, `${row.name} (${code}): gRPC code`)
    }
  })

  it('has the later errors and the ones outside rpctypes that the reference names', (t) => {
    const markdown = readReference(t)
    if (markdown === undefined) return
    const text = section(markdown, '## 3.')
    const after = /Added after 3\.4 \(main\):([\s\S]*?)\n\n/.exec(text)?.[1]
    const outside = /Errors outside that table that clients can see:([\s\S]*?)\n\n/.exec(text)?.[1]
    assert.ok(after && outside, 'the reference no longer has the paragraphs this test reads')
    // Backticked messages ("component: text", possibly wrapped over two lines), each maybe
    // followed by its gRPC code in parentheses.
    const messages = (paragraph: string) =>
      [...paragraph.replace(/\s+/g, ' ').matchAll(/`([a-z]+: [^`]+)`(?:\s*\(([A-Z_]+)\))?/g)].map(
        ([, message, codeName]) => [message as string, codeName] as const,
      )

    const later = messages(after)
    assert.ok(later.length >= 6)
    for (const [message, codeName] of later) {
      const code = codes.find((c) => ETCD_ERRORS[c].message === message)
      assert.ok(code, `no error with the later message ${JSON.stringify(message)}`)
      if (codeName !== undefined) assert.equal(ETCD_ERRORS[code].grpcCode, grpcCodeNamed(codeName), code)
    }

    // "… `election: no leader`, `election: not leader` (UNKNOWN, from the Election service); watch
    // `cancel_reason`s `mvcc: …` and `mvcc: …`; `auth: …` (UNKNOWN)."
    const seen = messages(outside)
    assert.ok(seen.length >= 5)
    for (const [message] of seen) {
      if (message.startsWith('mvcc: ')) {
        assert.ok(Object.values(WatchCancelReason).includes(message as WatchCancelReason), `cancel reason ${message}`)
        continue
      }
      const code = codes.find((c) => ETCD_ERRORS[c].message === message)
      assert.ok(code, `no error with the message ${JSON.stringify(message)}`)
      assert.equal(ETCD_ERRORS[code].grpcCode, GrpcStatus.UNKNOWN, code)
    }
  })

  it('answers the gateway’s HTTP status for each gRPC code (reference §4.2)', (t) => {
    const markdown = readReference(t)
    if (markdown === undefined) return
    // "Errors: … with HTTP status from the gRPC code: INVALID_ARGUMENT/OUT_OF_RANGE 400, NOT_FOUND 404, …"
    const text = section(markdown, '### 4.2').replace(/\s+/g, ' ')
    const list = /HTTP status from the gRPC code:(.*?)\. /.exec(text)?.[1]
    assert.ok(list, 'the reference no longer lists HTTP statuses per gRPC code')
    let checked = 0
    for (const [, names, status] of list.matchAll(/([A-Z_/]+) (\d{3})/g)) {
      for (const name of (names as string).split('/')) {
        assert.equal(grpcCodeToHttpStatus(grpcCodeNamed(name)), Number(status), name)
        checked++
      }
    }
    assert.ok(checked >= 9, `read only ${checked} statuses from the reference`)
  })
})

describe('ETCD_ERRORS', () => {
  it('has one message per error, each starting with its component', () => {
    const messages = codes.map((c) => ETCD_ERRORS[c].message)
    assert.equal(new Set(messages).size, messages.length, 'fromGrpcStatus looks errors up by message')
    for (const code of codes) {
      assert.match(ETCD_ERRORS[code].message, /^(etcdserver|election|auth): /, code)
      assert.ok(Object.values(GrpcStatus).includes(ETCD_ERRORS[code].grpcCode as GrpcStatus), code)
      assert.match(code, /^[A-Z0-9_]+$/)
    }
  })
})

describe('EtcdError', () => {
  it('carries the code, gRPC code and exact message of its entry', () => {
    const cause = new Error('mvcc: required revision has been compacted')
    const error = new EtcdError('COMPACTED', { cause })
    assert.ok(error instanceof Error)
    assert.equal(error.name, 'EtcdError')
    assert.equal(error.code, 'COMPACTED')
    assert.equal(error.grpcCode, GrpcStatus.OUT_OF_RANGE)
    assert.equal(error.message, 'etcdserver: mvcc: required revision has been compacted')
    assert.equal(error.cause, cause)
  })

  it('throws a TypeError for a code it does not know', () => {
    assert.throws(() => new EtcdError('NO_SUCH_ERROR' as EtcdErrorCode), TypeError)
  })
})

describe('toGrpcStatus and fromGrpcStatus', () => {
  it('round-trip every error', () => {
    for (const code of codes) {
      const status = toGrpcStatus(new EtcdError(code))
      assert.deepEqual(status, { code: ETCD_ERRORS[code].grpcCode, details: ETCD_ERRORS[code].message })
      const back = fromGrpcStatus(status)
      assert.ok(back instanceof EtcdError, code)
      assert.equal(back.code, code)
      assert.equal(back.grpcCode, ETCD_ERRORS[code].grpcCode)
    }
  })

  it('map an error from another copy of this package by its code (duck typing)', () => {
    const foreign = Object.assign(new Error('whatever'), { code: 'NO_LEADER', grpcCode: 14 })
    assert.deepEqual(toGrpcStatus(foreign), { code: GrpcStatus.UNAVAILABLE, details: 'etcdserver: no leader' })
    // a `code` that is not ours (a Node system error) is not mistaken for one
    const system = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', grpcCode: 14 })
    assert.deepEqual(toGrpcStatus(system), { code: GrpcStatus.UNKNOWN, details: 'connect ECONNREFUSED' })
  })

  it('send cancellation and deadlines as etcd does, anything else as UNKNOWN with its text', () => {
    const abort = new DOMException('This operation was aborted', 'AbortError')
    assert.deepEqual(toGrpcStatus(abort), { code: GrpcStatus.CANCELLED, details: 'etcdserver: request canceled' })
    const timeout = new DOMException('The operation timed out', 'TimeoutError')
    assert.deepEqual(toGrpcStatus(timeout), {
      code: GrpcStatus.DEADLINE_EXCEEDED,
      details: 'etcdserver: context deadline exceeded',
    })
    assert.deepEqual(toGrpcStatus(new Error('disk on fire')), { code: GrpcStatus.UNKNOWN, details: 'disk on fire' })
    assert.deepEqual(toGrpcStatus('plain string'), { code: GrpcStatus.UNKNOWN, details: 'plain string' })
    assert.deepEqual(toGrpcStatus(undefined), { code: GrpcStatus.UNKNOWN, details: 'undefined' })
  })

  it('recognise a status by its exact message only, whatever its code (as clientv3 does)', () => {
    assert.equal(fromGrpcStatus({ code: GrpcStatus.UNAVAILABLE, details: 'etcdserver: no leader' })?.code, 'NO_LEADER')
    assert.equal(fromGrpcStatus({ code: GrpcStatus.UNKNOWN, details: 'etcdserver: no leader' })?.code, 'NO_LEADER')
    assert.equal(fromGrpcStatus({ code: GrpcStatus.UNAVAILABLE, details: 'etcdserver: no leader ' }), undefined)
    assert.equal(fromGrpcStatus({ code: GrpcStatus.UNAVAILABLE, details: 'Etcdserver: no leader' }), undefined)
    assert.equal(fromGrpcStatus({ code: GrpcStatus.UNAVAILABLE, details: 'No connection established' }), undefined)
    assert.equal(fromGrpcStatus({ code: GrpcStatus.OK, details: '' }), undefined)
  })
})

describe('grpcCodeToHttpStatus', () => {
  it('is grpc-gateway v1’s HTTPStatusFromCode', () => {
    // grpc-gateway v1 runtime/errors.go, which etcd 3.4/3.5 use (v2 answers 400 for FAILED_PRECONDITION).
    const expected: Record<keyof typeof GrpcStatus, number> = {
      OK: 200,
      CANCELLED: 408,
      UNKNOWN: 500,
      INVALID_ARGUMENT: 400,
      DEADLINE_EXCEEDED: 504,
      NOT_FOUND: 404,
      ALREADY_EXISTS: 409,
      PERMISSION_DENIED: 403,
      RESOURCE_EXHAUSTED: 429,
      FAILED_PRECONDITION: 412,
      ABORTED: 409,
      OUT_OF_RANGE: 400,
      UNIMPLEMENTED: 501,
      INTERNAL: 500,
      UNAVAILABLE: 503,
      DATA_LOSS: 500,
      UNAUTHENTICATED: 401,
    }
    for (const [name, status] of Object.entries(expected)) {
      assert.equal(grpcCodeToHttpStatus(GrpcStatus[name as keyof typeof GrpcStatus]), status, name)
    }
    assert.equal(grpcCodeToHttpStatus(17), 500)
    assert.equal(grpcCodeToHttpStatus(-1), 500)
  })

  it('gives the statuses the reference observed through etcd’s gateway', () => {
    // Authenticate while auth is disabled: 412 (reference §3, ErrGRPCAuthNotEnabled).
    assert.equal(grpcCodeToHttpStatus(ETCD_ERRORS.AUTH_NOT_ENABLED.grpcCode), 412)
    assert.equal(grpcCodeToHttpStatus(ETCD_ERRORS.COMPACTED.grpcCode), 400)
    assert.equal(grpcCodeToHttpStatus(ETCD_ERRORS.INVALID_AUTH_TOKEN.grpcCode), 401)
  })
})
