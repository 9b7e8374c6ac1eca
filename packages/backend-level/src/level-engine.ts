import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { EngineBatch, EngineRange, EngineView, Logger, StorageEngine } from '@etcd-ts/backend'
import { ClassicLevel, type Iterator } from 'classic-level'
import { InvalidLocationError, LocationLockedError } from './errors.js'
import {
  assertNoPlainLevelDb,
  fsyncDir,
  generationName,
  POINTER_FILE,
  readPointer,
  removeLeftovers,
  writePointer,
} from './layout.js'
import { type LevelEngineOptions, type ResolvedLevelOptions, resolveLevelOptions } from './options.js'

type Db = ClassicLevel<Uint8Array, Uint8Array>
type Snapshot = ReturnType<Db['snapshot']>
type LevelIterator = Iterator<Db, Uint8Array, Uint8Array>

/**
 * Named points inside {@link LevelEngine.replace}, in order, for crash tests (like etcd's
 * `defragBeforeCopy` / `defragBeforeRename` failpoints):
 *
 * - `replaceAfterBatch`: after each batch written to the new generation (not yet pointed to);
 * - `replaceBeforeRename`: the new generation is complete and synced, the new pointer written to
 *   its temporary file;
 * - `replaceAfterRename`: the pointer renamed into place, its directory not yet fsynced;
 * - `replaceAfterSync`: the replacement is durable, the old generation not yet retired;
 * - `replaceBeforeRemoveOld`: the old generation's LevelDB closed, its directory not yet removed.
 */
export type ReplaceFailpoint =
  | 'replaceAfterBatch'
  | 'replaceBeforeRename'
  | 'replaceAfterRename'
  | 'replaceAfterSync'
  | 'replaceBeforeRemoveOld'

/** Collaborators of a {@link LevelEngine}. */
export interface LevelEngineComponents {
  /** Where leftovers removed at open and failures of background cleanup are reported; default nowhere. */
  readonly logger?: Logger
  /**
   * Called at each {@link ReplaceFailpoint} and awaited: a test seam to crash or fail there.
   * Default: none.
   */
  readonly failpoint?: (name: ReplaceFailpoint) => void | Promise<void>
}

const NOOP_LOGGER: Logger = { info() {}, warn() {}, error() {} }
/** Opening retries this often when another instance swaps generations under it. */
const OPEN_ATTEMPTS = 3
/** `replace()` writes the new generation in batches of this many entries... */
const REPLACE_BATCH_ENTRIES = 10_000
/** ...or of this many bytes of keys and values, whichever comes first. */
const REPLACE_BATCH_BYTES = 4 * 1024 * 1024
// Entries fetched by an iterator's first `nextv()`, doubled on each call up to the maximum:
// small first (the core does not pass its limit down, and ranges of 1 or 10 are common), large
// for scans (hash, snapshot), each call being a round trip to LevelDB's thread (~40 µs here).
const FIRST_READ_ENTRIES = 16
const MAX_READ_ENTRIES = 1024
/** Bytes one `nextv()` may return (classic-level's default, 16 KiB, cuts scans into ~55-entry calls). */
const READ_HIGH_WATER_MARK_BYTES = 1024 * 1024
// Bounds of the keyspace for `approximateSize` and defrag: every key but those starting
// with 32 0xff bytes (the core's keys start with 0x00 or 0x01).
const MIN_KEY = new Uint8Array(0)
const MAX_KEY = new Uint8Array(32).fill(0xff)
const SYNC = { sync: true } as const

// One LevelDB directory of the store and the instance open on it. Views and iterators hold
// references; a generation replaced by `replace()` is retired: its LevelDB closes and its
// directory goes once the last reference is dropped.
class Generation {
  readonly number: number
  readonly dir: string
  readonly db: Db
  // Invariant: refs = views not yet fully released + iterators not yet closed.
  refs = 0
  retired = false

  constructor(number: number, dir: string, db: Db) {
    this.number = number
    this.dir = dir
    this.db = db
  }
}

/**
 * A pinned LevelDB snapshot of one generation. Iterators reading it hold it too, so it stays
 * open until both the owner released it and every iterator over it closed.
 */
