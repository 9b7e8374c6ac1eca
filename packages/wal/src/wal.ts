import { dirname, join } from 'node:path'
import {
  EMPTY_HARD_STATE,
  type Entry,
  encodeHardState,
  type HardState,
  type Index,
  isEmptyHardState,
  mustSync,
} from '@etcd-ts/raft'
import { bytesEqual } from './bytes.js'
import { Decoder } from './decoder.js'
import { Encoder } from './encoder.js'
import {
  DecoderNotFoundError,
  InvalidRecordError,
  MetadataConflictError,
  SliceOutOfRangeError,
  SnapshotMismatchError,
  SnapshotNotFoundError,
  UnexpectedEofError,
  WalClosedError,
  WalExistsError,
  WalFailedError,
  WalLockedError,
  WalNotWritableError,
} from './errors.js'
import { FilePipeline } from './file-pipeline.js'
import type { WalFile, WalFileSystem } from './file-system.js'
import { type ResolvedWalOptions, resolveOptions, validateDir, validateIndex, validateSnapshot } from './options.js'
import { entryOf, hardStateOf, snapshotOf } from './record-payload.js'
import { repairWal } from './repair.js'
import { closeSegments, openSegments, type Segment } from './segment.js'
import type { WalOptions, WalReadResult, WalSnapshot } from './types.js'
import { validSnapshotEntries, verifyWal } from './verify.js'
import { parseWalName, readWalNames, selectWalNames, type WalName, walName } from './wal-name.js'
import { encodeWalSnapshot, RecordType } from './walpb.js'

/** An fdatasync slower than this is logged (etcd's `warnSyncDuration`), in ms. */
const WARN_SYNC_MS = 1000

const EMPTY_BYTES = new Uint8Array(0)

/**
 * etcd's write-ahead log, byte-compatible with etcd 3.4 to 3.6: a directory of segment files
 * `%016x-%016x.wal` holding framed, CRC-32C-chained records (see the package README for the
 * format), written by etcd's rules so that either can read what the other wrote.
 *
 * A `Wal` is in one of three modes:
 *
 * - **appending**, after {@link Wal.create}, or after {@link Wal.open} + {@link Wal.readAll}:
 *   {@link Wal.save}, {@link Wal.saveSnapshot} and {@link Wal.releaseLockTo} work; every file
 *   from the one opened at is exclusively locked, as is the spare segment the pipeline keeps
 *   ready (`0.tmp` / `1.tmp`).
 * - **reading for write**, after {@link Wal.open}: only `readAll`, which must read the whole log
 *   cleanly, zeroes whatever follows the last valid record and switches to appending.
 * - **reading**, after {@link Wal.openForRead}: only `readAll`, which accepts a torn tail; no locks.
 *
 * Calls run one at a time in call order (a call waits for the previous ones to finish), so
 * `save()` may be called without awaiting the previous one. {@link Wal.close} releases
 * everything; every call after it rejects with {@link WalClosedError}.
 *
 * Follows etcd's `server/storage/wal/wal.go` (v3.5/3.6). Deliberate differences, none of
 * them in the format:
 *
 * - more fsyncs where a power loss could otherwise lose a directory entry: the directories
 *   `create` makes, and the temporary directory before its rename; the zeroed tail at open;
 * - a failed write leaves the `Wal` refusing writes ({@link WalFailedError});
 * - `readAll` keeps the HardState it read, so a cut writes it at the head of the new segment
 *   even before the next save carries one, and names the next segment after the snapshot
 *   index when no entry follows it;
 * - a missing snapshot record is reported in write mode too (etcd loses that error there);
 * - opened for read, an incomplete frame is accepted only in the last file (before it, it is
 *   damage), and file sequence numbers are checked between every pair of files;
 * - a cut keeps the new segment's descriptor (and lock) through its rename, where etcd closes
 *   and reopens it.
 */
export class Wal {
  readonly #options: ResolvedWalOptions
  readonly #dir: string
  readonly #mode: 'read' | 'write'
  // Write mode: the locked segments, oldest first; the last is the tail. Read mode: the
  // segments being read, until readAll closes them.
  #segments: Segment[]
  #pipeline: FilePipeline | undefined
  #start: WalSnapshot
  #decoder: Decoder | undefined
  // Set exactly when appending.
  #encoder: Encoder | undefined
  // The last HardState written or read; the head of each new segment repeats it.
  #state: HardState = EMPTY_HARD_STATE
  // The index of the last entry written or read (etcd's `enti`); names the next segment.
  #lastIndex: Index = 0
  #metadata: Uint8Array | undefined
  // Whether bytes were written to the tail since its last fdatasync.
  #unsynced = false
  #failure: unknown
  #closed = false
  // Calls run one after another: each waits for this, then replaces it.
  #queue: Promise<unknown> = Promise.resolve()

