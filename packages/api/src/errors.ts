/**
 * gRPC status codes (grpc/grpc `doc/statuscodes.md`), the numbers on the wire.
 */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const
export type GrpcStatus = (typeof GrpcStatus)[keyof typeof GrpcStatus]

const S = GrpcStatus

/**
 * The errors etcd servers send, each with its gRPC code and exact status message: clients map
 * statuses back to errors by the message text alone (clientv3's `rpctypes.Error`, the npm
 * `etcd3` client's substring matches), so the text is the contract, byte for byte.
 *
 * Source: etcd 3.4 `etcdserver/api/v3rpc/rpctypes/error.go` (reference §3); where main
 * changed a code (`NOT_CAPABLE`, `NOT_SUPPORTED_FOR_LEARNER`) the 3.4 code is kept. Entries
 * marked "3.5+" exist only in later etcd (main's `api/v3rpc/rpctypes/error.go`); the last
 * entries are errors outside rpctypes that clients see with code UNKNOWN.
 */
export const ETCD_ERRORS = {
  EMPTY_KEY: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: key is not provided' },
  KEY_NOT_FOUND: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: key not found' },
  VALUE_PROVIDED: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: value is provided' },
  LEASE_PROVIDED: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: lease is provided' },
  TOO_MANY_OPS: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: too many operations in txn request' },
  DUPLICATE_KEY: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: duplicate key given in txn request' },
  /** 3.5+. */
  INVALID_CLIENT_API_VERSION: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: invalid client api version' },
  /** 3.5+. */
  INVALID_SORT_OPTION: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: invalid sort option' },
  COMPACTED: { grpcCode: S.OUT_OF_RANGE, message: 'etcdserver: mvcc: required revision has been compacted' },
  FUTURE_REV: { grpcCode: S.OUT_OF_RANGE, message: 'etcdserver: mvcc: required revision is a future revision' },
  NO_SPACE: { grpcCode: S.RESOURCE_EXHAUSTED, message: 'etcdserver: mvcc: database space exceeded' },

  LEASE_NOT_FOUND: { grpcCode: S.NOT_FOUND, message: 'etcdserver: requested lease not found' },
  LEASE_EXIST: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: lease already exists' },
  LEASE_TTL_TOO_LARGE: { grpcCode: S.OUT_OF_RANGE, message: 'etcdserver: too large lease TTL' },

  WATCH_CANCELED: { grpcCode: S.CANCELLED, message: 'etcdserver: watch canceled' },

  MEMBER_EXIST: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: member ID already exist' },
  PEER_URL_EXIST: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: Peer URLs already exists' },
  MEMBER_NOT_ENOUGH_STARTED: {
    grpcCode: S.FAILED_PRECONDITION,
    message: 'etcdserver: re-configuration failed due to not enough started members',
  },
  MEMBER_BAD_URLS: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: given member URLs are invalid' },
  MEMBER_NOT_FOUND: { grpcCode: S.NOT_FOUND, message: 'etcdserver: member not found' },
  MEMBER_NOT_LEARNER: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: can only promote a learner member' },
  LEARNER_NOT_READY: {
    grpcCode: S.FAILED_PRECONDITION,
    message: 'etcdserver: can only promote a learner member which is in sync with leader',
  },
  TOO_MANY_LEARNERS: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: too many learner members in cluster' },
  /** 3.5+. */
  CLUSTER_ID_MISMATCH: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: cluster ID mismatch' },

  REQUEST_TOO_LARGE: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: request is too large' },
  TOO_MANY_REQUESTS: { grpcCode: S.RESOURCE_EXHAUSTED, message: 'etcdserver: too many requests' },

  ROOT_USER_NOT_EXIST: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: root user does not exist' },
  ROOT_ROLE_NOT_EXIST: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: root user does not have root role' },
  USER_ALREADY_EXIST: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: user name already exists' },
  USER_EMPTY: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: user name is empty' },
  USER_NOT_FOUND: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: user name not found' },
  ROLE_ALREADY_EXIST: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: role name already exists' },
  ROLE_NOT_FOUND: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: role name not found' },
  ROLE_EMPTY: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: role name is empty' },
  AUTH_FAILED: {
    grpcCode: S.INVALID_ARGUMENT,
    message: 'etcdserver: authentication failed, invalid user ID or password',
  },
  /** 3.5+. */
  PERMISSION_NOT_GIVEN: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: permission not given' },
  PERMISSION_DENIED: { grpcCode: S.PERMISSION_DENIED, message: 'etcdserver: permission denied' },
  ROLE_NOT_GRANTED: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: role is not granted to the user' },
  PERMISSION_NOT_GRANTED: {
    grpcCode: S.FAILED_PRECONDITION,
    message: 'etcdserver: permission is not granted to the role',
  },
  AUTH_NOT_ENABLED: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: authentication is not enabled' },
  INVALID_AUTH_TOKEN: { grpcCode: S.UNAUTHENTICATED, message: 'etcdserver: invalid auth token' },
  INVALID_AUTH_MGMT: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: invalid auth management' },
  AUTH_OLD_REVISION: { grpcCode: S.INVALID_ARGUMENT, message: 'etcdserver: revision of auth store is old' },

  NO_LEADER: { grpcCode: S.UNAVAILABLE, message: 'etcdserver: no leader' },
  NOT_LEADER: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: not leader' },
  LEADER_CHANGED: { grpcCode: S.UNAVAILABLE, message: 'etcdserver: leader changed' },
  /** UNAVAILABLE in 3.4 (FAILED_PRECONDITION in main). */
  NOT_CAPABLE: { grpcCode: S.UNAVAILABLE, message: 'etcdserver: not capable' },
  STOPPED: { grpcCode: S.UNAVAILABLE, message: 'etcdserver: server stopped' },
  TIMEOUT: { grpcCode: S.UNAVAILABLE, message: 'etcdserver: request timed out' },
  TIMEOUT_DUE_TO_LEADER_FAIL: {
    grpcCode: S.UNAVAILABLE,
    message: 'etcdserver: request timed out, possibly due to previous leader failure',
  },
  TIMEOUT_DUE_TO_CONNECTION_LOST: {
    grpcCode: S.UNAVAILABLE,
    message: 'etcdserver: request timed out, possibly due to connection lost',
  },
  TIMEOUT_WAIT_APPLIED_INDEX: {
    grpcCode: S.UNAVAILABLE,
    message: 'etcdserver: request timed out, waiting for the applied index took too long',
  },
  UNHEALTHY: { grpcCode: S.UNAVAILABLE, message: 'etcdserver: unhealthy cluster' },
  CORRUPT: { grpcCode: S.DATA_LOSS, message: 'etcdserver: corrupt cluster' },
  /** UNAVAILABLE in 3.4 (FAILED_PRECONDITION in main). */
  NOT_SUPPORTED_FOR_LEARNER: { grpcCode: S.UNAVAILABLE, message: 'etcdserver: rpc not supported for learner' },
  BAD_LEADER_TRANSFEREE: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: bad leader transferee' },

  /** 3.5+. */
  WRONG_DOWNGRADE_VERSION_FORMAT: {
    grpcCode: S.INVALID_ARGUMENT,
    message: 'etcdserver: wrong downgrade target version format',
  },
  /** 3.5+. */
  INVALID_DOWNGRADE_TARGET_VERSION: {
    grpcCode: S.INVALID_ARGUMENT,
    message: 'etcdserver: invalid downgrade target version',
  },
  /** 3.5+. */
  CLUSTER_VERSION_UNAVAILABLE: {
    grpcCode: S.FAILED_PRECONDITION,
    message: 'etcdserver: cluster version not found during downgrade',
  },
  /** 3.5+. */
  DOWNGRADE_IN_PROCESS: {
    grpcCode: S.FAILED_PRECONDITION,
    message: 'etcdserver: cluster has a downgrade job in progress',
  },
  /** 3.5+. */
  NO_INFLIGHT_DOWNGRADE: { grpcCode: S.FAILED_PRECONDITION, message: 'etcdserver: no inflight downgrade job' },

  /** 3.5+: a request whose context was canceled (what {@link toGrpcStatus} sends for an AbortError). */
  REQUEST_CANCELED: { grpcCode: S.CANCELLED, message: 'etcdserver: request canceled' },
  /** 3.5+: a request whose deadline passed (what {@link toGrpcStatus} sends for a TimeoutError). */
  CONTEXT_DEADLINE_EXCEEDED: { grpcCode: S.DEADLINE_EXCEEDED, message: 'etcdserver: context deadline exceeded' },

  /** Election.Leader when nobody leads (v3election `ErrElectionNoLeader`). */
  ELECTION_NO_LEADER: { grpcCode: S.UNKNOWN, message: 'election: no leader' },
  /** Election.Proclaim/Resign by a campaigner that does not lead (`ErrElectionNotLeader`). */
  ELECTION_NOT_LEADER: { grpcCode: S.UNKNOWN, message: 'election: not leader' },
  /** Authenticate with a password for a user created with `no_password` (auth `ErrNoPasswordUser`). */
  AUTH_NO_PASSWORD_USER: {
    grpcCode: S.UNKNOWN,
    message: 'auth: authentication failed, password was given for no password user',
  },
} as const satisfies Record<string, { readonly grpcCode: number; readonly message: string }>

