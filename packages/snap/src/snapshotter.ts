import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { type Index, isEmptySnapshot, type Snapshot, type Term } from '@etcd-ts/raft'
import { type ByteSource, openByteSource, raceAbort } from './byte-source.js'
import { NoDbSnapshotError, NoSnapshotError } from './errors.js'
import {
  BROKEN_SUFFIX,
  checkIndexOrTerm,
  DB_SUFFIX,
  DEFRAG_TEMP_PREFIX,
  dbFileName,
  parseDbFileName,
  parseSnapshotFileName,
  SNAP_SUFFIX,
  snapshotFileName,
  TEMP_PREFIX,
} from './file-names.js'
import {
  checkFileSystem,
  errorCode,
  NODE_FILE_SYSTEM,
  type SnapFileSystem,
  type SnapWritableFile,
} from './file-system.js'
import { checkLogger, type Logger, NOOP_LOGGER } from './logger.js'
import { encodeSnapshotFile, readSnapshotFile } from './snapshot-file.js'

/** How many `.snap` files {@link Snapshotter.purge} keeps by default: etcd's `--max-snapshots`. */
export const DEFAULT_MAX_SNAP_FILES = 5

/** Settings and collaborators of a {@link Snapshotter}. */
export interface SnapshotterOptions {
  /** Where quarantined, deleted and skipped files are reported. Default: discard. */
  readonly logger?: Logger
  /** The file operations to use. Default: {@link NODE_FILE_SYSTEM}, the real file system. */
  readonly fs?: SnapFileSystem
}

/**
 * A snapshot entry of the WAL (`walpb.Snapshot`): the (index, term) of a snapshot whose `.snap`
 * file was saved before the WAL recorded it. The WAL's `ValidSnapshotEntries` returns these.
 */
export interface WalSnapshot {
  readonly index: Index
  readonly term: Term
}

/** Options of {@link Snapshotter.saveDbFrom}. */
export interface SaveDbOptions {
  /** Stops the download: the temp file is removed and the call rejects with `signal.reason`. */
  readonly signal?: AbortSignal
}

/** Where {@link Snapshotter.saveDbFrom} put a backend snapshot. */
export interface SavedDbSnapshot {
  /** The `%016x.snap.db` path. */
  readonly path: string
  /** The bytes read from the source, in bytes. */
  readonly size: number
}

/** The `.snap.db` mode etcd's temp file gets (`ioutil.TempFile`). */
const DB_FILE_MODE = 0o600
/** The `.snap` mode etcd writes (`WriteAndSyncFile(path, data, 0666)`); the umask applies. */
const SNAP_FILE_MODE = 0o666

/**
 * Temp files being written in this process (resolved paths). `load()` deletes stale `tmp*`
 * files, but never one of these, even when another Snapshotter on the same directory writes it.
 */
const IN_FLIGHT = new Set<string>()

/**
 * etcd's snapshotter (`server/etcdserver/api/snap`): raft snapshots as CRC-checked
 * `%016x-%016x.snap` files (term, index) in one directory, and backend snapshots received from
 * a leader as `%016x.snap.db` files. Reads and writes files etcd 3.4–3.6 reads and writes.
 *
 * The directory must exist; the snapshotter never creates it. Methods may run concurrently,
 * except that `load()` and `purge()` racing with `save()` of an older snapshot may see it or not.
 */
export class Snapshotter {
  /** The snapshot directory (`<data-dir>/member/snap` in etcd). */
  readonly dir: string
  readonly #fs: SnapFileSystem
  readonly #logger: Logger

  /**
   * @param dir The snapshot directory; it must exist.
   * @throws TypeError if `dir` is not a non-empty string, or `options.logger` / `options.fs`
   *   does not implement its interface (the message names the field).
   */
  constructor(dir: string, options: SnapshotterOptions = {}) {
    if (typeof dir !== 'string' || dir === '') throw new TypeError('snap: dir must be a non-empty string')
    if (typeof options !== 'object' || options === null) throw new TypeError('snap: options must be an object')
    const fs = options.fs ?? NODE_FILE_SYSTEM
    checkFileSystem(fs, 'options.fs')
    const logger = options.logger ?? NOOP_LOGGER
    checkLogger(logger, 'options.logger')
    this.dir = dir
    this.#fs = fs
    this.#logger = logger
  }

