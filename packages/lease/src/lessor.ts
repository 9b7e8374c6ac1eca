import { Buckets, SYSTEM_CLOCK } from '@etcd-ts/backend'
import {
  LeaseExistsError,
  LeaseNotFoundError,
  LeaseRecordCorruptError,
  LeaseTtlTooLargeError,
  NotPrimaryError,
} from './errors.js'
import { ExpiredChannel } from './expired-channel.js'
import { itemKey } from './item-key.js'
import { assertLeaseId, formatLeaseId, NO_LEASE } from './lease-id.js'
import { LeaseQueue, type LeaseWithTime } from './lease-queue.js'
import { decodeLeaseRecord, encodeLeaseRecord, leaseIdFromBytes, leaseIdToBytes } from './leasepb.js'
import { MAX_LEASE_TTL_SECONDS, type ResolvedLessorOptions, resolveLessorOptions } from './options.js'
import type {
  Checkpointer,
  Clock,
  Lease,
  LeaseCheckpoint,
  LeaseId,
  LeaseItem,
  LeaseItemBinding,
  LeaseTimeToLive,
  LessorBackend,
  LessorComponents,
  LessorOptions,
  Logger,
  RangeDeleter,
} from './types.js'

/** How many batches of expired leases wait for the server at most (etcd: `expiredC` capacity 16). */
export const EXPIRED_LEASES_CAPACITY = 16
/** At most this many checkpoints go in one checkpointer call (etcd's `maxLeaseCheckpointBatchSize`). */
export const MAX_LEASE_CHECKPOINT_BATCH_SIZE = 1000
// etcd's leaseCheckpointRate: each loop sends at most rate / 2 batches.
const CHECKPOINT_BATCHES_PER_LOOP = 500

const NOOP_LOGGER: Logger = { info() {}, warn() {} }

// A lease inside the lessor (etcd's `Lease`). It is its own slot in the expiry queue: in it iff
// the lessor is primary, at `time` = expiry (or the retry time once reported expired).
class LeaseState implements LeaseWithTime {
  readonly id: LeaseId
  // Seconds, >= minLeaseTtlSeconds.
  ttl: number
  // Seconds; 0 = none checkpointed (then refreshes use ttl).
  remainingTtl = 0
  // Clock ms; Infinity = never (the lessor is not the primary, or the lease was recovered).
  expiry = Number.POSITIVE_INFINITY
  time = 0
  index = -1
  // itemKey(key) → key; created on the first attach. Invariant: itemMap.get(k) === this for
  // every k here.
  items: Map<string, LeaseItem> | undefined = undefined
  // Its slot in the checkpoint queue, created when a checkpoint is first scheduled.
  checkpointSlot: CheckpointSlot | undefined = undefined

  constructor(id: LeaseId, ttl: number) {
    this.id = id
    this.ttl = ttl
  }
}

interface CheckpointSlot extends LeaseWithTime {
  readonly lease: LeaseState
}

// A renew waiting for an expired lease to be revoked (etcd waits on `revokec` or `demotec`).
interface RenewWaiter {
  readonly lease: LeaseState
  readonly reject: (error: unknown) => void
}

/**
 * The lessor (etcd's `lease.lessor`): grants, renews and revokes leases, keeps which keys each
 * lease holds, and — on the primary (the raft leader's member) — finds the leases that expire.
 *
 * ```
 *   grant(id, ttl) ─► lease ◄─ attach / detach (mvcc)        checkpoint(id, remaining) (raft)
 *                       │
 *   primary:  renew(id) ─► expiry = now + ttl
 *             expiry loop (every 500 ms) ─► expiredLeases() ─► server proposes LeaseRevoke
 *   revoke(id): the keys and the record deleted in one write txn (one revision)
 *   promote(extend): every expiry = now + extend + (remaining or ttl)      (leader elected)
 *   demote():        every expiry = never; nothing expires                 (leader lost)
 * ```
 *
 * State changes (`grant`, `revoke`, `checkpoint`, `attach`, `detach`) come from the raft apply
 * path and are synchronous; each one that persists runs its own backend write transaction
 * (`revoke` shares the KV store's). `renew` is asynchronous: an expired lease waits for its
 * revocation. Time comes only from the injected `Clock`.
 *
 * Not safe to call while `recover()` (or `start()`) is in flight.
 */
