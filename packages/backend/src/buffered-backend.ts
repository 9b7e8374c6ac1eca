import { crc32c } from '@node-rs/crc32'
import { assertBucketName, type BucketName } from './buckets.js'
import { compareBytes } from './bytes.js'
import {
  bucketFromRegistryKey,
  bucketPrefix,
  type EngineBatch,
  type EngineView,
  prefixRange,
  REGISTRY_RANGE,
  registryKey,
  type StorageEngine,
  withPrefix,
} from './engine.js'
import {
  BackendNotOpenError,
  BucketNotFoundError,
  CommitFailedError,
  TxAlreadyLockedError,
  TxClosedError,
  TxNotLockedError,
} from './errors.js'
import {
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_OVERHEAD,
  type SnapshotRecord,
  snapshotRecordSize,
} from './snapshot-format.js'
import type {
  Backend,
  BackendComponents,
  BackendOptions,
  BackendSnapshot,
  BatchTx,
  Clock,
  ConcurrentReadTx,
  HashIgnore,
  Logger,
  PreCommitHook,
  RangeResult,
  ReadTx,
} from './types.js'
import { WriteBuffer } from './write-buffer.js'

/** Default `batchIntervalMs`: etcd's `--backend-batch-interval`. */
export const DEFAULT_BATCH_INTERVAL_MS = 100
/** Default `batchLimit`: etcd's `--backend-batch-limit`. */
export const DEFAULT_BATCH_LIMIT = 10_000
/** How often the cached `size()` is refreshed after commits, at most. */
const SIZE_REFRESH_MS = 1000

/**
 * The real clock, for defaults. Its timers keep the process alive (work may be awaiting them);
 * every component cancels its timers when it closes.
 */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimer(ms, callback) {
    const timer = setTimeout(callback, ms)
    return () => clearTimeout(timer)
  },
}

const NOOP_LOGGER: Logger = { info() {}, warn() {}, error() {} }
const ASCII = new TextEncoder()

// What a read sees: buffered layers (top first), the buckets committed, and the engine (through
// a pinned view for concurrent reads, live otherwise).
interface View {
  readonly layers: readonly WriteBuffer[]
  readonly committedBuckets: ReadonlySet<BucketName>
  readonly engineView: EngineView | undefined
}

/**
 * The backend every adapter shares (etcd's `backend` with its `batchTxBuffered` and read
 * buffer), over a {@link StorageEngine}: an adapter is `class X extends BufferedBackend` that
 * passes its engine.
 *
 * ```
 *   batchTx (locked)  ─unlock→  pending  ─commit→  committing  ─write→  engine
 *   tx-local writes             unlocked writes    the batch in flight   committed
 * ```
 *
 * Reads look top-down through the layers, then the engine; a concurrent read transaction pins
 * copy-on-write copies of the layers and an engine view. Commits are serialized, and defrag and
 * restore queue with them.
 */
export class BufferedBackend implements Backend {
  readonly #engine: StorageEngine
  readonly #batchIntervalMs: number
  readonly #batchLimit: number
  readonly #clock: Clock
  readonly #logger: Logger
  #state: 'new' | 'opening' | 'open' | 'closing' | 'closed' = 'new'
  #opening: Promise<void> | undefined
  #closing: Promise<void> | undefined
  #pending = new WriteBuffer()
  #committing: WriteBuffer | undefined
  #committedBuckets = new Set<BucketName>()
  #prefixes = new Map<BucketName, Uint8Array>()
  #hook: PreCommitHook | undefined
  // Commits, defrag and restore run one after the other on this chain.
  #chain: Promise<unknown> = Promise.resolve()
  #cancelTimer: (() => void) | undefined
  #failed: unknown
  #size = 0
  #sizeInUse = 0
  #sizeRefreshedAt = Number.NEGATIVE_INFINITY
  readonly #batchTx: BufferedBatchTx

  constructor(engine: StorageEngine, options: BackendOptions = {}, components: BackendComponents = {}) {
    this.#engine = engine
    this.#batchIntervalMs = positiveInteger(options.batchIntervalMs ?? DEFAULT_BATCH_INTERVAL_MS, 'batchIntervalMs')
    this.#batchLimit = positiveInteger(options.batchLimit ?? DEFAULT_BATCH_LIMIT, 'batchLimit')
    this.#clock = components.clock ?? SYSTEM_CLOCK
    this.#logger = components.logger ?? NOOP_LOGGER
    this.#batchTx = new BufferedBatchTx(this.#internals())
  }

