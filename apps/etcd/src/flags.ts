import {
  GoValueError,
  goQuote,
  nanosToMs,
  parseGoBool,
  parseGoDuration,
  parseGoInt,
  parseGoUint,
  parseGoUint32Decimal,
  parseUrlList,
} from './go-syntax.js'

// etcd 3.4's command line, flag for flag (etcdmain/config.go, `etcd --help`), plus `--backend`.
// Every flag has an ETCD_* environment variable (pkg/flags.FlagToEnv) and most have a config
// file key (embed.Config's yaml tags). This table is the single source for the parser, the
// help text and the README.

/**
 * How a flag's text is parsed; each mirrors a Go flag type:
 * `uint` (flag.Uint/Uint64: strconv base 0), `int` (flag.Int/Int64), `uint32` (base 10, 32 bits),
 * `duration` (time.ParseDuration, stored as milliseconds), `urls` (etcd's UniqueURLs), `strings`
 * (UniqueStrings: split on commas, sorted, unique), `list` (Strings: split on commas), `choice`
 * (SelectiveStringValue), `removed` (etcd's IgnoredFlag: a flag of old releases, warned about).
 */
export type FlagKind =
  | 'string'
  | 'bool'
  | 'uint'
  | 'int'
  | 'uint32'
  | 'duration'
  | 'urls'
  | 'strings'
  | 'list'
  | 'choice'
  | 'removed'

/** A parsed flag value: durations are milliseconds, lists are arrays. */
export type FlagValue = string | boolean | number | readonly string[]

/**
 * What etcd-ts does with a flag:
 * - `supported`: it takes effect;
 * - `ignored`: accepted (etcd's syntax is checked), a warning is logged when it is set to a
 *   non-default value, and it has no effect yet;
 * - `refused`: setting it to a non-default value is an error, because running without the
 *   feature would be unsafe (TLS, discovery, proxying, access restrictions);
 * - `removed`: a flag etcd itself only warns about (`flag "-v" is no longer supported - ignoring.`);
 * - `meta`: `--config-file`, `--version`.
 */
export type FlagSupport = 'supported' | 'ignored' | 'refused' | 'removed' | 'meta'

/** The Go type of a config-file key (used in messages, and to check YAML values). */
export type ConfigFileType =
  | 'string'
  | 'bool'
  | 'uint'
  | 'uint32'
  | 'uint64'
  | 'int'
  | 'int64'
  | 'time.Duration'
  | '[]string'

/** Help text sections, in etcd's order. */
export const SECTIONS = [
  'Member',
  'Clustering',
  'Security',
  'Auth',
  'Profiling and Monitoring',
  'Logging',
  'v2 Proxy (to be deprecated in v4)',
  'Experimental feature',
  'Unsafe feature',
  'etcd-ts',
  'TO BE DEPRECATED',
] as const
export type Section = (typeof SECTIONS)[number]

/** One command-line flag. */
export interface FlagSpec {
  /** Without dashes: `snapshot-count`. */
  readonly name: string
  readonly kind: FlagKind
  /** The value when not set, typed (durations in ms). */
  readonly defaultValue: FlagValue
  /** The default as etcd's help prints it (`'default'`, `'${name}.etcd'`, `'10m'`). */
  readonly defaultText: string
  readonly usage: string
  /** Where `--help` lists it; undefined for etcd's hidden flags. */
  readonly section: Section | undefined
  readonly support: FlagSupport
  /** For `refused` flags: the feature that is missing (`TLS`). */
  readonly missingFeature?: string
  /** `choice` flags: the accepted values. */
  readonly choices?: readonly string[]
  /** The config-file key (same as the name in etcd) and its Go type; undefined if the file has none. */
  readonly fileType?: ConfigFileType
}

function flag(
  name: string,
  kind: FlagKind,
  defaultValue: FlagValue,
  defaultText: string,
  section: Section | undefined,
  support: FlagSupport,
  usage: string,
  extra: Partial<Pick<FlagSpec, 'choices' | 'fileType' | 'missingFeature'>> = {},
): FlagSpec {
  return { name, kind, defaultValue, defaultText, section, support, usage, ...extra }
}

