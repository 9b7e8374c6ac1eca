/**
 * `npm run bench` (packages/mvcc): the store through its API, in process, on both adapters.
 *
 * - puts/s: one put per write transaction (one revision each), 16-byte keys, 256-byte values;
 * - range of 1 key/s and of 100 keys/s ([key(i), key(i + 100)): a range's `count` walks the whole
 *   range whatever the limit, as in etcd, so an unbounded range would measure the store's size);
 * - txn/s: write transactions of 4 puts + 1 range;
 * - watch events/s: 1 000 watchers on one stream (each on its own key), every put matching
 *   one watcher, the stream drained as fast as it fills;
 * - heap bytes per key: 1 000 000 keys with 8-byte and with 256-byte values, on the memory
 *   adapter (index and buffers) and on LevelDB (index only: values live on disk).
 *
 * Run with `--expose-gc` (the script does) so the heap figures are measured after a GC.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Backend } from '@etcd-ts/backend'
import { LevelBackend } from '@etcd-ts/backend-level'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { KVStore, WatchableStore } from '@etcd-ts/mvcc'

const gc = (globalThis as { gc?: () => void }).gc
const VALUE = new Uint8Array(256).fill(1)

function key(i: number): Uint8Array {
  return new TextEncoder().encode(`key/${String(i).padStart(12, '0')}`)
}

async function withBackend<T>(kind: 'memory' | 'level', run: (backend: Backend) => Promise<T>): Promise<T> {
  const dir = kind === 'level' ? await mkdtemp(join(tmpdir(), 'mvcc-bench-')) : ''
  const backend = kind === 'memory' ? new MemoryBackend() : new LevelBackend({ location: dir })
  await backend.open()
  try {
    return await run(backend)
  } finally {
    await backend.close()
    if (dir !== '') await rm(dir, { recursive: true, force: true })
  }
}

function rate(count: number, start: number): number {
  return count / ((performance.now() - start) / 1000)
}

async function throughput(kind: 'memory' | 'level'): Promise<Record<string, number>> {
  return withBackend(kind, async (backend) => {
    const store = new KVStore(backend)
    await store.open()
    const keys = 100_000
    let start = performance.now()
    for (let i = 0; i < keys; i++) store.put(key(i), VALUE)
    await backend.forceCommit()
    const puts = rate(keys, start)

    const probes = 100_000
    start = performance.now()
    for (let i = 0; i < probes; i++) store.range(key((i * 7919) % keys), undefined)
    const range1 = rate(probes, start)

    const ranges = 5_000
    start = performance.now()
    for (let i = 0; i < ranges; i++) {
      const from = (i * 7919) % (keys - 100)
      store.range(key(from), key(from + 100))
    }
    const range100 = rate(ranges, start)

    const txns = 20_000
    start = performance.now()
    for (let i = 0; i < txns; i++) {
      const txn = store.write()
      for (let j = 0; j < 4; j++) txn.put(key((i * 4 + j) % keys), VALUE)
      txn.range(key(i % keys), undefined)
      txn.end()
    }
    await backend.forceCommit()
    const txn = rate(txns, start)
    await store.close()
    return {
      'puts/s': puts,
      'range of 1 key/s': range1,
      'range of 100 keys/s': range100,
      'txn/s (4 puts + 1 range)': txn,
    }
  })
}

async function watchEvents(): Promise<number> {
  return withBackend('memory', async (backend) => {
    const kv = new KVStore(backend)
    await kv.open()
    const watchable = new WatchableStore(kv)
    const stream = watchable.newWatchStream()
    const watchers = 1000
    for (let i = 0; i < watchers; i++) stream.watch(0n, key(i), undefined, 0)
    const writes = 100_000
    let received = 0
    const reader = (async () => {
      for await (const response of stream.responses()) {
        received += response.events.length
        if (received >= writes) break
      }
    })()
    const start = performance.now()
    for (let i = 0; i < writes; i++) {
      kv.put(key(i % watchers), VALUE)
      // Let the reader drain every so often, as a server's send loop would.
      if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve))
    }
    await reader
    const eventsPerSecond = rate(received, start)
    stream.close()
    await watchable.close()
    await kv.close()
    return eventsPerSecond
  })
}

async function heapPerKey(kind: 'memory' | 'level', valueBytes: number): Promise<number> {
  return withBackend(kind, async (backend) => {
    gc?.()
    const before = process.memoryUsage().heapUsed
    const store = new KVStore(backend)
    await store.open()
    const value = new Uint8Array(valueBytes).fill(2)
    const keys = 1_000_000
    for (let i = 0; i < keys; i++) {
      store.put(key(i), value)
      if (i % 50_000 === 49_999) await backend.forceCommit()
    }
    await backend.forceCommit()
    gc?.()
    const after = process.memoryUsage().heapUsed
    await store.close()
    return (after - before) / keys
  })
}

const results: [string, string][] = []
for (const kind of ['memory', 'level'] as const) {
  for (const [name, value] of Object.entries(await throughput(kind)))
    results.push([`${kind}: ${name}`, value.toFixed(0)])
}
results.push(['memory: watch events/s (1000 watchers)', (await watchEvents()).toFixed(0)])
for (const kind of ['memory', 'level'] as const) {
  for (const bytes of [8, 256]) {
    results.push([`${kind}: heap bytes/key (1M keys, ${bytes} B values)`, (await heapPerKey(kind, bytes)).toFixed(0)])
  }
}

console.log('@etcd-ts/mvcc bench: 16-byte keys')
console.log(`date    ${new Date().toISOString()}`)
console.log(`node    ${process.version} (${process.platform}/${process.arch}, ${release()})`)
console.log(`cpu     ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`)
for (const [name, value] of results) console.log(`${name.padEnd(52)} ${value.padStart(10)}`)
