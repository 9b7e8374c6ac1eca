import { Buckets, type Clock, type Logger, SYSTEM_CLOCK } from '@etcd-ts/backend'
import { StoreClosedError } from './errors.js'
import { decodeKeyValue, type KeyValue } from './key-value.js'
import type { RangeEnd } from './kv-types.js'
import type { KVStore } from './kvstore.js'
import { decodeRevisionKey, encodeRevisionKey } from './revision.js'
import { WatchStream } from './watch-stream.js'
import {
  type Event,
  EventType,
  INVALID_WATCH_ID,
  type WatchFilter,
  type WatchId,
  type WatchResponse,
} from './watch-types.js'
import { WatcherGroup } from './watcher-group.js'

/** Settings of a {@link WatchableStore}. Defaults are etcd's constants (mvcc/watchable_store.go). */
export interface WatchableStoreOptions {
  /** Responses a stream buffers for its consumer before its watchers become victims. Default 128 (etcd's `chanBufLen`). */
  readonly streamBufferLength?: number
  /** How often unsynced watchers are caught up, in ms. Default 100. */
  readonly syncIntervalMs?: number
  /** How often victims retry their pending response, in ms. Default 10. */
  readonly victimRetryIntervalMs?: number
  /** Unsynced watchers caught up per pass. Default 512 (etcd's `maxWatchersPerSync`). */
  readonly maxWatchersPerSync?: number
  /** Distinct revisions per catch-up response. Default 1000 (etcd's `watchBatchMaxRevs`). */
  readonly maxRevisionsPerResponse?: number
  /**
   * Revision keys of bucket `key` read per catch-up pass, bounding its memory (a transaction
   * larger than this is still read whole). Default 10 000. etcd reads the whole range at once.
   */
  readonly syncReadLimit?: number
}

/** Collaborators of a {@link WatchableStore}. */
export interface WatchableStoreComponents {
  /** Drives the catch-up and victim loops. Default: the real clock. */
  readonly clock?: Clock
  readonly logger?: Logger
}

/** Default {@link WatchableStoreOptions.streamBufferLength}. */
export const DEFAULT_STREAM_BUFFER_LENGTH = 128
/** Default {@link WatchableStoreOptions.syncIntervalMs}. */
export const DEFAULT_SYNC_INTERVAL_MS = 100
/** Default {@link WatchableStoreOptions.victimRetryIntervalMs}. */
export const DEFAULT_VICTIM_RETRY_INTERVAL_MS = 10
/** Default {@link WatchableStoreOptions.maxWatchersPerSync}. */
export const DEFAULT_MAX_WATCHERS_PER_SYNC = 512
/** Default {@link WatchableStoreOptions.maxRevisionsPerResponse}. */
export const DEFAULT_MAX_REVISIONS_PER_RESPONSE = 1000
/** Default {@link WatchableStoreOptions.syncReadLimit}. */
export const DEFAULT_SYNC_READ_LIMIT = 10_000

/**
 * Where a watcher is. Exactly one at a time; the transitions (etcd's watchable store):
 *
 * ```
 *  watch(startRev) ──(0 or > current)──▶ synced ◀──────────── caught up ─────┐
 *        │                               │  send failed (stream full)        │
 *        └──(<= current)──▶ unsynced ◀───┼──────── sent, minRev <= current ──┤
 *                             │  ▲       ▼                                   │
 *                             │  └─── victim ─── sent, minRev > current ─────┘
 *                             │          ▲
 *                             └──────────┘ send failed during catch-up
 *  restore(): synced → unsynced.   minRev < compacted: compacted response → removed.
 *  cancel / close: any → removed.
 * ```
 */
export type WatcherState = 'synced' | 'unsynced' | 'victim' | 'removed'

/**
 * One watch (etcd's `watcher`); internal. Fields are plain so that tests can read them.
 *
 * The delivery invariant: every event of the watched keys with `startRev <= modRevision <
 * minRev` (after `startRev` is resolved) was sent to the stream or sits in `pending`, exactly
 * once and in order; none at or above `minRev` was.
 */
