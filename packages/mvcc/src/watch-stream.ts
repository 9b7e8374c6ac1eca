import { compareBytes } from '@etcd-ts/backend'
import type { RangeEnd } from './kv-types.js'
import {
  DuplicateWatchIdError,
  EmptyWatcherRangeError,
  WatcherNotExistError,
  WatchStreamClosedError,
} from './watch-errors.js'
import { AUTO_WATCH_ID, type WatchFilter, type WatchId, type WatchResponse } from './watch-types.js'
import type { WatchableStore, Watcher } from './watchable-store.js'

/**
 * A stream of watches (etcd's `mvcc.WatchStream`; the server keeps one per gRPC Watch call):
 * create and cancel watchers, ask for progress, and read every watcher's responses from one
 * ordered, bounded buffer with {@link WatchStream.responses}.
 *
 * The buffer holds `streamBufferLength` responses (etcd's `chanBufLen`, 128). When it is full
 * the store stops sending and the watchers concerned wait as victims: a consumer that reads
 * slowly misses nothing and costs bounded memory. Responses of one watcher come in revision
 * order, each event exactly once.
 *
 * Made by {@link WatchableStore.newWatchStream}; the constructor is internal.
 */
export class WatchStream {
  readonly #store: WatchableStore
  readonly #capacity: number
  readonly #watchers = new Map<WatchId, Watcher>()
  // The next ID to try for an automatic one (etcd's `nextID`).
  #nextId: WatchId = 0n
  // Responses not yet taken by the consumer. Invariant: length <= capacity, and empty
  // whenever #waiting is set.
  readonly #buffer: WatchResponse[] = []
  #waiting: ((result: IteratorResult<WatchResponse>) => void) | undefined
  #closed = false
  readonly #iterator: AsyncIterableIterator<WatchResponse>

