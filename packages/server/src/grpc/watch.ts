// etcdserverpb.Watch (etcd's v3rpc/watch.go serverWatchStream): one mvcc WatchStream per call.
// Control responses (created, canceled) are written when the request is handled; the events of
// a watcher can only follow its created response, because the mvcc stream hands them over
// asynchronously.
import {
  EtcdError,
  type ResponseHeaderInit,
  WatchCancelReason,
  type WatchCreateRequest,
  WatchCreateRequest_FilterType,
  type WatchHandlers,
  type WatchRequest,
  WatchResponse,
  type WatchResponseInit,
} from '@etcd-ts/api'
import {
  AUTO_WATCH_ID,
  type Event,
  filterNoDelete,
  filterNoPut,
  INVALID_WATCH_ID,
  type WatchResponse as MvccWatchResponse,
  type WatchFilter,
  type WatchId,
  type WatchStream,
} from '@etcd-ts/mvcc'
import type { EtcdServer } from '../server.js'
import { admitStream, type DuplexCall, drained, failStream } from './common.js'

/** A deferred progress request is retried this often until every watcher is synced. */
const PROGRESS_RETRY_MS = 100
/**
 * Fragmenting starts above `--max-request-bytes` plus this (etcd's watch server uses
 * `MaxRequestBytes + grpcOverheadBytes`, 512 KiB, as its limit).
 */
const GRPC_OVERHEAD_BYTES = 512 * 1024

type WatchCall = DuplexCall<WatchRequest, WatchResponseInit>

/** Handlers of `etcdserverpb.Watch`. */
export function watchHandlers(server: EtcdServer): WatchHandlers {
  return { Watch: (call) => serveWatch(server, call) }
}

/** Serves one Watch stream (a gRPC call or a gateway request). */
export function serveWatch(server: EtcdServer, call: WatchCall): void {
  if (!admitStream(server, call)) return
  new ServerWatchStream(server, call).run()
}

class ServerWatchStream {
  readonly #server: EtcdServer
  readonly #call: WatchCall
  readonly #stream: WatchStream
  /** Watchers with progress_notify, and whether the next tick should notify them (no events since). */
  readonly #progress = new Map<WatchId, boolean>()
  /** Watchers created and not canceled: responses of others still in the buffer are dropped (etcd's `ids`). */
  readonly #live = new Set<WatchId>()
  readonly #prevKv = new Set<WatchId>()
  readonly #fragment = new Set<WatchId>()
  readonly #maxRequestBytes: number
  #progressTimer: NodeJS.Timeout | undefined
  #progressRetry: NodeJS.Timeout | undefined
  #closed = false

  constructor(server: EtcdServer, call: WatchCall) {
    this.#server = server
    this.#call = call
    this.#stream = server.watchable.newWatchStream()
    this.#maxRequestBytes = server.config.maxRequestBytes + GRPC_OVERHEAD_BYTES
  }

  run(): void {
    const call = this.#call
    call.on('data', (request: WatchRequest) => this.#onRequest(request))
    // A half-closed stream stays open for events, as etcd's (its recvLoop ends without error).
    call.on('error', () => this.#close())
    call.on('cancelled', () => this.#close())
    call.on('close', () => this.#close())
    const interval = this.#server.config.watchProgressNotifyIntervalMs
    this.#progressTimer = setInterval(() => this.#onProgressTick(), interval)
    this.#progressTimer.unref()
    void this.#sendLoop()
  }

  #header(revision: number): ResponseHeaderInit {
    const server = this.#server
    return { clusterId: server.clusterId, memberId: server.id, revision, raftTerm: server.term }
  }

  #onRequest(request: WatchRequest): void {
    if (this.#closed) return
    const union = request.requestUnion
    if (union === undefined) return
    switch (union.case) {
      case 'createRequest':
        this.#create(union.value)
        return
      case 'cancelRequest': {
        const id = union.value.watchId
        try {
          this.#stream.cancel(id)
        } catch {
          return // etcd answers nothing for an unknown ID
        }
        this.#forget(id)
        this.#write({ header: this.#header(this.#stream.rev()), watchId: id, canceled: true })
        return
      }
      case 'progressRequest':
        this.#requestProgressAll()
        return
    }
  }

  #create(creq: WatchCreateRequest): void {
    // etcd's normalisation: an empty key is "\0" (the smallest key); an empty range end means a
    // single key; "\0" as range end means every key >= key.
    const key = creq.key.length === 0 ? Uint8Array.of(0) : creq.key
    let end: Uint8Array | undefined
    if (creq.rangeEnd.length === 0) end = undefined
    else if (creq.rangeEnd.length === 1 && creq.rangeEnd[0] === 0) end = new Uint8Array(0)
    else end = creq.rangeEnd
    const filters: WatchFilter[] = []
    for (const f of creq.filters) {
      if (f === WatchCreateRequest_FilterType.NOPUT) filters.push(filterNoPut)
      else if (f === WatchCreateRequest_FilterType.NODELETE) filters.push(filterNoDelete)
    }
    const wsrev = this.#stream.rev()
    // 0 goes down as 0 (etcd passes the request's start revision through): the store starts the
    // watcher after the current revision but keeps 0 as its start, so progress responses are not
    // held back until the next write, as they would be for an explicit future start revision.
    const startRev = Math.max(creq.startRevision, 0)
    let id: WatchId
    let cancelReason = ''
    try {
      id = this.#stream.watch(creq.watchId === 0n ? AUTO_WATCH_ID : creq.watchId, key, end, startRev, filters)
    } catch (error) {
      id = INVALID_WATCH_ID
      const code = (error as { code?: unknown }).code
      cancelReason =
        code === 'MVCC_DUPLICATE_WATCH_ID'
          ? WatchCancelReason.DUPLICATE_WATCH_ID
          : code === 'MVCC_EMPTY_WATCHER_RANGE'
            ? WatchCancelReason.EMPTY_RANGE
            : error instanceof Error
              ? error.message
              : String(error)
    }
    if (cancelReason === '') {
      this.#live.add(id)
      if (creq.progressNotify) this.#progress.set(id, true)
      if (creq.prevKv) this.#prevKv.add(id)
      if (creq.fragment) this.#fragment.add(id)
    }
    this.#write({
      header: this.#header(wsrev),
      watchId: id,
      created: true,
      canceled: cancelReason !== '',
      cancelReason,
    })
  }