/** The code of an etcd error: a key of {@link ETCD_ERRORS}. */
export type EtcdErrorCode = keyof typeof ETCD_ERRORS

/**
 * The `cancel_reason` strings etcd puts in a WatchResponse that cancels a watcher (they are not
 * gRPC statuses: the stream stays open).
 */
export const WatchCancelReason = {
  /** A create request asked for a watch ID already in use on the stream. */
  DUPLICATE_WATCH_ID: 'mvcc: duplicate watch ID provided on the WatchStream',
  /** A create request's non-empty range_end is not after its key. */
  EMPTY_RANGE: 'mvcc: watcher range is empty',
  /** The watcher's range is not readable by the stream's user: the formatted gRPC error, as etcd sends it. */
  PERMISSION_DENIED: 'rpc error: code = PermissionDenied desc = etcdserver: permission denied',
} as const
export type WatchCancelReason = (typeof WatchCancelReason)[keyof typeof WatchCancelReason]

/**
 * An error etcd defines, carrying its gRPC code and etcd's exact message. The server throws
 * these and sends `toGrpcStatus(error)`; the client gets them back from `fromGrpcStatus`.
 * Branch on `code`, never on the message.
 */
export class EtcdError extends Error {
  readonly code: EtcdErrorCode
  /** The gRPC status code etcd sends with this error (see {@link GrpcStatus}). */
  readonly grpcCode: number

