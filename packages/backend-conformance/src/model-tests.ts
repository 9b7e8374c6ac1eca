// The whole contract at once, against the naive twin: random sequences of write-transaction
// steps, commits, time, concurrent reads, hashes, defrag, snapshot/restore (and reopen for
// durable adapters), every read checked against a Map per bucket, every concurrent read against
// a frozen copy of the model taken when it was opened.
import assert from 'node:assert/strict'
import { describe } from 'node:test'
import type { Backend, BatchTx, ConcurrentReadTx, ReadTx } from '@etcd-ts/backend'
import fc from 'fast-check'
import { bytes, concat, equal, text } from './bytes.js'
import type { Fixture } from './fixture.js'
import {
  assertBytes,
  assertContent,
  assertEntries,
  collectSnapshot,
  readContent,
  rejectsWithCode,
  type Suite,
  streamOf,
  turn,
} from './harness.js'
import { Model, referenceHash, referenceSnapshot } from './model.js'

/** Runs of the property and steps per run: ≥ 200 × ~50. */
const RUNS = 200
const MIN_STEPS = 40
const MAX_STEPS = 60
/** Fixed, so that every run of the suite checks the same sequences (fast-check prints the path of a failure). */
const SEED = 0x5eed_e7cd

const BUCKETS = ['a', 'b', 'key'] as const
const KEYS: readonly Uint8Array[] = [
  bytes(),
  bytes(0x00),
  bytes(0x00, 0x00),
  bytes(0x01),
  text('a'),
  text('a\0'),
  text('ab'),
  bytes(0xff),
  bytes(0xff, 0xff),
]

/** Range ends: the keys, and one past all of them. */
const ENDS: readonly Uint8Array[] = [...KEYS, bytes(0xff, 0xff, 0xff)]

type Bucket = (typeof BUCKETS)[number]
/**
 * A write step. With the lock held it joins the open transaction; without, `wrap` makes it a
 * transaction of its own (lock, write, unlock), and otherwise it must be refused.
 */
interface Write {
  readonly wrap: boolean
}

/** Which reader: 0 the live readTx, 1 the write transaction (when locked), 2+ a concurrent read. */
type ReaderChoice = number

type Step =
  | { readonly op: 'lock' }
  | { readonly op: 'unlock' }
  | (Write & {
      readonly op: 'put'
      readonly bucket: Bucket
      readonly key: number
      readonly value: Uint8Array
      readonly seq: boolean
    })
  | (Write & { readonly op: 'delete'; readonly bucket: Bucket; readonly key: number })
  | (Write & { readonly op: 'createBucket'; readonly bucket: Bucket })
  | (Write & { readonly op: 'deleteBucket'; readonly bucket: Bucket })
  | { readonly op: 'forceCommit'; readonly wait: boolean }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'openRead' }
  | { readonly op: 'closeRead'; readonly which: number }
  | { readonly op: 'get'; readonly reader: ReaderChoice; readonly bucket: Bucket; readonly key: number }
  | {
      readonly op: 'range'
      readonly reader: ReaderChoice
      readonly bucket: Bucket
      readonly key: number
      readonly end: number | undefined
      readonly limit: number
    }
  | { readonly op: 'hash' }
  | { readonly op: 'defrag' }
  | { readonly op: 'snapshotRestore' }
  | { readonly op: 'reopen' }

function stepArbitrary(durable: boolean): fc.Arbitrary<Step> {
  // Biased so that buckets fill up: most steps go to 'a'.
  const bucket = fc.oneof(
    { weight: 5, arbitrary: fc.constant('a' as const) },
    { weight: 3, arbitrary: fc.constant('b' as const) },
    { weight: 2, arbitrary: fc.constant('key' as const) },
  )
  const key = fc.nat({ max: KEYS.length - 1 })
  // Ranges start low and end high often enough to hold several entries.
  const start = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: key })
  const end = fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constant(ENDS.length - 1) },
    { weight: 3, arbitrary: fc.nat({ max: ENDS.length - 1 }) },
  )
  const reader = fc.nat({ max: 5 })
  // Most writes made without the lock get one of their own; a quarter must be refused.
  const wrap = fc.nat({ max: 3 }).map((n) => n > 0)
  const arbitraries: { weight: number; arbitrary: fc.Arbitrary<Step> }[] = [
    { weight: 6, arbitrary: fc.constant({ op: 'lock' as const }) },
    { weight: 6, arbitrary: fc.constant({ op: 'unlock' as const }) },
    {
      weight: 35,
      arbitrary: fc.record({
        op: fc.constant('put' as const),
        bucket,
        key,
        value: fc.uint8Array({ maxLength: 4 }),
        seq: fc.boolean(),
        wrap,
      }),
    },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('delete' as const), bucket, key, wrap }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('createBucket' as const), bucket, wrap }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteBucket' as const), bucket, wrap }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('forceCommit' as const), wait: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.nat({ max: 150 }) }) },
    { weight: 5, arbitrary: fc.constant({ op: 'openRead' as const }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('closeRead' as const), which: fc.nat({ max: 20 }) }) },
    { weight: 10, arbitrary: fc.record({ op: fc.constant('get' as const), reader, bucket, key }) },
    {
      weight: 15,
      arbitrary: fc.record({
        op: fc.constant('range' as const),
        reader,
        bucket,
        key: start,
        end,
        limit: fc.nat({ max: 4 }),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ op: 'hash' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'defrag' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'snapshotRestore' as const }) },
  ]
  if (durable) arbitraries.push({ weight: 2, arbitrary: fc.constant({ op: 'reopen' as const }) })
  return fc.oneof(...arbitraries)
}

