// The watch conditions a caller may handle, one class each (merged into errors.ts later).
// Callers branch on `code`; the messages are etcd's own texts, which the server sends to clients
// as `cancel_reason` (etcd's `mvcc.ErrWatcher*` / `ErrEmptyWatcherRange`).

/**
 * `WatchStream.watch` was given an explicit watch ID already in use on that stream. Code
 * `MVCC_DUPLICATE_WATCH_ID`; message `mvcc: duplicate watch ID provided on the WatchStream`
 * (etcd's `ErrWatcherDuplicateID`, the wire `cancel_reason`).
 */
export class DuplicateWatchIdError extends Error {
  readonly code = 'MVCC_DUPLICATE_WATCH_ID'
  /** The watch ID asked for. */
  readonly watchId: bigint
  constructor(watchId: bigint, options?: ErrorOptions) {
    super('mvcc: duplicate watch ID provided on the WatchStream', options)
    this.name = 'DuplicateWatchIdError'
    this.watchId = watchId
  }
}

/**
 * `WatchStream.watch` was given a range whose end is not after its key (`key >= end`, `end`
 * non-empty): it would watch nothing. Code `MVCC_EMPTY_WATCHER_RANGE`; message `mvcc: watcher
 * range is empty` (etcd's `ErrEmptyWatcherRange`, the wire `cancel_reason`).
 */
export class EmptyWatcherRangeError extends Error {
  readonly code = 'MVCC_EMPTY_WATCHER_RANGE'
  constructor(options?: ErrorOptions) {
    super('mvcc: watcher range is empty', options)
    this.name = 'EmptyWatcherRangeError'
  }
}

/**
 * `WatchStream.cancel` was given a watch ID the stream does not have (never created, already
 * canceled, or removed after a compaction). Code `MVCC_WATCHER_NOT_EXIST`; message `mvcc:
 * watcher does not exist` (etcd's `ErrWatcherNotExist`; the server answers nothing).
 */
export class WatcherNotExistError extends Error {
  readonly code = 'MVCC_WATCHER_NOT_EXIST'
  /** The watch ID asked for. */
  readonly watchId: bigint
  constructor(watchId: bigint, options?: ErrorOptions) {
    super('mvcc: watcher does not exist', options)
    this.name = 'WatcherNotExistError'
    this.watchId = watchId
  }
}

/**
 * A watch was created on a stream already closed (by `close()`, by its consumer leaving, or by
 * the store closing). Code `MVCC_WATCH_STREAM_CLOSED`. (etcd answers `ErrEmptyWatcherRange`
 * here, a quirk; its server never watches on a closed stream.)
 */
export class WatchStreamClosedError extends Error {
  readonly code = 'MVCC_WATCH_STREAM_CLOSED'
  constructor(options?: ErrorOptions) {
    super('mvcc: watch stream is closed', options)
    this.name = 'WatchStreamClosedError'
  }
}
