import assert from 'node:assert/strict'
import { compareBytes } from '@etcd-ts/backend'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import type { RangeEnd } from '../../src/kv-types.js'
import { KVStore, type KVStoreOptions } from '../../src/kvstore.js'
import type { WatchStream } from '../../src/watch-stream.js'
import { type Event, EventType, INVALID_WATCH_ID, type WatchId, type WatchResponse } from '../../src/watch-types.js'
import { WatchableStore, type WatchableStoreOptions } from '../../src/watchable-store.js'
import { ManualClock } from './manual-clock.js'

export const t = (text: string): Uint8Array => new TextEncoder().encode(text)
export const s = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
/** The empty range end: every key >= key. */
export const ALL = new Uint8Array(0)

/** A memory backend, an open KV store and a watchable store over it, all on one manual clock. */
export interface Harness {
  readonly clock: ManualClock
  readonly backend: MemoryBackend
  readonly kv: KVStore
  readonly store: WatchableStore
}

export async function openHarness(
  options: WatchableStoreOptions = {},
  kvOptions: KVStoreOptions = {},
): Promise<Harness> {
  const clock = new ManualClock()
  const backend = new MemoryBackend({}, { clock })
  await backend.open()
  const kv = new KVStore(backend, { compactionSleepIntervalMs: 1, ...kvOptions }, { clock })
  await kv.open()
  const store = new WatchableStore(kv, options, { clock })
  return { clock, backend, kv, store }
}

/** Advances the clock, then waits for the catch-up pass it may have started. */
export async function tick(h: Harness, ms: number): Promise<void> {
  h.clock.advance(ms)
  await h.store.settle()
}

/** Takes every response buffered in `stream` now, without waiting for more. */
export async function takeBuffered(stream: WatchStream): Promise<WatchResponse[]> {
  const out: WatchResponse[] = []
  const iterator = stream.responses()
  for (let n = stream.pending; n > 0; n--) {
    const result = await iterator.next()
    assert.equal(result.done, false)
    out.push(result.value as WatchResponse)
  }
  return out
}

/** An event reduced to comparable plain data. */
export interface PlainEvent {
  readonly type: 'PUT' | 'DELETE'
  readonly key: string
  readonly value: string
  readonly createRevision: number
  readonly modRevision: number
  readonly version: number
}

export function plain(event: Event): PlainEvent {
  return {
    type: event.type === EventType.PUT ? 'PUT' : 'DELETE',
    key: s(event.kv.key),
    value: s(event.kv.value),
    createRevision: event.kv.createRevision,
    modRevision: event.kv.modRevision,
    version: event.kv.version,
  }
}

/** Short text for events: `PUT a=1@2`, `DELETE a@3`. */
export function describeEvents(events: readonly Event[]): string[] {
  return events.map((e) =>
    e.type === EventType.PUT
      ? `PUT ${s(e.kv.key)}=${s(e.kv.value)}@${e.kv.modRevision}`
      : `DELETE ${s(e.kv.key)}@${e.kv.modRevision}`,
  )
}

/**
 * The store's history, kept by the test independently of the store: every write goes through
 * here, which computes the events a correct store produces (a model of keys, versions and
 * create revisions).
 */
export class History {
  readonly events: PlainEvent[] = []
  readonly #live = new Map<string, { createRevision: number; version: number }>()
  readonly #kv: KVStore

  constructor(kv: KVStore) {
    this.#kv = kv
  }

  /** One transaction putting each (key, value) in order; returns its revision. */
  put(...pairs: [string, string][]): number {
    const txn = this.#kv.write()
    for (const [key, value] of pairs) txn.put(t(key), t(value))
    txn.end()
    const rev = this.#kv.rev()
    for (const [key, value] of pairs) {
      const live = this.#live.get(key)
      const next =
        live === undefined
          ? { createRevision: rev, version: 1 }
          : { createRevision: live.createRevision, version: live.version + 1 }
      this.#live.set(key, next)
      this.events.push({
        type: 'PUT',
        key,
        value,
        createRevision: next.createRevision,
        modRevision: rev,
        version: next.version,
      })
    }
    return rev
  }

  /** Deletes the live keys of the range (one transaction); returns the revision. */
  delete(key: string, end?: string): number {
    const result = this.#kv.deleteRange(t(key), end === undefined ? undefined : t(end))
    const doomed = [...this.#live.keys()]
      .filter((k) => inRange(k, key, end === undefined ? undefined : end === '' ? ALL : t(end)))
      .sort((a, b) => compareBytes(t(a), t(b)))
    assert.equal(result.deleted, doomed.length, 'the model and the store agree on what is deleted')
    for (const k of doomed) {
      this.#live.delete(k)
      this.events.push({ type: 'DELETE', key: k, value: '', createRevision: 0, modRevision: result.rev, version: 0 })
    }
    return result.rev
  }
}

export function inRange(k: string, key: string, end: RangeEnd): boolean {
  if (end === undefined) return k === key
  const kb = t(k)
  if (compareBytes(kb, t(key)) < 0) return false
  return end.length === 0 || compareBytes(kb, end) < 0
}

/** What a test knows of one watch, to check what it receives. */
export interface WatchSpec {
  readonly key: string
  readonly end: RangeEnd
  /** The first revision it must see (startRev, or current + 1 for startRev 0). */
  readonly fromRev: number
  readonly noPut?: boolean
  readonly noDelete?: boolean
}

interface WatchState {
  readonly spec: WatchSpec
  // Index into history.events of the next candidate event.
  pos: number
  lastRevision: number
  received: number
  compacted: number
  canceled: boolean
}

/**
 * Checks everything one stream delivers against the {@link History}, as it is read: each
 * watcher's events are exactly the history's events of its keys from its start revision, in
 * order, none missing or repeated; a revision's events are never split; and a response's
 * `revision` (events and progress alike) means every event up to it was delivered (etcd's
 * Ordered, Unique, Atomic, Reliable and Bookmarkable watch guarantees).
 */
export class StreamChecker {
  readonly #history: History
  readonly #watches = new Map<WatchId, WatchState>()
  // For each progress-all response still to come: the watches it covers (those existing when
  // it was asked for).
  readonly #progressAllCovers: WatchState[][] = []
  progressAll = 0
  progress = 0

