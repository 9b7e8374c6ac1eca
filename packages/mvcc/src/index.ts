/**
 * `@etcd-ts/mvcc`: etcd's multi-version key-value store. Every write transaction makes one new
 * revision; every revision of every key stays readable until compacted; watchers get each
 * change exactly once, in order. It sits on the `@etcd-ts/backend` contract (bucket `key`:
 * revision → `mvccpb.KeyValue`) and an in-memory index of each key's revisions, and consumes
 * only a narrow lessor interface (`LeaseAttacher`).
 *
 * @example
 * ```ts
 * import { MemoryBackend } from '@etcd-ts/backend-memory'
 * import { KVStore } from '@etcd-ts/mvcc'
 *
 * const backend = new MemoryBackend()
 * await backend.open()
 * const store = new KVStore(backend)
 * await store.open()
 * store.put(new TextEncoder().encode('foo'), new TextEncoder().encode('bar')) // revision 2
 * store.range(new TextEncoder().encode('foo'), undefined).kvs[0]?.version // 1
 * ```
 *
 * @packageDocumentation
 */
export { ConsistentIndex } from './consistent-index.js'
export {
  CompactedError,
  EmptyKeyError,
  FutureRevError,
  InvalidKeyValueError,
  InvalidRangeError,
  InvalidRevisionKeyError,
  MvccInvariantError,
  RevisionNotFoundError,
  StoreClosedError,
} from './errors.js'
export type { KeyValue, LeaseId } from './key-value.js'
export { decodeKeyValue, encodeKeyValue } from './key-value.js'
export type {
  KeyValueHash,
  LeaseAttacher,
  RangeEnd,
  RangeOptions,
  RangeResult,
  TxnRead,
  TxnWrite,
} from './kv-types.js'
export type { CompactResult, KVStoreComponents, KVStoreOptions } from './kvstore.js'
export { DEFAULT_COMPACTION_BATCH_LIMIT, DEFAULT_COMPACTION_SLEEP_INTERVAL_MS, KVStore } from './kvstore.js'
export { decodeUint64, encodeUint64, MetaKeys } from './meta.js'
export type { Revision } from './revision.js'
export {
  compareRevisions,
  decodeRevisionKey,
  describeRevision,
  encodeRevisionKey,
  isTombstoneKey,
  MARKED_REVISION_KEY_LENGTH,
  REVISION_KEY_LENGTH,
  ZERO_REVISION,
} from './revision.js'
export {
  DuplicateWatchIdError,
  EmptyWatcherRangeError,
  WatcherNotExistError,
  WatchStreamClosedError,
} from './watch-errors.js'
export { WatchStream } from './watch-stream.js'
export type { Event, WatchFilter, WatchId, WatchResponse } from './watch-types.js'
export { AUTO_WATCH_ID, EventType, filterNoDelete, filterNoPut, INVALID_WATCH_ID } from './watch-types.js'
export type { WatchableStoreComponents, WatchableStoreOptions } from './watchable-store.js'
export {
  DEFAULT_MAX_REVISIONS_PER_RESPONSE,
  DEFAULT_MAX_WATCHERS_PER_SYNC,
  DEFAULT_STREAM_BUFFER_LENGTH,
  DEFAULT_SYNC_INTERVAL_MS,
  DEFAULT_SYNC_READ_LIMIT,
  DEFAULT_VICTIM_RETRY_INTERVAL_MS,
  WatchableStore,
} from './watchable-store.js'