  private constructor(
    options: ResolvedWalOptions,
    dir: string,
    mode: 'read' | 'write',
    segments: Segment[],
    start: WalSnapshot,
  ) {
    this.#options = options
    this.#dir = dir
    this.#mode = mode
    this.#segments = segments
    this.#start = start
  }

  /**
   * Creates a WAL in `dir` (etcd's `wal.Create`) and returns it appending: builds it in
   * `<dir>.tmp` (removed first if present) — the first segment, preallocated, holding a CRC
   * record, the metadata and the empty snapshot record, fdatasynced — then replaces `dir`
   * (whatever it held is removed, as etcd does) by renaming, and fsyncs the parent directory.
   *
   * @param metadata Stored at the head of every segment; returned by `readAll`. Copied.
   * @throws WalExistsError if `dir` already holds `*.wal` files.
   * @throws TypeError / RangeError for bad arguments or options.
   */
  static async create(dir: string, metadata: Uint8Array, options?: WalOptions): Promise<Wal> {
    validateDir(dir)
    if (!(metadata instanceof Uint8Array)) throw new TypeError('wal: metadata must be a Uint8Array')
    const resolved = resolveOptions(options)
    const { fs, preallocateBytes, unsafeNoFsync } = resolved
    const target = trimSeparators(dir)
    if (await Wal.exists(target, options)) throw new WalExistsError(target)

    const tmp = `${target}.tmp`
    await fs.removeAll(tmp)
    await mkdirDurably(fs, tmp)
    const name = parseWalName(walName(0, 0)) as WalName
    let file: WalFile | undefined
    try {
      file = await fs.open(join(tmp, name.name), 'create')
      if (!(await file.tryLock())) throw new WalLockedError(join(tmp, name.name))
      await file.allocate(preallocateBytes)
      const copy = new Uint8Array(metadata) // a copy even for a Buffer (Buffer#slice is a view)
      const encoder = new Encoder(file, 0, 0)
      encoder.encodeCrc(0)
      encoder.encode(RecordType.Metadata, copy.length === 0 ? undefined : copy)
      encoder.encode(RecordType.Snapshot, encodeWalSnapshot({ index: 0, term: 0 }))
      await encoder.flush()
      if (!unsafeNoFsync) await file.datasync()
      // Ours, not etcd's: make the file's entry in the temporary directory durable before the
      // directory is renamed into place.
      await fs.syncDir(tmp)
      await fs.removeAll(target)
      await fs.rename(tmp, target)
      const segment: Segment = { name, path: join(target, name.name), file }
      const wal = new Wal(resolved, target, 'write', [segment], { index: 0, term: 0 })
      wal.#encoder = encoder
      wal.#metadata = copy
      wal.#pipeline = new FilePipeline(fs, target, preallocateBytes, !unsafeNoFsync)
      try {
        await fs.syncDir(dirname(target))
      } catch (error) {
        await wal.close().catch(() => {})
        await fs.rename(target, `${target}.broken.${Date.now()}`).catch(() => {})
        throw error
      }
      wal.#pipeline.start()
      return wal
    } catch (error) {
      await file?.close().catch(() => {})
      await fs.removeAll(tmp).catch(() => {})
      throw error
    }
  }

  /**
   * Opens the WAL in `dir` for writing at `snapshot` (etcd's `wal.Open`): selects the last file
   * starting at or before `snapshot.index` and every later one, locks each (without waiting),
   * and starts preparing the spare segment. Call {@link Wal.readAll} next; it must succeed
   * before anything can be written.
   *
   * @throws WalNotFoundError if `dir` holds no WAL file or none starts at or before the index.
   * @throws SequenceGapError if the selected files' sequence numbers have a gap.
   * @throws WalLockedError if another open WAL (this process or another) holds one of them.
   */
  static async open(dir: string, snapshot: WalSnapshot, options?: WalOptions): Promise<Wal> {
    return Wal.#open(dir, snapshot, options, 'write')
  }

