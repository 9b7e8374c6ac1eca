// parseDaemonArgs: command line, ETCD_* environment and config file → the options of a run, with
// etcd 3.4's precedence rules, defaults and refusals (each checked against `/usr/bin/etcd` 3.4.23).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ETCD_DEFAULTS } from '@etcd-ts/server'
import { type DaemonOptions, parseDaemonArgs } from '../src/config.js'
import { DaemonArgsError, type DaemonArgsErrorCode } from '../src/errors.js'

type Env = Record<string, string | undefined>

/** A readFile over an in-memory map; a missing path fails like the real one (ENOENT). */
function files(contents: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = contents[path]
    if (text === undefined) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' })
    }
    return text
  }
}

function parse(argv: string[], env: Env = {}, contents: Record<string, string> = {}): DaemonOptions {
  return parseDaemonArgs(argv, env, { readFile: files(contents) })
}

function refusal(
  argv: string[],
  env: Env = {},
  contents: Record<string, string> = {},
): DaemonArgsError & { code: DaemonArgsErrorCode } {
  try {
    parse(argv, env, contents)
  } catch (error) {
    assert.ok(error instanceof DaemonArgsError, `expected DaemonArgsError, got ${String(error)}`)
    assert.equal(error.message.includes('\n'), false, 'one line')
    return error
  }
  assert.fail(`${JSON.stringify(argv)} ${JSON.stringify(env)} was accepted`)
}

function noticeMessages(options: DaemonOptions): string[] {
  return options.notices.map((notice) => notice.message)
}

it('the example of index.ts', () => {
  const options = parseDaemonArgs(['--name', 'infra1', '--snapshot-count=5000'], { ETCD_BACKEND: 'memory' })
  assert.equal(options.config.name, 'infra1')
  assert.equal(options.config.dataDir, 'infra1.etcd')
  assert.equal(options.config.snapshotCount, 5000)
  assert.equal(options.backend, 'memory')
})

describe('defaults (etcd 3.4 embed.NewConfig)', () => {
  it('starts one member named default in default.etcd on localhost:2379/2380', () => {
    const { command, config, backend, logLevel, logOutputs, configFile } = parse([])
    assert.equal(command, 'start')
    assert.equal(config.name, 'default')
    assert.equal(config.dataDir, 'default.etcd')
    assert.equal(config.walDir, '')
    assert.deepEqual(config.listenClientUrls, ['http://localhost:2379'])
    assert.deepEqual(config.advertiseClientUrls, ['http://localhost:2379'])
    assert.deepEqual(config.listenPeerUrls, ['http://localhost:2380'])
    assert.deepEqual(config.initialAdvertisePeerUrls, ['http://localhost:2380'])
    assert.equal(config.initialCluster, 'default=http://localhost:2380')
    assert.equal(config.initialClusterState, 'new')
    assert.equal(config.initialClusterToken, 'etcd-cluster')
    assert.equal(backend, 'level')
    assert.equal(logLevel, 'info')
    assert.deepEqual(logOutputs, ['stderr'])
    assert.equal(configFile, undefined)
  })

  it('uses etcd numbers for snapshots, timing, quota, request limits and compaction', () => {
    const { config } = parse([])
    assert.equal(config.snapshotCount, 100_000)
    assert.equal(config.snapshotCatchUpEntries, 5_000)
    assert.equal(config.heartbeatIntervalMs, 100)
    assert.equal(config.electionTimeoutMs, 1000)
    assert.equal(config.quotaBackendBytes, 0)
    assert.equal(config.maxTxnOps, 128)
    assert.equal(config.maxRequestBytes, 1_572_864)
    assert.equal(config.autoCompactionMode, 'periodic')
    assert.equal(config.autoCompactionRetention, '0')
    assert.equal(config.maxSnapshots, 5)
    assert.equal(config.maxWals, 5)
    assert.equal(config.backendBatchIntervalMs, ETCD_DEFAULTS.backendBatchIntervalMs)
    assert.equal(config.backendBatchLimit, ETCD_DEFAULTS.backendBatchLimit)
    assert.equal(config.watchProgressNotifyIntervalMs, 600_000)
    assert.equal(config.strictReconfigCheck, true)
    assert.equal(config.enableLeaseCheckpoint, false)
  })

  it("warns, as etcd does, that 'data-dir' was empty", () => {
    const notice = parse([]).notices.find((n) => n.message === "'data-dir' was empty; using default")
    assert.deepEqual(notice?.fields, { 'data-dir': 'default.etcd' })
  })

  it('names the data dir and the initial cluster after --name (UpdateDefaultClusterFromName)', () => {
    const { config } = parse(['--name', 'infra1'])
    assert.equal(config.dataDir, 'infra1.etcd')
    assert.equal(config.initialCluster, 'infra1=http://localhost:2380')
    const advertised = parse(['--name=infra1', '--initial-advertise-peer-urls=http://127.0.0.1:12380']).config
    assert.equal(advertised.initialCluster, 'infra1=http://127.0.0.1:12380')
  })

  it('keeps an explicit --data-dir and --initial-cluster', () => {
    const { config, notices } = parse(['--name=a', '--data-dir=/var/lib/a', '--initial-cluster=a=http://10.0.0.1:2380'])
    assert.equal(config.dataDir, '/var/lib/a')
    assert.equal(config.initialCluster, 'a=http://10.0.0.1:2380')
    assert.equal(
      notices.some((n) => n.message.includes('data-dir')),
      false,
    )
  })

  it('treats --snapshot-count=0 and zero batch settings as the defaults', () => {
    const { config, notices } = parse(['--snapshot-count=0', '--backend-batch-interval=0s', '--backend-batch-limit=0'])
    assert.equal(config.snapshotCount, 100_000)
    assert.equal(config.backendBatchIntervalMs, ETCD_DEFAULTS.backendBatchIntervalMs)
    assert.equal(config.backendBatchLimit, ETCD_DEFAULTS.backendBatchLimit)
    assert.ok(notices.some((n) => n.message === 'updating snapshot-count to default'))
  })
})

