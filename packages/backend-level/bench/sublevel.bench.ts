/**
 * `npm run bench:sublevel` (packages/backend-level): should buckets be abstract-level sublevels
 * instead of the core's key prefixes? Both on raw classic-level, same data (32-byte keys,
 * 256-byte values, 2 buckets written alternately as etcd writes `key` and `meta`):
 *
 * - prefix: the core's layout, `0x01 <name length> <name> <key>` (see `bucketPrefix` in
 *   @etcd-ts/backend), the prefixed key built per operation as the core does;
 * - sublevel: `db.sublevel(name)` per bucket (abstract-level prefixes `!name!` itself), written
 *   through one `db.batch()` chained batch with the `sublevel` option, read with
 *   `sublevel.getSync`.
 *
 * Puts/s (chained batches of 10 000, synced), point gets/s (`getSync`), and 100-key range
 * scans/s. Each variant runs 3 times, alternating; the best run is printed.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ClassicLevel } from 'classic-level'

const KEYS = 200_000
const BATCH = 10_000
const BUCKETS = ['key', 'meta'] as const
const VALUES = Array.from({ length: 1024 }, (_, v) => {
  let seed = v + 1
  return new Uint8Array(256).map(() => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return seed >>> 24
  })
})
const ascii = new TextEncoder()

function key(i: number): Uint8Array {
  const out = new Uint8Array(32)
  new DataView(out.buffer).setUint32(28, (i * 2654435761) >>> 0)
  return out
}

function prefixOf(bucket: string): Uint8Array {
  const name = ascii.encode(bucket)
  return Uint8Array.from([0x01, name.length, ...name])
}

function withPrefix(prefix: Uint8Array, k: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + k.length)
  out.set(prefix)
  out.set(k, prefix.length)
  return out
}

type Db = ClassicLevel<Uint8Array, Uint8Array>
const options = { keyEncoding: 'view', valueEncoding: 'view' } as const

interface Variant {
  put(db: Db, batch: ReturnType<Db['batch']>, bucket: string, k: Uint8Array, v: Uint8Array): void
  get(db: Db, bucket: string, k: Uint8Array): Uint8Array | undefined
  range(db: Db, bucket: string, from: Uint8Array, count: number): Promise<number>
}

const prefixes = new Map(BUCKETS.map((bucket) => [bucket as string, prefixOf(bucket)]))
const prefix: Variant = {
  put: (_db, batch, bucket, k, v) => batch.put(withPrefix(prefixes.get(bucket) as Uint8Array, k), v),
  get: (db, bucket, k) => db.getSync(withPrefix(prefixes.get(bucket) as Uint8Array, k)),
  async range(db, bucket, from, count) {
    const p = prefixes.get(bucket) as Uint8Array
    const lt = p.slice()
    lt[lt.length - 1] = (lt[lt.length - 1] as number) + 1
    const iterator = db.iterator({ gte: withPrefix(p, from), lt, ...options })
    const entries = await iterator.nextv(count)
    await iterator.close()
    return entries.length
  },
}

const makeSublevel = (db: Db, name: string) => db.sublevel<Uint8Array, Uint8Array>(name, options)
type Sublevel = ReturnType<typeof makeSublevel>
const sublevels = new WeakMap<Db, Map<string, Sublevel>>()
function sublevelOf(db: Db, bucket: string): Sublevel {
  let map = sublevels.get(db)
  if (map === undefined) {
    map = new Map(BUCKETS.map((name) => [name as string, makeSublevel(db, name)]))
    sublevels.set(db, map)
  }
  return map.get(bucket) as Sublevel
}
const sublevel: Variant = {
  put: (db, batch, bucket, k, v) => batch.put(k, v, { sublevel: sublevelOf(db, bucket) }),
  get: (db, bucket, k) => sublevelOf(db, bucket).getSync(k),
  async range(db, bucket, from, count) {
    const iterator = sublevelOf(db, bucket).iterator({ gte: from, ...options })
    const entries = await iterator.nextv(count)
    await iterator.close()
    return entries.length
  },
}

async function run(root: string, name: string, variant: Variant): Promise<[number, number, number]> {
  const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(join(root, name), options)
  await db.open()
  try {
    let start = performance.now()
    for (let i = 0; i < KEYS; i += BATCH) {
      const batch = db.batch()
      for (let j = i; j < i + BATCH; j++) {
        variant.put(db, batch, BUCKETS[j % 2] as string, key(j), VALUES[j % VALUES.length] as Uint8Array)
      }
      await batch.write({ sync: true })
    }
    const puts = KEYS / ((performance.now() - start) / 1000)
    start = performance.now()
    for (let j = 0; j < KEYS; j++) {
      if (variant.get(db, BUCKETS[j % 2] as string, key(j)) === undefined) throw new Error('missing')
    }
    const gets = KEYS / ((performance.now() - start) / 1000)
    start = performance.now()
    const ranges = 5000
    for (let r = 0; r < ranges; r++) await variant.range(db, BUCKETS[r % 2] as string, key(r * 7), 100)
    return [puts, gets, ranges / ((performance.now() - start) / 1000)]
  } finally {
    await db.close()
  }
}

const root = await mkdtemp(join(tmpdir(), 'etcd-ts-backend-level-sublevel-'))
const best = { prefix: [0, 0, 0], sublevel: [0, 0, 0] }
try {
  for (let round = 0; round < 3; round++) {
    for (const [name, variant] of [
      ['prefix', prefix],
      ['sublevel', sublevel],
    ] as const) {
      const figures = await run(root, `${name}-${round}`, variant)
      best[name] = best[name].map((value, i) => Math.max(value, figures[i] as number))
    }
  }
} finally {
  await rm(root, { recursive: true, force: true })
}
const cpu = cpus()
console.log(
  `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}`,
)
console.log('| layout | puts/s | point gets/s | 100-key ranges/s |\n|---|---|---|---|')
for (const [name, [puts, gets, ranges]] of Object.entries(best)) {
  console.log(`| ${name} | ${puts?.toFixed(0)} | ${gets?.toFixed(0)} | ${ranges?.toFixed(0)} |`)
}