  constructor(code: EtcdErrorCode, options?: ErrorOptions) {
    const entry = ETCD_ERRORS[code]
    if (entry === undefined) throw new TypeError(`EtcdError: unknown code ${JSON.stringify(code)}`)
    super(entry.message, options)
    this.name = 'EtcdError'
    this.code = code
    this.grpcCode = entry.grpcCode
  }
}

const codeByMessage: ReadonlyMap<string, EtcdErrorCode> = new Map(
  (Object.keys(ETCD_ERRORS) as EtcdErrorCode[]).map((code) => [ETCD_ERRORS[code].message, code]),
)

function isEtcdErrorLike(error: unknown): error is { code: EtcdErrorCode } {
  if (error instanceof EtcdError) return true
  // Duck-typed too: `instanceof` fails across two installed copies of this package.
  if (typeof error !== 'object' || error === null) return false
  const { code, grpcCode } = error as { code?: unknown; grpcCode?: unknown }
  return typeof code === 'string' && typeof grpcCode === 'number' && Object.hasOwn(ETCD_ERRORS, code)
}

/**
 * The gRPC status to send for an error, as etcd's `togRPCError` does: an {@link EtcdError}
 * gives its code and exact message; an `AbortError` gives CANCELLED (`etcdserver: request
 * canceled`) and a `TimeoutError` DEADLINE_EXCEEDED; anything else is UNKNOWN with the error's
 * own message (etcd sends unmapped errors as UNKNOWN with their raw text).
 */
