/**
 * `npm run bench` (packages/backend-memory): throughput of the memory adapter through the
 * backend contract, 32-byte keys and 256-byte values:
 *
 * - puts/s through `batchTx` (lock, 1000 puts, unlock), sequential and random keys, with the
 *   default batch limit (a commit every 10 000 writes);
 * - point reads (`unsafeGet`) and ranges of 100 keys (`unsafeRange`, limit 100) per second on
 *   committed data;
 * - snapshot streaming in MB/s.
 */
import { cpus, release } from 'node:os'
import { performance } from 'node:perf_hooks'
import type { Backend } from '@etcd-ts/backend'
import { MemoryBackend } from '@etcd-ts/backend-memory'

const KEYS = 200_000
const VALUE = new Uint8Array(256).fill(7)
const BUCKET = 'key'

function key(i: number): Uint8Array {
  const out = new Uint8Array(32)
  new DataView(out.buffer).setUint32(28, i)
  return out
}

function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i)
  let seed = 42
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0
    const j = seed % (i + 1)
    ;[order[i], order[j]] = [order[j] as number, order[i] as number]
  }
  return order
}

async function fill(backend: Backend, order: number[]): Promise<number> {
  const tx = backend.batchTx()
  const start = performance.now()
  for (let i = 0; i < order.length; i += 1000) {
    tx.lock()
    for (let j = i; j < Math.min(i + 1000, order.length); j++) tx.unsafePut(BUCKET, key(order[j] as number), VALUE)
    tx.unlock()
  }
  await backend.forceCommit()
  return order.length / ((performance.now() - start) / 1000)
}

async function fresh(): Promise<MemoryBackend> {
  const backend = new MemoryBackend()
  await backend.open()
  const tx = backend.batchTx()
  tx.lock()
  tx.unsafeCreateBucket(BUCKET)
  tx.unlock()
  return backend
}

const rows: [string, string][] = []
const sequential = await fresh()
rows.push([
  'sequential puts/s',
  (
    await fill(
      sequential,
      Array.from({ length: KEYS }, (_, i) => i),
    )
  ).toFixed(0),
])
const random = await fresh()
rows.push(['random puts/s', (await fill(random, shuffled(KEYS))).toFixed(0)])

const reader = sequential.concurrentReadTx()
const probes = shuffled(KEYS)
let start = performance.now()
for (const i of probes) reader.unsafeGet(BUCKET, key(i))
rows.push(['range of 1 key (get)/s', (probes.length / ((performance.now() - start) / 1000)).toFixed(0)])
start = performance.now()
const ranges = 5_000
for (let r = 0; r < ranges; r++) {
  const from = (probes[r] as number) % (KEYS - 100)
  await reader.unsafeRange(BUCKET, key(from), key(KEYS), 100)
}
rows.push(['range of 100 keys/s', (ranges / ((performance.now() - start) / 1000)).toFixed(0)])
reader.close()

start = performance.now()
const snapshot = await sequential.snapshot()
let bytes = 0
for await (const chunk of snapshot.chunks()) bytes += chunk.length
await snapshot.close()
rows.push(['snapshot MB/s', (bytes / 1e6 / ((performance.now() - start) / 1000)).toFixed(1)])
await sequential.close()
await random.close()

console.log('@etcd-ts/backend-memory bench: 32-byte keys, 256-byte values')
console.log(`date    ${new Date().toISOString()}`)
console.log(`node    ${process.version} (${process.platform}/${process.arch}, ${release()})`)
console.log(`cpu     ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`)
console.log(`keys    ${KEYS}; snapshot ${(bytes / 1e6).toFixed(1)} MB`)
for (const [name, value] of rows) console.log(`${name.padEnd(24)} ${value.padStart(12)}`)
