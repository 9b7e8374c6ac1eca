// Go's flag syntax over etcd 3.4's flag table. The messages are the wire contract here: they are
// what Go's flag package prints, checked against `/usr/bin/etcd` 3.4.23.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  FLAGS,
  FLAGS_BY_NAME,
  type FlagSpec,
  FlagSyntaxError,
  flagToEnv,
  parseCommandLine,
  parseFlagValue,
} from '../src/flags.js'
import { GoValueError } from '../src/go-syntax.js'

function spec(name: string): FlagSpec {
  const found = FLAGS_BY_NAME.get(name)
  assert.ok(found, `flag ${name} exists`)
  return found
}

function syntaxError(argv: string[]): FlagSyntaxError {
  try {
    parseCommandLine(argv)
  } catch (error) {
    assert.ok(error instanceof FlagSyntaxError, `expected FlagSyntaxError, got ${String(error)}`)
    assert.equal(error.code, 'DAEMON_FLAG_SYNTAX')
    return error
  }
  assert.fail(`${JSON.stringify(argv)} parsed`)
}

describe('FLAGS (etcd 3.4 defaults)', () => {
  const defaults: [string, unknown][] = [
    ['name', 'default'],
    ['data-dir', ''], // etcd's '${name}.etcd', resolved later
    ['wal-dir', ''],
    ['listen-client-urls', ['http://localhost:2379']],
    ['advertise-client-urls', ['http://localhost:2379']],
    ['listen-peer-urls', ['http://localhost:2380']],
    ['initial-advertise-peer-urls', ['http://localhost:2380']],
    ['initial-cluster', 'default=http://localhost:2380'],
    ['initial-cluster-state', 'new'],
    ['initial-cluster-token', 'etcd-cluster'],
    ['snapshot-count', 100_000],
    ['heartbeat-interval', 100],
    ['election-timeout', 1000],
    ['quota-backend-bytes', 0],
    ['max-txn-ops', 128],
    ['max-request-bytes', 1_572_864],
    ['max-snapshots', 5],
    ['max-wals', 5],
    ['auto-compaction-mode', 'periodic'],
    ['auto-compaction-retention', '0'],
    ['experimental-watch-progress-notify-interval', 600_000],
    ['grpc-keepalive-min-time', 5_000],
    ['grpc-keepalive-interval', 7_200_000],
    ['grpc-keepalive-timeout', 20_000],
    ['strict-reconfig-check', true],
    ['log-level', 'info'],
    ['log-outputs', ['default']],
    ['backend', 'level'],
  ]
  for (const [name, value] of defaults) {
    it(`--${name} defaults to ${JSON.stringify(value)}`, () => {
      assert.deepEqual(spec(name).defaultValue, value)
    })
  }

  it('names each flag once', () => {
    assert.equal(FLAGS_BY_NAME.size, FLAGS.length)
  })

  it('gives every refused flag the feature it lacks, and every choice flag its choices', () => {
    for (const flag of FLAGS) {
      if (flag.support === 'refused') assert.ok(flag.missingFeature, flag.name)
      if (flag.kind === 'choice') {
        assert.ok(flag.choices?.includes(flag.defaultValue as string), `${flag.name}: default among choices`)
      }
    }
  })

  it('has the default of every parsable flag survive its own parser', () => {
    for (const flag of FLAGS) {
      if (flag.kind === 'removed' || flag.kind === 'duration' || flag.defaultText === "''") continue
      const text = flag.defaultText.replace(/^'|'$/g, '')
      if (text.includes('$') || text.startsWith('math.')) continue
      assert.deepEqual(parseFlagValue(flag, text, flag.defaultValue), flag.defaultValue, flag.name)
    }
  })
})

describe('flagToEnv (pkg/flags.FlagToEnv)', () => {
  it('upper-cases, swaps dashes for underscores and prefixes ETCD_', () => {
    assert.equal(flagToEnv('data-dir'), 'ETCD_DATA_DIR')
    assert.equal(flagToEnv('name'), 'ETCD_NAME')
    assert.equal(flagToEnv('experimental-enable-lease-checkpoint'), 'ETCD_EXPERIMENTAL_ENABLE_LEASE_CHECKPOINT')
    assert.equal(flagToEnv('backend'), 'ETCD_BACKEND')
  })
})