const TLS = { missingFeature: 'TLS' }
const DISCOVERY = { missingFeature: 'discovery' }

/** etcd's ignored flags of old releases (etcdmain/config.go `ignored`). */
const REMOVED = [
  'cluster-active-size',
  'cluster-remove-delay',
  'cluster-sync-interval',
  'config',
  'force',
  'max-result-buffer',
  'max-retry-attempts',
  'peer-heartbeat-interval',
  'peer-election-timeout',
  'retry-interval',
  'snapshot',
  'v',
  'vv',
  'test.coverprofile',
  'test.outputdir',
]

/** Every flag the daemon accepts, in `--help` order. */
export const FLAGS: readonly FlagSpec[] = [
  // Member
  flag('name', 'string', 'default', "'default'", 'Member', 'supported', 'Human-readable name for this member.', {
    fileType: 'string',
  }),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: etcd's help prints this text literally
  flag('data-dir', 'string', '', "'${name}.etcd'", 'Member', 'supported', 'Path to the data directory.', {
    fileType: 'string',
  }),
  flag('wal-dir', 'string', '', "''", 'Member', 'supported', 'Path to the dedicated wal directory.', {
    fileType: 'string',
  }),
  flag(
    'snapshot-count',
    'uint',
    100_000,
    "'100000'",
    'Member',
    'supported',
    'Number of committed transactions to trigger a snapshot to disk.',
    { fileType: 'uint64' },
  ),
  flag(
    'heartbeat-interval',
    'uint',
    100,
    "'100'",
    'Member',
    'supported',
    'Time (in milliseconds) of a heartbeat interval.',
    { fileType: 'uint' },
  ),
  flag(
    'election-timeout',
    'uint',
    1000,
    "'1000'",
    'Member',
    'supported',
    'Time (in milliseconds) for an election to timeout. See tuning documentation for details.',
    { fileType: 'uint' },
  ),
  flag(
    'initial-election-tick-advance',
    'bool',
    true,
    "'true'",
    'Member',
    'ignored',
    'Whether to fast-forward initial election ticks on boot for faster election.',
    { fileType: 'bool' },
  ),
  flag(
    'listen-peer-urls',
    'urls',
    ['http://localhost:2380'],
    "'http://localhost:2380'",
    'Member',
    'supported',
    'List of URLs to listen on for peer traffic.',
    { fileType: 'string' },
  ),
  flag(
    'listen-client-urls',
    'urls',
    ['http://localhost:2379'],
    "'http://localhost:2379'",
    'Member',
    'supported',
    'List of URLs to listen on for client traffic.',
    { fileType: 'string' },
  ),
  flag(
    'max-snapshots',
    'uint',
    5,
    "'5'",
    'Member',
    'supported',
    'Maximum number of snapshot files to retain (0 is unlimited).',
    { fileType: 'uint' },
  ),
  flag('max-wals', 'uint', 5, "'5'", 'Member', 'supported', 'Maximum number of wal files to retain (0 is unlimited).', {
    fileType: 'uint',
  }),
  flag(
    'quota-backend-bytes',
    'int',
    0,
    "'0'",
    'Member',
    'supported',
    'Raise alarms when backend size exceeds the given quota (0 defaults to low space quota).',
    { fileType: 'int64' },
  ),
  flag(
    'backend-batch-interval',
    'duration',
    0,
    "''",
    'Member',
    'supported',
    'BackendBatchInterval is the maximum time before commit the backend transaction (0 means 100ms).',
    { fileType: 'time.Duration' },
  ),
  flag(
    'backend-batch-limit',
    'int',
    0,
    "'0'",
    'Member',
    'supported',
    'BackendBatchLimit is the maximum operations before commit the backend transaction (0 means 10000).',
    { fileType: 'int' },
  ),
  flag(
    'max-txn-ops',
    'uint',
    128,
    "'128'",
    'Member',
    'supported',
    'Maximum number of operations permitted in a transaction.',
    { fileType: 'uint' },
  ),
  flag(
    'max-request-bytes',
    'uint',
    1_572_864,
    "'1572864'",
    'Member',
    'supported',
    'Maximum client request size in bytes the server will accept.',
    { fileType: 'uint' },
  ),
  flag(
    'max-concurrent-streams',
    'uint32',
    4_294_967_295,
    "'math.MaxUint32'",
    'Member',
    'ignored',
    'Maximum concurrent streams that each client can open at a time.',
    { fileType: 'uint32' },
  ),
  flag(
    'grpc-keepalive-min-time',
    'duration',
    5_000,
    "'5s'",
    'Member',
    'ignored',
    'Minimum duration interval that a client should wait before pinging server.',
    { fileType: 'time.Duration' },
  ),
  flag(
    'grpc-keepalive-interval',
    'duration',
    7_200_000,
    "'2h'",
    'Member',
    'ignored',
    'Frequency duration of server-to-client ping to check if a connection is alive (0 to disable).',
    { fileType: 'time.Duration' },
  ),
  flag(
    'grpc-keepalive-timeout',
    'duration',
    20_000,
    "'20s'",
    'Member',
    'ignored',
    'Additional duration of wait before closing a non-responsive connection (0 to disable).',
    { fileType: 'time.Duration' },
  ),

  // Clustering
  flag(
    'initial-advertise-peer-urls',
    'urls',
    ['http://localhost:2380'],
    "'http://localhost:2380'",
    'Clustering',
    'supported',
    "List of this member's peer URLs to advertise to the rest of the cluster.",
    { fileType: 'string' },
  ),
  flag(
    'initial-cluster',
    'string',
    'default=http://localhost:2380',
    "'default=http://localhost:2380'",
    'Clustering',
    'supported',
    'Initial cluster configuration for bootstrapping.',
    { fileType: 'string' },
  ),
  flag(
    'initial-cluster-state',
    'choice',
    'new',
    "'new'",
    'Clustering',
    'supported',
    "Initial cluster state ('new' or 'existing').",
    { choices: ['new', 'existing'], fileType: 'string' },
  ),
  flag(
    'initial-cluster-token',
    'string',
    'etcd-cluster',
    "'etcd-cluster'",
    'Clustering',
    'supported',
    'Initial cluster token for the etcd cluster during bootstrap.\n' +
      'Specifying this can protect you from unintended cross-cluster interaction when running multiple clusters.',
    { fileType: 'string' },
  ),
  flag(
    'advertise-client-urls',
    'urls',
    ['http://localhost:2379'],
    "'http://localhost:2379'",
    'Clustering',
    'supported',
    "List of this member's client URLs to advertise to the public.\n" +
      'The client URLs advertised should be accessible to machines that talk to etcd cluster. etcd client libraries parse these URLs to connect to the cluster.',
    { fileType: 'string' },
  ),
  flag('discovery', 'string', '', "''", 'Clustering', 'refused', 'Discovery URL used to bootstrap the cluster.', {
    ...DISCOVERY,
    fileType: 'string',
  }),
  flag(
    'discovery-fallback',
    'choice',
    'proxy',
    "'proxy'",
    'Clustering',
    'ignored',
    "Expected behavior ('exit' or 'proxy') when discovery services fails.\n\"proxy\" supports v2 API only.",
    { choices: ['exit', 'proxy'], fileType: 'string' },
  ),
  flag(
    'discovery-proxy',
    'string',
    '',
    "''",
    'Clustering',
    'ignored',
    'HTTP proxy to use for traffic to discovery service.',
    {
      fileType: 'string',
    },
  ),
  flag('discovery-srv', 'string', '', "''", 'Clustering', 'refused', 'DNS srv domain used to bootstrap the cluster.', {
    ...DISCOVERY,
    fileType: 'string',
  }),
  flag(
    'discovery-srv-name',
    'string',
    '',
    "''",
    'Clustering',
    'refused',
    'Suffix to the dns srv name queried when bootstrapping.',
    { ...DISCOVERY, fileType: 'string' },
  ),
  flag(
    'strict-reconfig-check',
    'bool',
    true,
    "'true'",
    'Clustering',
    'supported',
    'Reject reconfiguration requests that would cause quorum loss.',
    { fileType: 'bool' },
  ),
  flag(
    'pre-vote',
    'bool',
    false,
    "'false'",
    'Clustering',
    'ignored',
    'Enable to run an additional Raft election phase.',
    {
      fileType: 'bool',
    },
  ),
  flag(
    'auto-compaction-retention',
    'string',
    '0',
    "'0'",
    'Clustering',
    'supported',
    'Auto compaction retention length. 0 means disable auto compaction.',
    { fileType: 'string' },
  ),
  flag(
    'auto-compaction-mode',
    'string',
    'periodic',
    "'periodic'",
    'Clustering',
    'supported',
    "Interpret 'auto-compaction-retention' one of: periodic|revision. 'periodic' for duration based retention, defaulting to hours if no time unit is provided (e.g. '5m'). 'revision' for revision number based retention.",
    { fileType: 'string' },
  ),
  flag('enable-v2', 'bool', false, "'false'", 'Clustering', 'ignored', 'Accept etcd V2 client requests.', {
    fileType: 'bool',
  }),

  // Security: without TLS support, serving plaintext where TLS was asked for would be unsafe.
  flag('cert-file', 'string', '', "''", 'Security', 'refused', 'Path to the client server TLS cert file.', TLS),
  flag('key-file', 'string', '', "''", 'Security', 'refused', 'Path to the client server TLS key file.', TLS),
  flag('client-cert-auth', 'bool', false, "'false'", 'Security', 'refused', 'Enable client cert authentication.', TLS),
  flag(
    'client-crl-file',
    'string',
    '',
    "''",
    'Security',
    'refused',
    'Path to the client certificate revocation list file.',
    TLS,
  ),
  flag(
    'client-cert-allowed-hostname',
    'string',
    '',
    "''",
    'Security',
    'refused',
    'Allowed TLS hostname for client cert authentication.',
    TLS,
  ),
  flag(
    'trusted-ca-file',
    'string',
    '',
    "''",
    'Security',
    'refused',
    'Path to the client server TLS trusted CA cert file.',
    TLS,
  ),
  flag('auto-tls', 'bool', false, "'false'", 'Security', 'refused', 'Client TLS using generated certificates.', TLS),
  flag('peer-cert-file', 'string', '', "''", 'Security', 'refused', 'Path to the peer server TLS cert file.', TLS),
  flag('peer-key-file', 'string', '', "''", 'Security', 'refused', 'Path to the peer server TLS key file.', TLS),
  flag(
    'peer-client-cert-auth',
    'bool',
    false,
    "'false'",
    'Security',
    'refused',
    'Enable peer client cert authentication.',
    TLS,
  ),
  flag(
    'peer-trusted-ca-file',
    'string',
    '',
    "''",
    'Security',
    'refused',
    'Path to the peer server TLS trusted CA file.',
    TLS,
  ),
  flag(
    'peer-cert-allowed-cn',
    'string',
    '',
    "''",
    'Security',
    'refused',
    'Required CN for client certs connecting to the peer endpoint.',
    TLS,
  ),
  flag(
    'peer-cert-allowed-hostname',
    'string',
    '',
    "''",
    'Security',
    'refused',
    'Allowed TLS hostname for inter peer authentication.',
    TLS,
  ),
  flag(
    'peer-auto-tls',
    'bool',
    false,
    "'false'",
    'Security',
    'refused',
    'Peer TLS using self-generated certificates if --peer-key-file and --peer-cert-file are not provided.',
    TLS,
  ),
  flag(
    'peer-crl-file',
    'string',
    '',
    "''",
    'Security',
    'refused',
    'Path to the peer certificate revocation list file.',
    TLS,
  ),
  flag(
    'cipher-suites',
    'list',
    [],
    "''",
    'Security',
    'refused',
    'Comma-separated list of supported TLS cipher suites between client/server and peers (empty will be auto-populated by Go).',
    { ...TLS, fileType: '[]string' },
  ),
  flag(
    'cors',
    'strings',
    ['*'],
    "'*'",
    'Security',
    'refused',
    'Comma-separated whitelist of origins for CORS, or cross-origin resource sharing, (empty or * means allow all).',
    { missingFeature: 'CORS restrictions', fileType: 'string' },
  ),
  flag(
    'host-whitelist',
    'strings',
    ['*'],
    "'*'",
    'Security',
    'refused',
    'Acceptable hostnames from HTTP client requests, if server is not secure (empty or * means allow all).',
    { missingFeature: 'host whitelisting', fileType: 'string' },
  ),

  // Auth
  flag(
    'auth-token',
    'string',
    'simple',
    "'simple'",
    'Auth',
    'ignored',
    "Specify a v3 authentication token type and its options ('simple' or 'jwt').",
    { fileType: 'string' },
  ),
  flag(
    'bcrypt-cost',
    'uint',
    10,
    '10',
    'Auth',
    'ignored',
    'Specify the cost / strength of the bcrypt algorithm for hashing auth passwords. Valid values are between 4 and 31.',
    { fileType: 'uint' },
  ),
  flag('auth-token-ttl', 'uint', 300, '300', 'Auth', 'ignored', 'Time (in seconds) of the auth-token-ttl.', {
    fileType: 'uint',
  }),

  // Profiling and Monitoring
  flag(
    'enable-pprof',
    'bool',
    false,
    "'false'",
    'Profiling and Monitoring',
    'ignored',
    'Enable runtime profiling data via HTTP server. Address is at client URL + "/debug/pprof/"',
    { fileType: 'bool' },
  ),
  flag(
    'metrics',
    'string',
    'basic',
    "'basic'",
    'Profiling and Monitoring',
    'ignored',
    "Set level of detail for exported metrics, specify 'extensive' to include histogram metrics.",
    { fileType: 'string' },
  ),
  flag(
    'listen-metrics-urls',
    'urls',
    [],
    "''",
    'Profiling and Monitoring',
    'ignored',
    'List of URLs to listen on for the metrics and health endpoints.',
    { fileType: 'string' },
  ),

  // Logging
  flag(
    'logger',
    'string',
    'zap',
    "'zap'",
    'Logging',
    'supported',
    "Specify 'zap' for structured logging or 'capnslog'. etcd-ts always logs zap's JSON lines; 'capnslog' is accepted and warned about.",
    { fileType: 'string' },
  ),
  flag(
    'log-outputs',
    'strings',
    ['default'],
    "'default'",
    'Logging',
    'supported',
    "Specify 'stdout' or 'stderr' ('default' is stderr), or a comma-separated list of those and file paths.",
    { fileType: '[]string' },
  ),
  flag(
    'log-level',
    'string',
    'info',
    "'info'",
    'Logging',
    'supported',
    'Configures log level. Only supports debug, info, warn, error, panic, or fatal.',
    { fileType: 'string' },
  ),

  // v2 Proxy: etcd-ts is never a proxy; running as a member instead would be wrong.
  flag(
    'proxy',
    'choice',
    'off',
    "'off'",
    'v2 Proxy (to be deprecated in v4)',
    'refused',
    "Proxy mode setting ('off', 'readonly' or 'on').",
    { choices: ['off', 'readonly', 'on'], missingFeature: 'the v2 proxy', fileType: 'string' },
  ),
  flag(
    'proxy-failure-wait',
    'uint',
    5000,
    '5000',
    'v2 Proxy (to be deprecated in v4)',
    'ignored',
    'Time (in milliseconds) an endpoint will be held in a failed state.',
    { fileType: 'uint' },
  ),
  flag(
    'proxy-refresh-interval',
    'uint',
    30_000,
    '30000',
    'v2 Proxy (to be deprecated in v4)',
    'ignored',
    'Time (in milliseconds) of the endpoints refresh interval.',
    { fileType: 'uint' },
  ),
  flag(
    'proxy-dial-timeout',
    'uint',
    1000,
    '1000',
    'v2 Proxy (to be deprecated in v4)',
    'ignored',
    'Time (in milliseconds) for a dial to timeout.',
    { fileType: 'uint' },
  ),
  flag(
    'proxy-write-timeout',
    'uint',
    5000,
    '5000',
    'v2 Proxy (to be deprecated in v4)',
    'ignored',
    'Time (in milliseconds) for a write to timeout.',
    { fileType: 'uint' },
  ),
  flag(
    'proxy-read-timeout',
    'uint',
    0,
    '0',
    'v2 Proxy (to be deprecated in v4)',
    'ignored',
    'Time (in milliseconds) for a read to timeout.',
    { fileType: 'uint' },
  ),

  // Experimental
  flag(
    'experimental-initial-corrupt-check',
    'bool',
    false,
    "'false'",
    'Experimental feature',
    'ignored',
    'Enable to check data corruption before serving any client/peer traffic.',
    { fileType: 'bool' },
  ),
  flag(
    'experimental-corrupt-check-time',
    'duration',
    0,
    "'0s'",
    'Experimental feature',
    'ignored',
    'Duration of time between cluster corruption check passes.',
    { fileType: 'time.Duration' },
  ),
  flag(
    'experimental-enable-v2v3',
    'string',
    '',
    "''",
    'Experimental feature',
    'ignored',
    'Serve v2 requests through the v3 backend under a given prefix.',
    { fileType: 'string' },
  ),
  flag(
    'experimental-backend-bbolt-freelist-type',
    'string',
    'array',
    "'array'",
    'Experimental feature',
    'ignored',
    'ExperimentalBackendFreelistType specifies the type of freelist that boltdb backend uses(array and map are supported types).',
    { fileType: 'string' },
  ),
  flag(
    'experimental-enable-lease-checkpoint',
    'bool',
    false,
    "'false'",
    'Experimental feature',
    'supported',
    'ExperimentalEnableLeaseCheckpoint enables primary lessor to persist lease remainingTTL to prevent indefinite auto-renewal of long lived leases.',
    { fileType: 'bool' },
  ),
  flag(
    'experimental-enable-lease-checkpoint-persist',
    'bool',
    false,
    "'false'",
    'Experimental feature',
    'supported',
    'Enable persisting remainingTTL to prevent indefinite auto-renewal of long lived leases. Always enabled in v3.6. Should be used to ensure smooth upgrade from v3.5 clusters with this feature enabled.',
    { fileType: 'bool' },
  ),
  flag(
    'experimental-compaction-batch-limit',
    'int',
    1000,
    '1000',
    'Experimental feature',
    'ignored',
    'ExperimentalCompactionBatchLimit sets the maximum revisions deleted in each compaction batch.',
    { fileType: 'int' },
  ),
  flag(
    'experimental-peer-skip-client-san-verification',
    'bool',
    false,
    "'false'",
    'Experimental feature',
    'refused',
    'Skip verification of SAN field in client certificate for peer connections.',
    TLS,
  ),
  flag(
    'experimental-watch-progress-notify-interval',
    'duration',
    600_000,
    "'10m'",
    'Experimental feature',
    'supported',
    'Duration of periodical watch progress notification.',
    { fileType: 'time.Duration' },
  ),
  flag(
    'experimental-warning-apply-duration',
    'duration',
    100,
    "'100ms'",
    'Experimental feature',
    'ignored',
    'Warning is generated if requests take more than this duration.',
    { fileType: 'time.Duration' },
  ),

  // Unsafe
  flag(
    'force-new-cluster',
    'bool',
    false,
    "'false'",
    'Unsafe feature',
    'refused',
    'Force to create a new one-member cluster.',
    {
      missingFeature: 'forcing a new cluster',
      fileType: 'bool',
    },
  ),
  flag(
    'unsafe-no-fsync',
    'bool',
    false,
    "'false'",
    'Unsafe feature',
    'ignored',
    'Disables fsync, unsafe, will cause data loss. (etcd-ts always fsyncs.)',
    { fileType: 'bool' },
  ),

  // Ours
  flag(
    'backend',
    'choice',
    'level',
    "'level'",
    'etcd-ts',
    'supported',
    "Storage backend: 'level' (LevelDB in <data-dir>/member/snap/db, durable) or 'memory' (the key-value store in memory, for tests and throwaway members).",
    { choices: ['level', 'memory'], fileType: 'string' },
  ),

  // Deprecated
  flag(
    'debug',
    'bool',
    false,
    "'false'",
    'TO BE DEPRECATED',
    'supported',
    "Enable debug-level logging for etcd. [WARN] Will be deprecated in v3.5. Use '--log-level=debug' instead.",
    { fileType: 'bool' },
  ),
  flag(
    'log-package-levels',
    'string',
    '',
    "''",
    'TO BE DEPRECATED',
    'ignored',
    "Specify a particular log level for each etcd package (eg: 'etcdmain=CRITICAL,etcdserver=DEBUG').",
    { fileType: 'string' },
  ),

  // Hidden in etcd's help
  flag('log-output', 'strings', ['default'], "'default'", undefined, 'supported', "Deprecated: use '--log-outputs'.", {
    fileType: 'string',
  }),
  flag(
    'enable-grpc-gateway',
    'bool',
    true,
    "'true'",
    undefined,
    'ignored',
    'Enable GRPC gateway (etcd-ts always serves it).',
    {
      fileType: 'bool',
    },
  ),
  flag(
    'config-file',
    'string',
    '',
    "''",
    undefined,
    'meta',
    'Path to the server configuration file. Note that if a configuration file is provided, other command line flags and environment variables will be ignored.',
  ),
  flag('version', 'bool', false, "'false'", undefined, 'meta', 'Print the version and exit.'),
  ...REMOVED.map((name) => flag(name, 'removed', false, "''", undefined, 'removed', '')),
]