  readonly #maxRevisionsPerResponse: number

  /** @param maxRevisionsPerResponse - the store's setting, checked on every response. */
  constructor(history: History, maxRevisionsPerResponse = 1000) {
    this.#history = history
    this.#maxRevisionsPerResponse = maxRevisionsPerResponse
  }

  add(id: WatchId, spec: WatchSpec): void {
    assert.equal(this.#watches.has(id), false, `watch ${id} added twice`)
    this.#watches.set(id, { spec, pos: 0, lastRevision: 0, received: 0, compacted: 0, canceled: false })
  }

  canceled(id: WatchId): void {
    const state = this.#watches.get(id)
    if (state !== undefined) state.canceled = true
  }

  /** Whether watch `id` got its compacted response (then the compacted revision). */
  compacted(id: WatchId): number {
    return this.#watches.get(id)?.compacted ?? 0
  }

  /** Events received by watch `id`. */
  received(id: WatchId): number {
    return this.#watches.get(id)?.received ?? 0
  }

  /** Call when `requestProgressAll()` returned true: its response covers today's watches. */
  progressAllSent(): void {
    this.#progressAllCovers.push([...this.#watches.values()])
  }

  check(response: WatchResponse): void {
    if (response.watchId === INVALID_WATCH_ID) {
      assert.equal(response.events.length, 0)
      const covers = this.#progressAllCovers.shift()
      assert.ok(covers !== undefined, 'a progress-all response nobody asked for')
      this.progressAll++
      for (const state of covers) {
        if (state.compacted === 0 && !state.canceled) this.#checkBookmark(state, response.revision, 'progress-all')
      }
      return
    }
    const state = this.#watches.get(response.watchId)
    assert.ok(state !== undefined, `response for unknown watch ${response.watchId}`)
    assert.equal(state.compacted, 0, `watch ${response.watchId} got a response after its compacted one`)
    const where = `watch ${response.watchId}`
    if (response.compactRevision !== 0) {
      assert.equal(response.events.length, 0)
      assert.equal(response.revision, 0)
      // Its next revision m was below the compacted one: fromRev <= m < compactRevision, and
      // every earlier response said at most m - 1.
      assert.ok(state.spec.fromRev < response.compactRevision, `${where}: compacted at ${response.compactRevision}`)
      assert.ok(state.lastRevision < response.compactRevision - 1, `${where}: compacted at ${response.compactRevision}`)
      state.compacted = response.compactRevision
      return
    }
    if (response.events.length === 0) {
      this.progress++
      assert.ok(response.revision >= state.spec.fromRev - 1, `${where}: progress before its start`)
      this.#checkBookmark(state, response.revision, 'progress')
      return
    }
    const revisions = new Set(response.events.map((e) => e.kv.modRevision)).size
    assert.ok(revisions <= this.#maxRevisionsPerResponse, `${where}: ${revisions} revisions in one response`)
    let lastRev = 0
    for (const event of response.events) {
      const expected = this.#nextExpected(state)
      assert.deepEqual(plain(event), expected, `${where}: event ${state.received}`)
      assert.ok(event.kv.modRevision >= lastRev)
      lastRev = event.kv.modRevision
      state.pos++
      state.received++
    }
    assert.ok(response.revision >= lastRev, `${where}: revision ${response.revision} below its events (${lastRev})`)
    this.#checkBookmark(state, response.revision, 'events')
  }

  /** Every watcher neither canceled nor compacted got every event of the history. */
  assertComplete(): void {
    for (const [id, state] of this.#watches) {
      if (state.canceled || state.compacted !== 0) continue
      const next = this.#nextExpected(state)
      assert.equal(next, undefined, `watch ${id} is missing ${JSON.stringify(next)} (got ${state.received})`)
    }
  }

  // Nothing at or below `revision` may still be missing, and later responses never go back.
  #checkBookmark(state: WatchState, revision: number, what: string): void {
    const next = this.#nextExpected(state)
    assert.ok(
      next === undefined || next.modRevision > revision,
      `${what} at ${revision} while ${JSON.stringify(next)} is still to come`,
    )
    assert.ok(revision >= state.lastRevision, `${what} at ${revision} goes back from ${state.lastRevision}`)
    state.lastRevision = revision
  }

  #nextExpected(state: WatchState): PlainEvent | undefined {
    const events = this.#history.events
    const { spec } = state
    while (state.pos < events.length) {
      const e = events[state.pos] as PlainEvent
      if (
        e.modRevision >= spec.fromRev &&
        inRange(e.key, spec.key, spec.end) &&
        !(spec.noPut === true && e.type === 'PUT') &&
        !(spec.noDelete === true && e.type === 'DELETE')
      ) {
        return e
      }
      state.pos++
    }
    return undefined
  }
}
