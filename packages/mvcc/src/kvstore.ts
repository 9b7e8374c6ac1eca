import {
  type Backend,
  type BatchTx,
  Buckets,
  type Clock,
  compareBytes,
  type Logger,
  type ReadTx,
  SYSTEM_CLOCK,
} from '@etcd-ts/backend'
import { crc32c } from '@node-rs/crc32'
import { CompactedError, EmptyKeyError, FutureRevError, InvalidRangeError, StoreClosedError } from './errors.js'
import { decodeKeyValue, encodeKeyValue, type KeyValue, type LeaseId } from './key-value.js'
import type { KeyValueHash, LeaseAttacher, RangeEnd, RangeOptions, RangeResult, TxnRead, TxnWrite } from './kv-types.js'
import { unsafeReadCompactRev, unsafeSetCompactRev } from './meta.js'
import { decodeRevisionKey, encodeRevisionKey, type Revision } from './revision.js'
import type { RevisionSet } from './revision-set.js'
import { TreeIndex } from './tree-index.js'

/** Settings of a {@link KVStore}. */
export interface KVStoreOptions {
  /** Revisions deleted per compaction batch. Default 1000 (etcd's `--experimental-compaction-batch-limit`). */
  readonly compactionBatchLimit?: number
  /** Pause between compaction batches, in ms. Default 10 (etcd's `CompactionSleepInterval`). */
  readonly compactionSleepIntervalMs?: number
}

/** Collaborators of a {@link KVStore}. */
export interface KVStoreComponents {
  /** Attaches keys to leases; without one, puts with a lease throw. */
  readonly lessor?: LeaseAttacher
  /** For compaction pauses. Default: the real clock. */
  readonly clock?: Clock
  readonly logger?: Logger
}

/** The result of {@link KVStore.compact}. */
export interface CompactResult {
  /** Resolves once the compaction is persisted as scheduled (it then survives a crash). */
  readonly scheduled: Promise<void>
  /** Resolves once the old revisions are physically deleted (etcd's `physical` compaction). */
  readonly done: Promise<void>
}

/** Default compaction batch size. */
export const DEFAULT_COMPACTION_BATCH_LIMIT = 1000
/** Default pause between compaction batches, in ms. */
export const DEFAULT_COMPACTION_SLEEP_INTERVAL_MS = 10
/** How many compaction hashes are kept (etcd keeps 10). */
const COMPACTION_HASHES_KEPT = 10
/** Keys restored from the backend per read, at boot. */
const RESTORE_CHUNK_KEYS = 10_000
const KEY_BUCKET_NAME = new TextEncoder().encode(Buckets.Key)

/**
 * etcd's multi-version key-value store (mvcc `store`): every write transaction makes one new
 * revision; every revision of every key stays readable until compacted. Keys live in an
 * in-memory {@link TreeIndex} of revisions; values in the backend's `key` bucket under their
 * revision (`encodeRevisionKey`), as `mvccpb.KeyValue`.
 *
 * ```
 *   revision:   1      2         3          4
 *   key foo:    put    put       delete     put
 *   index:      foo → [{1.0, 2.0, 3.0t}, {4.0}]     (generations, t = tombstone)
 *   backend:    1_0 → {foo v1}  2_0 → {foo v2}  3_0t → {foo}  4_0 → {foo v3}
 * ```
 *
 * Reads and write transactions are synchronous (point reads of values by revision); opening,
 * compaction, hashing and restore are asynchronous.
 */
export class KVStore {
  readonly #backend: Backend
  readonly #lessor: LeaseAttacher | undefined
  readonly #clock: Clock
  readonly #logger: Logger | undefined
  readonly #compactionBatchLimit: number
  readonly #compactionSleepIntervalMs: number
  #index = new TreeIndex()
  // Invariant: compactMainRev <= currentRev. -1 until the first compaction.
  #currentRev = 1
  #compactMainRev = -1
  #state: 'new' | 'open' | 'restoring' | 'closed' = 'new'
  // Compactions run one after the other (etcd's FIFO scheduler).
  #compactions: Promise<unknown> = Promise.resolve()
  #cancelSleep: (() => void) | undefined
  #writing = false
  #compactionHashes: KeyValueHash[] = []
  #onWriteEnd: ((rev: number, changes: readonly KeyValue[]) => void) | undefined