  /**
   * Writes `snapshot` as `<dir>/%016x-%016x.snap` (term, index) and makes it durable: once this
   * resolves, the server may record the snapshot in the WAL (etcd's `SaveSnap` writes the file
   * first: a WAL snapshot record must never exist without its `.snap` file; the reverse orphan
   * is harmless). An empty snapshot (index 0) is skipped, as in etcd.
   * An existing file of the same name is replaced atomically. Safe to call twice.
   *
   * Crash safety: etcd writes the final name in place (`O_CREAT|O_TRUNC`, write, fsync) and
   * deletes it on failure. We write a `tmp*` file, fsync it, rename it over the final name and
   * fsync the directory, because:
   * - a crash mid-write leaves only a `tmp*` file, which `load()` never reads and deletes;
   *   in-place writing leaves a torn `.snap` that `load()` must detect (the CRC does) and
   *   quarantine as `.broken`, which is noise an operator has to understand;
   * - re-saving an existing (term, index), e.g. the same snapshot received twice, can never
   *   destroy the good copy the WAL already points at;
   * - the directory fsync makes the new name itself durable before the WAL refers to it, which
   *   etcd's in-place write does not guarantee (it fsyncs the file, not the directory).
   * The cost is one rename and one directory fsync per snapshot, which are rare. The final file
   * is byte-for-byte what etcd writes.
   *
   * @throws RangeError if the snapshot's index or term is not an integer in [0, 2^53 - 1] or an
   *   ID in its configuration is not in [0, 2^64 - 1].
   * @throws the file system's error if writing fails; no temp file is left behind then (except
   *   after a crash, which `load()` cleans up).
   */
  async save(snapshot: Snapshot): Promise<void> {
    if (typeof snapshot !== 'object' || snapshot === null || typeof snapshot.metadata !== 'object') {
      throw new TypeError('snap: snapshot must be a raft Snapshot')
    }
    if (isEmptySnapshot(snapshot)) return
    const name = snapshotFileName(snapshot.metadata.term, snapshot.metadata.index)
    const bytes = encodeSnapshotFile(snapshot)
    const temp = await this.#createTemp(SNAP_FILE_MODE)
    try {
      await fillSyncClose(temp.file, () => temp.file.write(bytes))
      await this.#fs.rename(temp.path, this.#path(name))
      await this.#fs.syncDir(this.dir)
    } catch (error) {
      await this.#discardTemp(temp.path)
      throw error
    } finally {
      IN_FLIGHT.delete(resolve(temp.path))
    }
  }

  /**
   * Loads the newest valid snapshot: `.snap` files in descending name order, that is by
   * (term, index), the first that reads and verifies wins (etcd's `Load`).
   *
   * A file whose contents are bad (`SNAP_EMPTY`, `SNAP_CRC_MISMATCH`, `SNAP_INVALID`, or `EIO`
   * reading it) is renamed to `<name>.broken` and the next one is tried. Other file system
   * errors (`EACCES`, `EMFILE`, …) are thrown: the file may be fine, and quarantining it would
   * lose a good snapshot (etcd renames on any read error). Before listing, orphaned `db.tmp*`
   * defragmentation files (as etcd 3.5 does) and stale `tmp*` files from interrupted writes are
   * deleted.
   *
   * @returns The snapshot; its `data` is a view into a buffer the caller now owns.
   * @throws NoSnapshotError (`SNAP_NO_SNAPSHOT`) if no file is usable.
   * @throws the file system's error if the directory cannot be listed (e.g. `ENOENT`).
   */
  async load(): Promise<Snapshot> {
    return this.#loadMatching(() => true)
  }

