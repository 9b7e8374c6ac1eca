import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { Backend, BackendSnapshot, BatchTx, ReadTx } from '@etcd-ts/backend'
import { compare, showBytes } from './bytes.js'
import { Fixture } from './fixture.js'
import { type Content, compareNames, type Entry } from './model.js'
import type { ConformanceFeatures, ConformanceOptions } from './options.js'

/** What each group of tests receives: the adapter's features, and `test` to declare a test. */
export interface Suite {
  readonly features: ConformanceFeatures
  /**
   * Declares a test that gets its own {@link Fixture}, disposed afterwards. `needs.durable`
   * skips it (with the reason shown) for adapters without `features.durable`.
   */
  test(title: string, body: (f: Fixture) => Promise<void>, needs?: { readonly durable?: boolean }): void
}

/** The {@link Suite} of one `runBackendConformance` call. */
export function makeSuite(options: ConformanceOptions): Suite {
  return {
    features: options.features,
    test(title, body, needs = {}) {
      const skip = needs.durable === true && !options.features.durable ? 'needs features.durable' : false
      it(title, { skip }, async () => {
        const f = new Fixture(options)
        let failed = true
        try {
          await body(f)
          failed = false
        } finally {
          await f.dispose(failed)
        }
      })
    },
  }
}

/** Runs `body` with the write transaction locked, unlocking after (also when it throws). */
export function inTx<T>(backend: Backend, body: (tx: BatchTx) => T): T {
  const tx = backend.batchTx()
  tx.lock()
  try {
    return body(tx)
  } finally {
    tx.unlock()
  }
}

/** Writes `content` (creating its buckets) in one write transaction. */
export function writeContent(backend: Backend, content: Content): void {
  inTx(backend, (tx) => {
    for (const [bucket, entries] of content) {
      tx.unsafeCreateBucket(bucket)
      for (const [key, value] of entries) tx.unsafePut(bucket, key, value)
    }
  })
}

/** One turn of the event loop (timers excepted: the suite's clock is manual). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Turns the event loop until `predicate` holds; fails with `what` if it never does. */
export async function waitUntil(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    if (predicate()) return
    await turn()
  }
  assert.fail(`gave up waiting: ${what}`)
}

/** Counts commits through the pre-commit hook, which runs inside every commit. */
export function countCommits(backend: Backend): { readonly count: number } {
  const counter = { count: 0 }
  backend.setPreCommitHook(() => {
    counter.count++
  })
  return counter
}

/** Asserts that `call` throws (or rejects with) an error whose `code` is `code`. */
export async function rejectsWithCode(call: () => unknown, code: string, message?: string): Promise<void> {
  await assert.rejects(async () => await call(), { code }, message)
}

/** Asserts that `call` throws synchronously an error whose `code` is `code`. */
export function throwsCode(call: () => unknown, code: string, message?: string): void {
  assert.throws(call, { code }, message)
}

/** Asserts `actual` is a Uint8Array holding the bytes of `expected` (Buffers are fine). */
export function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array, message?: string): void {
  const ok = actual instanceof Uint8Array && actual.length === expected.length && compare(actual, expected) === 0
  if (!ok) assert.fail(`${message ?? 'bytes differ'}: expected ${showBytes(expected)}, got ${showBytes(actual)}`)
}

/** Readable form of entries for deepEqual diffs. */
export function showEntries(entries: readonly Entry[]): string[] {
  return entries.map(([key, value]) => `${showBytes(key)} = ${showBytes(value)}`)
}

/** Asserts that a range result holds exactly `expected`, in order. */
export function assertEntries(
  actual: { readonly keys: readonly Uint8Array[]; readonly values: readonly Uint8Array[] },
  expected: readonly Entry[],
  message?: string,
): void {
  assert.equal(actual.keys.length, actual.values.length, 'as many keys as values')
  const entries = actual.keys.map((key, i) => [key, actual.values[i] as Uint8Array] as const)
  assert.deepEqual(showEntries(entries), showEntries(expected), message)
}

/** Every entry of `bucket`, through unsafeForEach. */
export async function entriesOf(reader: ReadTx, bucket: string): Promise<Entry[]> {
  const entries: Entry[] = []
  await reader.unsafeForEach(bucket, (key, value) => {
    entries.push([key, value])
    return true
  })
  return entries
}

/** What `reader` holds of the buckets in `universe` (those that exist), as {@link Content}. */
export async function readContent(reader: ReadTx, universe: readonly string[]): Promise<Content> {
  const content: (readonly [string, readonly Entry[]])[] = []
  for (const bucket of [...universe].sort(compareNames)) {
    if (reader.hasBucket(bucket)) content.push([bucket, await entriesOf(reader, bucket)])
  }
  return content
}

/** Asserts two contents are equal, with a readable diff. */
export function assertContent(actual: Content, expected: Content, message?: string): void {
  const show = (content: Content) => content.map(([bucket, entries]) => [bucket, showEntries(entries)])
  assert.deepEqual(show(actual), show(expected), message)
}

/** The buckets of `content`, for {@link readContent}. */
export function bucketsOf(...contents: Content[]): string[] {
  return [...new Set(contents.flatMap((content) => content.map(([bucket]) => bucket)))]
}

/** Streams a snapshot to its chunks (copied), then closes it. */
export async function collectSnapshot(snapshot: BackendSnapshot): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  try {
    for await (const chunk of snapshot.chunks()) chunks.push(chunk.slice())
  } finally {
    await snapshot.close()
  }
  return chunks
}

/** Chunks as a stream for `restore()`. */
export async function* streamOf(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk
}

/** `bytes` cut into chunks of `size`. */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size))
  return chunks
}