  constructor(backend: Backend, options: KVStoreOptions = {}, components: KVStoreComponents = {}) {
    this.#backend = backend
    this.#lessor = components.lessor
    this.#clock = components.clock ?? SYSTEM_CLOCK
    this.#logger = components.logger
    this.#compactionBatchLimit = positiveInteger(
      options.compactionBatchLimit ?? DEFAULT_COMPACTION_BATCH_LIMIT,
      'compactionBatchLimit',
    )
    this.#compactionSleepIntervalMs = nonNegativeInteger(
      options.compactionSleepIntervalMs ?? DEFAULT_COMPACTION_SLEEP_INTERVAL_MS,
      'compactionSleepIntervalMs',
    )
  }

  /**
   * Creates the `key` and `meta` buckets if needed and rebuilds the index from the backend
   * (resuming an interrupted compaction). The backend must be open. Idempotent.
   */
  async open(): Promise<void> {
    if (this.#state === 'open') return
    if (this.#state === 'closed') throw new StoreClosedError()
    const tx = this.#backend.batchTx()
    tx.lock()
    tx.unsafeCreateBucket(Buckets.Key)
    tx.unsafeCreateBucket(Buckets.Meta)
    tx.unlock()
    await this.#restore()
    this.#state = 'open'
  }

  /** Stops compaction (an interrupted one resumes at the next open). Idempotent. */
  async close(): Promise<void> {
    this.#state = 'closed'
    this.#cancelSleep?.()
    await this.#compactions.catch(() => {})
  }

  /** The current revision: that of the last write transaction that changed something. */
  rev(): number {
    return this.#currentRev
  }

  /** The compacted revision (-1 before any compaction). */
  compactRev(): number {
    return this.#compactMainRev
  }

  /** The index (for the watchable store's catch-up reads). */
  get index(): TreeIndex {
    return this.#index
  }

  /** The backend the store keeps its revisions in. */
  get backend(): Backend {
    return this.#backend
  }

  /**
   * Sets the hook the watchable store uses: called at the end of every write transaction that
   * changed something, with the new revision and the changes, before the revision becomes
   * current.
   */
  setWriteEndHook(hook: ((rev: number, changes: readonly KeyValue[]) => void) | undefined): void {
    this.#onWriteEnd = hook
  }

  /** A read transaction at the current revision. */
  read(): TxnRead {
    this.#assertOpen()
    return new StoreTxnRead(this, this.#backend.readTx(), this.#compactMainRev, this.#currentRev)
  }

  /**
   * The write transaction: ends with `end()`, synchronously. Only one is open at a time.
   *
   * @throws TypeError when a write transaction is already open (one spanned an await).
   */
  write(): TxnWrite {
    this.#assertOpen()
    if (this.#writing) throw new TypeError('mvcc: a write transaction is already open')
    const tx = this.#backend.batchTx()
    tx.lock()
    this.#writing = true
    return new StoreTxnWrite(this, tx, this.#currentRev)
  }

  /** One-shot read at the current revision. */
  range(key: Uint8Array, end: RangeEnd, options?: RangeOptions): RangeResult {
    const txn = this.read()
    try {
      return txn.range(key, end, options)
    } finally {
      txn.end()
    }
  }

  /** One-shot put; returns the new revision. */
  put(key: Uint8Array, value: Uint8Array, lease: LeaseId = 0n): number {
    const txn = this.write()
    try {
      return txn.put(key, value, lease)
    } finally {
      txn.end()
    }
  }

  /** One-shot delete of `[key, end)`. */
  deleteRange(key: Uint8Array, end: RangeEnd): { readonly deleted: number; readonly rev: number } {
    const txn = this.write()
    try {
      return txn.deleteRange(key, end)
    } finally {
      txn.end()
    }
  }

  /**
   * Compacts away every revision older than `rev` except each key's latest at `rev`: reads
   * below `rev` fail from now on. The scheduled revision is written in the current batch (so it
   * commits with whatever the caller commits next); deletion runs in the background, in batches
   * of `compactionBatchLimit` with pauses, so writes never stall.
   *
   * @throws CompactedError when `rev` is not above the compacted revision.
   * @throws FutureRevError when `rev` is above the current revision.
   */
  compact(rev: number): CompactResult {
    this.#assertOpen()
    if (!Number.isSafeInteger(rev)) throw new RangeError(`revision must be an integer, got ${rev}`)
    if (rev <= this.#compactMainRev) throw new CompactedError(this.#compactMainRev)
    if (rev > this.#currentRev) throw new FutureRevError(this.#currentRev)
    const prevCompactionCompleted = this.#previousCompactionCompleted()
    const prevCompactRev = this.#compactMainRev
    this.#compactMainRev = rev
    const tx = this.#backend.batchTx()
    tx.lock()
    unsafeSetCompactRev(tx, 'scheduled', rev)
    tx.unlock()
    return this.#scheduleCompaction(rev, prevCompactRev, prevCompactionCompleted)
  }

  /** Hashes of the last compactions (at most 10, newest last), for corruption checks. */
  compactionHashes(): readonly KeyValueHash[] {
    return this.#compactionHashes
  }

  /**
   * The hash of the key space at `rev` (0: current), as etcd's HashKV: CRC-32C over the bucket
   * name `key` then every (revision key, value) at or below `rev` that compaction keeps.
   *
   * @throws CompactedError, FutureRevError.
   */
  async hashByRev(rev: number): Promise<KeyValueHash> {
    this.#assertOpen()
    const compactRev = this.#compactMainRev
    const currentRev = this.#currentRev
    if (rev > 0 && rev < compactRev) throw new CompactedError(compactRev)
    if (rev > currentRev) throw new FutureRevError(currentRev)
    const at = rev <= 0 ? currentRev : rev
    const keep = this.#index.keep(at)
    const hasher = new KeyValueHasher(compactRev, at, keep)
    const tx = this.#backend.concurrentReadTx()
    try {
      await tx.unsafeForEach(Buckets.Key, (key, value) => {
        hasher.write(key, value)
      })
    } finally {
      tx.close()
    }
    return hasher.hash()
  }

  /** Called after the backend was replaced by a snapshot: rebuilds the index from it. */
  async restore(): Promise<void> {
    this.#assertOpen()
    // Stop a running compaction: it belongs to the replaced contents.
    this.#state = 'restoring'
    this.#cancelSleep?.()
    await this.#compactions.catch(() => {})
    this.#state = 'open'
    this.#compactions = Promise.resolve()
    this.#index = new TreeIndex()
    this.#currentRev = 1
    this.#compactMainRev = -1
    await this.#restore()
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new StoreClosedError()
  }

  // --- write transaction internals, called by StoreTxnWrite -----------------------------------

  /** @internal */
  endWrite(tx: BatchTx, changes: readonly KeyValue[]): void {
    try {
      if (changes.length > 0) this.#onWriteEnd?.(this.#currentRev + 1, changes)
    } finally {
      if (changes.length > 0) this.#currentRev++
      tx.unlock()
      this.#writing = false
    }
  }

  /** @internal */
  get lessor(): LeaseAttacher | undefined {
    return this.#lessor
  }

  /** @internal */
  readRange(tx: ReadTx, key: Uint8Array, end: RangeEnd, currentRev: number, options: RangeOptions): RangeResult {
    checkKeyRange(key, end)
    const limit = options.limit ?? 0
    if (!Number.isSafeInteger(limit) || limit < 0)
      throw new RangeError(`limit must be a non-negative integer, got ${limit}`)
    let rev = options.rev ?? 0
    if (!Number.isSafeInteger(rev) || rev < 0)
      throw new RangeError(`revision must be a non-negative integer, got ${rev}`)
    if (rev > currentRev) throw new FutureRevError(currentRev)
    if (rev === 0) rev = currentRev
    if (rev < this.#compactMainRev) throw new CompactedError(this.#compactMainRev)
    if (options.count === true) {
      return { kvs: [], rev: currentRev, count: this.#index.countRevisions(key, end, rev) }
    }
    const { revs, total } = this.#index.revisions(key, end, rev, limit)
    const kvs: KeyValue[] = new Array(revs.length)
    for (let i = 0; i < revs.length; i++) {
      const value = tx.unsafeGet(Buckets.Key, encodeRevisionKey(revs[i] as Revision))
      if (value === undefined) throw new Error(`mvcc: range failed to find revision ${(revs[i] as Revision).main}`)
      kvs[i] = decodeKeyValue(value)
    }
    return { kvs, rev: currentRev, count: total }
  }

  // --- compaction ------------------------------------------------------------------------------

  #previousCompactionCompleted(): boolean {
    const tx = this.#backend.readTx()
    return unsafeReadCompactRev(tx, 'scheduled') === unsafeReadCompactRev(tx, 'finished')
  }

  #scheduleCompaction(rev: number, prevCompactRev: number, prevCompactionCompleted: boolean): CompactResult {
    let markScheduled: () => void = () => {}
    let failScheduled: (error: unknown) => void = () => {}
    const scheduled = new Promise<void>((resolve, reject) => {
      markScheduled = resolve
      failScheduled = reject
    })
    const done = this.#compactions.then(async () => {
      // Persist the scheduled revision first: a crash from here on resumes the compaction.
      try {
        await this.#backend.forceCommit()
      } catch (error) {
        failScheduled(error)
        throw error
      }
      markScheduled()
      const hash = await this.#compactBatches(rev, prevCompactRev)
      // Only a compaction that hashed everything since the previous one yields a usable hash.
      if (prevCompactionCompleted) {
        this.#compactionHashes.push(hash)
        if (this.#compactionHashes.length > COMPACTION_HASHES_KEPT) this.#compactionHashes.shift()
      }
    })
    this.#compactions = done.catch(() => {})
    done.catch((error: unknown) => this.#logger?.warn(`mvcc: compaction at ${rev} failed: ${String(error)}`))
    scheduled.catch(() => {})
    return { scheduled, done }
  }

  // etcd's scheduleCompaction: delete, batch by batch, every revision up to `rev` that the
  // index does not keep; the last batch records the finished revision in the same transaction.
  async #compactBatches(rev: number, prevCompactRev: number): Promise<KeyValueHash> {
    const keep = this.#index.compact(rev)
    const hasher = new KeyValueHasher(prevCompactRev, rev, keep)
    // [last, end): every revision with main <= rev (the 8-byte prefix of main rev + 1).
    const end = new Uint8Array(8)
    new DataView(end.buffer).setBigUint64(0, BigInt(rev + 1))
    let last: Uint8Array = new Uint8Array(17)
    for (;;) {
      if (this.#state !== 'open') throw new StoreClosedError()
      // Revisions at or below `rev` never change except through compaction, which runs alone:
      // reading them outside the write transaction is safe.
      const { keys, values } = await this.#backend
        .readTx()
        .unsafeRange(Buckets.Key, last, end, this.#compactionBatchLimit)
      const tx = this.#backend.batchTx()
      tx.lock()
      try {
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i] as Uint8Array
          if (!keep.has(decodeRevisionKey(key).rev)) tx.unsafeDelete(Buckets.Key, key)
          hasher.write(key, values[i] as Uint8Array)
        }
        if (keys.length < this.#compactionBatchLimit) {
          unsafeSetCompactRev(tx, 'finished', rev)
          return hasher.hash()
        }
      } finally {
        tx.unlock()
      }
      const lastRev = decodeRevisionKey(keys[keys.length - 1] as Uint8Array).rev
      last = encodeRevisionKey({ main: lastRev.main, sub: lastRev.sub + 1 })
      // Commit the deletes now rather than letting them pile up in the write buffer.
      await this.#backend.forceCommit()
      // The pause between batches; close() and restore() end it early (and the loop then stops).
      await new Promise<void>((resolve) => {
        const cancelTimer = this.#clock.setTimer(this.#compactionSleepIntervalMs, () => {
          this.#cancelSleep = undefined
          resolve()
        })
        this.#cancelSleep = () => {
          this.#cancelSleep = undefined
          cancelTimer()
          resolve()
        }
      })
    }
  }

  // --- restore -----------------------------------------------------------------------------------

  // etcd's restore: rebuild the index from the `key` bucket in revision order, re-attach each
  // live key's lease, recover the compaction state, and resume an interrupted compaction.
  async #restore(): Promise<void> {
    const tx = this.#backend.readTx()
    const finished = unsafeReadCompactRev(tx, 'finished')
    let scheduled = unsafeReadCompactRev(tx, 'scheduled') ?? 0
    if (finished !== undefined) this.#compactMainRev = finished
    const keyToLease = new Map<string, { key: Uint8Array; lease: LeaseId }>()
    let lastMain = 1
    let start: Uint8Array = encodeRevisionKey({ main: 1, sub: 0 })
    const end = new Uint8Array(8).fill(0xff)
    for (;;) {
      const { keys, values } = await tx.unsafeRange(Buckets.Key, start, end, RESTORE_CHUNK_KEYS)
      for (let i = 0; i < keys.length; i++) {
        const { rev, tombstone } = decodeRevisionKey(keys[i] as Uint8Array)
        const kv = decodeKeyValue(values[i] as Uint8Array)
        lastMain = rev.main
        const mapKey = latin1(kv.key)
        if (tombstone) keyToLease.delete(mapKey)
        else if (kv.lease !== 0n) keyToLease.set(mapKey, { key: kv.key, lease: kv.lease })
        else keyToLease.delete(mapKey)
        // etcd's restoreIntoIndex: a key seen for the first time starts from its stored
        // creation revision and version (its earlier revisions may be compacted away); later
        // revisions are plain puts and tombstones.
        if (tombstone) {
          if (!this.#index.restoreTombstone(kv.key, rev)) {
            this.#logger?.warn(`mvcc: restore: tombstone at ${rev.main} of a key not live`)
          }
        } else {
          this.#index.restore(kv.key, { main: kv.createRevision, sub: 0 }, rev, kv.version)
        }
      }
      if (keys.length < RESTORE_CHUNK_KEYS) break
      const lastRev = decodeRevisionKey(keys[keys.length - 1] as Uint8Array).rev
      start = encodeRevisionKey({ main: lastRev.main, sub: lastRev.sub + 1 })
    }
    this.#currentRev = lastMain
    // Revisions compacted away entirely (or a tombstone compacted right before a crash) must
    // not make the revision go backwards (etcd #17780).
    if (this.#currentRev < this.#compactMainRev) this.#currentRev = this.#compactMainRev
    if (this.#currentRev < scheduled) this.#currentRev = scheduled
    if (scheduled <= this.#compactMainRev) scheduled = 0
    for (const { key, lease } of keyToLease.values()) {
      if (this.#lessor === undefined) throw new Error('mvcc: no lessor to attach lease')
      try {
        this.#lessor.attach(lease, [key])
      } catch (error) {
        this.#logger?.error(`mvcc: failed to attach lease ${lease} to key: ${String(error)}`)
      }
    }
    if (scheduled !== 0) {
      const prevCompactionCompleted = this.#previousCompactionCompleted()
      const prevCompactRev = this.#compactMainRev
      this.#compactMainRev = scheduled
      this.#logger?.info(`mvcc: resuming scheduled compaction at ${scheduled}`)
      this.#scheduleCompaction(scheduled, prevCompactRev, prevCompactionCompleted)
    }
  }
}

class StoreTxnRead implements TxnRead {
  readonly #store: KVStore
  readonly #tx: ReadTx
  readonly #firstRev: number
  readonly #rev: number

  constructor(store: KVStore, tx: ReadTx, firstRev: number, rev: number) {
    this.#store = store
    this.#tx = tx
    this.#firstRev = firstRev
    this.#rev = rev
  }

  firstRev(): number {
    return this.#firstRev
  }

  rev(): number {
    return this.#rev
  }

  range(key: Uint8Array, end: RangeEnd, options: RangeOptions = {}): RangeResult {
    return this.#store.readRange(this.#tx, key, end, this.#rev, options)
  }

  end(): void {}
}

class StoreTxnWrite implements TxnWrite {
  readonly #store: KVStore
  readonly #tx: BatchTx
  // The revision the transaction began at; its changes get beginRev + 1.
  readonly #beginRev: number
  readonly #changes: KeyValue[] = []
  #ended = false

  constructor(store: KVStore, tx: BatchTx, beginRev: number) {
    this.#store = store
    this.#tx = tx
    this.#beginRev = beginRev
  }

  firstRev(): number {
    return this.#store.compactRev()
  }

  rev(): number {
    return this.#beginRev
  }

  changes(): readonly KeyValue[] {
    return this.#changes
  }

  range(key: Uint8Array, end: RangeEnd, options: RangeOptions = {}): RangeResult {
    this.#assertActive()
    // Reads see this transaction's own changes.
    const rev = this.#changes.length > 0 ? this.#beginRev + 1 : this.#beginRev
    return this.#store.readRange(this.#tx, key, end, rev, options)
  }

  put(key: Uint8Array, value: Uint8Array, lease: LeaseId = 0n): number {
    this.#assertActive()
    checkKeyRange(key, undefined)
    if (!(value instanceof Uint8Array)) throw new TypeError('value must be a Uint8Array')
    if (typeof lease !== 'bigint') throw new TypeError('lease must be a bigint')
    const rev = this.#beginRev + 1
    const index = this.#store.index
    const lessor = this.#store.lessor
    // An existing key keeps its creation revision and counts versions on.
    const previous = index.get(key, rev)
    let created = rev
    let version = 1
    let oldLease: LeaseId = 0n
    if (previous !== undefined) {
      created = previous.created.main
      version = previous.version + 1
      oldLease = lessor?.getLease(key) ?? 0n
    }
    const indexRev: Revision = { main: rev, sub: this.#changes.length }
    const kv: KeyValue = { key, value, createRevision: created, modRevision: rev, version, lease }
    this.#tx.unsafeSeqPut(Buckets.Key, encodeRevisionKey(indexRev), encodeKeyValue(kv))
    index.put(key, indexRev)
    this.#changes.push(kv)
    if (oldLease !== lease) {
      if (oldLease !== 0n) {
        try {
          lessor?.detach(oldLease, [key])
        } catch {
          // etcd logs and goes on: the lease may be gone already.
        }
      }
      if (lease !== 0n) {
        if (lessor === undefined) throw new TypeError('mvcc: no lessor to attach lease')
        lessor.attach(lease, [key])
      }
    }
    return rev
  }

  deleteRange(key: Uint8Array, end: RangeEnd): { readonly deleted: number; readonly rev: number } {
    this.#assertActive()
    checkKeyRange(key, end)
    const index = this.#store.index
    const readRev = this.#changes.length > 0 ? this.#beginRev + 1 : this.#beginRev
    const { keys } = index.range(key, end, readRev)
    for (const k of keys) this.#delete(k)
    const changed = keys.length > 0 || this.#changes.length > 0
    return { deleted: keys.length, rev: changed ? this.#beginRev + 1 : this.#beginRev }
  }

  #delete(key: Uint8Array): void {
    const indexRev: Revision = { main: this.#beginRev + 1, sub: this.#changes.length }
    const kv: KeyValue = { key, value: EMPTY, createRevision: 0, modRevision: 0, version: 0, lease: 0n }
    this.#tx.unsafeSeqPut(Buckets.Key, encodeRevisionKey(indexRev, true), encodeKeyValue(kv))
    this.#store.index.tombstone(key, indexRev)
    this.#changes.push(kv)
    const lessor = this.#store.lessor
    const lease = lessor?.getLease(key) ?? 0n
    if (lease !== 0n) {
      try {
        lessor?.detach(lease, [key])
      } catch {
        // etcd logs and goes on.
      }
    }
  }

  end(): void {
    if (this.#ended) return
    this.#ended = true
    this.#store.endWrite(this.#tx, this.#changes)
  }

  #assertActive(): void {
    if (this.#ended) throw new TypeError('mvcc: the write transaction has ended')
  }
}

const EMPTY = new Uint8Array(0)

/**
 * etcd's kvHasher: CRC-32C of the bucket name `key`, then of every (revision key, value) at or
 * below `revision`, skipping revisions compaction removes (those at or below
 * `compactRevision` not kept) and a tombstone exactly at the compaction revision (so versions
 * that keep or drop it hash alike).
 */
class KeyValueHasher {
  #crc: number
  readonly #compactRevision: number
  readonly #revision: number
  readonly #keep: RevisionSet

  constructor(compactRevision: number, revision: number, keep: RevisionSet) {
    this.#crc = crc32c(KEY_BUCKET_NAME, 0)
    this.#compactRevision = compactRevision
    this.#revision = revision
    this.#keep = keep
  }

  write(key: Uint8Array, value: Uint8Array): void {
    const { rev, tombstone } = decodeRevisionKey(key)
    if (rev.main > this.#revision) return
    if (rev.main <= this.#compactRevision && this.#keep.size > 0 && !this.#keep.has(rev)) return
    if (rev.main === this.#compactRevision && tombstone) return
    this.#crc = crc32c(key, this.#crc)
    this.#crc = crc32c(value, this.#crc)
  }

  hash(): KeyValueHash {
    return { hash: this.#crc >>> 0, compactRevision: this.#compactRevision, revision: this.#revision }
  }
}

function checkKeyRange(key: Uint8Array, end: RangeEnd): void {
  if (!(key instanceof Uint8Array)) throw new TypeError('key must be a Uint8Array')
  if (key.length === 0) throw new EmptyKeyError()
  if (end !== undefined) {
    if (!(end instanceof Uint8Array)) throw new TypeError('end must be a Uint8Array')
    if (end.length > 0 && compareBytes(end, key) < 0) throw new InvalidRangeError()
  }
}

// A key as a string usable as a Map key: one char per byte.
function latin1(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`${field} must be a positive integer, got ${value}`)
  return value
}

function nonNegativeInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${field} must be a non-negative integer, got ${value}`)
  return value
}