  #forget(id: WatchId): void {
    this.#live.delete(id)
    this.#progress.delete(id)
    this.#prevKv.delete(id)
    this.#fragment.delete(id)
  }

  /** A progress response for the whole stream once every watcher is synced (etcd 3.5's rule). */
  #requestProgressAll(): void {
    if (this.#closed || this.#progressRetry !== undefined) return
    if (this.#stream.requestProgressAll({ beforeStart: true })) return
    this.#progressRetry = setTimeout(() => {
      this.#progressRetry = undefined
      this.#requestProgressAll()
    }, PROGRESS_RETRY_MS)
  }

  #onProgressTick(): void {
    for (const [id, due] of this.#progress) {
      if (due) this.#stream.requestProgress(id)
      this.#progress.set(id, true)
    }
  }

  async #sendLoop(): Promise<void> {
    try {
      for await (const response of this.#stream.responses()) {
        if (this.#closed) return
        // Nothing is sent for a watcher after its cancel response, as etcd.
        if (response.watchId !== INVALID_WATCH_ID && !this.#live.has(response.watchId)) continue
        const wr = this.#toWire(response)
        if (response.compactRevision !== 0) this.#forget(response.watchId)
        const ok = this.#fragment.has(response.watchId) ? this.#sendFragments(wr) : this.#write(wr)
        if (response.events.length > 0 && this.#progress.has(response.watchId)) {
          // An event response stands in for the next progress notification.
          this.#progress.set(response.watchId, false)
        }
        if (!ok) await drained(this.#call)
      }
      // The store closed the stream: the server is stopping.
      if (!this.#closed) failStream(this.#call, new EtcdError('STOPPED'), this.#server.config.logger)
    } catch (error) {
      if (!this.#closed) failStream(this.#call, error, this.#server.config.logger)
    } finally {
      this.#close()
    }
  }

  #toWire(response: MvccWatchResponse): WatchResponseInit {
    let events: readonly Event[] = response.events
    if (events.length > 0 && this.#prevKv.has(response.watchId)) events = events.map((e) => this.#withPrevKv(e))
    return {
      header: this.#header(response.revision),
      watchId: response.watchId,
      events,
      compactRevision: response.compactRevision,
      canceled: response.compactRevision !== 0,
    }
  }

  /** The event with the key's value just before it (etcd reads it at `mod_revision - 1`). */
  #withPrevKv(event: Event): Event {
    const view = this.#server.kv.read()
    try {
      const result = view.range(event.kv.key, undefined, { rev: event.kv.modRevision - 1 })
      const prev = result.kvs[0]
      return prev === undefined ? event : { ...event, prevKv: prev }
    } catch {
      return event // compacted meanwhile: no previous value, as etcd
    } finally {
      view.end()
    }
  }

  /**
   * etcd's sendFragments: a response at least `--max-request-bytes` + 512 KiB large with several events
   * is split into responses with `fragment: true`, the last with `fragment: false`.
   */
  #sendFragments(wr: WatchResponseInit): boolean {
    const events = wr.events ?? []
    if (events.length < 2 || WatchResponse.encodedLength(wr) < this.#maxRequestBytes) return this.#write(wr)
    let ok = true
    let index = 0
    while (index < events.length) {
      const batch: (typeof events)[number][] = []
      while (index < events.length) {
        batch.push(events[index] as (typeof events)[number])
        if (
          batch.length > 1 &&
          WatchResponse.encodedLength({ ...wr, events: batch, fragment: true }) >= this.#maxRequestBytes
        ) {
          batch.pop()
          break
        }
        index++
      }
      ok = this.#write({ ...wr, events: batch, fragment: index < events.length }) && ok
    }
    return ok
  }

  #write(response: WatchResponseInit): boolean {
    if (this.#closed) return true
    return this.#call.write(response)
  }

  #close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#progressTimer)
    clearTimeout(this.#progressRetry)
    this.#stream.close()
  }
}