export class Lessor {
  readonly #options: ResolvedLessorOptions
  readonly #backend: LessorBackend
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #rangeDeleter: RangeDeleter | undefined
  readonly #checkpointer: Checkpointer | undefined
  #leaseMap = new Map<LeaseId, LeaseState>()
  // itemKey(key) → the lease holding it (etcd's itemMap).
  #itemMap = new Map<string, LeaseState>()
  readonly #expiryQueue = new LeaseQueue<LeaseState>()
  readonly #checkpointQueue = new LeaseQueue<CheckpointSlot>()
  readonly #waiters = new Set<RenewWaiter>()
  #primary = false
  #state: 'new' | 'starting' | 'started' | 'stopped' = 'new'
  #starting: Promise<void> | undefined
  #loaded = false
  #cancelTimer: (() => void) | undefined
  #channel = new ExpiredChannel<readonly Lease[]>(EXPIRED_LEASES_CAPACITY)

  /**
   * @param options - settings; see {@link LessorOptions} for units and defaults.
   * @param components - the backend holding the `lease` bucket, the clock, the logger, the
   *   range deleter (mvcc) and the checkpointer (raft proposals).
   * @throws TypeError or RangeError naming an invalid option or a missing backend.
   */
  constructor(options: LessorOptions | undefined, components: LessorComponents) {
    this.#options = resolveLessorOptions(options)
    if (typeof components !== 'object' || components === null) {
      throw new TypeError('lessor: components must be an object with a backend')
    }
    const { backend, clock, logger, rangeDeleter, checkpointer } = components
    if (typeof backend?.batchTx !== 'function' || typeof backend.readTx !== 'function') {
      throw new TypeError('lessor: components.backend must have batchTx() and readTx()')
    }
    if (clock !== undefined && (typeof clock?.now !== 'function' || typeof clock.setTimer !== 'function')) {
      throw new TypeError('lessor: components.clock must have now() and setTimer()')
    }
    if (rangeDeleter !== undefined && typeof rangeDeleter !== 'function') {
      throw new TypeError('lessor: components.rangeDeleter must be a function')
    }
    if (checkpointer !== undefined && typeof checkpointer !== 'function') {
      throw new TypeError('lessor: components.checkpointer must be a function')
    }
    this.#backend = backend
    this.#clock = clock ?? SYSTEM_CLOCK
    this.#logger = logger ?? NOOP_LOGGER
    this.#rangeDeleter = rangeDeleter
    this.#checkpointer = checkpointer
  }

