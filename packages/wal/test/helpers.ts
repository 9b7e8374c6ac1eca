// Shared by the WAL tests: entry factories, a seeded random source, an independent CRC-32C,
// and etcd's boot loop (open + readAll, repair once on an unexpected EOF).
import assert from 'node:assert/strict'
import { type Entry, EntryType, type HardState } from '@etcd-ts/raft'
import { Wal, type WalFileSystem, type WalOptions, type WalReadResult, type WalSnapshot } from '../src/index.js'

export const DIR = '/data/member/wal'
export const METADATA = new TextEncoder().encode('etcd-ts wal test metadata')
export const ZERO_SNAPSHOT: WalSnapshot = { index: 0, term: 0 }

/** An entry whose data (`size` bytes) is derived from its index and term. */
export function entry(index: number, term = 1, size = 24): Entry {
  const data = new Uint8Array(size)
  for (let i = 0; i < size; i++) data[i] = (index * 31 + term * 7 + i) & 0xff
  return { term, index, type: EntryType.EntryNormal, data }
}

export function entries(from: number, to: number, term = 1, size = 24): Entry[] {
  const out: Entry[] = []
  for (let index = from; index <= to; index++) out.push(entry(index, term, size))
  return out
}

export function hardState(term: number, commit: number, vote = 1n): HardState {
  return { term, vote, commit }
}

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32C continued from `previous`, as Go's crc32.Update: an implementation independent of the package's. */
export function referenceCrc32c(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0
  for (const byte of bytes) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)
  return ~crc >>> 0
}

/** The code of a rejection, for `assert.equal(await codeOf(promise), 'WAL_...')`. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (error) {
    return (error as { code?: string }).code ?? `not coded: ${String(error)}`
  }
  return undefined
}

/** Creates a WAL in `dir` holding `saves` (each a HardState and entries), then closes it. */
export async function writeWal(
  options: WalOptions,
  saves: ReadonlyArray<readonly [HardState, readonly Entry[]]>,
  dir = DIR,
): Promise<void> {
  const wal = await Wal.create(dir, METADATA, options)
  for (const [state, batch] of saves) await wal.save(state, batch)
  await wal.close()
}

/**
 * What etcd's server does at boot (`openWALFromSnapshot`): open for write and readAll; on an
 * unexpected EOF, close, repair once and retry. Returns the result and whether it repaired.
 */
export async function bootRead(
  fs: WalFileSystem,
  options: WalOptions = {},
  snapshot = ZERO_SNAPSHOT,
  dir = DIR,
): Promise<{ result: WalReadResult; repaired: boolean; wal: Wal }> {
  let repaired = false
  for (;;) {
    const wal = await Wal.open(dir, snapshot, { ...options, fs })
    try {
      const result = await wal.readAll()
      return { result, repaired, wal }
    } catch (error) {
      await wal.close()
      if (repaired || (error as { code?: string }).code !== 'WAL_UNEXPECTED_EOF') throw error
      // etcd's server gives up when repair cannot fix the damage.
      if (!(await Wal.repair(dir, { ...options, fs }))) throw error
      repaired = true
    }
  }
}

/** Asserts that `actual` holds exactly `expected` (same indexes, terms, types and data). */
export function assertEntries(actual: readonly Entry[], expected: readonly Entry[], message?: string): void {
  assert.equal(actual.length, expected.length, message ?? `expected ${expected.length} entries, got ${actual.length}`)
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as Entry
    const e = expected[i] as Entry
    assert.equal(a.index, e.index, message)
    assert.equal(a.term, e.term, message)
    assert.equal(a.type, e.type, message)
    assert.deepEqual(Array.from(a.data), Array.from(e.data), message)
  }
}