interface OpenRead {
  readonly tx: ConcurrentReadTx
  readonly model: Model
  closed: boolean
}

/** One run: the backend, and the model of what readers must see. */
class Run {
  readonly #f: Fixture
  backend: Backend
  tx: BatchTx
  /** What readers see: committed and unlocked. */
  visible = new Model()
  /** What the locked write transaction sees; undefined when unlocked. */
  local: Model | undefined
  readonly reads: OpenRead[] = []
  readonly inFlight: Promise<void>[] = []

  constructor(f: Fixture, backend: Backend) {
    this.#f = f
    this.backend = backend
    this.tx = backend.batchTx()
  }

  /** Starts with two of the buckets, committed, so that most steps find theirs. */
  async start(): Promise<void> {
    this.tx.lock()
    for (const bucket of ['a', 'b'] as const) {
      this.tx.unsafeCreateBucket(bucket)
      this.visible.createBucket(bucket)
    }
    this.tx.unlock()
    await this.backend.forceCommit()
  }

  // The reader a step names, with the model it must agree with.
  #reader(choice: ReaderChoice): { name: string; reader: ReadTx; model: Model; closed: boolean } {
    if (choice === 1 && this.local !== undefined) {
      return { name: 'batchTx', reader: this.tx, model: this.local, closed: false }
    }
    const open = this.reads
    if (choice >= 2 && open.length > 0) {
      const read = open[(choice - 2) % open.length] as OpenRead
      return {
        name: `concurrentReadTx #${open.indexOf(read)}`,
        reader: read.tx,
        model: read.model,
        closed: read.closed,
      }
    }
    return { name: 'readTx', reader: this.backend.readTx(), model: this.visible, closed: false }
  }

  // A write step: joins the locked transaction, or makes its own (`wrap`), or is refused.
  #write(step: Write, bucket: Bucket | undefined, apply: (tx: BatchTx) => void, model: (local: Model) => void): void {
    if (this.local === undefined && step.wrap) {
      this.tx.lock()
      this.local = this.visible.clone()
      try {
        this.#write(step, bucket, apply, model)
      } finally {
        this.tx.unlock()
        this.visible = this.local
        this.local = undefined
      }
      return
    }
    if (this.local === undefined) {
      assert.throws(
        () => apply(this.tx),
        (error: { code?: string }) =>
          // Without the lock, a write to a missing bucket may report either.
          error.code === 'BACKEND_TX_NOT_LOCKED' ||
          (bucket !== undefined && !this.visible.hasBucket(bucket) && error.code === 'BACKEND_BUCKET_NOT_FOUND'),
      )
      return
    }
    if (bucket !== undefined && !this.local.hasBucket(bucket)) {
      assert.throws(() => apply(this.tx), { code: 'BACKEND_BUCKET_NOT_FOUND' })
      return
    }
    apply(this.tx)
    model(this.local)
  }

  async step(step: Step): Promise<void> {
    switch (step.op) {
      case 'lock':
        if (this.local !== undefined) {
          assert.throws(() => this.tx.lock(), { code: 'BACKEND_TX_LOCKED' })
        } else {
          this.tx.lock()
          this.local = this.visible.clone()
        }
        return
      case 'unlock':
        if (this.local === undefined) {
          assert.throws(() => this.tx.unlock(), { code: 'BACKEND_TX_NOT_LOCKED' })
        } else {
          this.tx.unlock()
          this.visible = this.local
          this.local = undefined
        }
        return
      case 'put': {
        const key = KEYS[step.key] as Uint8Array
        this.#write(
          step,
          step.bucket,
          (tx) => (step.seq ? tx.unsafeSeqPut : tx.unsafePut).call(tx, step.bucket, key, step.value),
          (m) => m.put(step.bucket, key, step.value),
        )
        return
      }
      case 'delete': {
        const key = KEYS[step.key] as Uint8Array
        this.#write(
          step,
          step.bucket,
          (tx) => tx.unsafeDelete(step.bucket, key),
          (m) => m.delete(step.bucket, key),
        )
        return
      }
      case 'createBucket':
        this.#write(
          step,
          undefined,
          (tx) => tx.unsafeCreateBucket(step.bucket),
          (m) => m.createBucket(step.bucket),
        )
        return
      case 'deleteBucket':
        this.#write(
          step,
          undefined,
          (tx) => tx.unsafeDeleteBucket(step.bucket),
          (m) => m.deleteBucket(step.bucket),
        )
        return
      case 'forceCommit':
        if (step.wait) await this.backend.forceCommit()
        else this.inFlight.push(this.backend.forceCommit())
        return
      case 'advance':
        this.#f.clock.advance(step.ms)
        await turn()
        return
      case 'openRead':
        this.reads.push({ tx: this.backend.concurrentReadTx(), model: this.visible.clone(), closed: false })
        return
      case 'closeRead': {
        const read = this.reads[step.which % Math.max(1, this.reads.length)]
        if (read === undefined) return
        read.tx.close()
        read.closed = true
        return
      }
      case 'get': {
        const { name, reader, model, closed } = this.#reader(step.reader)
        const key = KEYS[step.key] as Uint8Array
        if (closed) {
          assert.throws(() => reader.unsafeGet(step.bucket, key), { code: 'BACKEND_TX_CLOSED' }, name)
        } else if (!model.hasBucket(step.bucket)) {
          assert.throws(() => reader.unsafeGet(step.bucket, key), { code: 'BACKEND_BUCKET_NOT_FOUND' }, name)
        } else {
          const expected = model.get(step.bucket, key)
          const actual = reader.unsafeGet(step.bucket, key)
          if (expected === undefined) assert.equal(actual, undefined, `${name}: absent`)
          else assertBytes(actual, expected, name)
        }
        return
      }
      case 'range': {
        const { name, reader, model, closed } = this.#reader(step.reader)
        const key = KEYS[step.key] as Uint8Array
        const end = step.end === undefined ? undefined : ENDS[step.end]
        if (closed) {
          await rejectsWithCode(() => reader.unsafeRange(step.bucket, key, end, step.limit), 'BACKEND_TX_CLOSED', name)
        } else if (!model.hasBucket(step.bucket)) {
          await rejectsWithCode(
            () => reader.unsafeRange(step.bucket, key, end, step.limit),
            'BACKEND_BUCKET_NOT_FOUND',
            name,
          )
        } else {
          assertEntries(
            await reader.unsafeRange(step.bucket, key, end, step.limit),
            model.range(step.bucket, key, end, step.limit),
            name,
          )
        }
        return
      }
      case 'hash':
        assert.equal(await this.backend.hash(), referenceHash(this.visible.content()), 'hash')
        return
      case 'defrag':
        await this.backend.defrag()
        return
      case 'snapshotRestore': {
        const chunks = await collectSnapshot(await this.backend.snapshot())
        assert.ok(
          equal(concat(...chunks), referenceSnapshot(this.visible.content())),
          'the snapshot is the model in the documented format',
        )
        await this.backend.restore(streamOf(chunks))
        return
      }
      case 'reopen': {
        for (const read of this.reads) read.tx.close()
        this.reads.length = 0
        await Promise.all(this.inFlight.splice(0))
        this.local = undefined // a transaction still locked at close is lost
        this.backend = await this.#f.reopen(this.backend)
        this.tx = this.backend.batchTx()
        assertContent(await readContent(this.backend.readTx(), BUCKETS), this.visible.content(), 'after reopen')
        return
      }
    }
  }

  /** Settles everything and compares whole contents; closes the backend. */
  async finish(): Promise<void> {
    await Promise.all(this.inFlight.splice(0))
    if (this.local !== undefined) await this.step({ op: 'unlock' })
    const universe = [...BUCKETS]
    assertContent(await readContent(this.backend.readTx(), universe), this.visible.content(), 'readTx at the end')
    for (const [i, read] of this.reads.entries()) {
      if (!read.closed)
        assertContent(await readContent(read.tx, universe), read.model.content(), `concurrentReadTx #${i}`)
      read.tx.close()
    }
    assert.equal(await this.backend.hash(), referenceHash(this.visible.content()), 'hash at the end')
    await this.backend.close()
  }
}

export function modelTests(suite: Suite): void {
  describe('against a model', () => {
    suite.test(`random steps agree with a naive model (${RUNS} runs of ${MIN_STEPS}-${MAX_STEPS} steps)`, async (f) => {
      const steps = fc.array(stepArbitrary(suite.features.durable), { minLength: MIN_STEPS, maxLength: MAX_STEPS })
      await fc.assert(
        fc.asyncProperty(steps, async (sequence) => {
          const backend = await f.open({ options: { batchIntervalMs: 100, batchLimit: 8 } })
          const run = new Run(f, backend)
          try {
            await run.start()
            for (const [i, step] of sequence.entries()) {
              try {
                await run.step(step)
              } catch (error) {
                throw new Error(
                  `step ${i} ${JSON.stringify(step, (_, v) => (v instanceof Uint8Array ? [...v] : v))} failed`,
                  {
                    cause: error,
                  },
                )
              }
            }
            await run.finish()
          } finally {
            await run.backend.close().catch(() => {})
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: false },
      )
    })
  })
}
