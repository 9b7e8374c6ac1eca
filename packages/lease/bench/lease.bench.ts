/**
 * `npm run bench` (packages/lease): the lessor on the memory backend and a manual clock.
 *
 * - grants/s: 100 000 grants on the primary (each one write transaction with its record, plus
 *   an expiry-heap insert);
 * - renews/s: 100 000 `await renew(id)` in random order (a heap update each);
 * - attaches/s: one key per lease;
 * - expiry processing of 100 000 leases expiring together: at etcd's rate (500 per 500 ms
 *   loop, 100 s of clock time), with every reported lease revoked as the server would (one
 *   write transaction deleting its key and record each); and the same with no rate limit, to
 *   show the heap's own cost;
 * - the lessor's own heap per lease and per attached key (on a backend that keeps nothing);
 * - promote of 100 000 leases expiring together (refresh and spreading).
 */
import { cpus, release } from 'node:os'
import { performance } from 'node:perf_hooks'
import type { Backend } from '@etcd-ts/backend'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { type Clock, Lessor, type LessorOptions, type RangeDeleter } from '@etcd-ts/lease'

const N = 100_000
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

class ManualClock implements Clock {
  #now = 0
  #timers: { at: number; fn: () => void }[] = []
  now(): number {
    return this.#now
  }
  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.#now + ms, fn }
    this.#timers.push(timer)
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer)
    }
  }
  advance(ms: number): void {
    const target = this.#now + ms
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0]
      if (due === undefined) break
      this.#timers = this.#timers.filter((t) => t !== due)
      this.#now = Math.max(this.#now, due.at)
      due.fn()
    }
    this.#now = target
  }
}

const key = (i: number): Uint8Array => new TextEncoder().encode(`/registry/leases/${i.toString().padStart(8, '0')}`)

// A range deleter deleting from a `kv` bucket in the locked write transaction (mvcc's shape).
function rangeDeleter(backend: Backend): RangeDeleter {
  return () => {
    const tx = backend.batchTx()
    tx.lock()
    return {
      deleteRange: (k) => tx.unsafeDelete('kv', k),
      end: () => tx.unlock(),
    }
  }
}

function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i + 1)
  let seed = 42
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0
    const j = seed % (i + 1)
    ;[order[i], order[j]] = [order[j] as number, order[i] as number]
  }
  return order
}

async function setup(options: LessorOptions = {}) {
  const clock = new ManualClock()
  const backend = new MemoryBackend({}, { clock })
  await backend.open()
  const tx = backend.batchTx()
  tx.lock()
  tx.unsafeCreateBucket('kv')
  for (let i = 1; i <= N; i++) tx.unsafePut('kv', key(i), key(i))
  tx.unlock()
  const lessor = new Lessor(options, { backend, clock, rangeDeleter: rangeDeleter(backend) })
  await lessor.start()
  lessor.promote(0)
  return { clock, backend, lessor }
}

const rows: [string, string][] = []
const rate = (count: number, ms: number) => `${Math.round(count / (ms / 1000)).toLocaleString('en-US')} /s`

{
  // The lessor's own memory: a backend that keeps nothing.
  const tx = { lock() {}, unlock() {}, unsafeCreateBucket() {}, unsafePut() {}, unsafeDelete() {} }
  const nullBackend = {
    batchTx: () => tx,
    readTx: () => ({ unsafeForEach: async () => {} }),
  } as unknown as Backend
  const keys = Array.from({ length: N }, (_, i) => key(i + 1))
  const lessor = new Lessor({}, { backend: nullBackend, clock: new ManualClock() })
  await lessor.start()
  lessor.promote(0)
  const heap = () => {
    for (let i = 0; i < 3; i++) gc()
    return process.memoryUsage().heapUsed
  }
  const h0 = heap()
  for (let i = 1; i <= N; i++) lessor.grant(BigInt(i), 60)
  const h1 = heap()
  for (let i = 1; i <= N; i++) lessor.attach(BigInt(i), [keys[i - 1] as Uint8Array])
  const h2 = heap()
  rows.push([
    'lessor heap per lease / per attached key',
    `${((h1 - h0) / N).toFixed(0)} B / ${((h2 - h1) / N).toFixed(0)} B (${((h2 - h0) / 1e6).toFixed(1)} MB for 100 000 leases with a key each)`,
  ])
  lessor.stop()
}