describe('the command line', () => {
  it('reads every supported flag into the server configuration', () => {
    const { config, sources } = parse([
      '--name=n1',
      '--data-dir',
      '/tmp/n1',
      '--wal-dir=/tmp/n1-wal',
      '-listen-client-urls=http://127.0.0.1:12379',
      '-advertise-client-urls',
      'http://127.0.0.1:12379',
      '--listen-peer-urls=http://127.0.0.1:12380',
      '--initial-advertise-peer-urls=http://127.0.0.1:12380',
      '--initial-cluster=n1=http://127.0.0.1:12380',
      '--initial-cluster-state=existing',
      '--initial-cluster-token=tok',
      '--snapshot-count=5000',
      '--heartbeat-interval=50',
      '--election-timeout=500',
      '--quota-backend-bytes=8589934592',
      '--max-txn-ops=256',
      '--max-request-bytes=10485760',
      '--auto-compaction-mode=revision',
      '--auto-compaction-retention=1000',
      '--max-snapshots=0',
      '--max-wals=0',
      '--backend-batch-interval=10ms',
      '--backend-batch-limit=100',
      '--experimental-watch-progress-notify-interval=5s',
      '--experimental-enable-lease-checkpoint',
      '--strict-reconfig-check=false',
    ])
    assert.deepEqual(
      { ...config },
      {
        name: 'n1',
        dataDir: '/tmp/n1',
        walDir: '/tmp/n1-wal',
        listenClientUrls: ['http://127.0.0.1:12379'],
        advertiseClientUrls: ['http://127.0.0.1:12379'],
        listenPeerUrls: ['http://127.0.0.1:12380'],
        initialAdvertisePeerUrls: ['http://127.0.0.1:12380'],
        initialCluster: 'n1=http://127.0.0.1:12380',
        initialClusterState: 'existing',
        initialClusterToken: 'tok',
        snapshotCount: 5000,
        snapshotCatchUpEntries: 5000,
        heartbeatIntervalMs: 50,
        electionTimeoutMs: 500,
        quotaBackendBytes: 8_589_934_592,
        maxTxnOps: 256,
        maxRequestBytes: 10_485_760,
        autoCompactionMode: 'revision',
        autoCompactionRetention: '1000',
        maxSnapshots: 0,
        maxWals: 0,
        backendBatchIntervalMs: 10,
        backendBatchLimit: 100,
        watchProgressNotifyIntervalMs: 5000,
        enableLeaseCheckpoint: true,
        enableLeaseCheckpointPersist: false,
        strictReconfigCheck: false,
      },
    )
    assert.equal(sources.get('name'), 'command line')
    assert.equal(sources.has('backend'), false)
  })

  it('takes --backend level|memory', () => {
    assert.equal(parse(['--backend', 'memory']).backend, 'memory')
    assert.equal(parse(['--backend=level']).backend, 'level')
    assert.equal(parse(['-backend=memory']).backend, 'memory')
  })

  it('accepts a periodic retention in hours or as a duration', () => {
    assert.equal(parse(['--auto-compaction-retention=1']).config.autoCompactionRetention, '1')
    assert.equal(parse(['--auto-compaction-retention=30m']).config.autoCompactionRetention, '30m')
  })

  it('asks for help or the version, and looks no further', () => {
    assert.equal(parse(['-h']).command, 'help')
    assert.equal(parse(['--help', '--foo']).command, 'help')
    assert.equal(parse(['--version']).command, 'version')
    // etcd prints the version before reading the environment or checking anything else.
    assert.equal(parse(['--version', '--election-timeout=1'], { ETCD_NAME: 'x' }).command, 'version')
  })

  it('warns about the flags etcd removed, in etcd words', () => {
    assert.ok(noticeMessages(parse(['-v'])).includes('flag "-v" is no longer supported - ignoring.'))
  })

  it('warns about accepted flags that have no effect yet', () => {
    const notice = parse(['--enable-v2']).notices.find(
      (n) => n.message === 'ignoring a flag etcd-ts does not support yet',
    )
    assert.deepEqual(notice?.fields, { flag: '--enable-v2', value: 'true', source: 'command line' })
    assert.equal(
      noticeMessages(parse(['--enable-v2=false'])).includes('ignoring a flag etcd-ts does not support yet'),
      false,
      'a default value is no request',
    )
  })

  it('maps --debug, --log-level and --log-outputs onto the logger', () => {
    assert.equal(parse(['--debug']).logLevel, 'debug')
    assert.equal(parse(['--log-level=warn']).logLevel, 'warn')
    assert.deepEqual(parse(['--log-outputs=stdout']).logOutputs, ['stdout'])
    assert.deepEqual(parse(['--log-outputs=default']).logOutputs, ['stderr'])
    assert.deepEqual(parse(['--log-outputs=stdout,/var/log/etcd.log']).logOutputs, ['/var/log/etcd.log', 'stdout'])
    assert.deepEqual(parse(['--log-output=stdout']).logOutputs, ['stdout'])
  })
})