  /**
   * Like {@link load}, but only accepts a snapshot whose (term, index) is one of `walSnapshots`,
   * the WAL's valid snapshot entries (etcd's `LoadNewestAvailable`). A newer `.snap` file the
   * WAL never recorded (the server crashed between writing it and the WAL record) is skipped,
   * not quarantined; broken files are quarantined as in `load()`.
   *
   * @param walSnapshots Not kept.
   * @throws NoSnapshotError (`SNAP_NO_SNAPSHOT`) if no usable file matches.
   * @throws TypeError if `walSnapshots` is not an array of `{ index, term }`.
   */
  async loadNewestAvailable(walSnapshots: readonly WalSnapshot[]): Promise<Snapshot> {
    if (!Array.isArray(walSnapshots)) throw new TypeError('snap: walSnapshots must be an array')
    const wanted = new Set<string>()
    walSnapshots.forEach((entry: unknown, i) => {
      const { index, term } = (entry ?? {}) as Partial<WalSnapshot>
      if (typeof index !== 'number' || typeof term !== 'number') {
        throw new TypeError(`snap: walSnapshots[${i}] must be { index: number, term: number }`)
      }
      wanted.add(`${term}/${index}`)
    })
    return this.#loadMatching((snapshot) => wanted.has(`${snapshot.metadata.term}/${snapshot.metadata.index}`))
  }

  /**
   * Deletes the oldest `.snap` files so that the newest `maxSnapFiles` remain (etcd's purge of
   * the snap directory, run every 30 s by the server). Never touches `.snap.db`, `.broken`,
   * `tmp*` or any other file. A file that vanished meanwhile is not an error.
   *
   * @param maxSnapFiles How many to keep; default {@link DEFAULT_MAX_SNAP_FILES} (5). etcd's
   *   `--max-snapshots 0` means "never purge": the caller then simply does not call this.
   * @returns The deleted names, oldest first.
   * @throws RangeError if `maxSnapFiles` is not an integer ≥ 1.
   * @throws the file system's error if listing or a deletion fails (earlier deletions stand).
   */
  async purge(maxSnapFiles: number = DEFAULT_MAX_SNAP_FILES): Promise<string[]> {
    if (!Number.isSafeInteger(maxSnapFiles) || maxSnapFiles < 1) {
      throw new RangeError(`snap: maxSnapFiles must be an integer >= 1, got ${String(maxSnapFiles)}`)
    }
    const names = (await this.#fs.readdir(this.dir)).filter((name) => name.endsWith(SNAP_SUFFIX)).sort()
    const removed: string[] = []
    for (const name of names.slice(0, Math.max(0, names.length - maxSnapFiles))) {
      try {
        await this.#fs.unlink(this.#path(name))
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue
        throw error
      }
      this.#logger.info(`snap: purged file ${this.#path(name)}`)
      removed.push(name)
    }
    return removed
  }

  /**
   * Receives a backend snapshot: streams `source` into a `tmp*` file in the directory, fsyncs
   * it, renames it to `%016x.snap.db` (`index`) and fsyncs the directory, so the file appears
   * whole or not at all (etcd's `SaveDBFrom`). If that name exists already, it is kept and the
   * new copy discarded. Chunks are written as they arrive and not kept.
   *
   * On abort or any failure the temp file is removed, the source is cancelled (stream
   * `cancel()`, iterator `return()`), and the call rejects: with `signal.reason` on abort.
   *
   * @param index The raft index of the snapshot this backend belongs to.
   * @returns The final path and the number of bytes read from `source`.
   * @throws RangeError if `index` is not an integer in [0, 2^53 - 1].
   * @throws TypeError if `source` is neither an async iterable nor a `ReadableStream`, or yields
   *   something other than a `Uint8Array`.
   */
  async saveDbFrom(source: ByteSource, index: Index, options: SaveDbOptions = {}): Promise<SavedDbSnapshot> {
    checkIndexOrTerm(index, 'index')
    const signal = options.signal
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError('snap: options.signal must be an AbortSignal')
    }
    const reader = openByteSource(source, 'source')
    const finalPath = this.#path(dbFileName(index))
    let temp: { path: string; file: SnapWritableFile } | undefined
    let size = 0
    try {
      signal?.throwIfAborted()
      temp = await this.#createTemp(DB_FILE_MODE)
      const file = temp.file
      await fillSyncClose(file, async () => {
        for (;;) {
          const result = await raceAbort(reader.next(), signal)
          if (result.done === true) return
          const chunk = result.value
          if (!(chunk instanceof Uint8Array)) {
            throw new TypeError(`snap: source yielded ${typeof chunk}, expected a Uint8Array`)
          }
          await file.write(chunk)
          size += chunk.length
          signal?.throwIfAborted()
        }
      })
      signal?.throwIfAborted()
      if (await this.#fs.exists(finalPath)) {
        this.#logger.info(`snap: ${finalPath} exists; discarding the received copy`)
        await this.#discardTemp(temp.path)
        return { path: finalPath, size }
      }
      await this.#fs.rename(temp.path, finalPath)
      await this.#fs.syncDir(this.dir)
      return { path: finalPath, size }
    } catch (error) {
      reader.cancel(error)
      if (temp !== undefined) await this.#discardTemp(temp.path)
      throw error
    } finally {
      if (temp !== undefined) IN_FLIGHT.delete(resolve(temp.path))
    }
  }