class LevelView implements EngineView {
  readonly generation: Generation
  readonly snapshot: Snapshot
  /** Options for `getSync`, built once (the encodings named so that abstract-level does not copy them). */
  readonly readOptions: { readonly snapshot: Snapshot; readonly keyEncoding: 'view'; readonly valueEncoding: 'view' }
  readonly #free: () => void
  #holds = 1
  #released = false

  constructor(generation: Generation, free: () => void) {
    this.generation = generation
    this.snapshot = generation.db.snapshot()
    this.readOptions = { snapshot: this.snapshot, keyEncoding: 'view', valueEncoding: 'view' }
    this.#free = free
  }

  get released(): boolean {
    return this.#released
  }

  release(): void {
    if (this.#released) return
    this.#released = true
    this.drop()
  }

  hold(): void {
    this.#holds++
  }

  drop(): void {
    if (--this.#holds > 0) return
    // Closing is synchronous in classic-level; the promise only reports errors.
    this.snapshot.close().catch(() => {})
    this.#free()
  }
}

/**
 * A {@link StorageEngine} on LevelDB (classic-level): one LevelDB directory per generation of
 * the store, a pointer file naming the live one. Writes are synced batches; views are LevelDB
 * snapshots; `compact()` rewrites everything into a new generation; `replace()` builds a new
 * generation beside the live one and flips the pointer (see {@link LevelEngine.replace}).
 *
 * `write`, `compact` and `replace` run one at a time in call order. Keys and values given are
 * not kept after the call resolves (LevelDB copies them); values returned are fresh arrays the
 * caller may keep.
 */
export class LevelEngine implements StorageEngine {
  readonly durable = true
  readonly #options: ResolvedLevelOptions
  readonly #logger: Logger
  readonly #failpoint: (name: ReplaceFailpoint) => void | Promise<void>
  #state: 'new' | 'opening' | 'open' | 'closed' = 'new'
  #opening: Promise<void> | undefined
  #closing: Promise<void> | undefined
  // Defined while open.
  #live: Generation | undefined
  // Replaced generations whose last view or iterator is still out, and their pending closes.
  readonly #retired = new Set<Generation>()
  readonly #retiring = new Set<Promise<void>>()
  #serial: Promise<unknown> = Promise.resolve()

  /**
   * @throws TypeError or RangeError naming an invalid option.
   */
  constructor(options: LevelEngineOptions, components: LevelEngineComponents = {}) {
    this.#options = resolveLevelOptions(options)
    this.#logger = components.logger ?? NOOP_LOGGER
    this.#failpoint = components.failpoint ?? (() => {})
  }

  /** The store's directory. */
  get location(): string {
    return this.#options.location
  }

  /**
   * Opens the store, creating the location if missing, and removes what an interrupted
   * `replace()` left behind. Idempotent.
   *
   * @throws LocationLockedError when another open instance holds the location.
   * @throws InvalidLocationError when the location is not (or no longer) a valid store.
   */
  open(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve()
    if (this.#state === 'opening') return this.#opening as Promise<void>
    const closing = this.#closing
    this.#state = 'opening'
    this.#opening = (async () => {
      try {
        await closing
        this.#live = await this.#openLive()
        this.#closing = undefined
        this.#state = 'open'
      } catch (error) {
        this.#state = 'closed'
        throw error
      } finally {
        this.#opening = undefined
      }
    })()
    return this.#opening
  }

  /**
   * Closes the store: open iterators and views first (reads through them fail afterwards),
   * then LevelDB. Idempotent.
   */
  close(): Promise<void> {
    if (this.#state === 'new') {
      this.#state = 'closed'
      return Promise.resolve()
    }
    if (this.#state === 'closed' && this.#closing === undefined) return Promise.resolve()
    this.#closing ??= (async () => {
      await this.#opening?.catch(() => {})
      await this.#serial.catch(() => {})
      this.#state = 'closed'
      const live = this.#live
      this.#live = undefined
      const retired = [...this.#retired]
      this.#retired.clear()
      // abstract-level closes a database's iterators and snapshots before the database itself.
      if (live !== undefined) await live.db.close()
      for (const generation of retired) await this.#removeGeneration(generation)
      await Promise.allSettled(this.#retiring)
    })()
    return this.#closing
  }

  get(key: Uint8Array, view?: EngineView): Uint8Array | undefined {
    let value: Uint8Array | undefined
    if (view === undefined) value = this.#openLiveGeneration().db.getSync(key)
    else {
      const levelView = this.#viewOf(view)
      value = levelView.generation.db.getSync(key, levelView.readOptions)
    }
    return value === undefined ? undefined : plain(value)
  }

  async *entries(range: EngineRange, view?: EngineView): AsyncGenerator<readonly [Uint8Array, Uint8Array]> {
    // References are taken on the first next(), released in finally: by return() when the
    // consumer stops early, or at the end.
    const levelView = view === undefined ? undefined : this.#viewOf(view)
    const generation = levelView?.generation ?? this.#openLiveGeneration()
    // A view's iterator holds the view (which holds its generation); a live one the generation.
    if (levelView === undefined) generation.refs++
    else levelView.hold()
    let iterator: LevelIterator | undefined
    try {
      iterator = generation.db.iterator<Uint8Array, Uint8Array>({
        gte: range.gte,
        lt: range.lt,
        keyEncoding: 'view',
        valueEncoding: 'view',
        highWaterMarkBytes: READ_HIGH_WATER_MARK_BYTES,
        ...(levelView === undefined ? {} : { snapshot: levelView.snapshot }),
      })
      for (let size = FIRST_READ_ENTRIES; ; size = Math.min(size * 2, MAX_READ_ENTRIES)) {
        const batch = await iterator.nextv(size)
        if (batch.length === 0) return
        for (const [key, value] of batch) yield [plain(key), plain(value)]
      }
    } finally {
      await iterator?.close().catch(() => {})
      if (levelView === undefined) this.#unref(generation)
      else levelView.drop()
    }
  }

  /** Applies the batch as one LevelDB write with `sync`: a resolved write survives power loss. */
  write(batch: EngineBatch): Promise<void> {
    if (batch.puts.length === 0 && batch.deletes.length === 0) return Promise.resolve()
    return this.#exclusive(async () => {
      // A chained batch: each operation goes to LevelDB's WriteBatch as it is added, ~4 times
      // faster here than db.batch(array), which reads every operation object back in C++.
      const chained = this.#openLiveGeneration().db.batch()
      try {
        for (const key of batch.deletes) chained.del(key)
        for (const [key, value] of batch.puts) chained.put(key, value)
      } catch (error) {
        await chained.close()
        throw error
      }
      await chained.write(SYNC)
    })
  }

