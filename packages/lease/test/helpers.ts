// Test fixtures: a manual clock, a tiny KV store standing in for mvcc (its write txn is the
// lessor's range deleter), and a reader of the expired-lease channel.
import type { Backend, BatchTx } from '@etcd-ts/backend'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import {
  type Clock,
  type Lease,
  type LeaseId,
  Lessor,
  type LessorComponents,
  type LessorOptions,
  type RangeDeleter,
} from '@etcd-ts/lease'

export const text = (s: string): Uint8Array => new TextEncoder().encode(s)
export const str = (b: Uint8Array): string => new TextDecoder().decode(b)

interface Timer {
  readonly at: number
  readonly seq: number
  readonly callback: () => void
}

/** A clock that moves only on `advance()`, running due timers in time order at their due time. */
export class ManualClock implements Clock {
  #now: number
  #seq = 0
  #timers: Timer[] = []

  constructor(startMs = 0) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback }
    this.#timers.push(timer)
    return () => {
      const i = this.#timers.indexOf(timer)
      if (i >= 0) this.#timers.splice(i, 1)
    }
  }

  /** Pending timers. */
  get pending(): number {
    return this.#timers.length
  }

  /** Moves time forward by `ms`, running every timer due on the way (with `now()` = its due time). */
  advance(ms: number): void {
    const target = this.#now + ms
    for (;;) {
      let next: Timer | undefined
      for (const timer of this.#timers) {
        if (
          timer.at <= target &&
          (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
        ) {
          next = timer
        }
      }
      if (next === undefined) break
      this.#timers.splice(this.#timers.indexOf(next), 1)
      this.#now = Math.max(this.#now, next.at)
      next.callback()
    }
    this.#now = target
  }
}

/** Lets pending promise callbacks run (no real time passes). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export const KV_BUCKET = 'kv'

/**
 * A KV store standing in for mvcc: keys in the `kv` bucket, a revision bumped once per write
 * txn that changed something, leases attached and detached as mvcc does. Its write txn holds
 * the backend's write transaction locked from begin to end, as the lessor's contract asks.
 */
export class FakeKv {
  revision = 1
  /** Every deleteRange call, in order. */
  readonly deleted: Uint8Array[] = []
  lessor: Lessor | undefined
  readonly #backend: Backend

  constructor(backend: Backend) {
    this.#backend = backend
    const tx = backend.batchTx()
    tx.lock()
    tx.unsafeCreateBucket(KV_BUCKET)
    tx.unlock()
  }

  put(key: Uint8Array, value: Uint8Array, leaseId: LeaseId = 0n): void {
    const tx = this.#backend.batchTx()
    tx.lock()
    try {
      tx.unsafePut(KV_BUCKET, key, value)
      const lessor = this.lessor
      if (lessor !== undefined) {
        const old = lessor.getLease(key)
        if (old !== 0n && old !== leaseId) lessor.detach(old, [key])
        if (leaseId !== 0n) lessor.attach(leaseId, [key])
      }
    } finally {
      tx.unlock()
    }
    this.revision++
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.#backend.readTx().unsafeGet(KV_BUCKET, key)
  }

  readonly rangeDeleter: RangeDeleter = () => {
    const tx: BatchTx = this.#backend.batchTx()
    tx.lock()
    let changed = false
    return {
      deleteRange: (key) => {
        this.deleted.push(key)
        if (tx.unsafeGet(KV_BUCKET, key) === undefined) return
        tx.unsafeDelete(KV_BUCKET, key)
        changed = true
        const lessor = this.lessor
        const id = lessor?.getLease(key) ?? 0n
        if (id !== 0n) lessor?.detach(id, [key])
      },
      end: () => {
        tx.unlock()
        if (changed) this.revision++
      },
    }
  }
}

/** Collects what `expiredLeases()` yields, with the time each batch arrived. */
export class ExpiredCollector {
  readonly batches: { at: number; leases: readonly Lease[] }[] = []
  readonly done: Promise<void>

  constructor(lessor: Lessor, clock: Clock, onBatch?: (leases: readonly Lease[]) => void) {
    this.done = (async () => {
      for await (const leases of lessor.expiredLeases()) {
        this.batches.push({ at: clock.now(), leases })
        onBatch?.(leases)
      }
    })()
  }

  get ids(): LeaseId[] {
    return this.batches.flatMap((batch) => batch.leases.map((lease) => lease.id))
  }
}

export interface Fixture {
  readonly backend: MemoryBackend
  readonly clock: ManualClock
  readonly kv: FakeKv
  readonly lessor: Lessor
}

/** A started lessor on a fresh memory backend and a manual clock, with the fake KV wired in. */
export async function fixture(
  options: LessorOptions = {},
  components: Partial<LessorComponents> = {},
  clock = new ManualClock(),
): Promise<Fixture> {
  const backend = new MemoryBackend({}, { clock })
  await backend.open()
  const kv = new FakeKv(backend)
  const lessor = new Lessor(options, { backend, clock, rangeDeleter: kv.rangeDeleter, ...components })
  kv.lessor = lessor
  await lessor.start()
  return { backend, clock, kv, lessor }
}