  /**
   * Opens the WAL in `dir` for reading at `snapshot` (etcd's `wal.OpenForRead`): no locks, so
   * it works beside a writer. Only {@link Wal.readAll} and {@link Wal.close} apply.
   *
   * @throws as {@link Wal.open}, but never WalLockedError.
   */
  static async openForRead(dir: string, snapshot: WalSnapshot, options?: WalOptions): Promise<Wal> {
    return Wal.#open(dir, snapshot, options, 'read')
  }

  static async #open(
    dir: string,
    snapshot: WalSnapshot,
    options: WalOptions | undefined,
    mode: 'read' | 'write',
  ): Promise<Wal> {
    validateDir(dir)
    validateSnapshot(snapshot)
    const resolved = resolveOptions(options)
    const { fs, logger, preallocateBytes, unsafeNoFsync } = resolved
    const selected = selectWalNames(dir, await readWalNames(fs, dir, logger), snapshot.index)
    const segments = await openSegments(fs, dir, selected, mode === 'write')
    const start: WalSnapshot = { index: snapshot.index, term: snapshot.term }
    const wal = new Wal(resolved, dir, mode, segments, start)
    wal.#decoder = new Decoder(segments.map(({ path, file }) => ({ path, file })))
    if (mode === 'write') {
      wal.#pipeline = new FilePipeline(fs, dir, preallocateBytes, !unsafeNoFsync)
      wal.#pipeline.start()
    }
    return wal
  }

  /**
   * Whether `dir` holds a WAL: at least one `*.wal` file (etcd's `wal.Exist`). A missing
   * directory holds none. Only `options.fs` is used.
   */
  static async exists(dir: string, options?: WalOptions): Promise<boolean> {
    validateDir(dir)
    const { fs } = resolveOptions(options)
    try {
      return (await fs.readdir(dir)).some((name) => name.endsWith('.wal'))
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === 'ENOENT') return false
      throw error
    }
  }

  /**
   * Checks the WAL in `dir` from `snapshot` on without taking locks (etcd's `wal.Verify`):
   * CRCs, metadata equality and the snapshot record. A torn tail is accepted.
   *
   * @returns The last HardState.
   * @throws SnapshotNotFoundError, SnapshotMismatchError, MetadataConflictError,
   *   CrcMismatchError, InvalidRecordError, WalNotFoundError, SequenceGapError.
   */
  static async verify(dir: string, snapshot: WalSnapshot, options?: WalOptions): Promise<HardState> {
    validateDir(dir)
    validateSnapshot(snapshot)
    return verifyWal(resolveOptions(options), dir, snapshot)
  }

  /**
   * Repairs a torn tail (etcd's `wal.Repair`): decodes the last segment; if it ends in an
   * incomplete record, copies the file to `<name>.broken`, truncates it after its last valid
   * record and fdatasyncs it. Run it after `readAll` failed with {@link UnexpectedEofError} and
   * the `Wal` was closed (it takes the last file's lock), then open again.
   *
   * @returns `true` if the last segment is now clean (repaired, or nothing to repair);
   *   `false` if the damage is not a torn tail (a CRC mismatch, an invalid record), which
   *   repair does not touch.
   * @throws WalNotFoundError if `dir` holds no WAL file; WalLockedError if it is open for write.
   */
  static async repair(dir: string, options?: WalOptions): Promise<boolean> {
    validateDir(dir)
    return repairWal(resolveOptions(options), dir)
  }

  /**
   * The snapshot records of the WAL in `dir` that are safe to load (etcd's
   * `wal.ValidSnapshotEntries`): every one with an index at or below the last HardState's
   * commit, in log order. Reads every file without locks; a torn tail is accepted.
   *
   * @throws CrcMismatchError, InvalidRecordError, WalNotFoundError.
   */
  static async validSnapshotEntries(dir: string, options?: WalOptions): Promise<WalSnapshot[]> {
    validateDir(dir)
    return validSnapshotEntries(resolveOptions(options), dir)
  }

  /**
   * Reads the log from the snapshot opened at (etcd's `ReadAll`; see {@link WalReadResult}).
   * Runs once. Opened for write, it then zeroes everything after the last valid record (torn
   * writes may have left garbage there) and switches to appending, continuing the CRC chain;
   * opened for read, it closes the files.
   *
   * @throws SnapshotNotFoundError if no snapshot record matches the index opened at. It carries
   *   the result; a `Wal` opened for write is appending nonetheless.
   * @throws UnexpectedEofError (write mode only) for a torn tail: close, `Wal.repair`, reopen.
   * @throws SnapshotMismatchError, MetadataConflictError, CrcMismatchError,
   *   InvalidRecordError, SliceOutOfRangeError: the log is damaged or not this member's. After
   *   any error of a `Wal` opened for write, only `close` applies.
   * @throws DecoderNotFoundError if called again, or on a `Wal` from `create`.
   */
  readAll(): Promise<WalReadResult> {
    return this.#run(() => this.#readAll())
  }

  async #readAll(): Promise<WalReadResult> {
    this.#assertOpen()
    const decoder = this.#decoder
    if (decoder === undefined) throw new DecoderNotFoundError()
    this.#decoder = undefined
    const start = this.#start
    const entries: Entry[] = []
    let metadata: Uint8Array | undefined
    let state = EMPTY_HARD_STATE
    let lastIndex = 0
    let match = false
    try {
      try {
        for (let record = await decoder.next(); record !== undefined; record = await decoder.next()) {
          switch (record.type) {
            case RecordType.Entry: {
              const entry = entryOf(record)
              if (entry.index > start.index) {
                // entries[i] has index start.index + 1 + i; a later entry at an index already
                // read replaces it and everything after it (raft log overwrite, Figure 7).
                const offset = entry.index - start.index - 1
                if (offset > entries.length) {
                  throw new SliceOutOfRangeError(start.index, entry.index, entry.term, entries.length)
                }
                entries.length = offset
                entries.push(entry)
              }
              lastIndex = entry.index
              break
            }
            case RecordType.State:
              state = hardStateOf(record)
              break
            case RecordType.Metadata:
              // etcd compares with the previous copy only when that one had a data field.
              if (metadata !== undefined && !bytesEqual(metadata, record.data ?? EMPTY_BYTES)) {
                throw new MetadataConflictError()
              }
              metadata = record.data
              break
            case RecordType.Crc:
              decoder.acceptCrcRecord(record)
              break
            case RecordType.Snapshot: {
              const snapshot = snapshotOf(record)
              if (snapshot.index === start.index) {
                if (snapshot.term !== start.term)
                  throw new SnapshotMismatchError(start.index, start.term, snapshot.term)
                match = true
              }
              break
            }
            default:
              throw new InvalidRecordError(record.path, record.offset, `unexpected block type ${record.type}`)
          }
        }
      } catch (error) {
        // Read mode accepts a log ending in a partial record, as etcd does, but only in the
        // last file: an incomplete frame before it is damage, not a tail in progress.
        const last = this.#segments.at(-1)
        if (!(this.#mode === 'read' && error instanceof UnexpectedEofError && error.file === last?.path)) throw error
      }
      if (this.#mode === 'write') await this.#zeroTail(decoder.lastOffset)
    } catch (error) {
      if (this.#mode === 'read') await this.#closeReadSegments()
      throw error
    }

    const result: WalReadResult = { metadata: metadata ?? EMPTY_BYTES, hardState: state, entries }
    if (this.#mode === 'write') {
      const tail = this.#tail()
      this.#encoder = new Encoder(tail.file, decoder.lastOffset, decoder.lastCrc)
      this.#metadata = metadata ?? EMPTY_BYTES
      this.#state = state
      this.#lastIndex = Math.max(lastIndex, start.index)
    } else {
      await this.#closeReadSegments()
    }
    if (!match) throw new SnapshotNotFoundError(start.index, result)
    return result
  }

  /**
   * Zeroes the tail file after `offset`, the end of its last valid record: a zero length word
   * ends decoding, but a torn write may have left non-zero frames after it that a later,
   * shorter append would leave half-overwritten (etcd's `ZeroToEnd`). The zeros are made
   * durable at once (etcd leaves that to the next save).
   */
  async #zeroTail(offset: number): Promise<void> {
    const { file } = this.#tail()
    const size = await file.size()
    await file.truncate(offset)
    await file.allocate(size)
    if (!this.#options.unsafeNoFsync) await file.datasync()
  }

  /**
   * Appends `entries`, then `hardState` unless it is empty, with one write and (etcd's
   * `MustSync`: when there are entries, or the term or vote changed) one fdatasync, then cuts
   * a new segment if the tail reached `segmentSizeBytes` (a cut also syncs). A call with an
   * empty HardState and no entries does nothing. Resolves once the data is written (and
   * synced when required). Entries are encoded at once and not kept.
   *
   * @throws RangeError for an entry or HardState field out of range (nothing is written).
   * @throws WalNotWritableError, WalClosedError, WalFailedError; file-system errors, after
   *   which the `Wal` refuses writes.
   */
  async save(hardState: HardState, entries: readonly Entry[]): Promise<void> {
    if (typeof hardState !== 'object' || hardState === null) throw new TypeError('wal: hardState must be a HardState')
    if (!Array.isArray(entries)) throw new TypeError('wal: entries must be an array of Entry')
    return this.#run(async () => {
      const encoder = this.#writable()
      const hasState = !isEmptyHardState(hardState)
      if (!hasState && entries.length === 0) return
      const sync = mustSync(hardState, this.#state, entries.length)
      const mark = encoder.mark()
      try {
        for (const entry of entries) encoder.encodeEntry(entry)
        if (hasState) encoder.encode(RecordType.State, encodeHardState(hardState))
      } catch (error) {
        encoder.rollback(mark)
        throw error
      }
      await this.#guard(async () => {
        const last = entries.at(-1)
        if (last !== undefined) this.#lastIndex = last.index
        if (hasState) this.#state = hardState
        await this.#flush(encoder)
        if (encoder.offset < this.#options.segmentSizeBytes) {
          if (sync) await this.#sync()
          return
        }
        await this.#cut(encoder)
      })
    })
  }

  /**
   * Appends a snapshot record (etcd's `SaveSnapshot`) and fdatasyncs, always. Write the
   * snapshot file first: a snapshot record must never exist without its `.snap`.
   *
   * @throws RangeError / TypeError for a bad snapshot; as {@link Wal.save} otherwise.
   */
  async saveSnapshot(snapshot: WalSnapshot): Promise<void> {
    validateSnapshot(snapshot)
    const data = encodeWalSnapshot(snapshot)
    return this.#run(async () => {
      const encoder = this.#writable()
      encoder.encode(RecordType.Snapshot, data)
      await this.#guard(async () => {
        if (this.#lastIndex < snapshot.index) this.#lastIndex = snapshot.index
        await this.#flush(encoder)
        await this.#sync()
      })
    })
  }

  /**
   * fdatasyncs the tail (etcd's `Sync`), unless `unsafeNoFsync`: makes every save so far
   * durable, commit-only ones included. etcd's server calls it after saving a Ready that
   * carried a snapshot, before releasing older segments (etcd #10219).
   *
   * @throws WalNotWritableError, WalClosedError, WalFailedError; file-system errors.
   */
  async sync(): Promise<void> {
    return this.#run(async () => {
      this.#writable()
      await this.#guard(() => this.#sync())
    })
  }

  /**
   * Releases the locks (and closes) the segments that only hold entries before `index`, which
   * a purge may then delete (etcd's `ReleaseLockTo`): finds the first held segment starting at
   * or after `index` and releases every one before its predecessor, which may hold entries
   * below `index` and stays. If none starts at or after `index`, all but the tail are
   * released. Example: holding segments starting at 1..6, `releaseLockTo(4)` releases 1 and 2
   * and keeps 3; `releaseLockTo(5)` releases 1, 2 and 3. Does nothing opened for read.
   *
   * @throws WalNotWritableError before `readAll` on a `Wal` opened for write.
   */
  async releaseLockTo(index: Index): Promise<void> {
    validateIndex(index, 'index')
    return this.#run(async () => {
      this.#assertOpen()
      if (this.#mode === 'read') return
      if (this.#encoder === undefined) throw new WalNotWritableError('readAll has not completed')
      let smaller = this.#segments.findIndex((segment) => segment.name.index >= index) - 1
      if (smaller === -2) smaller = this.#segments.length - 1
      if (smaller <= 0) return
      const released = this.#segments.slice(0, smaller)
      this.#segments = this.#segments.slice(smaller)
      const error = await closeSegments(released)
      if (error !== undefined) this.#options.logger.warn(`wal: failed to close a released segment: ${String(error)}`)
    })
  }

  /**
   * Closes the WAL (etcd's `Close`): stops the pipeline and removes its spare file,
   * fdatasyncs the tail if anything written is not yet synced, and releases every lock.
   * Waits for calls in progress. Calling it twice is safe.
   */
  close(): Promise<void> {
    return this.#run(async () => {
      if (this.#closed) return
      this.#closed = true
      let first: unknown
      try {
        await this.#pipeline?.close()
      } catch (error) {
        first = error
      }
      this.#pipeline = undefined
      if (this.#encoder !== undefined && this.#unsynced && this.#failure === undefined) {
        try {
          await this.#sync()
        } catch (error) {
          first ??= error
        }
      }
      this.#encoder = undefined
      this.#decoder = undefined
      const error = await closeSegments(this.#segments)
      this.#segments = []
      first ??= error
      if (first !== undefined) throw first
    })
  }

  /**
   * Starts a new segment (etcd's `cut`): truncates the tail to what it holds (dropping its
   * preallocation) and syncs it; takes the pipeline's spare file and writes there a CRC record
   * (the running CRC), the metadata and the last HardState; syncs it, renames it
   * `walName(seq + 1, lastIndex + 1)` and fsyncs the directory. The file keeps its descriptor
   * and lock through the rename.
   */
  async #cut(encoder: Encoder): Promise<void> {
    const tail = this.#tail()
    await tail.file.truncate(encoder.offset)
    await this.#sync()
    const name = parseWalName(walName(tail.name.seq + 1, this.#lastIndex + 1)) as WalName
    const next = await (this.#pipeline as FilePipeline).take()
    const segment: Segment = { name, path: next.path, file: next.file }
    this.#segments.push(segment)
    encoder.retarget(next.file, 0)
    encoder.encodeCrc(encoder.crc)
    const metadata = this.#metadata ?? EMPTY_BYTES
    encoder.encode(RecordType.Metadata, metadata.length === 0 ? undefined : metadata)
    if (!isEmptyHardState(this.#state)) encoder.encode(RecordType.State, encodeHardState(this.#state))
    await this.#flush(encoder)
    await this.#sync()
    const path = join(this.#dir, name.name)
    await this.#options.fs.rename(next.path, path)
    segment.path = path
    await this.#options.fs.syncDir(this.#dir)
    this.#options.logger.info(`wal: created a new segment ${path}`)
  }

  async #flush(encoder: Encoder): Promise<void> {
    if (encoder.pendingBytes === 0) return
    await encoder.flush()
    this.#unsynced = true
  }

  /** fdatasyncs the tail (unless `unsafeNoFsync`), logging one slower than a second. */
  async #sync(): Promise<void> {
    if (this.#options.unsafeNoFsync) return
    const started = performance.now()
    await this.#tail().file.datasync()
    this.#unsynced = false
    const tookMs = performance.now() - started
    if (tookMs > WARN_SYNC_MS) {
      this.#options.logger.warn(
        `wal: slow fdatasync: took ${Math.round(tookMs)} ms, expected less than ${WARN_SYNC_MS} ms`,
      )
    }
  }

  /** Runs a write; a failure leaves the tail in an unknown state, so later writes are refused. */
  async #guard(write: () => Promise<void>): Promise<void> {
    try {
      await write()
    } catch (error) {
      this.#failure = error
      throw error
    }
  }

  #writable(): Encoder {
    this.#assertOpen()
    if (this.#failure !== undefined) throw new WalFailedError(this.#failure)
    if (this.#encoder === undefined) {
      throw new WalNotWritableError(this.#mode === 'read' ? 'opened for read' : 'readAll has not completed')
    }
    return this.#encoder
  }

  #assertOpen(): void {
    if (this.#closed) throw new WalClosedError()
  }

  #tail(): Segment {
    return this.#segments.at(-1) as Segment
  }

  async #closeReadSegments(): Promise<void> {
    const segments = this.#segments
    this.#segments = []
    await closeSegments(segments)
  }

  #run<T>(call: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(call)
    this.#queue = result.catch(() => {})
    return result
  }
}

/**
 * Creates `dir` and its missing ancestors, fsyncing the parent of each one created so that the
 * new directories survive a power loss (etcd's `CreateDirAll` leaves that to the file system).
 */
async function mkdirDurably(fs: WalFileSystem, dir: string): Promise<void> {
  const missing: string[] = []
  for (let at = dir; !(await fs.exists(at)); at = dirname(at)) {
    missing.push(at)
    if (dirname(at) === at) break
  }
  await fs.mkdir(dir)
  for (const created of missing.reverse()) await fs.syncDir(dirname(created))
}

/** `dir` without trailing separators, so that `<dir>.tmp` is a sibling (etcd: `filepath.Clean`). */
function trimSeparators(dir: string): string {
  const trimmed = dir.replace(/[/\\]+$/, '')
  return trimmed === '' ? dir : trimmed
}