describe('refusals', () => {
  it('exits 2 on flag syntax, with the usage, as Go flag package does', () => {
    const error = refusal(['--foo'])
    assert.equal(error.code, 'DAEMON_FLAG_SYNTAX')
    assert.equal(error.exitCode, 2)
    assert.equal(error.showUsage, true)
    assert.equal(error.message, 'flag provided but not defined: -foo')
    assert.equal(refusal(['--backend=rocksdb']).message, 'invalid value "rocksdb" for flag -backend: invalid value')
  })

  const invalid: [string, string[], Env, string][] = [
    ['an argument that is not a flag', ['extra'], {}, "'extra' is not a valid flag"],
    [
      'an election timeout below five heartbeats',
      ['--election-timeout', '10'],
      {},
      '--election-timeout[10ms] should be at least as 5 times as --heartbeat-interval[100ms]',
    ],
    [
      'an election timeout above 50 s',
      ['--election-timeout', '60000'],
      {},
      '--election-timeout[60000ms] is too long, and should be set less than 50000ms',
    ],
    ['a zero heartbeat', ['--heartbeat-interval=0'], {}, '--heartbeat-interval must be >0 (set to 0ms)'],
    [
      'listen client URLs without advertised ones',
      ['--listen-client-urls', 'http://127.0.0.1:12379'],
      {},
      '--advertise-client-urls is required when --listen-client-urls is set explicitly',
    ],
    [
      'the same from the environment',
      [],
      { ETCD_LISTEN_CLIENT_URLS: 'http://127.0.0.1:12379' },
      '--advertise-client-urls is required when --listen-client-urls is set explicitly',
    ],
    [
      'a host name to bind to',
      ['--listen-client-urls=http://example.com:2379', '--advertise-client-urls=http://example.com:2379'],
      {},
      'expected IP in URL for binding (http://example.com:2379)',
    ],
    [
      'an unknown initial cluster state from the environment',
      [],
      { ETCD_INITIAL_CLUSTER_STATE: 'bogus' },
      'invalid value "bogus" for ETCD_INITIAL_CLUSTER_STATE: invalid value',
    ],
    ['an unknown compaction mode', ['--auto-compaction-mode=size'], {}, 'unknown auto-compaction-mode "size"'],
    [
      'a bad compaction retention',
      ['--auto-compaction-retention=abc'],
      {},
      'error parsing CompactionRetention: time: invalid duration "abc"',
    ],
    [
      'an unknown log level',
      ['--log-level=verbose'],
      {},
      'unknown level "verbose" for --log-level (supports debug, info, warn, error, panic, fatal)',
    ],
    ['an unknown logger', ['--logger=glog'], {}, 'unknown logger option "glog"'],
    [
      'two bootstrap methods',
      ['--discovery=https://discovery.etcd.io/x', '--initial-cluster=a=http://127.0.0.1:2380'],
      {},
      'multiple discovery or bootstrap flags are set. Choose one of "initial-cluster", "discovery" or "discovery-srv"',
    ],
    [
      'a bad value in the environment',
      [],
      { ETCD_SNAPSHOT_COUNT: 'abc' },
      'invalid value "abc" for ETCD_SNAPSHOT_COUNT: parse error',
    ],
    [
      'a bad backend in the environment',
      [],
      { ETCD_BACKEND: 'rocksdb' },
      'invalid value "rocksdb" for ETCD_BACKEND: invalid value',
    ],
  ]
  for (const [what, argv, env, detail] of invalid) {
    it(`exits 1 on ${what}`, () => {
      const error = refusal(argv, env)
      assert.equal(error.code, 'DAEMON_INVALID_CONFIG')
      assert.equal(error.exitCode, 1)
      assert.equal(error.showUsage, false)
      assert.equal(error.detail, detail)
      // etcdmain's line: "error verifying flags, <detail>. See 'etcd --help'."
      assert.equal(error.message, `error verifying flags, ${detail}. See 'etcd-ts --help'.`)
    })
  }

  it('refuses, rather than ignores, flags whose feature is missing and unsafe to skip', () => {
    for (const argv of [
      ['--cert-file=server.pem'],
      ['--client-cert-auth'],
      ['--peer-auto-tls'],
      ['--discovery-srv=example.com'],
      ['--proxy=on'],
      ['--cors=https://example.com'],
      ['--force-new-cluster'],
    ]) {
      const error = refusal(argv)
      assert.equal(error.code, 'DAEMON_UNSUPPORTED', JSON.stringify(argv))
      assert.equal(error.exitCode, 1)
    }
    assert.equal(
      refusal(['--cert-file=server.pem']).detail,
      '--cert-file=server.pem needs TLS, which etcd-ts does not support yet; refusing to start without it',
    )
    // Left at their defaults, they are no request at all.
    assert.equal(parse(['--proxy=off', '--cors=*', '--client-cert-auth=false']).command, 'start')
  })
})

