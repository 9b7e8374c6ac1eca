import type { KeyValue } from './key-value.js'

/**
 * A watch ID: per stream, an int64 on the wire (etcd's `mvcc.WatchID`). A `bigint`, like every
 * identifier here (STYLE §3); `-1n` marks responses that belong to no single watcher.
 */
export type WatchId = bigint

/**
 * The ID to pass to `WatchStream.watch` to have one assigned (etcd's `AutoWatchID`): the
 * stream's next free ID, counting from 0. The gRPC `watch_id` 0 maps here, so an explicit 0 is
 * never requested.
 */
export const AUTO_WATCH_ID: WatchId = 0n

/**
 * The watch ID of a response addressed to the whole stream (etcd's `clientv3.InvalidWatchID`):
 * the answer to `WatchStream.requestProgressAll`.
 */
export const INVALID_WATCH_ID: WatchId = -1n

/** The kind of an {@link Event}, with `mvccpb.Event.EventType`'s wire values. */
export const EventType = {
  PUT: 0,
  DELETE: 1,
} as const

/** The kind of an {@link Event}: `EventType.PUT` (0) or `EventType.DELETE` (1). */
export type EventType = (typeof EventType)[keyof typeof EventType]

/**
 * One change of one key, as watchers see it (etcd's `mvccpb.Event`).
 *
 * - PUT: `kv` is the key-value written, `kv.modRevision` its revision.
 * - DELETE: `kv` has only `key` and `modRevision` (the deleting revision) set; every other
 *   number is 0, `value` is empty and `lease` is 0n.
 *
 * Events are shared between the watchers that receive them: never mutate one, nor its arrays.
 */
export interface Event {
  readonly type: EventType
  readonly kv: KeyValue
  /** The key-value before this change; the mvcc store never sets it (the server fills it in). */
  readonly prevKv?: KeyValue
}

/**
 * Decides whether a watcher drops an event (etcd's `mvcc.FilterFunc`): `true` filters it out.
 * Must be pure and synchronous; it runs on the write path.
 */
export type WatchFilter = (event: Event) => boolean

/** The `NOPUT` filter (etcd's `filterNoPut`): drops PUT events. */
export const filterNoPut: WatchFilter = (event) => event.type === EventType.PUT

/** The `NODELETE` filter (etcd's `filterNoDelete`): drops DELETE events. */
export const filterNoDelete: WatchFilter = (event) => event.type === EventType.DELETE

/**
 * What a watch stream yields (etcd's `mvcc.WatchResponse`), one of:
 *
 * - **events**: `events` non-empty, in revision then sub-revision order; every event of a
 *   revision is in the same response. On the live path a response holds one revision and
 *   `revision` is that revision; when catching up it may hold up to 1000 revisions and
 *   `revision` is the last revision the watcher has now seen (events up to it are delivered).
 * - **compacted**: `compactRevision > 0`, no events, `revision` 0: the watcher's next revision
 *   was compacted away; the watcher is gone (the server sends `canceled`).
 * - **progress**: no events, `compactRevision` 0: every event up to `revision` was delivered
 *   before this response. `watchId` is {@link INVALID_WATCH_ID} for `requestProgressAll`.
 */
export interface WatchResponse {
  /** The watcher this response is for, or {@link INVALID_WATCH_ID}. */
  readonly watchId: WatchId
  /** The events (never mutate them); empty for progress and compacted responses. */
  readonly events: readonly Event[]
  /** The store revision this response is at (see above); 0 for a compacted response. */
  readonly revision: number
  /** The compacted revision the watcher fell behind, else 0. */
  readonly compactRevision: number
}
