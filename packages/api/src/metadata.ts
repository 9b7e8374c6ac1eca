/**
 * The gRPC metadata keys etcd reads and writes (clientv3 `rpctypes/metadatafields.go` and the
 * auth token fields). gRPC metadata keys are lowercase.
 */
export const METADATA_KEYS = {
  /**
   * `hasleader`: with the value {@link METADATA_HAS_LEADER}, the call must fail with
   * `etcdserver: no leader` when the member has no leader (clientv3 `WithRequireLeader`;
   * etcdctl's `watch` sends it).
   */
  requireLeader: 'hasleader',
  /** `token`: the auth token from Auth.Authenticate, as gRPC clients send it. */
  token: 'token',
  /** `authorization`: the token as the JSON gateway forwards the HTTP `Authorization` header (no `Bearer`). */
  authorization: 'authorization',
  /** `client-api-version`: the client's API version, e.g. `3.4` (etcdctl 3.4 sends it). */
  clientApiVersion: 'client-api-version',
} as const

/** The value of the `hasleader` metadata key that asks for a leader. */
export const METADATA_HAS_LEADER = 'true'