export class Watcher {
  readonly id: WatchId
  readonly key: Uint8Array
  readonly end: RangeEnd
  readonly startRev: number
  readonly filters: readonly WatchFilter[]
  readonly stream: WatchStream
  // The next revision this watcher must see.
  minRev: number
  state: WatcherState
  // Only for a victim: the response that did not fit, sent again first.
  pending: Event[] | undefined

  constructor(
    stream: WatchStream,
    id: WatchId,
    key: Uint8Array,
    end: RangeEnd,
    startRev: number,
    filters: readonly WatchFilter[],
    minRev: number,
    state: WatcherState,
  ) {
    this.stream = stream
    this.id = id
    this.key = key
    this.end = end
    this.startRev = startRev
    this.filters = filters
    this.minRev = minRev
    this.state = state
  }
}

/** The events of one catch-up pass for one watcher (etcd's `eventBatch`). */
interface EventBatch {
  readonly events: Event[]
  // Distinct revisions in `events`.
  revs: number
  // The first revision left out because the batch was full; 0 if none was.
  moreRev: number
}

const NO_FILTERS: readonly WatchFilter[] = Object.freeze([])

/**
 * etcd's watchable store (mvcc `watchableStore`): a {@link KVStore} whose changes can be watched.
 * It registers the store's write-end hook and sorts watchers in three groups:
 *
 * - **synced** watchers are up to date: the write path sends them the events of each revision
 *   as it is made, one response per revision;
 * - **unsynced** watchers (started in the past, or fallen behind) are caught up every
 *   `syncIntervalMs` by reading bucket `key`, several revisions per response, until they reach
 *   the current revision and join the synced group;
 * - **victims** found their stream's buffer full: each holds the one response that did not fit
 *   and retries every `victimRetryIntervalMs`; then it catches up as an unsynced watcher.
 *
 * Every watcher receives each event of its keys exactly once, in revision order, whatever the
 * path (see {@link Watcher}). Memory stays bounded with slow consumers: a stream buffers
 * `streamBufferLength` responses, a victim one response, a catch-up pass `syncReadLimit` revisions.
 *
 * Watches are made on a {@link WatchStream} ({@link WatchableStore.newWatchStream}).
 *
 * @example
 * ```ts
 * const store = new WatchableStore(kv, {}, { clock })
 * const stream = store.newWatchStream()
 * const id = stream.watch(AUTO_WATCH_ID, key('a'), undefined, 0)
 * kv.put(key('a'), value('1'))
 * for await (const response of stream.responses()) {
 *   // { watchId: 0n, events: [{ type: EventType.PUT, kv: ... }], revision: 2, compactRevision: 0 }
 *   break
 * }
 * ```
 */
export class WatchableStore {
  readonly #kv: KVStore
  readonly #clock: Clock
  readonly #logger: Logger | undefined
  readonly #streamBufferLength: number
  readonly #syncIntervalMs: number
  readonly #victimRetryIntervalMs: number
  readonly #maxWatchersPerSync: number
  readonly #maxRevisionsPerResponse: number
  readonly #syncReadLimit: number

  // Invariant: a watcher is in #synced iff state 'synced', in #unsynced iff 'unsynced', in
  // #victims iff 'victim' (and then its `pending` is set).
  readonly #synced = new WatcherGroup<Watcher>()
  readonly #unsynced = new WatcherGroup<Watcher>()
  readonly #victims = new Set<Watcher>()
  readonly #streams = new Set<WatchStream>()
  #cancelSyncTimer: (() => void) | undefined
  #cancelVictimTimer: (() => void) | undefined
  // The catch-up pass in flight (it awaits a backend read), if any: one at a time.
  #syncing: Promise<void> | undefined
  // Set while the KV store restores from a snapshot: its revision is meaningless meanwhile.
  #restoring = false
  // The revision when the restore began (what new watchers start from meanwhile).
  #restoreRev = 0
  #closed = false