describe('parseFlagValue (the Go flag types)', () => {
  it('reads uint flags with strconv base 0', () => {
    assert.equal(parseFlagValue(spec('snapshot-count'), '5000', 0), 5000)
    assert.equal(parseFlagValue(spec('snapshot-count'), '0x10', 0), 16)
    assert.equal(parseFlagValue(spec('snapshot-count'), '1_000', 0), 1000)
    assert.throws(() => parseFlagValue(spec('snapshot-count'), '-1', 0), GoValueError)
    assert.throws(() => parseFlagValue(spec('snapshot-count'), 'abc', 0), { message: 'parse error' })
  })

  it('reads int flags with a sign', () => {
    assert.equal(parseFlagValue(spec('quota-backend-bytes'), '-1', 0), -1)
    assert.equal(parseFlagValue(spec('quota-backend-bytes'), '8589934592', 0), 8_589_934_592)
  })

  it('reads durations as milliseconds', () => {
    assert.equal(parseFlagValue(spec('experimental-watch-progress-notify-interval'), '5s', 0), 5000)
    assert.equal(parseFlagValue(spec('backend-batch-interval'), '10ms', 0), 10)
    assert.throws(() => parseFlagValue(spec('backend-batch-interval'), '10', 0), { message: 'parse error' })
  })

  it('reads URL lists, sorted, and keeps the old value for an empty one (UniqueURLs)', () => {
    const urls = spec('listen-client-urls')
    assert.deepEqual(parseFlagValue(urls, 'http://127.0.0.2:2379,http://127.0.0.1:2379', []), [
      'http://127.0.0.1:2379',
      'http://127.0.0.2:2379',
    ])
    assert.deepEqual(parseFlagValue(urls, '', ['http://localhost:2379']), ['http://localhost:2379'])
    assert.throws(() => parseFlagValue(urls, 'localhost:2379', []), GoValueError)
  })

  it('reads unique string lists sorted, plain string lists as given', () => {
    assert.deepEqual(parseFlagValue(spec('log-outputs'), 'stdout,stderr,stdout', []), ['stderr', 'stdout'])
    assert.deepEqual(parseFlagValue(spec('cipher-suites'), 'b,a', []), ['b', 'a'])
    assert.deepEqual(parseFlagValue(spec('cipher-suites'), '', ['x']), [])
  })

  it('accepts only the listed choices', () => {
    assert.equal(parseFlagValue(spec('backend'), 'memory', 'level'), 'memory')
    assert.equal(parseFlagValue(spec('initial-cluster-state'), 'existing', 'new'), 'existing')
    assert.throws(() => parseFlagValue(spec('backend'), 'rocksdb', 'level'), { message: 'invalid value' })
  })
})

describe('parseCommandLine (Go flag.FlagSet.Parse)', () => {
  it('takes --flag=value, --flag value, -flag=value and -flag value alike', () => {
    for (const argv of [['--name=infra1'], ['--name', 'infra1'], ['-name=infra1'], ['-name', 'infra1']]) {
      assert.equal(parseCommandLine(argv).values.get('name'), 'infra1', JSON.stringify(argv))
    }
  })

  it('reads booleans as -flag, --flag=false, never from the next argument', () => {
    assert.equal(parseCommandLine(['--enable-v2']).values.get('enable-v2'), true)
    assert.equal(parseCommandLine(['-enable-v2=false']).values.get('enable-v2'), false)
    assert.equal(parseCommandLine(['--enable-v2=0']).values.get('enable-v2'), false)
    const line = parseCommandLine(['--enable-v2', 'false'])
    assert.equal(line.values.get('enable-v2'), true)
    assert.deepEqual(line.positional, ['false'])
  })

  it('lets a later setting win, and takes a value that looks like a flag', () => {
    assert.equal(parseCommandLine(['--name', 'a', '--name=b']).values.get('name'), 'b')
    assert.equal(parseCommandLine(['--name', '--data-dir']).values.get('name'), '--data-dir')
  })

  it('keeps a value with = in it whole', () => {
    assert.equal(
      parseCommandLine(['--initial-cluster=a=http://127.0.0.1:2380,b=http://127.0.0.2:2380']).values.get(
        'initial-cluster',
      ),
      'a=http://127.0.0.1:2380,b=http://127.0.0.2:2380',
    )
  })

  it('stops at the first non-flag, at "-" and after "--"', () => {
    assert.deepEqual(parseCommandLine(['--name', 'a', 'extra', '--data-dir', 'x']).positional, [
      'extra',
      '--data-dir',
      'x',
    ])
    assert.deepEqual(parseCommandLine(['-', '--name', 'a']).positional, ['-', '--name', 'a'])
    const line = parseCommandLine(['--name', 'a', '--', '--data-dir', 'x'])
    assert.deepEqual(line.positional, ['--data-dir', 'x'])
    assert.equal(line.values.has('data-dir'), false)
  })

  it('asks for help on -h, --help and -help, even with a value', () => {
    for (const argv of [['-h'], ['--help'], ['-help'], ['--name', 'a', '--help=false']]) {
      assert.equal(parseCommandLine(argv).help, true, JSON.stringify(argv))
    }
    assert.equal(parseCommandLine(['--name', 'a']).help, false)
  })

  it("records etcd's removed flags and accepts them with a value", () => {
    const line = parseCommandLine(['-v', '--snapshot=false', '--name', 'a'])
    assert.deepEqual(line.removed, ['v', 'snapshot'])
    assert.equal(line.values.get('name'), 'a')
  })

  it("refuses what Go's flag package refuses, with its messages", () => {
    assert.equal(syntaxError(['--foo']).message, 'flag provided but not defined: -foo')
    assert.equal(syntaxError(['-foo=1']).message, 'flag provided but not defined: -foo')
    assert.equal(syntaxError(['--name']).message, 'flag needs an argument: -name')
    assert.equal(
      syntaxError(['--snapshot-count', 'abc']).message,
      'invalid value "abc" for flag -snapshot-count: parse error',
    )
    assert.equal(
      syntaxError(['--snapshot-count=-1']).message,
      'invalid value "-1" for flag -snapshot-count: parse error',
    )
    assert.equal(
      syntaxError(['--snapshot-count=18446744073709551616']).message,
      'invalid value "18446744073709551616" for flag -snapshot-count: value out of range',
    )
    assert.equal(
      syntaxError(['--enable-v2=maybe']).message,
      'invalid boolean value "maybe" for -enable-v2: parse error',
    )
    assert.equal(
      syntaxError(['--backend', 'rocksdb']).message,
      'invalid value "rocksdb" for flag -backend: invalid value',
    )
    assert.equal(syntaxError(['---name=a']).message, 'bad flag syntax: ---name=a')
    assert.equal(syntaxError(['-=a']).message, 'bad flag syntax: -=a')
  })
})