  /**
   * The path of the backend snapshot for `index`, `<dir>/%016x.snap.db` (etcd's `DBFilePath`).
   *
   * @throws NoDbSnapshotError (`SNAP_NO_DB_SNAPSHOT`) if it does not exist.
   * @throws RangeError if `index` is not an integer in [0, 2^53 - 1].
   */
  async dbFilePath(index: Index): Promise<string> {
    checkIndexOrTerm(index, 'index')
    const path = this.#path(dbFileName(index))
    if (await this.#fs.exists(path)) return path
    this.#logger.warn(`snap: failed to find [SNAPSHOT-INDEX].snap.db: ${path}`)
    throw new NoDbSnapshotError(path, index)
  }

  /**
   * Deletes the backend snapshots (`%016x.snap.db`) for indexes below `index`: once a snapshot
   * at `index` is persisted, older ones are never needed (etcd's `ReleaseSnapDBs`, called from
   * the server's `Release`). As in etcd, a file that cannot be deleted or whose name does not
   * parse is logged and skipped, not thrown.
   *
   * @returns The deleted names, in ascending order.
   * @throws RangeError if `index` is not an integer in [0, 2^53 - 1].
   * @throws the file system's error if the directory cannot be listed.
   */
  async releaseDbSnapshotsBefore(index: Index): Promise<string[]> {
    checkIndexOrTerm(index, 'index')
    const removed: string[] = []
    for (const name of (await this.#fs.readdir(this.dir)).sort()) {
      if (!name.endsWith(DB_SUFFIX)) continue
      const fileIndex = parseDbFileName(name)
      if (fileIndex === undefined) {
        this.#logger.error(`snap: failed to parse index from filename ${this.#path(name)}`)
        continue
      }
      if (fileIndex >= index) continue
      try {
        await this.#fs.unlink(this.#path(name))
        this.#logger.info(`snap: found orphaned .snap.db file; deleted ${this.#path(name)}`)
        removed.push(name)
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') {
          this.#logger.error(`snap: failed to remove orphaned .snap.db file ${this.#path(name)}: ${String(error)}`)
        }
      }
    }
    return removed
  }

  async #loadMatching(match: (snapshot: Snapshot) => boolean): Promise<Snapshot> {
    for (const name of await this.#snapNames()) {
      const path = this.#path(name)
      let snapshot: Snapshot
      try {
        snapshot = await readSnapshotFile(path, this.#fs)
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue // purged since we listed it
        if (!isCorrupt(error)) throw error
        await this.#quarantine(path, error)
        continue
      }
      const named = parseSnapshotFileName(name)
      const { term, index } = snapshot.metadata
      if (named === undefined || named.term !== term || named.index !== index) {
        this.#logger.warn(`snap: ${path} holds the snapshot at term ${term}, index ${index}; its name says otherwise`)
      }
      if (match(snapshot)) return snapshot
    }
    throw new NoSnapshotError(this.dir)
  }

  /**
   * The `.snap` names, newest first, after deleting orphaned temp files (etcd 3.5's
   * `snapNames` + `cleanupSnapdir`, plus our own `tmp*` files).
   */
  async #snapNames(): Promise<string[]> {
    const names: string[] = []
    for (const name of await this.#fs.readdir(this.dir)) {
      if (name.startsWith(DEFRAG_TEMP_PREFIX)) {
        await this.#removeOrphan(name, 'orphaned defragmentation file')
      } else if (name.startsWith(TEMP_PREFIX)) {
        if (!IN_FLIGHT.has(resolve(this.#path(name)))) await this.#removeOrphan(name, 'stale temporary file')
      } else if (name.endsWith(SNAP_SUFFIX)) {
        names.push(name)
      } else if (name !== 'db' && !name.endsWith(DB_SUFFIX) && !name.endsWith(BROKEN_SUFFIX)) {
        this.#logger.warn(`snap: found unexpected non-snap file; skipping ${this.#path(name)}`)
      }
    }
    return names.sort().reverse()
  }

  async #removeOrphan(name: string, what: string): Promise<void> {
    const path = this.#path(name)
    try {
      await this.#fs.unlink(path)
      this.#logger.info(`snap: found ${what}; deleted ${path}`)
    } catch (error) {
      const code = errorCode(error)
      if (code === 'ENOENT') return
      if (code === 'EISDIR' || code === 'EPERM') {
        // A directory (unlink refuses those): not something we wrote, so not ours to delete.
        this.#logger.warn(`snap: found ${what} that is a directory; skipping ${path}`)
        return
      }
      throw error
    }
  }

  async #quarantine(path: string, cause: unknown): Promise<void> {
    const brokenPath = path + BROKEN_SUFFIX
    this.#logger.warn(`snap: failed to read a snap file ${path}: ${String(cause)}`)
    try {
      await this.#fs.rename(path, brokenPath)
      this.#logger.warn(`snap: renamed to a broken snap file ${brokenPath}`)
    } catch (error) {
      this.#logger.warn(`snap: failed to rename a broken snap file ${path}: ${String(error)}`)
    }
  }

  /** Creates a new `tmp<16 hex>` file and registers it in {@link IN_FLIGHT}. */
  async #createTemp(mode: number): Promise<{ path: string; file: SnapWritableFile }> {
    for (let attempt = 0; ; attempt++) {
      const path = this.#path(`${TEMP_PREFIX}${randomBytes(8).toString('hex')}`)
      IN_FLIGHT.add(resolve(path))
      try {
        return { path, file: await this.#fs.createExclusive(path, mode) }
      } catch (error) {
        IN_FLIGHT.delete(resolve(path))
        if (errorCode(error) !== 'EEXIST' || attempt >= 9) throw error
      }
    }
  }

  /** Removes a temp file after a failure; never throws (the original error matters more). */
  async #discardTemp(path: string): Promise<void> {
    try {
      await this.#fs.unlink(path)
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') {
        this.#logger.warn(`snap: failed to remove temporary file ${path}: ${String(error)}`)
      }
    }
  }

  #path(name: string): string {
    return join(this.dir, name)
  }
}

/** Runs `fill`, fsyncs and closes `file`; closes it (quietly) on failure too. */
async function fillSyncClose(file: SnapWritableFile, fill: () => Promise<void>): Promise<void> {
  try {
    await fill()
    await file.sync()
  } catch (error) {
    await file.close().catch(() => {})
    throw error
  }
  await file.close()
}

/** Whether a read error means the file's contents are bad (quarantine it), not the system. */
function isCorrupt(error: unknown): boolean {
  const code = errorCode(error)
  return (
    code === 'SNAP_EMPTY' ||
    code === 'SNAP_CRC_MISMATCH' ||
    code === 'SNAP_INVALID' ||
    code === 'EIO' ||
    code === 'EISDIR'
  )
}