/** The flags by name. */
export const FLAGS_BY_NAME: ReadonlyMap<string, FlagSpec> = new Map(FLAGS.map((spec) => [spec.name, spec]))

/** etcd's `flags.FlagToEnv("ETCD", name)`: `data-dir` → `ETCD_DATA_DIR`. */
export function flagToEnv(name: string): string {
  return `ETCD_${name.toUpperCase().replaceAll('-', '_')}`
}

/**
 * Parses one flag value the way the flag's Go type does (`Value.Set`).
 *
 * @param previous the flag's current value (an empty `urls` value keeps it, as etcd's UniqueURLs does)
 * @throws GoValueError with the text Go's flag package would report after the colon
 *   (`parse error`, `value out of range`, `invalid value`, or etcd's URL messages).
 */
export function parseFlagValue(spec: FlagSpec, text: string, previous: FlagValue): FlagValue {
  switch (spec.kind) {
    case 'string':
      return text
    case 'bool':
      return parseGoBool(text)
    case 'removed':
      return true
    case 'uint':
      return parseGoUint(text)
    case 'int':
      return parseGoInt(text)
    case 'uint32':
      return parseGoUint32Decimal(text)
    case 'duration':
      try {
        return nanosToMs(parseGoDuration(text))
      } catch {
        throw new GoValueError('parse error')
      }
    case 'urls':
      // etcd's UniqueURLs accepts "" (its one exception) and keeps what it had.
      if (text === '') return previous
      return parseUrlList(text)
    case 'strings':
      return [...new Set(text.split(','))].sort()
    case 'list':
      return text === '' ? [] : text.split(',')
    case 'choice':
      if (spec.choices?.includes(text) !== true) throw new GoValueError('invalid value')
      return text
  }
}