export function toGrpcStatus(error: unknown): { code: number; details: string } {
  if (isEtcdErrorLike(error)) {
    const entry = ETCD_ERRORS[error.code]
    return { code: entry.grpcCode, details: entry.message }
  }
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined
  if (name === 'AbortError') return { code: S.CANCELLED, details: ETCD_ERRORS.REQUEST_CANCELED.message }
  if (name === 'TimeoutError') {
    return { code: S.DEADLINE_EXCEEDED, details: ETCD_ERRORS.CONTEXT_DEADLINE_EXCEEDED.message }
  }
  const details = error instanceof Error ? error.message : String(error)
  return { code: S.UNKNOWN, details }
}

/**
 * The etcd error a received gRPC status stands for, looked up by its exact message as
 * clientv3's `rpctypes.Error` does (the code is not compared); `undefined` for any other
 * status.
 */
export function fromGrpcStatus(status: { code: number; details: string }): EtcdError | undefined {
  const code = codeByMessage.get(status.details)
  return code === undefined ? undefined : new EtcdError(code)
}

/**
 * The HTTP status the JSON gateway answers for a gRPC code: grpc-gateway v1's
 * `runtime.HTTPStatusFromCode`, which etcd 3.4/3.5 use (FAILED_PRECONDITION is 412, CANCELLED
 * 408). Unknown codes give 500.
 */
export function grpcCodeToHttpStatus(code: number): number {
  switch (code) {
    case S.OK:
      return 200
    case S.CANCELLED:
      return 408
    case S.UNKNOWN:
      return 500
    case S.INVALID_ARGUMENT:
      return 400
    case S.DEADLINE_EXCEEDED:
      return 504
    case S.NOT_FOUND:
      return 404
    case S.ALREADY_EXISTS:
      return 409
    case S.PERMISSION_DENIED:
      return 403
    case S.UNAUTHENTICATED:
      return 401
    case S.RESOURCE_EXHAUSTED:
      return 429
    case S.FAILED_PRECONDITION:
      return 412
    case S.ABORTED:
      return 409
    case S.OUT_OF_RANGE:
      return 400
    case S.UNIMPLEMENTED:
      return 501
    case S.INTERNAL:
      return 500
    case S.UNAVAILABLE:
      return 503
    case S.DATA_LOSS:
      return 500
    default:
      return 500
  }
}

/**
 * Binary protobuf input that cannot be decoded: truncated data, a bad wire type, a varint
 * longer than 10 bytes, or a field overrunning its message.
 */
export class ProtoDecodeError extends Error {
  readonly code = 'API_PROTO_DECODE'
  constructor(message: string, options?: ErrorOptions) {
    super(`protobuf: ${message}`, options)
    this.name = 'ProtoDecodeError'
  }
}

/**
 * A 64-bit field typed `number` (a counter: revision, index, TTL, size) whose decoded value is
 * beyond ±(2^53 - 1), so that it cannot be represented exactly. `value` is the exact value.
 */
export class UnsafeIntegerError extends RangeError {
  readonly code = 'API_UNSAFE_INTEGER'
  /** The field, as `package.Message.field`. */
  readonly field: string
  readonly value: bigint
  constructor(field: string, value: bigint, options?: ErrorOptions) {
    super(`${field}: ${value} is beyond Number.MAX_SAFE_INTEGER`, options)
    this.name = 'UnsafeIntegerError'
    this.field = field
    this.value = value
  }
}

/** Gateway JSON that does not fit the message: a wrong type, a bad number, base64 or enum name. */
export class JsonDecodeError extends Error {
  readonly code = 'API_JSON_DECODE'
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'JsonDecodeError'
  }
}