  view(): EngineView {
    const generation = this.#openLiveGeneration()
    generation.refs++
    try {
      return new LevelView(generation, () => this.#unref(generation))
    } catch (error) {
      generation.refs--
      throw error
    }
  }

  /**
   * `size`: bytes of the files of the live LevelDB directory (what a disk quota should
   * compare, like bbolt's file size). `inUse`: LevelDB's estimate of the table bytes holding the
   * keyspace plus the write-ahead log holding what is not in a table yet, at most `size`. Both
   * drop after `compact()` once deleted or overwritten data is compacted away.
   */
  async size(): Promise<{ readonly size: number; readonly inUse: number }> {
    const generation = this.#openLiveGeneration()
    let size = 0
    let logs = 0
    for (const entry of await readdir(generation.dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue
      // LevelDB deletes obsolete files as it compacts: a file may be gone by now.
      const bytes = (await stat(join(generation.dir, entry.name)).catch(() => undefined))?.size ?? 0
      size += bytes
      if (entry.name.endsWith('.log')) logs += bytes
    }
    const tables = generation.db.status === 'open' ? await generation.db.approximateSize(MIN_KEY, MAX_KEY) : 0
    return { size, inUse: Math.min(size, tables + logs) }
  }

  /**
   * Defrag: copies every live entry into a fresh generation (through {@link LevelEngine.replace}),
   * as bbolt's defrag copies into a new file. LevelDB's `compactRange` alone is not enough: it
   * never rewrites the last level holding files, so space freed by deletes there may stay taken
   * (dead data reaches that level when a read view pinned it during an earlier compaction) — and
   * a quota-bound server must be able to get below its quota by defragmenting. Costs a full
   * rewrite and, for its duration, the store's size again on disk.
   */
  async compact(): Promise<void> {
    const view = this.view()
    try {
      await this.replace(this.entries({ gte: MIN_KEY, lt: MAX_KEY }, view))
    } finally {
      view.release()
    }
  }

  /**
   * Replaces everything with `entries`, atomically, also across a crash:
   *
   * ```
   *   1. write the entries into a new LevelDB, gen-<n+1>, in synced batches  (pointer: gen-<n>)
   *   2. fsync gen-<n+1> and the location
   *   3. GENERATION.tmp-* ← "gen-<n+1>", fsync, rename over GENERATION, fsync the location
   *   4. serve from gen-<n+1> (its instance is the one that wrote it)
   *   5. retire gen-<n>: close it and remove its directory once its last view is released
   * ```
   *
   * A crash before the rename in step 3 leaves the old contents, after it the new ones;
   * whichever generation is not pointed to is removed at the next open. Iterating `entries`
   * throwing or `signal` aborting before step 3 removes gen-<n+1> and leaves everything as it
   * was. Views taken before stay on gen-<n> and keep reading the old contents.
   */
  replace(entries: AsyncIterable<readonly [Uint8Array, Uint8Array]>, signal?: AbortSignal): Promise<void> {
    return this.#exclusive(async () => {
      const old = this.#openLiveGeneration()
      const location = this.#options.location
      const number = old.number + 1
      const dir = join(location, generationName(number))
      const db = await this.#build(dir, entries, signal)
      // From the rename on, the store is the new generation, whatever fails after: a reopen
      // without a crash reads the new pointer.
      let switched = false
      const switchTo = (): void => {
        switched = true
        this.#live = new Generation(number, dir, db)
        old.retired = true
        this.#retired.add(old)
      }
      try {
        await writePointer(location, number, async (step) => {
          if (step === 'beforeRename') {
            await this.#failpoint('replaceBeforeRename')
          } else {
            switchTo()
            await this.#failpoint('replaceAfterRename')
          }
        })
        await this.#failpoint('replaceAfterSync')
      } catch (error) {
        if (!switched) {
          await db.close().catch(() => {})
          await rm(dir, { recursive: true, force: true }).catch(() => {})
          throw error
        }
        this.#logger.error(
          `backend-level: ${location}: after switching to ${generationName(number)}: ${String(error)} (the switch may not survive a power loss)`,
        )
      }
      if (old.refs === 0) {
        await this.#retire(old).catch((error: unknown) => {
          this.#logger.error(`backend-level: retiring ${old.dir}: ${String(error)}`)
        })
      }
    })
  }

  // Steps 1 and 2 of replace(): a new LevelDB at `dir` holding `entries`, durable, left open.
  // On failure nothing of it remains.
  async #build(
    dir: string,
    entries: AsyncIterable<readonly [Uint8Array, Uint8Array]>,
    signal: AbortSignal | undefined,
  ): Promise<Db> {
    signal?.throwIfAborted()
    await rm(dir, { recursive: true, force: true })
    const db = this.#newDb(dir)
    try {
      await db.open({ createIfMissing: true, errorIfExists: true })
      let chained = db.batch()
      let bytes = 0
      try {
        // Every batch is synced, so a log LevelDB rotates away mid-build is durable too.
        for await (const [key, value] of entries) {
          signal?.throwIfAborted()
          if (chained.length >= REPLACE_BATCH_ENTRIES || bytes >= REPLACE_BATCH_BYTES) {
            await chained.write(SYNC)
            await this.#failpoint('replaceAfterBatch')
            chained = db.batch()
            bytes = 0
          }
          chained.put(key, value)
          bytes += key.length + value.length
        }
        signal?.throwIfAborted()
        if (chained.length > 0) {
          await chained.write(SYNC)
          await this.#failpoint('replaceAfterBatch')
        }
      } finally {
        // Closing a written batch is a no-op; an unwritten one is discarded.
        await chained.close()
      }
      await fsyncDir(dir)
      await fsyncDir(this.#options.location)
      return db
    } catch (error) {
      await db.close().catch(() => {})
      await rm(dir, { recursive: true, force: true }).catch(() => {})
      throw error
    }
  }

  #newDb(dir: string): Db {
    const { cacheSize, writeBufferSize, compression } = this.#options
    return new ClassicLevel<Uint8Array, Uint8Array>(dir, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      cacheSize,
      writeBufferSize,
      compression,
    })
  }

  // Opens the generation the pointer names (a first one for a new store), then removes leftovers.
  async #openLive(): Promise<Generation> {
    const location = this.#options.location
    await mkdir(location, { recursive: true })
    for (let attempt = 1; ; attempt++) {
      const pointed = await readPointer(location)
      const fresh = pointed === undefined
      if (fresh) await assertNoPlainLevelDb(location)
      const number = pointed ?? 1
      const dir = join(location, generationName(number))
      // LevelDB creates the directory (and a LOCK file) even when it then refuses to create a
      // database: check first, so that a missing generation leaves nothing behind.
      if (!fresh && !(await exists(join(dir, 'CURRENT')))) {
        // Another instance may have just replaced the generation named (retry: its LOCK will
        // tell); otherwise the layout is damaged.
        if ((await readPointer(location)) !== pointed && attempt < OPEN_ATTEMPTS) continue
        throw new InvalidLocationError(location, `${POINTER_FILE} names ${generationName(number)}, which is missing`)
      }
      const db = this.#newDb(dir)
      try {
        await db.open({ createIfMissing: fresh })
      } catch (error) {
        if (isLocked(error)) throw new LocationLockedError(location, { cause: error })
        if (!fresh && (await readPointer(location)) !== pointed && attempt < OPEN_ATTEMPTS) continue
        throw error
      }
      // Holding this generation's LOCK, nobody else can be replacing it; but another instance
      // may have switched away from it between our reading the pointer and locking it.
      if ((await readPointer(location)) !== pointed) {
        await db.close()
        if (attempt < OPEN_ATTEMPTS) continue
        throw new LocationLockedError(location)
      }
      if (fresh) {
        await fsyncDir(dir)
        await writePointer(location, number)
      }
      const removed = await removeLeftovers(location, number)
      if (removed.length > 0) this.#logger.info(`backend-level: ${location}: removed leftovers ${removed.join(', ')}`)
      return new Generation(number, dir, db)
    }
  }

  #openLiveGeneration(): Generation {
    if (this.#state !== 'open' || this.#live === undefined) throw new Error('backend-level: the engine is not open')
    return this.#live
  }

  #viewOf(view: EngineView): LevelView {
    if (!(view instanceof LevelView)) throw new TypeError('not a view of a LevelEngine')
    if (view.released) throw new TypeError('the view was released')
    return view
  }

  #unref(generation: Generation): void {
    generation.refs--
    if (generation.retired && generation.refs === 0 && this.#retired.has(generation)) {
      const retiring = this.#retire(generation).catch((error: unknown) => {
        this.#logger.error(`backend-level: retiring ${generation.dir}: ${String(error)}`)
      })
      this.#retiring.add(retiring)
      retiring.finally(() => this.#retiring.delete(retiring))
    }
  }

  async #retire(generation: Generation): Promise<void> {
    this.#retired.delete(generation)
    await this.#removeGeneration(generation)
  }

  async #removeGeneration(generation: Generation): Promise<void> {
    await generation.db.close()
    await this.#failpoint('replaceBeforeRemoveOld')
    await rm(generation.dir, { recursive: true, force: true })
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(work)
    this.#serial = run.catch(() => {})
    return run
  }
}

// classic-level returns Buffers; callers get plain Uint8Arrays (same memory, no copy), so that
// values compare equal (`assert.deepStrictEqual`) to those of other adapters.
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function isLocked(error: unknown): boolean {
  for (let cause = error; typeof cause === 'object' && cause !== null; cause = (cause as { cause?: unknown }).cause) {
    if ((cause as { code?: unknown }).code === 'LEVEL_LOCKED') return true
  }
  return false
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}