  /**
   * Wraps `kv` (open or not yet open) and takes its write-end hook. The store keeps `kv` but
   * does not own it: closing this store leaves `kv` open.
   *
   * @throws RangeError when an option is not a positive integer (naming the option).
   */
  constructor(kv: KVStore, options: WatchableStoreOptions = {}, components: WatchableStoreComponents = {}) {
    this.#kv = kv
    this.#clock = components.clock ?? SYSTEM_CLOCK
    this.#logger = components.logger
    this.#streamBufferLength = positive(options.streamBufferLength, DEFAULT_STREAM_BUFFER_LENGTH, 'streamBufferLength')
    this.#syncIntervalMs = positive(options.syncIntervalMs, DEFAULT_SYNC_INTERVAL_MS, 'syncIntervalMs')
    this.#victimRetryIntervalMs = positive(
      options.victimRetryIntervalMs,
      DEFAULT_VICTIM_RETRY_INTERVAL_MS,
      'victimRetryIntervalMs',
    )
    this.#maxWatchersPerSync = positive(options.maxWatchersPerSync, DEFAULT_MAX_WATCHERS_PER_SYNC, 'maxWatchersPerSync')
    this.#maxRevisionsPerResponse = positive(
      options.maxRevisionsPerResponse,
      DEFAULT_MAX_REVISIONS_PER_RESPONSE,
      'maxRevisionsPerResponse',
    )
    this.#syncReadLimit = positive(options.syncReadLimit, DEFAULT_SYNC_READ_LIMIT, 'syncReadLimit')
    kv.setWriteEndHook((rev, changes) => this.#notify(rev, changes))
  }

  /** The KV store watched: reads and writes go to it directly. */
  get kv(): KVStore {
    return this.#kv
  }

  /** The KV store's current revision. */
  rev(): number {
    return this.#kv.rev()
  }

  /**
   * A new stream to create watches on and read their responses from (etcd's `NewWatchStream`).
   *
   * @throws StoreClosedError after {@link close}.
   */
  newWatchStream(): WatchStream {
    if (this.#closed) throw new StoreClosedError()
    const stream = new WatchStream(this, this.#streamBufferLength)
    this.#streams.add(stream)
    return stream
  }

  /**
   * Restores the KV store from its backend after a snapshot replaced the backend's contents
   * (`KVStore.restore`), then moves every synced watcher to the unsynced group: they catch up
   * with what the snapshot holds, from where they were (etcd's `watchableStore.Restore`).
   * Catch-up and victim retries pause meanwhile; writes must not happen.
   *
   * @throws StoreClosedError after {@link close}; whatever `KVStore.restore` throws.
   */
  async restore(): Promise<void> {
    if (this.#closed) throw new StoreClosedError()
    if (this.#restoring) throw new TypeError('mvcc: a watchable store restore is already running')
    this.#restoring = true
    this.#restoreRev = this.#kv.rev()
    try {
      while (this.#syncing !== undefined) await this.#syncing
      // Synced watchers have seen everything up to now: they resume after it.
      for (const w of this.#synced) w.minRev = Math.max(w.minRev, this.#restoreRev + 1)
      await this.#kv.restore()
    } finally {
      for (const w of [...this.#synced]) {
        this.#synced.delete(w)
        w.state = 'unsynced'
        this.#unsynced.add(w)
      }
      this.#restoring = false
      this.#armSync(this.#syncIntervalMs)
      this.#armVictims()
    }
  }

  /**
   * Stops the catch-up and victim loops, closes every stream (ending their iterators once
   * drained) and releases the KV store's write-end hook. The KV store stays open. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#cancelSyncTimer?.()
    this.#cancelSyncTimer = undefined
    this.#cancelVictimTimer?.()
    this.#cancelVictimTimer = undefined
    this.#kv.setWriteEndHook(undefined)
    for (const stream of [...this.#streams]) stream.close()
    while (this.#syncing !== undefined) await this.#syncing.catch(() => {})
  }

  // --- called by WatchStream --------------------------------------------------------------

  /**
   * Creates a watcher (etcd's `watchableStore.watch`): synced when `startRev` is 0 or in the
   * future (from `max(current + 1, startRev)`), else unsynced from `startRev`. Arguments are
   * validated by the stream.
   *
   * @internal
   */
  watch(
    stream: WatchStream,
    id: WatchId,
    key: Uint8Array,
    end: RangeEnd,
    startRev: number,
    filters: readonly WatchFilter[],
  ): Watcher {
    if (this.#closed) throw new StoreClosedError()
    const currentRev = this.#restoring ? this.#restoreRev : this.#kv.rev()
    const synced = startRev === 0 || startRev > currentRev
    const minRev = synced ? Math.max(currentRev + 1, startRev) : startRev
    const w = new Watcher(
      stream,
      id,
      key,
      end,
      startRev,
      filters.length === 0 ? NO_FILTERS : filters,
      minRev,
      'unsynced',
    )
    // During a restore everyone waits in the unsynced group: the current revision is unknown.
    if (synced && !this.#restoring) {
      w.state = 'synced'
      this.#synced.add(w)
    } else {
      this.#unsynced.add(w)
      this.#armSync(this.#syncIntervalMs)
    }
    return w
  }

  /**
   * Removes a watcher from whatever group it is in; what it already put in its stream's buffer
   * stays there (as in etcd). Safe to call twice.
   *
   * @internal
   */
  cancelWatcher(w: Watcher): void {
    switch (w.state) {
      case 'synced':
        this.#synced.delete(w)
        break
      case 'unsynced':
        this.#unsynced.delete(w)
        break
      case 'victim':
        this.#victims.delete(w)
        w.pending = undefined
        break
      case 'removed':
        break
    }
    w.state = 'removed'
  }

  /**
   * Sends `w` a progress response at the current revision if it is synced and that revision is
   * not before its start (etcd's `progressIfSync` for one watcher, #20221). Returns whether
   * one was sent (not when the stream's buffer is full).
   *
   * @internal
   */
  requestProgress(w: Watcher): boolean {
    if (this.#restoring || w.state !== 'synced') return false
    const rev = this.#kv.rev()
    if (rev < w.startRev) return false
    return w.stream.trySend({ watchId: w.id, events: [], revision: rev, compactRevision: 0 })
  }

  /**
   * Sends `stream` one progress response with watch ID -1 at the current revision if every
   * watcher given is synced and not before its start (etcd's `progressAll`; with `beforeStart`,
   * a watcher whose start is still ahead does not hold it back, as in etcd 3.4). Returns whether
   * one was sent.
   *
   * @internal
   */
  requestProgressAll(stream: WatchStream, watchers: Iterable<Watcher>, beforeStart = false): boolean {
    if (this.#restoring) return false
    const rev = this.#kv.rev()
    for (const w of watchers) if (w.state !== 'synced' || (rev < w.startRev && !beforeStart)) return false
    return stream.trySend({ watchId: INVALID_WATCH_ID, events: [], revision: rev, compactRevision: 0 })
  }

  /** @internal */
  streamClosed(stream: WatchStream): void {
    this.#streams.delete(stream)
  }

  /**
   * Resolves once no catch-up pass is in flight (tests: after advancing a manual clock).
   *
   * @internal
   */
  async settle(): Promise<void> {
    while (this.#syncing !== undefined) await this.#syncing.catch(() => {})
  }

  /** @internal (tests) */
  get groupSizes(): { readonly synced: number; readonly unsynced: number; readonly victims: number } {
    return { synced: this.#synced.size, unsynced: this.#unsynced.size, victims: this.#victims.size }
  }

  // --- the write path ---------------------------------------------------------------------

  // The KV store's write-end hook: revision `rev` is about to become current with `changes`.
  // Each synced watcher of a changed key gets one response with all its events of `rev`
  // (etcd's `notify`). Runs inside the write transaction: it must not throw.
  #notify(rev: number, changes: readonly KeyValue[]): void {
    if (this.#synced.size === 0) return
    try {
      const batches = new Map<Watcher, Event[]>()
      for (const change of changes) {
        const event = toEvent(change, rev)
        this.#synced.visitWatchersOf(change.key, (w) => {
          // A watcher starting in the future is synced but skips revisions before its start.
          if (rev < w.minRev) return
          const events = batches.get(w)
          if (events === undefined) batches.set(w, [event])
          else events.push(event)
        })
      }
      let victims = false
      for (const [w, events] of batches) {
        w.minRev = rev + 1
        if (sendEvents(w, events, rev)) continue
        this.#synced.delete(w)
        this.#makeVictim(w, events)
        victims = true
      }
      if (victims) this.#armVictims()
    } catch (error) {
      this.#logger?.error(`mvcc: watch notification at revision ${rev} failed: ${String(error)}`)
    }
  }

  #makeVictim(w: Watcher, events: Event[]): void {
    w.state = 'victim'
    w.pending = events
    this.#victims.add(w)
  }

  // --- victims ------------------------------------------------------------------------------

  #armVictims(): void {
    if (this.#closed || this.#cancelVictimTimer !== undefined || this.#victims.size === 0) return
    this.#cancelVictimTimer = this.#clock.setTimer(this.#victimRetryIntervalMs, () => {
      this.#cancelVictimTimer = undefined
      this.#moveVictims()
      this.#armVictims()
    })
  }

  // Resends each victim's pending response; those sent rejoin the synced group if nothing
  // happened since, else the unsynced one (etcd's `moveVictims`). Synchronous.
  #moveVictims(): number {
    if (this.#closed || this.#restoring) return 0
    const currentRev = this.#kv.rev()
    let moved = 0
    for (const w of [...this.#victims]) {
      // The watcher has seen the store up to, not including, minRev.
      if (w.pending !== undefined && !sendEvents(w, w.pending, w.minRev - 1)) continue
      moved++
      this.#victims.delete(w)
      w.pending = undefined
      if (w.minRev <= currentRev) {
        w.state = 'unsynced'
        this.#unsynced.add(w)
      } else {
        w.state = 'synced'
        this.#synced.add(w)
      }
    }
    if (this.#unsynced.size > 0) this.#armSync(this.#syncIntervalMs)
    return moved
  }

  // --- catching up unsynced watchers ---------------------------------------------------------

  #armSync(delayMs: number): void {
    if (this.#closed || this.#cancelSyncTimer !== undefined || this.#syncing !== undefined) return
    if (this.#unsynced.size === 0) return
    this.#cancelSyncTimer = this.#clock.setTimer(delayMs, () => {
      this.#cancelSyncTimer = undefined
      this.#runSync()
    })
  }

  // One turn of etcd's `syncWatchersLoop`: a pass, then the next one in `syncIntervalMs`, or as
  // soon as this one took if it made progress and watchers remain.
  #runSync(): void {
    if (this.#closed || this.#syncing !== undefined) return
    if (this.#restoring) {
      this.#armSync(this.#syncIntervalMs)
      return
    }
    const started = this.#clock.now()
    const pass = this.#syncWatchers().then(
      (progressed) => {
        this.#syncing = undefined
        const tookMs = Math.max(0, this.#clock.now() - started)
        this.#armSync(progressed ? tookMs : this.#syncIntervalMs)
      },
      (error: unknown) => {
        this.#syncing = undefined
        this.#logger?.error(`mvcc: syncing watchers failed: ${String(error)}`)
        this.#armSync(this.#syncIntervalMs)
      },
    )
    this.#syncing = pass
  }

  /**
   * One catch-up pass over up to `maxWatchersPerSync` unsynced watchers (etcd's
   * `syncWatchers`); returns whether any of them advanced. Compacted watchers get their
   * compacted response and go; the others get the events of bucket `key` from their `minRev`
   * on, at most `maxRevisionsPerResponse` revisions each, and join the synced group once
   * nothing is left.
   *
   * The backend read awaits while writes go on; they do not reach unsynced watchers, and the
   * pass only moves a watcher to synced if it has seen the revision current *after* the read.
   */
  async #syncWatchers(): Promise<boolean> {
    if (this.#unsynced.size === 0 || this.#closed || this.#restoring) return false
    const readRev = this.#kv.rev()
    let progressed = false
    // The first watchers in the group's order: each pass moves those it handled to the end.
    const chosen: Watcher[] = []
    for (const w of this.#unsynced) {
      if (chosen.length >= this.#maxWatchersPerSync) break
      chosen.push(w)
    }
    let minRev = Number.POSITIVE_INFINITY
    const toRead: Watcher[] = []
    for (const w of chosen) {
      if (this.#maybeCompacted(w)) {
        progressed = true
        continue
      }
      if (w.minRev < this.#kv.compactRev()) {
        // Its compacted response did not fit: try again later, after the others.
        this.#unsynced.delete(w)
        this.#unsynced.add(w)
        continue
      }
      toRead.push(w)
      if (w.minRev < minRev) minRev = w.minRev
    }
    if (toRead.length === 0) return progressed

    const { events, lastRev } = await this.#readEvents(minRev, readRev)
    if (this.#closed) return progressed

    // Everything below here is synchronous: no write can happen until the pass ends.
    const currentRev = this.#kv.rev()
    const group = new WatcherGroup<Watcher>()
    for (const w of toRead) {
      // Canceled meanwhile, or fallen behind a compaction that may have removed what we read.
      if (w.state !== 'unsynced') continue
      if (this.#maybeCompacted(w)) {
        progressed = true
        continue
      }
      if (w.minRev < this.#kv.compactRev()) {
        this.#unsynced.delete(w)
        this.#unsynced.add(w)
        continue
      }
      group.add(w)
    }
    const batches = new Map<Watcher, EventBatch>()
    for (const event of events) {
      const rev = event.kv.modRevision
      group.visitWatchersOf(event.kv.key, (w) => {
        if (rev < w.minRev) return
        let batch = batches.get(w)
        if (batch === undefined) {
          batch = { events: [], revs: 0, moreRev: 0 }
          batches.set(w, batch)
        }
        addToBatch(batch, event, this.#maxRevisionsPerResponse)
      })
    }
    for (const w of group) {
      const batch = batches.get(w)
      const nextRev = batch !== undefined && batch.moreRev !== 0 ? batch.moreRev : Math.max(w.minRev, lastRev + 1)
      if (nextRev > w.minRev) progressed = true
      w.minRev = nextRev
      // Leaving the group now, rejoining at its end if still behind: the others get their turn.
      this.#unsynced.delete(w)
      if (batch !== undefined && !sendEvents(w, batch.events, nextRev - 1)) {
        this.#makeVictim(w, batch.events)
        progressed = true
        continue
      }
      if (w.minRev <= currentRev) {
        this.#unsynced.add(w)
      } else {
        w.state = 'synced'
        this.#synced.add(w)
        progressed = true
      }
    }
    this.#armVictims()
    return progressed
  }

  // Sends the compacted response to a watcher whose next revision was compacted away, and
  // removes it (etcd's `chooseAll`). Returns whether it was removed; if the stream's buffer
  // is full the watcher stays unsynced and tries again at the next pass.
  #maybeCompacted(w: Watcher): boolean {
    const compactRev = this.#kv.compactRev()
    if (w.minRev >= compactRev) return false
    const sent = w.stream.trySend({ watchId: w.id, events: [], revision: 0, compactRevision: compactRev })
    if (!sent) return false
    this.#unsynced.delete(w)
    w.state = 'removed'
    w.stream.watcherRemoved(w)
    return true
  }

  // The events of revisions [minRev, maxRev] from bucket `key`, or of a prefix of them when
  // there are more than `syncReadLimit` revision keys: `lastRev` is the last revision read
  // completely (the events of one revision are never split).
  async #readEvents(minRev: number, maxRev: number): Promise<{ events: Event[]; lastRev: number }> {
    if (minRev > maxRev) return { events: [], lastRev: maxRev }
    const tx = this.#kv.backend.readTx()
    const start = encodeRevisionKey({ main: minRev, sub: 0 })
    const end = encodeRevisionKey({ main: maxRev + 1, sub: 0 })
    let { keys, values } = await tx.unsafeRange(Buckets.Key, start, end, this.#syncReadLimit)
    let lastRev = maxRev
    if (keys.length >= this.#syncReadLimit) {
      // Possibly cut inside a revision: keep only the revisions read whole.
      const lastMain = decodeRevisionKey(keys[keys.length - 1] as Uint8Array).rev.main
      let n = keys.length
      while (n > 0 && decodeRevisionKey(keys[n - 1] as Uint8Array).rev.main === lastMain) n--
      if (n > 0) {
        keys = keys.slice(0, n)
        values = values.slice(0, n)
        lastRev = lastMain - 1
      } else {
        // One transaction larger than the limit: read it whole.
        const whole = await this.#kv.backend
          .readTx()
          .unsafeRange(
            Buckets.Key,
            encodeRevisionKey({ main: lastMain, sub: 0 }),
            encodeRevisionKey({ main: lastMain + 1, sub: 0 }),
          )
        keys = whole.keys
        values = whole.values
        lastRev = lastMain
      }
    }
    const events: Event[] = new Array(keys.length)
    for (let i = 0; i < keys.length; i++) {
      const { rev, tombstone } = decodeRevisionKey(keys[i] as Uint8Array)
      const kv = decodeKeyValue(values[i] as Uint8Array)
      events[i] = tombstone
        ? { type: EventType.DELETE, kv: { ...kv, modRevision: rev.main } }
        : { type: EventType.PUT, kv }
    }
    return { events, lastRev }
  }
}

// A change of the write path as an event: etcd marks deletes by a zero create revision.
function toEvent(change: KeyValue, rev: number): Event {
  if (change.createRevision === 0) return { type: EventType.DELETE, kv: { ...change, modRevision: rev } }
  return { type: EventType.PUT, kv: change }
}

// etcd's `eventBatch.add`: events in revision order, at most `maxRevs` distinct revisions;
// `moreRev` is the first revision left out.
function addToBatch(batch: EventBatch, event: Event, maxRevs: number): void {
  if (batch.moreRev !== 0) return
  const last = batch.events[batch.events.length - 1]
  if (last === undefined || event.kv.modRevision > last.kv.modRevision) {
    if (batch.revs >= maxRevs) {
      batch.moreRev = event.kv.modRevision
      return
    }
    batch.revs++
  }
  batch.events.push(event)
}

// etcd's `watcher.send` for events: applies the watcher's filters; a batch filtered down to
// nothing counts as sent. Returns false when the stream's buffer is full.
function sendEvents(w: Watcher, events: readonly Event[], revision: number): boolean {
  let kept = events
  if (w.filters.length > 0) {
    kept = events.filter((event) => !w.filters.some((filter) => filter(event)))
    if (kept.length === 0) return true
  }
  const response: WatchResponse = { watchId: w.id, events: kept, revision, compactRevision: 0 }
  return w.stream.trySend(response)
}

function positive(value: number | undefined, fallback: number, field: string): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new RangeError(`WatchableStore: ${field} must be a positive integer, got ${v}`)
  return v
}
