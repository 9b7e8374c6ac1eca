import type { Index, Term } from '@etcd-ts/raft'

/** The suffix of raft snapshot files. */
export const SNAP_SUFFIX = '.snap'
/** The suffix of backend snapshots received from a leader. */
export const DB_SUFFIX = '.snap.db'
/** The suffix a corrupt snapshot file is renamed to (appended to its name). */
export const BROKEN_SUFFIX = '.broken'
/** The prefix of in-flight files this package writes (etcd names its `.snap.db` downloads the same). */
export const TEMP_PREFIX = 'tmp'
/** The prefix of the backend's defragmentation temp file, orphaned if etcd crashed mid-defrag. */
export const DEFRAG_TEMP_PREFIX = 'db.tmp'

/**
 * The file name etcd gives the snapshot at (`term`, `index`): `%016x-%016x.snap`, lowercase
 * hex, so that name order is (term, index) order.
 *
 * @example snapshotFileName(2, 21) === '0000000000000002-0000000000000015.snap'
 * @throws RangeError if `term` or `index` is not an integer in [0, 2^53 - 1].
 */
export function snapshotFileName(term: Term, index: Index): string {
  return `${hex16(term, 'term')}-${hex16(index, 'index')}${SNAP_SUFFIX}`
}

/**
 * The file name of the backend snapshot received for raft `index`: `%016x.snap.db`.
 *
 * @example dbFileName(21) === '0000000000000015.snap.db'
 * @throws RangeError if `index` is not an integer in [0, 2^53 - 1].
 */
export function dbFileName(index: Index): string {
  return `${hex16(index, 'index')}${DB_SUFFIX}`
}

/**
 * The (term, index) a snapshot file name encodes, or `undefined` if `name` is not
 * `<hex>-<hex>.snap` with values up to 2^53 - 1. Accepts what etcd's `%016x` produces
 * (and hex of other widths or case, as Go's parser would).
 */
export function parseSnapshotFileName(name: string): { term: Term; index: Index } | undefined {
  const match = /^([0-9a-fA-F]{1,16})-([0-9a-fA-F]{1,16})\.snap$/.exec(name)
  if (match === null) return undefined
  const term = parseHex(match[1] ?? '')
  const index = parseHex(match[2] ?? '')
  if (term === undefined || index === undefined) return undefined
  return { term, index }
}

/** The index a `%016x.snap.db` name encodes, or `undefined` if `name` is not one. */
export function parseDbFileName(name: string): Index | undefined {
  const match = /^([0-9a-fA-F]{1,16})\.snap\.db$/.exec(name)
  if (match === null) return undefined
  return parseHex(match[1] ?? '')
}

/**
 * Checks that `value` is a log index or term that fits the `number` we use for them.
 *
 * @throws RangeError naming `field` otherwise.
 */
export function checkIndexOrTerm(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`snap: ${field} must be an integer in [0, 2^53 - 1], got ${String(value)}`)
  }
}

function hex16(value: number, field: string): string {
  checkIndexOrTerm(value, field)
  return value.toString(16).padStart(16, '0')
}

function parseHex(digits: string): number | undefined {
  const value = BigInt(`0x${digits}`)
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined
}