{
  const { lessor } = await setup()
  let start = performance.now()
  for (let i = 1; i <= N; i++) lessor.grant(BigInt(i), 60)
  rows.push(['grants (primary, record written)', rate(N, performance.now() - start)])
  start = performance.now()
  for (let i = 1; i <= N; i++) lessor.attach(BigInt(i), [key(i)])
  rows.push(['attaches (one key each)', rate(N, performance.now() - start)])
  const order = shuffled(N)
  start = performance.now()
  for (const i of order) await lessor.renew(BigInt(i))
  rows.push(['renews (await each, random order)', rate(N, performance.now() - start)])
  start = performance.now()
  for (const i of order) lessor.timeToLive(BigInt(i))
  rows.push(['timeToLive', rate(N, performance.now() - start)])
  lessor.stop()
}

for (const [label, options] of [
  ["expiry of 100 000 at etcd's rate (500 per 500 ms loop), revoking each", {}],
  ['expiry of 100 000, no rate limit, revoking each', { revokeRatePerSecond: 1e9 }],
] as const) {
  const { lessor, clock } = await setup(options)
  for (let i = 1; i <= N; i++) lessor.grant(BigInt(i), 10)
  for (let i = 1; i <= N; i++) lessor.attach(BigInt(i), [key(i)])
  let revoked = 0
  const reader = (async () => {
    for await (const expired of lessor.expiredLeases()) {
      for (const lease of expired) {
        lessor.revoke(lease.id)
        revoked++
      }
    }
  })()
  gc()
  const heapBefore = process.memoryUsage().heapUsed
  let heapPeak = heapBefore
  const start = performance.now()
  let simulatedMs = 0
  clock.advance(9_500)
  while (revoked < N) {
    clock.advance(500)
    simulatedMs += 500
    await new Promise((resolve) => setImmediate(resolve))
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)
  }
  const ms = performance.now() - start
  gc()
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`
  rows.push([
    label,
    `${ms.toFixed(0)} ms (${rate(N, ms)}) for ${(simulatedMs / 1000).toFixed(1)} s of clock time; heap ${mb(heapBefore)} → peak ${mb(heapPeak)} → ${mb(process.memoryUsage().heapUsed)} after GC`,
  ])
  lessor.stop()
  await reader
}

{
  // Finding expired leases alone: one loop run over 100 000 due, nothing revoked.
  const { lessor, clock } = await setup({ revokeRatePerSecond: 1e9 })
  for (let i = 1; i <= N; i++) lessor.grant(BigInt(i), 10)
  let reported = 0
  const reader = (async () => {
    for await (const expired of lessor.expiredLeases()) reported += expired.length
  })()
  clock.advance(9_500)
  const start = performance.now()
  clock.advance(500)
  const ms = performance.now() - start
  await new Promise((resolve) => setImmediate(resolve))
  rows.push([
    'one loop reporting 100 000 due leases (heap pops + re-queue)',
    `${ms.toFixed(0)} ms (${rate(reported, ms)})`,
  ])
  lessor.stop()
  await reader
}

{
  const { lessor } = await setup()
  for (let i = 1; i <= N; i++) lessor.grant(BigInt(i), 10)
  lessor.demote()
  const start = performance.now()
  lessor.promote(1000)
  rows.push([
    'promote of 100 000 leases expiring together (spread to 750/s)',
    `${(performance.now() - start).toFixed(0)} ms`,
  ])
  lessor.stop()
}

console.log(
  `@etcd-ts/lease, ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}, Linux ${release()}`,
)
console.log('| operation | result |\n|---|---|')
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`)
