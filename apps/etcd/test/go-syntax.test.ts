import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  bindUrlProblem,
  formatGoDuration,
  GoValueError,
  hostUrlProblem,
  parseGoAtoi,
  parseGoBool,
  parseGoDuration,
  parseGoInt,
  parseGoUint,
  parseGoUint32Decimal,
  parseUrlList,
  splitHostPort,
} from '../src/go-syntax.js'

const MS = 1_000_000n
const S = 1_000_000_000n

describe('parseGoDuration (time.ParseDuration)', () => {
  const valid: [string, bigint][] = [
    ['0', 0n],
    ['-0', 0n],
    ['+0', 0n],
    ['5s', 5n * S],
    ['30s', 30n * S],
    ['1478s', 1478n * S],
    ['-5s', -5n * S],
    ['+5s', 5n * S],
    ['-0s', 0n],
    ['5.0s', 5n * S],
    ['5.6s', 5n * S + 600n * MS],
    ['5.s', 5n * S],
    ['.5s', 500n * MS],
    ['1.0s', S],
    ['1.00s', S],
    ['1.004s', S + 4n * MS],
    ['100.00100s', 100n * S + MS],
    ['10ns', 10n],
    ['11us', 11_000n],
    ['12\u00b5s', 12_000n],
    ['12\u03bcs', 12_000n],
    ['13ms', 13n * MS],
    ['14s', 14n * S],
    ['15m', 15n * 60n * S],
    ['16h', 16n * 3600n * S],
    ['3h30m', (3n * 3600n + 30n * 60n) * S],
    ['10.5s4m', 4n * 60n * S + 10n * S + 500n * MS],
    ['-2m3.4s', -(2n * 60n * S + 3n * S + 400n * MS)],
    ['1h2m3s4ms5us6ns', 3600n * S + 2n * 60n * S + 3n * S + 4n * MS + 5_000n + 6n],
    ['39h9m14.425s', (39n * 3600n + 9n * 60n + 14n) * S + 425n * MS],
    ['52763797000ns', 52_763_797_000n],
    ['0.3333333333333333333h', 20n * 60n * S], // Go's float arithmetic
    ['9007199254740993ns', 9_007_199_254_740_993n],
    ['9223372036854775807ns', 9_223_372_036_854_775_807n],
    ['9223372036854775.807us', 9_223_372_036_854_775_807n],
    ['9223372036854ms775us807ns', 9_223_372_036_854_775_807n],
    ['1.000000001s', S + 1n],
    ['1.0000000001s', S],
    ['-9223372036854775808ns', -9_223_372_036_854_775_808n],
    ['100ms', 100n * MS],
    ['1h30m', 90n * 60n * S],
  ]
  for (const [text, nanos] of valid) {
    it(`parses ${JSON.stringify(text)}`, () => assert.equal(parseGoDuration(text), nanos))
  }

  const invalid: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['abc', 'time: invalid duration "abc"'],
    ['-1', 'time: missing unit in duration "-1"'],
    ['1.5', 'time: missing unit in duration "1.5"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ]
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)} with Go's message`, () => {
      assert.throws(() => parseGoDuration(text), { name: 'DurationSyntaxError', message })
    })
  }
})

describe('formatGoDuration (time.Duration.String)', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [1_100n, '1.1\u00b5s'],
    [2_200n * 1_000n, '2.2ms'],
    [100n * MS, '100ms'],
    [3_300n * MS, '3.3s'],
    [4n * 60n * S + 5n * S, '4m5s'],
    [4n * 60n * S + 5n * S + 1n * MS, '4m5.001s'],
    [5n * 3600n * S + 6n * 60n * S + 7n * S + MS, '5h6m7.001s'],
    [8n * 60n * S + 1n, '8m0.000000001s'],
    [10n * 60n * S, '10m0s'],
    [90n * 60n * S, '1h30m0s'],
    [S, '1s'],
    [-S, '-1s'],
    [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'],
  ]
  for (const [nanos, text] of cases) {
    it(`formats ${nanos}ns as ${text}`, () => assert.equal(formatGoDuration(nanos), text))
  }
  it('round-trips through parseGoDuration', () => {
    for (const [nanos] of cases) assert.equal(parseGoDuration(formatGoDuration(nanos)), nanos)
  })
})