  /**
   * Loads the leases of the `lease` bucket (creating it if needed) the first time, then starts
   * the expiry loop (every `expiryCheckIntervalMs`). Idempotent; after `stop()` it starts the
   * loop again without reloading.
   */
  start(): Promise<void> {
    if (this.#state === 'started') return Promise.resolve()
    if (this.#state === 'starting') return this.#starting as Promise<void>
    this.#state = 'starting'
    this.#starting = (async () => {
      try {
        if (!this.#loaded) await this.recover()
      } catch (error) {
        if (this.#state === 'starting') this.#state = 'new'
        throw error
      }
      if (this.#state !== 'starting') return // stopped meanwhile
      if (this.#channel.closed) this.#channel = new ExpiredChannel(EXPIRED_LEASES_CAPACITY)
      this.#state = 'started'
      this.#armTimer()
    })()
    return this.#starting
  }

  /**
   * Stops the expiry loop and ends the `expiredLeases()` iteration; renewals waiting on an
   * expired lease fail with `NotPrimaryError` (as etcd's `Stop`). Leases, primary status and
   * every other method stay as they were. Idempotent.
   */
  stop(): void {
    if (this.#state !== 'started' && this.#state !== 'starting') return
    this.#state = 'stopped'
    this.#cancelTimer?.()
    this.#cancelTimer = undefined
    this.#channel.close()
    this.#rejectWaiters(
      () => true,
      () => new NotPrimaryError(),
    )
  }

  /**
   * Rebuilds the lessor from the `lease` bucket (etcd's `Recover`, run at startup and after a
   * backend snapshot is restored): every lease with its TTL (raised to `minLeaseTtlSeconds`) and
   * its checkpointed remaining TTL, not expiring until the next `promote` (if this lessor is the
   * primary already, as if promoted with no extension). In-memory state is replaced:
   * attachments are not in the bucket, so pass them (the live keys with a lease, which the
   * server reads from mvcc), or let mvcc `attach` them afterwards as etcd's KV restore does.
   * A key naming an unknown lease is logged and skipped, as etcd does.
   *
   * Renewals waiting on a replaced lease fail with `LeaseNotFoundError`.
   *
   * @throws LeaseRecordCorruptError when a record does not decode or its key and ID differ.
   */
  async recover(items?: Iterable<LeaseItemBinding>): Promise<void> {
    const tx = this.#backend.batchTx()
    tx.lock()
    try {
      tx.unsafeCreateBucket(Buckets.Lease)
    } finally {
      tx.unlock()
    }
    const records: { id: LeaseId; ttl: number; remainingTtl: number }[] = []
    await this.#backend.readTx().unsafeForEach(Buckets.Lease, (key, value) => {
      const record = decodeLeaseRecord(value)
      const keyId = key.length === 8 ? leaseIdFromBytes(key) : undefined
      if (keyId !== record.id) {
        throw new LeaseRecordCorruptError(`key ${hexKey(key)} holds lease ${formatLeaseId(record.id)}`)
      }
      records.push({ id: record.id, ttl: record.ttlSeconds, remainingTtl: record.remainingTtlSeconds })
    })
    this.#rejectWaiters(
      () => true,
      (lease) => new LeaseNotFoundError(lease.id),
    )
    this.#expiryQueue.clear()
    this.#checkpointQueue.clear()
    this.#leaseMap = new Map()
    this.#itemMap = new Map()
    const min = this.#options.minLeaseTtlSeconds
    for (const record of records) {
      const lease = new LeaseState(record.id, Math.max(record.ttl, min))
      lease.remainingTtl = record.remainingTtl
      this.#leaseMap.set(record.id, lease)
    }
    if (items !== undefined) {
      let unknown = 0
      for (const { leaseId, key } of items) {
        const lease = this.#leaseMap.get(leaseId)
        if (lease === undefined) {
          unknown++
          continue
        }
        assertItem(key)
        this.#attachItem(lease, itemKey(key), key)
      }
      if (unknown > 0)
        this.#logger.warn(`lessor: recover: ${unknown} key(s) name a lease that does not exist; not attached`)
    }
    this.#loaded = true
    if (this.#primary) this.#refreshAll(0)
    this.#logger.info(`lessor: recovered ${this.#leaseMap.size} lease(s)`)
  }

  /** Whether this lessor is the primary: it expires and renews leases (between `promote` and `demote`). */
  isPrimary(): boolean {
    return this.#primary
  }

  /**
   * Grants lease `id` for `ttlSeconds` (etcd's `Grant`, applied from raft on every member). A TTL
   * below `minLeaseTtlSeconds` (0 and negatives included) is raised to it. On the primary the
   * lease expires `ttl` seconds from now; elsewhere it does not expire. The record is written in
   * a backend write transaction of its own (do not call it with the write transaction locked).
   *
   * @returns the lease granted (with the TTL actually granted).
   * @throws LeaseNotFoundError for ID 0 (as etcd); LeaseTtlTooLargeError above
   *   `MAX_LEASE_TTL_SECONDS`; LeaseExistsError when the ID is taken.
   * @throws TypeError or RangeError when `id` is not an int64 bigint or `ttlSeconds` not an integer.
   */
  grant(id: LeaseId, ttlSeconds: number): Lease {
    assertLeaseId(id)
    if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds)) {
      throw new RangeError(`lessor: ttlSeconds must be an integer, got ${String(ttlSeconds)}`)
    }
    if (id === NO_LEASE) throw new LeaseNotFoundError(id)
    if (ttlSeconds > MAX_LEASE_TTL_SECONDS) throw new LeaseTtlTooLargeError(ttlSeconds)
    if (this.#leaseMap.has(id)) throw new LeaseExistsError(id)
    const lease = new LeaseState(id, Math.max(ttlSeconds, this.#options.minLeaseTtlSeconds))
    this.#persist(lease)
    this.#leaseMap.set(id, lease)
    if (this.#primary) {
      const now = this.#clock.now()
      this.#refresh(lease, 0, now)
      this.#scheduleCheckpointIfNeeded(lease, now)
    }
    return describe(lease)
  }

  /**
   * Revokes lease `id` (etcd's `Revoke`, applied from raft on every member): opens one KV write
   * transaction through the range deleter, deletes the attached keys in bytewise order (the same
   * order on every member keeps backend hashes equal), deletes the lease record through the
   * same backend transaction, and ends it — keys and lease go in one backend transaction and one
   * revision (none if there were no keys). Then the lease is forgotten, and renewals waiting on
   * it fail with `LeaseNotFoundError`. Without a range deleter only the record is deleted.
   *
   * If the range deleter or the backend throws, the error propagates and the lease stays; etcd
   * panics here, and the server should treat it as fatal (the KV txn may be left open). A
   * `TxNotLockedError` means the range deleter broke its contract (nothing was written).
   *
   * @throws LeaseNotFoundError when no lease has this ID.
   */
  revoke(id: LeaseId): void {
    assertLeaseId(id)
    const lease = this.#leaseMap.get(id)
    if (lease === undefined) throw new LeaseNotFoundError(id)
    const recordKey = leaseIdToBytes(id)
    if (this.#rangeDeleter !== undefined) {
      // Taken before deleting: mvcc detaches each key as it deletes it.
      const keys = sortedItems(lease)
      const txn = this.#rangeDeleter()
      for (const key of keys) txn.deleteRange(key)
      // Inside the txn: the record goes in the same backend transaction as the keys.
      this.#backend.batchTx().unsafeDelete(Buckets.Lease, recordKey)
      txn.end()
    } else {
      const tx = this.#backend.batchTx()
      tx.lock()
      try {
        tx.unsafeDelete(Buckets.Lease, recordKey)
      } finally {
        tx.unlock()
      }
    }
    this.#forget(lease)
  }

  /**
   * Renews lease `id` (etcd's `Renew`, on the primary only: keep-alives go to the leader): it
   * now expires a full TTL from now. If a remaining TTL is checkpointed, it is first cleared
   * through the checkpointer (awaited; at most two raft entries per lease per checkpoint
   * interval, as etcd). A lease already expired but not yet revoked is not renewed: the call
   * waits until it is revoked (`LeaseNotFoundError`) or the lessor is demoted or stopped
   * (`NotPrimaryError`), as etcd does.
   *
   * @returns the TTL, in seconds.
   * @throws NotPrimaryError when this lessor is not the primary (or stops being it meanwhile);
   *   LeaseNotFoundError when no lease has this ID; `signal.reason` when aborted.
   */
  async renew(id: LeaseId, options: { readonly signal?: AbortSignal } = {}): Promise<number> {
    assertLeaseId(id)
    const { signal } = options
    signal?.throwIfAborted()
    if (!this.#primary) throw new NotPrimaryError()
    const lease = this.#leaseMap.get(id)
    if (lease === undefined) throw new LeaseNotFoundError(id)
    const clearRemaining = this.#checkpointer !== undefined && lease.remainingTtl > 0
    if (lease.expiry <= this.#clock.now()) await this.#waitRevokedOrDemoted(lease, signal)
    if (clearRemaining) {
      await this.#sendCheckpoints([{ id, remainingTtlSeconds: 0 }])
      signal?.throwIfAborted()
      if (!this.#primary) throw new NotPrimaryError()
      if (this.#leaseMap.get(id) !== lease) throw new LeaseNotFoundError(id)
    }
    // A full TTL: the clearing checkpoint may not be applied yet (etcd's proposal was).
    this.#refresh(lease, 0, this.#clock.now(), lease.ttl)
    return lease.ttl
  }

  /**
   * Records a remaining TTL for lease `id` (etcd's `Checkpoint`, applied from raft on every
   * member): the next `promote` counts from it instead of the full TTL. Persisted when
   * `checkpointPersist` is on. On the primary, the next checkpoint of the lease is scheduled.
   * An unknown lease is ignored, as etcd does.
   *
   * @throws RangeError unless `remainingTtlSeconds` is a non-negative integer.
   */
  checkpoint(id: LeaseId, remainingTtlSeconds: number): void {
    assertLeaseId(id)
    if (
      typeof remainingTtlSeconds !== 'number' ||
      !Number.isSafeInteger(remainingTtlSeconds) ||
      remainingTtlSeconds < 0
    ) {
      throw new RangeError(
        `lessor: remainingTtlSeconds must be a non-negative integer, got ${String(remainingTtlSeconds)}`,
      )
    }
    const lease = this.#leaseMap.get(id)
    if (lease === undefined) return
    lease.remainingTtl = remainingTtlSeconds
    if (this.#options.checkpointPersist) this.#persist(lease)
    if (this.#primary) this.#scheduleCheckpointIfNeeded(lease, this.#clock.now())
  }

  /**
   * Attaches keys to lease `id` (etcd's `Attach`; mvcc calls it when a put carries a lease):
   * when the lease is revoked, they are deleted. A key held by another lease moves to this one.
   * In memory only; the keys' records carry the lease ID. Keeps the arrays given.
   *
   * @throws LeaseNotFoundError when no lease has this ID.
   */
  attach(id: LeaseId, items: readonly LeaseItem[]): void {
    assertLeaseId(id)
    const lease = this.#leaseMap.get(id)
    if (lease === undefined) throw new LeaseNotFoundError(id)
    for (const item of items) assertItem(item)
    for (const item of items) this.#attachItem(lease, itemKey(item), item)
  }

  /**
   * Detaches keys from lease `id` (etcd's `Detach`; mvcc calls it when a key is deleted or put
   * with another lease). Keys the lease does not hold are ignored.
   *
   * @throws LeaseNotFoundError when no lease has this ID.
   */
  detach(id: LeaseId, items: readonly LeaseItem[]): void {
    assertLeaseId(id)
    const lease = this.#leaseMap.get(id)
    if (lease === undefined) throw new LeaseNotFoundError(id)
    for (const item of items) assertItem(item)
    for (const item of items) {
      const key = itemKey(item)
      if (lease.items?.delete(key) === true) this.#itemMap.delete(key)
    }
  }

  /** The lease holding `item`, or {@link NO_LEASE} (etcd's `GetLease`). */
  getLease(item: LeaseItem): LeaseId {
    assertItem(item)
    return this.#itemMap.get(itemKey(item))?.id ?? NO_LEASE
  }

  /** Lease `id` as it is now, or `undefined` when there is none (etcd's `Lookup`). */
  lookup(id: LeaseId): Lease | undefined {
    assertLeaseId(id)
    const lease = this.#leaseMap.get(id)
    return lease === undefined ? undefined : describe(lease)
  }

  /**
   * Every lease, soonest expiry first (etcd's `Leases`, sorted by remaining time; equal ones by
   * ID). A new array of copies.
   */
  leases(): Lease[] {
    const out: Lease[] = []
    for (const lease of this.#leaseMap.values()) out.push(describe(lease))
    return out.sort((a, b) => a.expiresAtMs - b.expiresAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /**
   * What `LeaseTimeToLive` answers for lease `id` on the primary (etcd's server builds it from
   * `Lookup`): whole seconds left (truncated), the granted TTL, and with `keys: true` the
   * attached keys in bytewise order. An unknown lease answers `ttlSeconds: -1`,
   * `grantedTtlSeconds: 0`, as etcd's gRPC service does.
   *
   * @throws NotPrimaryError when this lessor is not the primary (the server asks the leader).
   */
  timeToLive(id: LeaseId, options: { readonly keys?: boolean } = {}): LeaseTimeToLive {
    assertLeaseId(id)
    if (!this.#primary) throw new NotPrimaryError()
    const lease = this.#leaseMap.get(id)
    if (lease === undefined) return { id, ttlSeconds: -1, grantedTtlSeconds: 0, keys: [] }
    const ttlSeconds = Math.trunc((lease.expiry - this.#clock.now()) / 1000) || 0
    const keys = options.keys === true ? sortedItems(lease) : []
    return { id, ttlSeconds, grantedTtlSeconds: lease.ttl, keys }
  }

  /**
   * Makes this lessor the primary (etcd's `Promote`; the server calls it when, as the new leader,
   * it applies the first entry of its term): every lease now expires `extendMs` plus its
   * checkpointed remaining TTL (or else its full TTL) from now, so that no lease expires
   * because leadership moved; `extendMs` is the election timeout. With `revokeRatePerSecond` or
   * more leases, expiries that would pile up are spread so that at most 3/4 of that rate
   * expire in any second (750/s by default), as etcd does. Checkpoints are scheduled.
   *
   * @throws RangeError unless `extendMs` is a finite number >= 0.
   */
  promote(extendMs: number): void {
    if (typeof extendMs !== 'number' || !Number.isFinite(extendMs) || extendMs < 0) {
      throw new RangeError(`lessor: extendMs must be a finite number >= 0, got ${String(extendMs)}`)
    }
    this.#primary = true
    this.#refreshAll(extendMs)
  }

  /**
   * Stops being the primary (etcd's `Demote`; the server calls it on losing leadership): no lease
   * expires any more, scheduled checkpoints are dropped, and renewals waiting on an expired
   * lease fail with `NotPrimaryError`. Idempotent.
   */
  demote(): void {
    for (const lease of this.#leaseMap.values()) lease.expiry = Number.POSITIVE_INFINITY
    this.#expiryQueue.clear()
    this.#checkpointQueue.clear()
    if (!this.#primary) return
    this.#primary = false
    this.#rejectWaiters(
      () => true,
      () => new NotPrimaryError(),
    )
  }

  /**
   * The expired leases, in batches (etcd's `ExpiredLeasesC`): the server iterates it, and for
   * each lease — after confirming it is still the leader — proposes a `LeaseRevoke`. Only the
   * primary reports; at most `revokeRatePerSecond × expiryCheckIntervalMs / 1000` leases (500)
   * per loop; a lease not revoked `expiredLeaseRetryIntervalMs` (3 s) after being reported is
   * reported again. Up to 16 batches wait for a slow reader; beyond that a batch is dropped and
   * its leases come back after the retry interval. One channel: concurrent iterations share
   * the batches. The iteration ends at `stop()`.
   */
  async *expiredLeases(): AsyncGenerator<readonly Lease[], void, undefined> {
    const channel = this.#channel
    for (;;) {
      const result = await channel.receive()
      if (result.done) return
      yield result.value
    }
  }

  // --- the expiry loop ---

  #armTimer(): void {
    this.#cancelTimer = this.#clock.setTimer(this.#options.expiryCheckIntervalMs, () => {
      this.#cancelTimer = undefined
      if (this.#state !== 'started') return
      try {
        this.#revokeExpiredLeases()
        this.#checkpointScheduledLeases()
      } finally {
        if (this.#state === 'started') this.#armTimer()
      }
    })
  }

  // etcd's revokeExpiredLeases: report up to the per-loop limit, without waiting for the reader.
  #revokeExpiredLeases(): void {
    if (!this.#primary) return
    const expired = this.#findExpiredLeases(this.#options.revokeLimitPerLoop, this.#clock.now())
    if (expired.length === 0) return
    // Dropped when 16 batches are waiting: they were re-queued for the retry interval.
    this.#channel.trySend(expired.map(describe))
  }

  // etcd's findExpiredLeases + expireExists: pop due slots; each one reported goes back in the
  // queue at now + retry interval, so it comes back if it is still not revoked by then.
  #findExpiredLeases(limit: number, now: number): LeaseState[] {
    const out: LeaseState[] = []
    while (out.length < limit) {
      const lease = this.#expiryQueue.peek()
      if (lease === undefined || now < lease.time) break
      this.#expiryQueue.upsert(lease, now + this.#options.expiredLeaseRetryIntervalMs)
      if (lease.expiry <= now) out.push(lease)
    }
    return out
  }

  // etcd's checkpointScheduledLeases: batches of at most 1000, at most 500 batches a loop.
  #checkpointScheduledLeases(): void {
    if (this.#checkpointer === undefined) return
    for (let i = 0; i < CHECKPOINT_BATCHES_PER_LOOP && this.#primary; i++) {
      const checkpoints = this.#findDueScheduledCheckpoints(MAX_LEASE_CHECKPOINT_BATCH_SIZE, this.#clock.now())
      if (checkpoints.length > 0) void this.#sendCheckpoints(checkpoints)
      if (checkpoints.length < MAX_LEASE_CHECKPOINT_BATCH_SIZE) return
    }
  }

  // etcd's findDueScheduledCheckpoints: remaining = ceil(expiry - now) in seconds; nothing to
  // record for an expired lease or one with its full TTL left.
  #findDueScheduledCheckpoints(limit: number, now: number): LeaseCheckpoint[] {
    const out: LeaseCheckpoint[] = []
    while (out.length < limit) {
      const slot = this.#checkpointQueue.peek()
      if (slot === undefined || slot.time > now) break
      this.#checkpointQueue.remove(slot)
      const lease = slot.lease
      if (!(now < lease.expiry)) continue
      const remaining = Math.ceil((lease.expiry - now) / 1000)
      if (remaining >= lease.ttl) continue
      out.push({ id: lease.id, remainingTtlSeconds: remaining })
    }
    return out
  }

  // etcd's scheduleCheckpointIfNeeded, for leases with more than one interval left. etcd pushes
  // a new heap entry each time; one slot per lease here, keeping the earlier of two times, so no
  // checkpoint etcd would take is postponed.
  #scheduleCheckpointIfNeeded(lease: LeaseState, now: number): void {
    if (this.#checkpointer === undefined) return
    if (remainingOrTtl(lease) <= Math.trunc(this.#options.checkpointIntervalMs / 1000)) return
    const at = now + this.#options.checkpointIntervalMs
    lease.checkpointSlot ??= { lease, time: 0, index: -1 }
    const slot = lease.checkpointSlot
    if (slot.index >= 0 && slot.time <= at) return
    this.#checkpointQueue.upsert(slot, at)
  }

  #sendCheckpoints(checkpoints: readonly LeaseCheckpoint[]): Promise<void> {
    const checkpointer = this.#checkpointer as Checkpointer
    try {
      const result = checkpointer(checkpoints)
      if (result !== undefined && typeof result.then === 'function') {
        return Promise.resolve(result).then(
          () => undefined,
          (error: unknown) => this.#logCheckpointError(error),
        )
      }
    } catch (error) {
      this.#logCheckpointError(error)
    }
    return Promise.resolve()
  }

  #logCheckpointError(error: unknown): void {
    this.#logger.warn(`lessor: checkpointer failed: ${String(error)}`)
  }

  // --- leases ---

  // etcd's Lease.refresh: expiry = now + extend + (remaining TTL if set, else TTL); and the
  // expiry queue follows.
  #refresh(lease: LeaseState, extendMs: number, now: number, ttlSeconds = remainingOrTtl(lease)): void {
    lease.expiry = now + extendMs + ttlSeconds * 1000
    this.#expiryQueue.upsert(lease, lease.expiry)
  }

  // The body of etcd's Promote: refresh everything, then spread pile-ups.
  #refreshAll(extendMs: number): void {
    const now = this.#clock.now()
    for (const lease of this.#leaseMap.values()) {
      this.#refresh(lease, extendMs, now)
      this.#scheduleCheckpointIfNeeded(lease, now)
    }
    const rate = this.#options.revokeRatePerSecond
    if (this.#leaseMap.size < rate) return // no possibility of a pile-up
    // Walk the leases by expiry in one-second windows; past `target` in a window, push each
    // later by its share of a second so that at most `target` expire per second. A lease n
    // seconds past the window's base gets n seconds less (etcd: "if leases are extended by n
    // seconds, leases n seconds ahead of the base window should be extended by only one second").
    const leases = [...this.#leaseMap.values()].sort(
      (a, b) => a.expiry - b.expiry || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    const target = Math.floor((3 * rate) / 4)
    let baseWindow = (leases[0] as LeaseState).expiry - now
    let nextWindow = baseWindow + 1000
    let expires = 0
    for (const lease of leases) {
      const remaining = lease.expiry - now
      if (remaining > nextWindow) {
        baseWindow = remaining
        nextWindow = baseWindow + 1000
        expires = 1
        continue
      }
      expires++
      if (expires <= target) continue
      const delay = 1000 * (expires / target) - (remaining - baseWindow)
      nextWindow = baseWindow + delay
      this.#refresh(lease, delay + extendMs, now)
      this.#scheduleCheckpointIfNeeded(lease, now)
    }
  }

  #attachItem(lease: LeaseState, key: string, item: LeaseItem): void {
    const previous = this.#itemMap.get(key)
    if (previous !== undefined && previous !== lease) previous.items?.delete(key)
    lease.items ??= new Map()
    lease.items.set(key, item)
    this.#itemMap.set(key, lease)
  }

  #forget(lease: LeaseState): void {
    this.#leaseMap.delete(lease.id)
    if (lease.items !== undefined) {
      for (const key of lease.items.keys()) {
        if (this.#itemMap.get(key) === lease) this.#itemMap.delete(key)
      }
      lease.items = undefined
    }
    this.#expiryQueue.remove(lease)
    if (lease.checkpointSlot !== undefined) this.#checkpointQueue.remove(lease.checkpointSlot)
    this.#rejectWaiters(
      (waiting) => waiting === lease,
      () => new LeaseNotFoundError(lease.id),
    )
  }

  #persist(lease: LeaseState): void {
    const value = encodeLeaseRecord({ id: lease.id, ttlSeconds: lease.ttl, remainingTtlSeconds: lease.remainingTtl })
    const tx = this.#backend.batchTx()
    tx.lock()
    try {
      tx.unsafePut(Buckets.Lease, leaseIdToBytes(lease.id), value)
    } finally {
      tx.unlock()
    }
  }

  #waitRevokedOrDemoted(lease: LeaseState, signal: AbortSignal | undefined): Promise<never> {
    return new Promise<never>((_, reject) => {
      const onAbort = () => {
        this.#waiters.delete(waiter)
        reject(signal?.reason)
      }
      const waiter: RenewWaiter = {
        lease,
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort)
          reject(error)
        },
      }
      this.#waiters.add(waiter)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  #rejectWaiters(match: (lease: LeaseState) => boolean, error: (lease: LeaseState) => Error): void {
    for (const waiter of this.#waiters) {
      if (!match(waiter.lease)) continue
      this.#waiters.delete(waiter)
      waiter.reject(error(waiter.lease))
    }
  }
}

// The lease's keys in bytewise order (item keys compare as the bytes do).
function sortedItems(lease: LeaseState): LeaseItem[] {
  if (lease.items === undefined) return []
  return [...lease.items].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((entry) => entry[1])
}

// etcd's getRemainingTTL.
function remainingOrTtl(lease: LeaseState): number {
  return lease.remainingTtl > 0 ? lease.remainingTtl : lease.ttl
}

function describe(lease: LeaseState): Lease {
  return {
    id: lease.id,
    ttlSeconds: lease.ttl,
    remainingTtlSeconds: lease.remainingTtl,
    expiresAtMs: lease.expiry,
    itemCount: lease.items?.size ?? 0,
  }
}

function assertItem(item: unknown): asserts item is LeaseItem {
  if (!(item instanceof Uint8Array)) throw new TypeError('lessor: a lease item (key) must be a Uint8Array')
}

function hexKey(key: Uint8Array): string {
  return Array.from(key, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