describe('ETCD_* environment variables (pkg/flags.SetFlagsFromEnv, 3.4)', () => {
  it('sets every flag not given on the command line', () => {
    const options = parse([], {
      ETCD_NAME: 'n1',
      ETCD_SNAPSHOT_COUNT: '5000',
      ETCD_ENABLE_V2: 'false',
      ETCD_INITIAL_CLUSTER: 'n1=http://127.0.0.1:12380',
      ETCD_LOG_LEVEL: 'debug',
      ETCD_BACKEND: 'memory',
      PATH: '/usr/bin',
    })
    assert.equal(options.config.name, 'n1')
    assert.equal(options.config.dataDir, 'n1.etcd')
    assert.equal(options.config.snapshotCount, 5000)
    assert.equal(options.config.initialCluster, 'n1=http://127.0.0.1:12380')
    assert.equal(options.logLevel, 'debug')
    assert.equal(options.backend, 'memory')
    assert.equal(options.sources.get('name'), 'environment')
    const used = options.notices.filter((n) => n.message === 'recognized and used environment variable')
    // Go's VisitAll order: by flag name.
    assert.deepEqual(
      used.map((n) => n.fields?.['variable-name']),
      ['ETCD_BACKEND', 'ETCD_ENABLE_V2', 'ETCD_INITIAL_CLUSTER', 'ETCD_LOG_LEVEL', 'ETCD_NAME', 'ETCD_SNAPSHOT_COUNT'],
    )
  })

  it('combines with flags for other settings', () => {
    const { config, sources } = parse(['--name', 'flag'], { ETCD_DATA_DIR: '/tmp/env' })
    assert.equal(config.name, 'flag')
    assert.equal(config.dataDir, '/tmp/env')
    assert.equal(sources.get('name'), 'command line')
    assert.equal(sources.get('data-dir'), 'environment')
  })

  it('skips empty variables and warns about unknown ETCD_* ones', () => {
    const options = parse([], { ETCD_NAME: '', ETCD_FOO: 'bar' })
    assert.equal(options.config.name, 'default')
    const unknown = options.notices.filter((n) => n.message === 'unrecognized environment variable')
    assert.deepEqual(
      unknown.map((n) => n.fields?.['environment-variable']),
      ['ETCD_NAME=', 'ETCD_FOO=bar'],
    )
  })

  it('refuses a variable shadowed by its flag (etcd 3.4 is fatal here, exit 1)', () => {
    // etcd 3.4.23: `ETCD_NAME=x etcd --name y` logs
    // C | pkg/flags: conflicting environment variable "ETCD_NAME" is shadowed by ... and exits 1.
    const error = refusal(['--name', 'flag'], { ETCD_NAME: 'env' })
    assert.equal(error.code, 'DAEMON_ENV_CONFLICT')
    assert.equal(error.exitCode, 1)
    assert.equal(
      error.message,
      'conflicting environment variable "ETCD_NAME" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)',
    )
    assert.equal(refusal(['--backend=memory'], { ETCD_BACKEND: 'memory' }).code, 'DAEMON_ENV_CONFLICT')
  })
})

