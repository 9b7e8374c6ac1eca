/**
 * `npm run bench` (packages/backend-level): throughput of the LevelDB adapter through the
 * backend contract, 32-byte keys and 256-byte values, on the disk under `os.tmpdir()`:
 *
 * - puts/s through `batchTx` (lock, 1000 puts, unlock; the event loop turns between
 *   transactions so commits proceed meanwhile), sequential and random key order, with the
 *   default batch limit (a synced commit every 10 000 writes), until the last commit is durable;
 * - point reads (`unsafeGet`) and ranges of 100 keys (`unsafeRange`, limit 100) per second on
 *   committed data, through a concurrent read transaction (a LevelDB snapshot) and the live one;
 * - snapshot streaming of the ~100 MB sequential store in MB/s (`snapshot()` sizes the stream
 *   with a first pass, then `chunks()` streams it: both are counted), restore of that stream
 *   into a new store, and defrag of it.
 *
 * Same shape as backend-memory's bench, so the figures compare.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { cpus, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Backend } from '@etcd-ts/backend'
import { LevelBackend } from '@etcd-ts/backend-level'

const KEYS = 350_000
const PER_TX = 1000
// Pseudo-random values (a pool of 4096), so that Snappy cannot shrink the tables.
const VALUES = Array.from({ length: 4096 }, (_, v) => {
  let seed = v + 1
  return new Uint8Array(256).map(() => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return seed >>> 24
  })
})
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

async function directoryBytes(dir: string): Promise<number> {
  let bytes = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += (await stat(join(entry.parentPath, entry.name))).size
  }
  return bytes
}

const turn = () => new Promise((resolve) => setImmediate(resolve))

async function fill(backend: Backend, order: number[]): Promise<number> {
  const tx = backend.batchTx()
  const start = performance.now()
  for (let i = 0; i < order.length; i += PER_TX) {
    tx.lock()
    for (let j = i; j < Math.min(i + PER_TX, order.length); j++)
      tx.unsafePut(BUCKET, key(order[j] as number), VALUES[(order[j] as number) % 4096] as Uint8Array)
    tx.unlock()
    await turn()
  }
  await backend.forceCommit()
  return order.length / ((performance.now() - start) / 1000)
}

async function fresh(location: string): Promise<LevelBackend> {
  const backend = new LevelBackend({ location })
  await backend.open()
  const tx = backend.batchTx()
  tx.lock()
  tx.unsafeCreateBucket(BUCKET)
  tx.unlock()
  return backend
}

const MB = 1e6
const root = await mkdtemp(join(tmpdir(), 'etcd-ts-backend-level-bench-'))
const rows: [string, string][] = []
try {
  const sequential = await fresh(join(root, 'sequential'))
  rows.push([
    `sequential puts/s (${KEYS} keys)`,
    (
      await fill(
        sequential,
        Array.from({ length: KEYS }, (_, i) => i),
      )
    ).toFixed(0),
  ])
  const random = await fresh(join(root, 'random'))
  rows.push([`random puts/s (${KEYS} keys)`, (await fill(random, shuffled(KEYS))).toFixed(0)])
  await random.close()

  const probes = shuffled(KEYS).slice(0, 200_000)
  for (const [label, reader] of [
    ['concurrent read', sequential.concurrentReadTx()],
    ['live read', sequential.readTx()],
  ] as const) {
    let start = performance.now()
    for (const i of probes) if (reader.unsafeGet(BUCKET, key(i)) === undefined) throw new Error('missing key')
    rows.push([
      `range of 1 key (unsafeGet, ${label})/s`,
      (probes.length / ((performance.now() - start) / 1000)).toFixed(0),
    ])
    start = performance.now()
    const ranges = 10_000
    for (let r = 0; r < ranges; r++) {
      const from = (probes[r] as number) % (KEYS - 100)
      const { keys } = await reader.unsafeRange(BUCKET, key(from), key(KEYS), 100)
      if (keys.length !== 100) throw new Error('short range')
    }
    rows.push([
      `range of 100 keys (unsafeRange, ${label})/s`,
      (ranges / ((performance.now() - start) / 1000)).toFixed(0),
    ])
    if ('close' in reader) reader.close()
  }

  let start = performance.now()
  const snapshot = await sequential.snapshot()
  const chunks: Uint8Array[] = []
  for await (const chunk of snapshot.chunks()) chunks.push(chunk.slice())
  await snapshot.close()
  let seconds = (performance.now() - start) / 1000
  rows.push([
    `snapshot streaming (${(snapshot.size / MB).toFixed(1)} MB) MB/s`,
    (snapshot.size / MB / seconds).toFixed(1),
  ])

  const restored = new LevelBackend({ location: join(root, 'restored') })
  await restored.open()
  start = performance.now()
  await restored.restore(
    (async function* () {
      yield* chunks
    })(),
  )
  seconds = (performance.now() - start) / 1000
  rows.push(['restore of that snapshot MB/s', (snapshot.size / MB / seconds).toFixed(1)])
  await restored.close()

  // Defrag after deleting every other key, as after an mvcc compaction.
  const tx = sequential.batchTx()
  for (let i = 0; i < KEYS; i += 2 * PER_TX) {
    tx.lock()
    for (let j = i; j < Math.min(i + 2 * PER_TX, KEYS); j += 2) tx.unsafeDelete(BUCKET, key(j))
    tx.unlock()
    await turn()
  }
  await sequential.forceCommit()
  const before = await directoryBytes(sequential.location)
  start = performance.now()
  await sequential.defrag()
  seconds = (performance.now() - start) / 1000
  const after = await directoryBytes(sequential.location)
  rows.push([
    `defrag (rewrite) after deleting half: ${(before / MB).toFixed(0)} → ${(after / MB).toFixed(0)} MB, s`,
    seconds.toFixed(2),
  ])
  await sequential.close()
} finally {
  await rm(root, { recursive: true, force: true })
}

const cpu = cpus()
console.log(
  `backend-level bench, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, Linux ${release()}`,
)
console.log('32-byte keys, 256-byte values, 1000 puts per transaction, a synced commit every 10 000 writes\n')
console.log('| operation | rate |\n|---|---|')
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`)
