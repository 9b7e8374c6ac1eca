// Model-based property test (issue: ≥ 10 000 steps per CI run): random sequences of put,
// delete-range, multi-op transactions, compactions, reads at any revision and store restarts
// (the index rebuilt from the backend), against a naive model: every key's full history.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import fc from 'fast-check'
import type { KeyValue } from '../src/key-value.js'
import { KVStore } from '../src/kvstore.js'

const KEYS = ['a', 'ab', 'b', 'c', 'd', 'e\u0000', 'f', 'g']
const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array) => new TextDecoder().decode(b)

type Op =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'delete'; key: string; end: string | undefined }
  | { kind: 'txn'; puts: [string, string][]; deletes: string[] }
  | { kind: 'compact'; back: number; wait: boolean }
  | { kind: 'range'; key: string; end: string | undefined; back: number; limit: number }
  | { kind: 'restart' }

// The model: per key, its events in revision order (value, or undefined for a delete).
class Model {
  readonly events = new Map<string, { rev: number; value: string | undefined }[]>()
  rev = 1
  compacted = -1

  #push(key: string, rev: number, value: string | undefined): void {
    let list = this.events.get(key)
    if (list === undefined) {
      list = []
      this.events.set(key, list)
    }
    list.push({ rev, value })
  }

  live(key: string, at: number): boolean {
    const list = this.events.get(key) ?? []
    let last: { rev: number; value: string | undefined } | undefined
    for (const event of list) if (event.rev <= at) last = event
    return last !== undefined && last.value !== undefined
  }

  keysIn(key: string, end: string | undefined): string[] {
    const all = [...this.events.keys()].sort((x, y) => Buffer.compare(enc(x), enc(y)))
    if (end === undefined) return all.filter((k) => k === key)
    return all.filter(
      (k) => Buffer.compare(enc(k), enc(key)) >= 0 && (end === '' || Buffer.compare(enc(k), enc(end)) < 0),
    )
  }

  apply(puts: [string, string][], deletes: string[][]): void {
    const rev = this.rev + 1
    let changed = false
    for (const keys of deletes) {
      for (const key of keys) {
        if (this.live(key, this.rev)) {
          this.#push(key, rev, undefined)
          changed = true
        }
      }
    }
    for (const [key, value] of puts) {
      this.#push(key, rev, value)
      changed = true
    }
    if (changed) this.rev = rev
  }

  // The key-value of `key` at `at`, computed from its history.
  kv(key: string, at: number): Omit<KeyValue, 'key' | 'value' | 'lease'> & { value: string } {
    const list = (this.events.get(key) ?? []).filter((e) => e.rev <= at)
    let created = 0
    let version = 0
    let last = { rev: 0, value: '' as string | undefined }
    for (const event of list) {
      if (event.value === undefined) {
        created = 0
        version = 0
      } else {
        if (created === 0) created = event.rev
        version++
      }
      last = event
    }
    return { value: last.value ?? '', createRevision: created, modRevision: last.rev, version }
  }
}

const key = fc.constantFrom(...KEYS)
const end = fc.option(fc.constantFrom('', ...KEYS), { nil: undefined })
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), key, value: fc.string({ maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key, end }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('txn' as const),
      puts: fc.uniqueArray(fc.tuple(key, fc.string({ maxLength: 2 })), { maxLength: 3, selector: ([k]) => k }),
      deletes: fc.uniqueArray(key, { maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.nat(8), wait: fc.boolean() }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('range' as const), key, end, back: fc.nat(12), limit: fc.nat(3) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
)

it('agrees with a naive history model over random operation sequences (≥ 10 000 steps)', async () => {
  let steps = 0
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 200, maxLength: 260 }), async (ops) => {
      const backend = new MemoryBackend()
      await backend.open()
      let store = new KVStore(backend, { compactionBatchLimit: 4, compactionSleepIntervalMs: 0 })
      await store.open()
      const model = new Model()
      let pending: Promise<void> = Promise.resolve()
      for (const o of ops) {
        steps++
        switch (o.kind) {
          case 'put':
            store.put(enc(o.key), enc(o.value))
            model.apply([[o.key, o.value]], [])
            break
          case 'delete': {
            if (o.end !== undefined && o.end !== '' && Buffer.compare(enc(o.end), enc(o.key)) < 0) {
              assert.throws(() => store.deleteRange(enc(o.key), enc(o.end as string)), { code: 'MVCC_INVALID_RANGE' })
              break
            }
            const keys = model.keysIn(o.key, o.end).filter((k) => model.live(k, model.rev))
            const result = store.deleteRange(enc(o.key), o.end === undefined ? undefined : enc(o.end))
            assert.equal(result.deleted, keys.length)
            model.apply([], [keys])
            assert.equal(result.rev, model.rev)
            break
          }
          case 'txn': {
            // Deletes of keys the transaction also puts are left out (etcd refuses them).
            const putKeys = new Set(o.puts.map(([k]) => k))
            const deletes = o.deletes.filter((k) => !putKeys.has(k))
            const txn = store.write()
            const deleted: string[][] = []
            for (const k of deletes) {
              deleted.push(model.live(k, model.rev) ? [k] : [])
              txn.deleteRange(enc(k), undefined)
            }
            for (const [k, v] of o.puts) txn.put(enc(k), enc(v))
            txn.end()
            model.apply(o.puts, deleted)
            break
          }
          case 'compact': {
            const rev = model.rev - o.back
            if (rev <= model.compacted) {
              assert.throws(() => store.compact(rev), { code: 'MVCC_COMPACTED' })
              break
            }
            const { done } = store.compact(rev)
            model.compacted = rev
            pending = done
            if (o.wait) await done
            break
          }
          case 'range': {
            const at = Math.max(0, model.rev - o.back)
            const endBytes = o.end === undefined ? undefined : enc(o.end)
            if (o.end !== undefined && o.end !== '' && Buffer.compare(enc(o.end), enc(o.key)) < 0) break
            if (at !== 0 && at < model.compacted) {
              assert.throws(() => store.range(enc(o.key), endBytes, { rev: at }), { code: 'MVCC_COMPACTED' })
              break
            }
            const read = at === 0 ? model.rev : at
            const expected = model.keysIn(o.key, o.end).filter((k) => model.live(k, read))
            const result = store.range(enc(o.key), endBytes, { rev: at, limit: o.limit })
            assert.equal(result.rev, model.rev)
            assert.equal(result.count, expected.length)
            const shown = o.limit === 0 ? expected : expected.slice(0, o.limit)
            assert.deepEqual(
              result.kvs.map((kv) => [dec(kv.key), dec(kv.value), kv.createRevision, kv.modRevision, kv.version]),
              shown.map((k) => {
                const m = model.kv(k, read)
                return [k, m.value, m.createRevision, m.modRevision, m.version]
              }),
            )
            break
          }
          case 'restart':
            await pending
            await store.close()
            store = new KVStore(backend, { compactionBatchLimit: 4, compactionSleepIntervalMs: 0 })
            await store.open()
            assert.equal(store.rev(), model.rev)
            assert.equal(store.compactRev(), model.compacted)
            break
        }
      }
      await pending
      await store.close()
      await backend.close()
    }),
    { numRuns: 50 },
  )
  assert.ok(steps >= 10_000, `ran ${steps} steps`)
})