  /** The engine underneath (for the adapter's own extras). */
  protected get engine(): StorageEngine {
    return this.#engine
  }

  open(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve()
    if (this.#state === 'closing' || this.#state === 'closed') return Promise.reject(new BackendNotOpenError())
    this.#opening ??= (async () => {
      this.#state = 'opening'
      await this.#engine.open()
      for await (const [key] of this.#engine.entries(REGISTRY_RANGE)) {
        this.#committedBuckets.add(bucketFromRegistryKey(key))
      }
      this.#state = 'open'
      await this.#refreshSize(true)
    })()
    return this.#opening
  }

  close(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve()
    if (this.#state === 'new') {
      this.#state = 'closed'
      return Promise.resolve()
    }
    this.#closing ??= (async () => {
      await this.#opening?.catch(() => {})
      this.#cancelTimer?.()
      this.#cancelTimer = undefined
      try {
        if (this.#state === 'open' && this.#failed === undefined) await this.forceCommit()
      } finally {
        this.#state = 'closing'
        await this.#chain.catch(() => {})
        this.#state = 'closed'
        await this.#engine.close()
      }
    })()
    return this.#closing
  }

  batchTx(): BatchTx {
    this.#assertOpen()
    return this.#batchTx
  }

  readTx(): ReadTx {
    this.#assertOpen()
    return new BufferedReadTx(this.#internals(), () => this.#liveView())
  }

  concurrentReadTx(): ConcurrentReadTx {
    this.#assertOpen()
    const layers = [this.#pending.clone()]
    if (this.#committing !== undefined) layers.push(this.#committing)
    const view: View = {
      layers,
      committedBuckets: new Set(this.#committedBuckets),
      engineView: this.#engine.view(),
    }
    return new BufferedReadTx(this.#internals(), () => view)
  }

  setPreCommitHook(hook: PreCommitHook | undefined): void {
    this.#hook = hook
  }

  abandon(reason: unknown): void {
    if (this.#failed !== undefined) return
    this.#failed = reason
    this.#pending = new WriteBuffer()
    this.#cancelTimer?.()
    this.#cancelTimer = undefined
  }

  async forceCommit(): Promise<void> {
    this.#assertOpen()
    return this.#enqueue(() => this.#commit(true))
  }

  async snapshot(): Promise<BackendSnapshot> {
    this.#assertOpen()
    const tx = this.concurrentReadTx() as BufferedReadTx
    let size = SNAPSHOT_OVERHEAD
    try {
      for await (const record of snapshotRecords(tx)) size += snapshotRecordSize(record)
    } catch (error) {
      tx.close()
      throw error
    }
    let streamed = false
    return {
      size,
      chunks: () => {
        if (streamed) throw new TypeError('a backend snapshot streams once')
        streamed = true
        return encodeSnapshot(snapshotRecords(tx))
      },
      close: async () => tx.close(),
    }
  }

  async restore(source: AsyncIterable<Uint8Array>, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen()
    return this.#enqueue(async () => {
      const buckets = new Set<BucketName>()
      await this.#engine.replace(engineEntries(decodeSnapshot(source), buckets), options.signal)
      // The store is now the snapshot: what was buffered belongs to the replaced store.
      this.#pending = new WriteBuffer()
      this.#committedBuckets = buckets
      this.#cancelTimer?.()
      this.#cancelTimer = undefined
      await this.#refreshSize(true)
    })
  }

  async hash(ignore?: HashIgnore): Promise<number> {
    await this.forceCommit()
    const tx = this.concurrentReadTx() as BufferedReadTx
    try {
      let crc = 0
      for (const bucket of tx.bucketNames()) {
        crc = crc32c(ASCII.encode(bucket), crc)
        await tx.unsafeForEach(bucket, (key, value) => {
          if (ignore?.(bucket, key) !== true) {
            crc = crc32c(key, crc)
            crc = crc32c(value, crc)
          }
          return true
        })
      }
      return crc >>> 0
    } finally {
      tx.close()
    }
  }

  size(): number {
    return this.#size
  }

  sizeInUse(): number {
    return this.#sizeInUse
  }

  async defrag(): Promise<void> {
    this.#assertOpen()
    return this.#enqueue(async () => {
      await this.#commit(true)
      await this.#engine.compact()
      await this.#refreshSize(true)
    })
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new BackendNotOpenError()
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work)
    this.#chain = run.catch(() => {})
    return run
  }

  // Commits the pending layer (running the pre-commit hook first). Without `force`, does
  // nothing when nothing is pending (etcd commits on its interval only when pending > 0).
  async #commit(force: boolean): Promise<void> {
    if (this.#failed !== undefined) throw new CommitFailedError({ cause: this.#failed })
    if (!force && this.#pending.isEmpty()) return
    if (this.#hook !== undefined) {
      const hookTx = new BufferedBatchTx(this.#internals(), this.#pending)
      this.#hook(hookTx)
    }
    this.#cancelTimer?.()
    this.#cancelTimer = undefined
    if (this.#pending.isEmpty()) return
    const batch = this.#pending
    this.#pending = new WriteBuffer()
    this.#committing = batch
    try {
      await this.#engine.write(await this.#engineBatch(batch))
      for (const [bucket, exists] of batch.bucketStates) {
        if (exists) this.#committedBuckets.add(bucket)
        else this.#committedBuckets.delete(bucket)
      }
      // Reads find the batch in the engine now.
      this.#committing = undefined
    } catch (error) {
      // The batch may or may not be on disk: stop accepting writes (etcd panics here). Reads
      // keep seeing the batch through the committing layer.
      this.#failed = error
      this.#logger.error(`backend: commit failed: ${error instanceof Error ? error.message : String(error)}`)
      throw new CommitFailedError({ cause: error })
    }
    // A store that looked empty is re-measured at once (status right after start-up).
    await this.#refreshSize(this.#sizeInUse === 0)
  }

  async #engineBatch(batch: WriteBuffer): Promise<EngineBatch> {
    const puts: (readonly [Uint8Array, Uint8Array])[] = []
    const deletes: Uint8Array[] = []
    for (const [bucket, buffer] of batch.buckets) {
      const prefix = this.#prefix(bucket)
      if (buffer.cleared) {
        // The bucket was deleted in this batch: delete every committed key not rewritten.
        for await (const [key] of this.#engine.entries(prefixRange(prefix))) {
          if (buffer.tree.get(key.subarray(prefix.length)) === undefined) deletes.push(key)
        }
      }
      buffer.tree.forEachPair((key, value) => {
        if (value === null) deletes.push(withPrefix(prefix, key))
        else puts.push([withPrefix(prefix, key), value])
      })
    }
    for (const [bucket, exists] of batch.bucketStates) {
      if (exists) puts.push([registryKey(bucket), new Uint8Array(0)])
      else deletes.push(registryKey(bucket))
    }
    return { puts, deletes }
  }

  async #refreshSize(force: boolean): Promise<void> {
    const now = this.#clock.now()
    if (!force && now - this.#sizeRefreshedAt < SIZE_REFRESH_MS) return
    this.#sizeRefreshedAt = now
    const { size, inUse } = await this.#engine.size()
    this.#size = size
    this.#sizeInUse = inUse
  }

  #prefix(bucket: BucketName): Uint8Array {
    let prefix = this.#prefixes.get(bucket)
    if (prefix === undefined) {
      prefix = bucketPrefix(bucket)
      this.#prefixes.set(bucket, prefix)
    }
    return prefix
  }

  #liveView(): View {
    // Clone the pending layer: a range read may await while writers go on.
    const layers = [this.#pending.clone()]
    if (this.#committing !== undefined) layers.push(this.#committing)
    return { layers, committedBuckets: this.#committedBuckets, engineView: undefined }
  }

  // Called when the write transaction unlocks with writes.
  #merge(local: WriteBuffer): void {
    if (this.#failed !== undefined) throw new CommitFailedError({ cause: this.#failed })
    this.#pending.mergeFrom(local)
    if (this.#pending.ops >= this.#batchLimit) {
      this.#enqueue(() => this.#commit(false)).catch((error) => this.#logCommitError(error))
    } else if (this.#cancelTimer === undefined) {
      this.#cancelTimer = this.#clock.setTimer(this.#batchIntervalMs, () => {
        this.#cancelTimer = undefined
        if (this.#state !== 'open') return
        this.#enqueue(() => this.#commit(false)).catch((error) => this.#logCommitError(error))
      })
    }
  }

  #logCommitError(error: unknown): void {
    // Already logged by #commit; the next write or forceCommit surfaces it to the caller.
    if (!(error instanceof CommitFailedError)) this.#logger.error(`backend: commit: ${String(error)}`)
  }

  #internals(): Internals {
    return {
      engine: this.#engine,
      prefix: (bucket) => this.#prefix(bucket),
      assertOpen: () => this.#assertOpen(),
      pending: () => this.#pending,
      committing: () => this.#committing,
      committedBuckets: () => this.#committedBuckets,
      merge: (local) => this.#merge(local),
    }
  }
}