/** Formats a value for messages and logs: lists joined with commas. */
export function describeFlagValue(value: FlagValue): string {
  return Array.isArray(value) ? value.join(',') : String(value)
}

/** Whether two flag values are equal (lists element-wise). */
export function sameFlagValue(a: FlagValue, b: FlagValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => item === b[i])
  return a === b
}

/** A failure of Go's flag parsing; its message is the line Go's flag package prints. */
export class FlagSyntaxError extends Error {
  readonly code = 'DAEMON_FLAG_SYNTAX'
  constructor(message: string) {
    super(message)
    this.name = 'FlagSyntaxError'
  }
}

/** What the command line said. */
export interface CommandLine {
  /** Flags set on the command line, in the order last set (values parsed). */
  readonly values: ReadonlyMap<string, FlagValue>
  /** Arguments after the flags (etcd refuses any). */
  readonly positional: readonly string[]
  /** `-h`/`--help` was given. */
  readonly help: boolean
  /** Removed flags that were given, in order (etcd warns about each as it sees it). */
  readonly removed: readonly string[]
}

/**
 * Go's `flag.FlagSet.Parse` over {@link FLAGS}: `-flag`, `--flag`, `-flag=value`,
 * `-flag value` (not for booleans), booleans as `-flag` or `-flag=false`; parsing stops at the
 * first non-flag argument or after `--`; a later setting of a flag wins; `-h`/`-help` asks for help.
 *
 * @throws FlagSyntaxError with Go's message (`flag provided but not defined: -foo`,
 *   `invalid value "abc" for flag -snapshot-count: parse error`, `flag needs an argument: -name`,
 *   `invalid boolean value "x" for -enable-v2: parse error`, `bad flag syntax: ---x`).
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const values = new Map<string, FlagValue>()
  const removed: string[] = []
  let i = 0
  while (i < argv.length) {
    const arg = argv[i] as string
    if (arg.length < 2 || arg[0] !== '-') break
    let dashes = 1
    if (arg[1] === '-') {
      dashes = 2
      if (arg.length === 2) {
        i++
        break
      }
    }
    let name = arg.slice(dashes)
    if (name.length === 0 || name[0] === '-' || name[0] === '=') throw new FlagSyntaxError(`bad flag syntax: ${arg}`)
    i++
    let value: string | undefined
    const eq = name.indexOf('=', 1)
    if (eq >= 0) {
      value = name.slice(eq + 1)
      name = name.slice(0, eq)
    }
    const spec = FLAGS_BY_NAME.get(name)
    if (spec === undefined) {
      if (name === 'help' || name === 'h') return { values, positional: [], help: true, removed }
      throw new FlagSyntaxError(`flag provided but not defined: -${name}`)
    }
    const previous = values.get(name) ?? spec.defaultValue
    if (spec.kind === 'bool' || spec.kind === 'removed') {
      try {
        const parsed = parseFlagValue(spec, value ?? 'true', previous)
        values.delete(name) // keep "last set" order
        values.set(name, parsed)
      } catch (error) {
        throw new FlagSyntaxError(`invalid boolean value ${goQuote(value ?? 'true')} for -${name}: ${reason(error)}`)
      }
      if (spec.kind === 'removed') removed.push(name)
      continue
    }
    if (value === undefined) {
      if (i >= argv.length) throw new FlagSyntaxError(`flag needs an argument: -${name}`)
      value = argv[i] as string
      i++
    }
    try {
      const parsed = parseFlagValue(spec, value, previous)
      values.delete(name) // keep "last set" order
      values.set(name, parsed)
    } catch (error) {
      throw new FlagSyntaxError(`invalid value ${goQuote(value)} for flag -${name}: ${reason(error)}`)
    }
  }
  return { values, positional: argv.slice(i), help: false, removed }
}

function reason(error: unknown): string {
  if (error instanceof GoValueError) return error.message
  throw error
}
