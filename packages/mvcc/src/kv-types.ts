import type { KeyValue, LeaseId } from './key-value.js'

/**
 * Range arguments, everywhere in mvcc: `end === undefined` is the single key `key`; an **empty**
 * `end` is every key `>= key`; otherwise `[key, end)`. (The server maps etcd's wire encoding:
 * empty `range_end` → `undefined`, `"\0"` → empty.)
 */
export type RangeEnd = Uint8Array | undefined

/** Options of a range read. */
export interface RangeOptions {
  /** At most this many keys (0: no limit). `count` still counts them all. */
  readonly limit?: number
  /** Read at this revision; 0 (the default) for the current one. Negative is a RangeError. */
  readonly rev?: number
  /** Only count the keys: `kvs` is empty. */
  readonly count?: boolean
}

/** The answer of a range read. */
export interface RangeResult {
  /** The key-values, in key order, at most `limit`. */
  readonly kvs: KeyValue[]
  /** The store revision the read was served at (the current one, not `rev`). */
  readonly rev: number
  /** How many keys the range holds at the revision read, whatever the limit. */
  readonly count: number
}

/**
 * A read transaction (etcd's `TxnRead`): reads of one moment of the store. Synchronous; call
 * `end()` when done.
 */
export interface TxnRead {
  /** The compacted revision when the transaction began (reads below it fail). */
  firstRev(): number
  /** The store revision the transaction reads at. */
  rev(): number
  /**
   * Reads `[key, end)` (see {@link RangeEnd}).
   *
   * @throws CompactedError when `rev` is below the compacted revision.
   * @throws FutureRevError when `rev` is above the current revision.
   */
  range(key: Uint8Array, end: RangeEnd, options?: RangeOptions): RangeResult
  end(): void
}

/**
 * The write transaction (etcd's `TxnWrite`): every change gets the revision `rev() + 1` and a
 * sub-revision in order; `end()` makes them the store's current revision (one revision per
 * transaction, none if nothing changed). Synchronous from begin to `end()` — never await in
 * between (it holds the backend's write transaction).
 */
export interface TxnWrite extends TxnRead {
  /** Writes `value` at `key` with `lease` (default 0n: none); returns the new revision. */
  put(key: Uint8Array, value: Uint8Array, lease?: LeaseId): number
  /**
   * Deletes the live keys of `[key, end)`; returns how many and the revision (the new one if
   * this transaction changed anything, else the current one).
   */
  deleteRange(key: Uint8Array, end: RangeEnd): { readonly deleted: number; readonly rev: number }
  /** The changes so far: puts as full key-values, deletes as key-values with only `key`. */
  changes(): readonly KeyValue[]
}

/**
 * What the store needs of the lessor (the narrow interface mvcc consumes; `@etcd-ts/lease`'s
 * Lessor fits it): keys attached to leases, so that revoking a lease deletes them.
 */
export interface LeaseAttacher {
  /** Attaches keys to a lease. Throws if the lease does not exist (the server checks first). */
  attach(id: LeaseId, keys: readonly Uint8Array[]): void
  /** Detaches keys from a lease. */
  detach(id: LeaseId, keys: readonly Uint8Array[]): void
  /** The lease a key is attached to, 0n if none. */
  getLease(key: Uint8Array): LeaseId
}

/** A hash of the key space up to a revision (etcd's `KeyValueHash`, the HashKV answer). */
export interface KeyValueHash {
  readonly hash: number
  readonly compactRevision: number
  readonly revision: number
}