  /** @internal */
  constructor(store: WatchableStore, capacity: number) {
    this.#store = store
    this.#capacity = capacity
    this.#iterator = {
      next: () => this.#next(),
      return: async () => {
        this.close()
        return { done: true, value: undefined }
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }

  /**
   * Watches `key` (`end === undefined`), `[key, end)`, or every key `>= key` (`end` empty),
   * from revision `startRev` (0: from the next revision on; a past revision replays history; a
   * future one waits for it). `filters` drop events (see `filterNoPut`, `filterNoDelete`).
   * Returns the watch ID: `id`, or the next free one from 0 when `id` is `AUTO_WATCH_ID`.
   * `key` and `end` are copied.
   *
   * @throws WatchStreamClosedError when the stream is closed.
   * @throws EmptyWatcherRangeError when `end` is not empty and `key >= end`.
   * @throws DuplicateWatchIdError when `id` is already in use on this stream.
   * @throws RangeError when `startRev` is not a non-negative integer; TypeError for bad types.
   */
  watch(id: WatchId, key: Uint8Array, end: RangeEnd, startRev: number, filters: readonly WatchFilter[] = []): WatchId {
    if (typeof id !== 'bigint') throw new TypeError('watch id must be a bigint')
    if (!(key instanceof Uint8Array)) throw new TypeError('key must be a Uint8Array')
    if (end !== undefined && !(end instanceof Uint8Array)) throw new TypeError('end must be a Uint8Array or undefined')
    if (!Number.isSafeInteger(startRev) || startRev < 0) {
      throw new RangeError(`startRev must be a non-negative integer, got ${startRev}`)
    }
    if (!Array.isArray(filters) || filters.some((f) => typeof f !== 'function')) {
      throw new TypeError('filters must be an array of functions')
    }
    if (this.#closed) throw new WatchStreamClosedError()
    // etcd's watchStream.Watch: an empty range first, then the ID.
    if (end !== undefined && end.length > 0 && compareBytes(key, end) >= 0) throw new EmptyWatcherRangeError()
    if (id === AUTO_WATCH_ID) {
      while (this.#watchers.has(this.#nextId)) this.#nextId++
      id = this.#nextId
      this.#nextId++
    } else if (this.#watchers.has(id)) {
      throw new DuplicateWatchIdError(id)
    }
    const watcher = this.#store.watch(this, id, key.slice(), end?.slice(), startRev, [...filters])
    this.#watchers.set(id, watcher)
    return id
  }

  /**
   * Cancels watch `id`: no more responses are produced for it (those already buffered are still
   * delivered, as in etcd).
   *
   * @throws WatcherNotExistError when the stream has no watch `id` (also after the watcher was
   *   removed by a compacted response).
   */
  cancel(id: WatchId): void {
    const watcher = this.#watchers.get(id)
    if (watcher === undefined) throw new WatcherNotExistError(id)
    this.#watchers.delete(id)
    this.#store.cancelWatcher(watcher)
  }

  /**
   * Asks for a progress response for watch `id`: `{ watchId: id, events: [], revision:
   * current }`, only if the watcher is synced (every event up to the current revision is
   * already in the buffer) and the current revision is not before its start revision. Returns
   * whether one was buffered (false for an unknown ID or a full buffer, as etcd's best-effort
   * send).
   */
  requestProgress(id: WatchId): boolean {
    const watcher = this.#watchers.get(id)
    if (watcher === undefined || this.#closed) return false
    return this.#store.requestProgress(watcher)
  }

  /**
   * Asks for one progress response for the whole stream: `{ watchId: -1n, events: [],
   * revision: current }`, only if every watcher of the stream is synced and not before its
   * start revision (a stream without watchers qualifies). Returns whether it was buffered;
   * if not, the caller asks again later (etcd's server defers it). With `beforeStart`, watchers
   * whose start revision is still ahead do not hold the response back (etcd 3.4 answers at once
   * with the current revision).
   */
  requestProgressAll(options: { readonly beforeStart?: boolean } = {}): boolean {
    if (this.#closed) return false
    return this.#store.requestProgressAll(this, this.#watchers.values(), options.beforeStart === true)
  }

  /** The store's current revision. */
  rev(): number {
    return this.#store.rev()
  }

  /** How many responses wait in the buffer for the consumer (at most `streamBufferLength`). */
  get pending(): number {
    return this.#buffer.length
  }

  /**
   * The responses of every watcher of the stream, in the order they were produced. There is one
   * iterator per stream (every call returns it); it ends once the stream is closed and the
   * buffer drained. Leaving a `for await` loop early closes the stream.
   */
  responses(): AsyncIterableIterator<WatchResponse> {
    return this.#iterator
  }

  /**
   * Cancels every watcher and closes the stream: the iterator yields what is buffered, then
   * ends. Idempotent.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const watcher of this.#watchers.values()) this.#store.cancelWatcher(watcher)
    this.#watchers.clear()
    this.#store.streamClosed(this)
    const waiting = this.#waiting
    this.#waiting = undefined
    waiting?.({ done: true, value: undefined })
  }

  // --- called by the store ------------------------------------------------------------------

  /**
   * Hands `response` to the consumer, or buffers it; false (nothing done) when the buffer is
   * full or the stream closed (etcd's non-blocking channel send).
   *
   * @internal
   */
  trySend(response: WatchResponse): boolean {
    if (this.#closed) return false
    const waiting = this.#waiting
    if (waiting !== undefined) {
      this.#waiting = undefined
      waiting({ done: false, value: response })
      return true
    }
    if (this.#buffer.length >= this.#capacity) return false
    this.#buffer.push(response)
    return true
  }

  /**
   * The store removed `watcher` on its own (compacted): its ID is free again.
   *
   * @internal
   */
  watcherRemoved(watcher: Watcher): void {
    if (this.#watchers.get(watcher.id) === watcher) this.#watchers.delete(watcher.id)
  }

  #next(): Promise<IteratorResult<WatchResponse>> {
    const response = this.#buffer.shift()
    if (response !== undefined) return Promise.resolve({ done: false, value: response })
    if (this.#closed) return Promise.resolve({ done: true, value: undefined })
    if (this.#waiting !== undefined)
      return Promise.reject(new TypeError('mvcc: a watch stream has one reader at a time'))
    return new Promise((resolve) => {
      this.#waiting = resolve
    })
  }
}