describe('--config-file (embed.ConfigFromFile)', () => {
  const yaml = `# etcd.conf.yml
name: infra1
data-dir: /var/lib/etcd-ts/infra1
listen-client-urls: http://127.0.0.1:12379,http://127.0.0.2:12379
advertise-client-urls: http://127.0.0.1:12379
listen-peer-urls: http://127.0.0.1:12380
initial-advertise-peer-urls: http://127.0.0.1:12380
initial-cluster: infra1=http://127.0.0.1:12380
initial-cluster-state: new
snapshot-count: 5000
heartbeat-interval: 50
election-timeout: 500
quota-backend-bytes: 8589934592
enable-v2: false
auto-compaction-mode: revision
auto-compaction-retention: "1000"
experimental-watch-progress-notify-interval: 5000000000
log-level: warn
log-outputs: [stdout]
backend: memory
`

  it("reads etcd's keys, with durations in nanoseconds", () => {
    const options = parse(['--config-file', 'etcd.yml'], {}, { 'etcd.yml': yaml })
    const { config } = options
    assert.equal(options.configFile, 'etcd.yml')
    assert.equal(config.name, 'infra1')
    assert.equal(config.dataDir, '/var/lib/etcd-ts/infra1')
    assert.deepEqual(config.listenClientUrls, ['http://127.0.0.1:12379', 'http://127.0.0.2:12379'])
    assert.deepEqual(config.advertiseClientUrls, ['http://127.0.0.1:12379'])
    assert.equal(config.initialCluster, 'infra1=http://127.0.0.1:12380')
    assert.equal(config.snapshotCount, 5000)
    assert.equal(config.heartbeatIntervalMs, 50)
    assert.equal(config.electionTimeoutMs, 500)
    assert.equal(config.quotaBackendBytes, 8_589_934_592)
    assert.equal(config.autoCompactionMode, 'revision')
    assert.equal(config.autoCompactionRetention, '1000')
    assert.equal(config.watchProgressNotifyIntervalMs, 5000)
    assert.equal(options.logLevel, 'warn')
    assert.deepEqual(options.logOutputs, ['stdout'])
    assert.equal(options.backend, 'memory')
    assert.equal(options.sources.get('name'), 'config file')
    assert.equal(
      noticeMessages(options)[0],
      'loaded server configuration, other configuration command line flags and environment variables will be ignored if provided',
    )
  })

  it('ignores every other flag and ETCD_* variable, and says so (etcd ignores them silently)', () => {
    const options = parse(
      ['--name', 'from-flag', '--config-file=etcd.yml', '--snapshot-count=1'],
      { ETCD_NAME: 'from-env', ETCD_BACKEND: 'level', ETCD_QUOTA_BACKEND_BYTES: 'nonsense' },
      { 'etcd.yml': 'name: from-file\n' },
    )
    assert.equal(options.config.name, 'from-file')
    assert.equal(options.config.snapshotCount, 100_000)
    assert.equal(options.backend, 'level')
    const warning = options.notices.find(
      (n) => n.level === 'warn' && n.message.startsWith('ignoring command-line flags'),
    )
    assert.deepEqual(warning?.fields, {
      flags: ['--name', '--snapshot-count'],
      'environment-variables': ['ETCD_NAME', 'ETCD_BACKEND', 'ETCD_QUOTA_BACKEND_BYTES'],
    })
  })

  it('does not refuse --listen-client-urls without --advertise-client-urls there (etcd checks flags only)', () => {
    const { config } = parse(['--config-file=c.yml'], {}, { 'c.yml': 'listen-client-urls: http://127.0.0.1:12379\n' })
    assert.deepEqual(config.listenClientUrls, ['http://127.0.0.1:12379'])
    assert.deepEqual(config.advertiseClientUrls, ['http://localhost:2379'])
  })

  it('comes from ETCD_CONFIG_FILE when the flag is absent', () => {
    const options = parse([], { ETCD_CONFIG_FILE: 'c.yml', ETCD_NAME: 'ignored' }, { 'c.yml': 'name: env-file\n' })
    assert.equal(options.configFile, 'c.yml')
    assert.equal(options.config.name, 'env-file')
  })

  it('leaves defaults for null values and an empty file, warns about unknown keys', () => {
    const empty = parse(['--config-file=c.yml'], {}, { 'c.yml': '' })
    assert.equal(empty.config.name, 'default')
    const options = parse(['--config-file=c.yml'], {}, { 'c.yml': 'name: ~\nunknown-key: 1\n' })
    assert.equal(options.config.name, 'default')
    const warning = options.notices.find((n) => n.message === 'unrecognized key in configuration file; ignoring it')
    assert.deepEqual(warning?.fields, { key: 'unknown-key', path: 'c.yml' })
  })

  it('reads the TLS sections into the TLS flags, which are then refused', () => {
    const error = refusal(
      ['--config-file=c.yml'],
      {},
      { 'c.yml': 'client-transport-security:\n  cert-file: server.pem\n' },
    )
    assert.equal(error.code, 'DAEMON_UNSUPPORTED')
    assert.match(error.detail, /^client-transport-security\.cert-file=server\.pem needs TLS/)
    assert.equal(
      parse(['--config-file=c.yml'], {}, { 'c.yml': 'peer-transport-security:\n  client-cert-auth: false\n' }).command,
      'start',
    )
  })

  it('refuses a missing file, bad YAML and values of the wrong type, in one line, exit 1', () => {
    const missing = refusal(['--config-file', 'nope.yml'])
    assert.equal(missing.code, 'DAEMON_INVALID_CONFIG')
    assert.equal(missing.exitCode, 1)
    assert.equal(missing.detail, 'open nope.yml: no such file or directory')
    const cases: [string, RegExp][] = [
      [
        'snapshot-count: abc\n',
        /^config file c\.yml: snapshot-count: cannot unmarshal string "abc" into a value of type uint64$/,
      ],
      ['snapshot-count: -1\n', /snapshot-count: cannot unmarshal number -1 into a value of type uint64$/],
      ['enable-v2: maybe\n', /enable-v2: cannot unmarshal string "maybe" into a value of type bool$/],
      ['listen-client-urls: localhost:2379\n', /^unexpected error setting up listen-client-urls: /],
      ['backend: rocksdb\n', /^unexpected error setting up backend flag: invalid value "rocksdb"$/],
      ['initial-cluster-state: bogus\n', /^unexpected clusterState "bogus"$/],
      [': : :\n', /^error converting YAML to JSON: /],
      ['- a\n- b\n', /expected a mapping/],
      ['election-timeout: 10\n', /^--election-timeout\[10ms\] should be at least as 5 times/],
    ]
    for (const [text, detail] of cases) {
      const error = refusal(['--config-file=c.yml'], {}, { 'c.yml': text })
      assert.equal(error.code, 'DAEMON_INVALID_CONFIG', text)
      assert.equal(error.exitCode, 1)
      assert.match(error.detail, detail, text)
    }
  })

  it('still checks the flag syntax first', () => {
    assert.equal(refusal(['--config-file=c.yml', '--foo'], {}, { 'c.yml': '' }).code, 'DAEMON_FLAG_SYNTAX')
  })
})
