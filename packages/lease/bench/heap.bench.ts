/**
 * `npm run bench:heap` (packages/lease): the expiry queue against well-kept npm heaps, on the
 * lessor's workload: 100 000 leases granted (insert), 1 000 000 renewals (each moves one lease's
 * expiry to now + TTL, the latest time), then everything drained in expiry order.
 *
 * Our `LeaseQueue` updates a lease's slot in place (etcd's `LeaseExpiredNotifier`). heap-js and
 * tinyqueue have no O(log n) update by key (heap-js's `remove` is a linear search), so they run
 * with lazy deletion: every renewal pushes a new entry, a map holds each lease's current one,
 * and stale entries are skipped when they surface.
 */
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { Heap } from 'heap-js'
import TinyQueue from 'tinyqueue'
import { LeaseQueue } from '../src/lease-queue.js'

const LEASES = 100_000
const RENEWALS = 1_000_000
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

interface Candidate {
  upsert(id: bigint, time: number): void
  /** The next lease by time, or undefined when empty. */
  pop(): bigint | undefined
}

interface Slot {
  readonly id: bigint
  time: number
  index: number
}

function own(): Candidate {
  const queue = new LeaseQueue<Slot>()
  const slots = new Map<bigint, Slot>()
  return {
    upsert(id, time) {
      let slot = slots.get(id)
      if (slot === undefined) {
        slot = { id, time, index: -1 }
        slots.set(id, slot)
      }
      queue.upsert(slot, time)
    },
    pop() {
      const slot = queue.pop()
      if (slot === undefined) return undefined
      slots.delete(slot.id)
      return slot.id
    },
  }
}

interface Entry {
  readonly id: bigint
  readonly time: number
}

function lazy(push: (entry: Entry) => void, take: () => Entry | undefined): Candidate {
  const current = new Map<bigint, Entry>()
  return {
    upsert(id, time) {
      const entry = { id, time }
      current.set(id, entry)
      push(entry)
    },
    pop() {
      for (;;) {
        const entry = take()
        if (entry === undefined) return undefined
        if (current.get(entry.id) === entry) {
          current.delete(entry.id)
          return entry.id
        }
      }
    },
  }
}

const byTime = (a: Entry, b: Entry) => a.time - b.time
const candidates: Record<string, () => Candidate> = {
  'LeaseQueue (ours, update in place)': own,
  'heap-js 2.7.1 (lazy deletion)': () => {
    const heap = new Heap<Entry>(byTime)
    return lazy(
      (entry) => heap.push(entry),
      () => heap.pop(),
    )
  },
  'tinyqueue 3.0.0 (lazy deletion)': () => {
    const queue = new TinyQueue<Entry>([], byTime)
    return lazy(
      (entry) => queue.push(entry),
      () => queue.pop(),
    )
  },
}

function run(name: string, make: () => Candidate): string[] {
  gc()
  const before = process.memoryUsage().heapUsed
  const candidate = make()
  let seed = 1
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return seed / 2 ** 32
  }
  let now = 0
  let start = performance.now()
  for (let i = 1; i <= LEASES; i++) candidate.upsert(BigInt(i), 10_000 + random() * 50_000)
  const insertMs = performance.now() - start
  start = performance.now()
  for (let i = 0; i < RENEWALS; i++) {
    now += 0.05
    candidate.upsert(BigInt(1 + Math.floor(random() * LEASES)), now + 60_000)
  }
  const renewMs = performance.now() - start
  gc()
  const heapMb = (process.memoryUsage().heapUsed - before) / 1e6
  start = performance.now()
  let count = 0
  while (candidate.pop() !== undefined) count++
  const drainMs = performance.now() - start
  if (count !== LEASES) throw new Error(`${name}: drained ${count}`)
  return [name, insertMs.toFixed(0), renewMs.toFixed(0), drainMs.toFixed(0), heapMb.toFixed(1)]
}

const rows: string[][] = [['queue', 'insert 100k (ms)', 'renew 1M (ms)', 'drain (ms)', 'heap after renewals (MB)']]
for (let round = 0; round < 3; round++) {
  for (const [name, make] of Object.entries(candidates)) {
    const row = run(name, make)
    if (round === 2) rows.push(row) // rounds 0-1 warm up
  }
}
console.log(
  `${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}`,
)
for (const row of rows) console.log(`| ${row.join(' | ')} |`)