// What the transactions need from the backend.
interface Internals {
  readonly engine: StorageEngine
  prefix(bucket: BucketName): Uint8Array
  assertOpen(): void
  pending(): WriteBuffer
  committing(): WriteBuffer | undefined
  committedBuckets(): ReadonlySet<BucketName>
  merge(local: WriteBuffer): void
}

class BufferedReadTx implements ConcurrentReadTx {
  readonly #backend: Internals
  readonly #view: () => View
  #closed = false

  constructor(backend: Internals, view: () => View) {
    this.#backend = backend
    this.#view = view
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#view().engineView?.release()
  }

  #open(): View {
    if (this.#closed) throw new TxClosedError()
    this.#backend.assertOpen()
    return this.#view()
  }

  hasBucket(bucket: BucketName): boolean {
    return bucketExists(this.#open(), bucket)
  }

  /** The buckets of this view, in name order. */
  bucketNames(): BucketName[] {
    return bucketNames(this.#open())
  }

  unsafeGet(bucket: BucketName, key: Uint8Array): Uint8Array | undefined {
    return get(this.#backend, this.#open(), bucket, key)
  }

  unsafeRange(bucket: BucketName, key: Uint8Array, end?: Uint8Array, limit = 0): Promise<RangeResult> {
    return range(this.#backend, this.#open(), bucket, key, end, limit)
  }

  unsafeForEach(bucket: BucketName, visit: (key: Uint8Array, value: Uint8Array) => void | boolean): Promise<void> {
    return scan(this.#backend, this.#open(), bucket, new Uint8Array(0), undefined, 0, visit)
  }

  /** Every entry of the bucket, in key order. */
  entries(bucket: BucketName): AsyncGenerator<readonly [Uint8Array, Uint8Array]> {
    return iterate(this.#backend, this.#open(), bucket, new Uint8Array(0), undefined)
  }
}

class BufferedBatchTx implements BatchTx {
  readonly #backend: Internals
  // Set for the pre-commit hook's transaction: writes go straight into this layer, no lock.
  readonly #target: WriteBuffer | undefined
  #locked = false
  #local = new WriteBuffer()

  constructor(backend: Internals, target?: WriteBuffer) {
    this.#backend = backend
    this.#target = target
  }

  lock(): void {
    this.#backend.assertOpen()
    if (this.#target !== undefined) return
    if (this.#locked) throw new TxAlreadyLockedError()
    this.#locked = true
    this.#local = new WriteBuffer()
  }

  unlock(): void {
    if (this.#target !== undefined) return
    if (!this.#locked) throw new TxNotLockedError()
    this.#locked = false
    const local = this.#local
    this.#local = new WriteBuffer()
    if (!local.isEmpty()) this.#backend.merge(local)
  }

  #writable(): WriteBuffer {
    this.#backend.assertOpen()
    if (this.#target !== undefined) return this.#target
    if (!this.#locked) throw new TxNotLockedError()
    return this.#local
  }

  #view(): View {
    this.#backend.assertOpen()
    const layers: WriteBuffer[] = []
    if (this.#target !== undefined) layers.push(this.#target)
    else if (this.#locked) layers.push(this.#local, this.#backend.pending())
    else layers.push(this.#backend.pending())
    const committing = this.#backend.committing()
    if (committing !== undefined && committing !== this.#target) layers.push(committing)
    return { layers, committedBuckets: this.#backend.committedBuckets(), engineView: undefined }
  }

  unsafeCreateBucket(bucket: BucketName): void {
    assertBucketName(bucket)
    const target = this.#writable()
    if (!bucketExists(this.#view(), bucket)) target.createBucket(bucket)
  }

  unsafeDeleteBucket(bucket: BucketName): void {
    assertBucketName(bucket)
    const target = this.#writable()
    if (bucketExists(this.#view(), bucket)) target.deleteBucket(bucket)
  }

  unsafePut(bucket: BucketName, key: Uint8Array, value: Uint8Array): void {
    const target = this.#writable()
    assertBucket(this.#view(), bucket)
    assertBytes(key, 'key')
    assertBytes(value, 'value')
    target.put(bucket, key, value)
  }

  unsafeSeqPut(bucket: BucketName, key: Uint8Array, value: Uint8Array): void {
    this.unsafePut(bucket, key, value)
  }

  unsafeDelete(bucket: BucketName, key: Uint8Array): void {
    const target = this.#writable()
    assertBucket(this.#view(), bucket)
    assertBytes(key, 'key')
    target.delete(bucket, key)
  }

  hasBucket(bucket: BucketName): boolean {
    return bucketExists(this.#view(), bucket)
  }

  unsafeGet(bucket: BucketName, key: Uint8Array): Uint8Array | undefined {
    return get(this.#backend, this.#view(), bucket, key)
  }

  unsafeRange(bucket: BucketName, key: Uint8Array, end?: Uint8Array, limit = 0): Promise<RangeResult> {
    // The layers are cloned: the range may await while the transaction goes on.
    const view = this.#view()
    return range(this.#backend, { ...view, layers: view.layers.map((layer) => layer.clone()) }, bucket, key, end, limit)
  }

  unsafeForEach(bucket: BucketName, visit: (key: Uint8Array, value: Uint8Array) => void | boolean): Promise<void> {
    const view = this.#view()
    const cloned = { ...view, layers: view.layers.map((layer) => layer.clone()) }
    return scan(this.#backend, cloned, bucket, new Uint8Array(0), undefined, 0, visit)
  }
}

function bucketExists(view: View, bucket: BucketName): boolean {
  for (const layer of view.layers) {
    const state = layer.bucketStates.get(bucket)
    if (state !== undefined) return state
  }
  return view.committedBuckets.has(bucket)
}

function bucketNames(view: View): BucketName[] {
  const names = new Set<BucketName>(view.committedBuckets)
  for (const layer of view.layers) for (const bucket of layer.bucketStates.keys()) names.add(bucket)
  return [...names].filter((bucket) => bucketExists(view, bucket)).sort()
}

function assertBucket(view: View, bucket: BucketName): void {
  if (!bucketExists(view, bucket)) throw new BucketNotFoundError(bucket)
}

function assertBytes(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`)
}

function get(backend: Internals, view: View, bucket: BucketName, key: Uint8Array): Uint8Array | undefined {
  assertBucket(view, bucket)
  for (const layer of view.layers) {
    const buffer = layer.buckets.get(bucket)
    if (buffer === undefined) continue
    const value = buffer.tree.get(key)
    if (value !== undefined) return value ?? undefined
    if (buffer.cleared) return undefined
  }
  return backend.engine.get(withPrefix(backend.prefix(bucket), key), view.engineView)
}

async function range(
  backend: Internals,
  view: View,
  bucket: BucketName,
  key: Uint8Array,
  end: Uint8Array | undefined,
  limit: number,
): Promise<RangeResult> {
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`)
  const keys: Uint8Array[] = []
  const values: Uint8Array[] = []
  if (end === undefined || end.length === 0) {
    const value = get(backend, view, bucket, key)
    if (value !== undefined) {
      keys.push(key)
      values.push(value)
    }
    return { keys, values }
  }
  await scan(backend, view, bucket, key, end, limit, (k, v) => {
    keys.push(k)
    values.push(v)
    return true
  })
  return { keys, values }
}

// Visits the entries of `bucket` with start <= key < end (end undefined: to the bucket's end);
// `visit` returns false to stop; at most `limit` entries (0: no limit).
async function scan(
  backend: Internals,
  view: View,
  bucket: BucketName,
  start: Uint8Array,
  end: Uint8Array | undefined,
  limit: number,
  visit: (key: Uint8Array, value: Uint8Array) => void | boolean,
): Promise<void> {
  let count = 0
  for await (const [key, value] of iterate(backend, view, bucket, start, end)) {
    if (visit(key, value) === false) return
    if (limit > 0 && ++count >= limit) return
  }
}

// The entries of `bucket` with start <= key < end (end undefined: to the bucket's end), merging
// the buffered layers (upper layers winning, tombstones hiding) with the engine.
async function* iterate(
  backend: Internals,
  view: View,
  bucket: BucketName,
  start: Uint8Array,
  end: Uint8Array | undefined,
): AsyncGenerator<readonly [Uint8Array, Uint8Array]> {
  assertBucket(view, bucket)
  if (end !== undefined && compareBytes(start, end) >= 0) return
  const sources: Iterator<[Uint8Array, Uint8Array | null]>[] = []
  let engineHidden = false
  for (const layer of view.layers) {
    const buffer = layer.buckets.get(bucket)
    if (buffer === undefined) continue
    sources.push(buffer.tree.entries(start))
    // A bucket deleted in this layer hides everything below it.
    if (buffer.cleared) {
      engineHidden = true
      break
    }
  }
  const overlay = mergeLayers(sources, end)
  const prefix = backend.prefix(bucket)
  const lt = end === undefined ? prefixRange(prefix).lt : withPrefix(prefix, end)
  const engine = engineHidden
    ? undefined
    : backend.engine.entries({ gte: withPrefix(prefix, start), lt }, view.engineView)[Symbol.asyncIterator]()
  const nextEngine = async (): Promise<readonly [Uint8Array, Uint8Array] | undefined> => {
    if (engine === undefined) return undefined
    const next = await engine.next()
    return next.done === true ? undefined : [next.value[0].subarray(prefix.length), next.value[1]]
  }
  let fromOverlay = overlay.next()
  let fromEngine = await nextEngine()
  try {
    for (;;) {
      const layered = fromOverlay.done === true ? undefined : fromOverlay.value
      if (layered === undefined && fromEngine === undefined) return
      const order = layered === undefined ? 1 : fromEngine === undefined ? -1 : compareBytes(layered[0], fromEngine[0])
      if (order > 0) {
        yield fromEngine as readonly [Uint8Array, Uint8Array]
        fromEngine = await nextEngine()
        continue
      }
      const [key, value] = layered as [Uint8Array, Uint8Array | null]
      fromOverlay = overlay.next()
      // The layers shadow the engine's entry at the same key.
      if (order === 0) fromEngine = await nextEngine()
      if (value !== null) yield [key, value]
    }
  } finally {
    await engine?.return?.()
  }
}

// Merges ascending (key, value|tombstone) iterators of the layers, the first one winning on
// equal keys, up to `end` (exclusive).
function* mergeLayers(
  sources: Iterator<[Uint8Array, Uint8Array | null]>[],
  end: Uint8Array | undefined,
): Generator<[Uint8Array, Uint8Array | null]> {
  const heads = sources.map((source) => source.next())
  for (;;) {
    let best = -1
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i] as IteratorResult<[Uint8Array, Uint8Array | null]>
      if (head.done === true) continue
      if (end !== undefined && compareBytes(head.value[0], end) >= 0) continue
      if (
        best < 0 ||
        compareBytes(head.value[0], (heads[best] as IteratorYieldResult<[Uint8Array, Uint8Array | null]>).value[0]) < 0
      ) {
        best = i
      }
    }
    if (best < 0) return
    const winner = (heads[best] as IteratorYieldResult<[Uint8Array, Uint8Array | null]>).value
    yield winner
    // Advance every source positioned at this key (lower layers are shadowed).
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i] as IteratorResult<[Uint8Array, Uint8Array | null]>
      if (head.done !== true && compareBytes(head.value[0], winner[0]) === 0) {
        heads[i] = (sources[i] as Iterator<[Uint8Array, Uint8Array | null]>).next()
      }
    }
  }
}

// The records of a snapshot of a read transaction's view: buckets in name order, each with its
// entries in key order.
async function* snapshotRecords(tx: BufferedReadTx): AsyncGenerator<SnapshotRecord> {
  for (const bucket of tx.bucketNames()) {
    yield { kind: 'bucket', bucket }
    for await (const [key, value] of tx.entries(bucket)) yield { kind: 'entry', key, value }
  }
}

// Turns snapshot records into engine entries (registry markers and prefixed data), collecting
// the bucket names.
async function* engineEntries(
  records: AsyncIterable<SnapshotRecord>,
  buckets: Set<BucketName>,
): AsyncGenerator<readonly [Uint8Array, Uint8Array]> {
  let prefix: Uint8Array | undefined
  for await (const record of records) {
    if (record.kind === 'bucket') {
      assertBucketName(record.bucket)
      buckets.add(record.bucket)
      prefix = bucketPrefix(record.bucket)
      yield [registryKey(record.bucket), new Uint8Array(0)]
    } else {
      yield [withPrefix(prefix as Uint8Array, record.key), record.value]
    }
  }
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${field} must be a positive integer, got ${value}`)
  }
  return value
}
