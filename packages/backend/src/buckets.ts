/**
 * A bucket: a named keyspace, etcd's bbolt bucket. Names are ASCII, 1 to 255 bytes.
 */
export type BucketName = string

/** The buckets etcd's server uses, with etcd's names (the raw byte strings bbolt stores). */
export const Buckets = {
  /** MVCC revisions → `mvccpb.KeyValue`. Keys only grow (sequential puts). */
  Key: 'key',
  /** consistent_index, term, compaction progress, ... */
  Meta: 'meta',
  /** Lease ID (8 bytes, big-endian) → `leasepb.Lease`. */
  Lease: 'lease',
  Alarm: 'alarm',
  Cluster: 'cluster',
  Members: 'members',
  MembersRemoved: 'members_removed',
  Auth: 'auth',
  AuthUsers: 'authUsers',
  AuthRoles: 'authRoles',
} as const satisfies Record<string, BucketName>

/**
 * Checks a bucket name.
 *
 * @throws TypeError unless it is a string of 1 to 255 printable ASCII characters.
 */
export function assertBucketName(bucket: BucketName): void {
  if (typeof bucket !== 'string' || bucket.length === 0 || bucket.length > 255 || !/^[\x21-\x7e]+$/.test(bucket)) {
    throw new TypeError(`bucket name must be 1 to 255 printable ASCII characters, got ${JSON.stringify(bucket)}`)
  }
}