describe('Go integers (strconv with base 0, as the flag package)', () => {
  it('parses decimal, hex, octal, binary and underscores', () => {
    assert.equal(parseGoUint('100000'), 100_000)
    assert.equal(parseGoUint('0x10'), 16)
    assert.equal(parseGoUint('0X1f'), 31)
    assert.equal(parseGoUint('010'), 8) // etcd: --heartbeat-interval=010 is 8ms
    assert.equal(parseGoUint('0o17'), 15)
    assert.equal(parseGoUint('0b101'), 5)
    assert.equal(parseGoUint('1_000'), 1000)
    assert.equal(parseGoUint('0x_1f'), 31)
    assert.equal(parseGoUint('0'), 0)
    assert.equal(parseGoInt('-5'), -5)
    assert.equal(parseGoInt('+5'), 5)
    assert.equal(parseGoInt('-0x10'), -16)
  })
  it('says "parse error" for bad syntax', () => {
    for (const text of ['', 'abc', '-1', '+1', '1.5', '1e3', '08', '0x', '1__0', '_1', '1_', ' 1', '0b2']) {
      assert.throws(() => parseGoUint(text), { name: 'GoValueError', message: 'parse error' }, text)
    }
    for (const text of ['', '-', '--1', '1-', 'x']) {
      assert.throws(() => parseGoInt(text), { message: 'parse error' }, text)
    }
  })
  it('says "value out of range" beyond 64 bits, and beyond what a number holds exactly', () => {
    assert.throws(() => parseGoUint('99999999999999999999999'), { message: 'value out of range' })
    assert.throws(() => parseGoUint('18446744073709551616'), { message: 'value out of range' })
    assert.throws(() => parseGoInt('9223372036854775808'), { message: 'value out of range' })
    assert.throws(() => parseGoInt('-9223372036854775809'), { message: 'value out of range' })
    // Ours: exact integers only.
    assert.throws(() => parseGoUint('9007199254740992'), { message: 'value out of range' })
    assert.equal(parseGoUint('9007199254740991'), Number.MAX_SAFE_INTEGER)
  })
  it('reports strconv text for the 32-bit decimal flag (--max-concurrent-streams)', () => {
    assert.equal(parseGoUint32Decimal('4294967295'), 4_294_967_295)
    assert.throws(() => parseGoUint32Decimal('abc'), {
      message: 'strconv.ParseUint: parsing "abc": invalid syntax',
    })
    assert.throws(() => parseGoUint32Decimal('5000000000'), {
      message: 'strconv.ParseUint: parsing "5000000000": value out of range',
    })
    assert.throws(() => parseGoUint32Decimal('0x10'), { message: /invalid syntax/ })
  })
  it('parseGoAtoi takes decimal integers only', () => {
    assert.equal(parseGoAtoi('5'), 5)
    assert.equal(parseGoAtoi('+5'), 5)
    assert.equal(parseGoAtoi('-1'), -1)
    assert.equal(parseGoAtoi('1.5'), undefined)
    assert.equal(parseGoAtoi('1h'), undefined)
    assert.equal(parseGoAtoi('0x1'), undefined)
  })
})

describe('parseGoBool (strconv.ParseBool)', () => {
  it('accepts exactly Go’s spellings', () => {
    for (const text of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(text), true)
    for (const text of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(text), false)
    for (const text of ['yes', 'no', 'on', 'tRUE', '', ' true', '2']) {
      assert.throws(() => parseGoBool(text), { message: 'parse error' }, text)
    }
  })
})

describe('URLs (etcd pkg/types.NewURLs and embed checks)', () => {
  it('sorts and de-duplicates, trimming spaces', () => {
    assert.deepEqual(parseUrlList('http://127.0.0.1:2,http://127.0.0.1:1, http://127.0.0.1:2'), [
      'http://127.0.0.1:1',
      'http://127.0.0.1:2',
    ])
    assert.deepEqual(parseUrlList('unix://localhost:1234'), ['unix://localhost:1234'])
    assert.deepEqual(parseUrlList('https://[::1]:2379'), ['https://[::1]:2379'])
    assert.deepEqual(parseUrlList('http://127.0.0.1:'), ['http://127.0.0.1:'])
  })
  const bad: [string, string][] = [
    ['foo', 'URL scheme must be http, https, unix, or unixs: foo'],
    ['ftp://127.0.0.1:1', 'URL scheme must be http, https, unix, or unixs: ftp://127.0.0.1:1'],
    ['localhost:2379', 'URL scheme must be http, https, unix, or unixs: localhost:2379'],
    ['127.0.0.1:2379', 'parse "127.0.0.1:2379": first path segment in URL cannot contain colon'],
    [':2379', 'parse ":2379": missing protocol scheme'],
    ['http://127.0.0.1', 'URL address does not have the form "host:port": http://127.0.0.1'],
    ['http://127.0.0.1:x', 'parse "http://127.0.0.1:x": invalid port ":x" after host'],
    ['http://127.0.0.1:2379/x', 'URL must not contain a path: http://127.0.0.1:2379/x'],
    ['http://127.0.0.1:2379/', 'URL must not contain a path: http://127.0.0.1:2379/'],
    ['', 'URL scheme must be http, https, unix, or unixs: '],
  ]
  for (const [text, message] of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseUrlList(text),
        (error: unknown) => error instanceof GoValueError && error.message === message,
      )
    })
  }
  it('net.SplitHostPort', () => {
    assert.deepEqual(splitHostPort('a:1'), { host: 'a', port: '1' })
    assert.deepEqual(splitHostPort('[::1]:1'), { host: '::1', port: '1' })
    assert.deepEqual(splitHostPort(':1'), { host: '', port: '1' })
    assert.equal(splitHostPort('a'), undefined)
    assert.equal(splitHostPort('::1:1'), undefined)
    assert.equal(splitHostPort('[::1]'), undefined)
  })
  it('listen URLs need an IP or localhost; advertised URLs need a host', () => {
    assert.equal(bindUrlProblem('http://127.0.0.1:1'), undefined)
    assert.equal(bindUrlProblem('http://[::1]:1'), undefined)
    assert.equal(bindUrlProblem('http://0.0.0.0:1'), undefined)
    assert.equal(bindUrlProblem('http://localhost:1'), undefined)
    assert.equal(bindUrlProblem('unix://anything:1'), undefined)
    assert.equal(bindUrlProblem('http://example.com:1'), 'expected IP in URL for binding (http://example.com:1)')
    assert.equal(bindUrlProblem('http://:1'), 'expected IP in URL for binding (http://:1)')
    assert.equal(hostUrlProblem('http://example.com:1'), undefined)
    assert.equal(hostUrlProblem('http://:1'), 'unexpected empty host (http://:1)')
  })
})
