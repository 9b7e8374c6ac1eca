// KV.Range, KV.Put, KV.DeleteRange and KV.Compact against a real member over gRPC, checked
// against etcd 3.4's semantics (reference etcd-api.md §0 and §2.2; each case was also run on
// etcd 3.4.23 itself).
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import {
  type KeyValue,
  NUL,
  prefixRangeEnd,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
  type RangeRequestInit,
} from '@etcd-ts/api'
import { assertHeader, b, call, type Member, rejectsWith, s, useMember, withMember } from './harness.js'

const { ASCEND, DESCEND } = RangeRequest_SortOrder
const { VERSION, CREATE, MOD, VALUE } = RangeRequest_SortTarget

/** Keys and the parts of KeyValues a test looks at, in response order. */
function summary(kvs: readonly KeyValue[]): { key: string; value: string; version: number }[] {
  return kvs.map((kv) => ({ key: s(kv.key), value: s(kv.value), version: kv.version }))
}

function keys(kvs: readonly KeyValue[]): string[] {
  return kvs.map((kv) => s(kv.key))
}

describe('KV', { timeout: 60_000 }, () => {
  let m!: Member
  useMember(
    (started) => {
      m = started
    },
    { config: { maxRequestBytes: 16 * 1024 } },
  )

  const range = (r: RangeRequestInit) => call(m.kv, 'Range', r)
  const put = (key: string, value: string) => call(m.kv, 'Put', { key: b(key), value: b(value) })

  test('a new member is at revision 1 and answers a missing key with a bare header', async () => {
    const r = await range({ key: b('nothing') })
    assertHeader(r.header, m, 1)
    assert.deepEqual(r.kvs, [])
    assert.equal(r.count, 0)
    assert.equal(r.more, false)
  })

  test('Put creates a revision; version counts puts since creation, identical values included', async () => {
    const p1 = await put('put/a', 'v')
    const rev = p1.header?.revision as number
    assertHeader(p1.header, m, rev)
    const p2 = await put('put/a', 'v')
    assertHeader(p2.header, m, rev + 1)
    const r = await range({ key: b('put/a') })
    assertHeader(r.header, m, rev + 1)
    assert.equal(r.kvs.length, 1)
    const kv = r.kvs[0] as KeyValue
    assert.deepEqual(
      { key: s(kv.key), value: s(kv.value), create: kv.createRevision, mod: kv.modRevision, version: kv.version },
      { key: 'put/a', value: 'v', create: rev, mod: rev + 1, version: 2 },
    )
    assert.equal(kv.lease, 0n)
    assert.equal(r.count, 1)
  })

  test('Put prev_kv returns the previous pair, and nothing for a new key', async () => {
    const first = await call(m.kv, 'Put', { key: b('prev/a'), value: b('1'), prevKv: true })
    assert.equal(first.prevKv, undefined)
    const second = await call(m.kv, 'Put', { key: b('prev/a'), value: b('2'), prevKv: true })
    assert.ok(second.prevKv !== undefined)
    assert.equal(s(second.prevKv.value), '1')
    assert.equal(second.prevKv.version, 1)
    assert.equal(second.prevKv.modRevision, first.header?.revision)
  })

  test('Put errors: empty key, ignore_* with a value or lease, ignore_* on a missing key, unknown lease', async () => {
    const before = (await range({ key: b('x') })).header?.revision
    await rejectsWith(call(m.kv, 'Put', { key: new Uint8Array(0), value: b('v') }), 'EMPTY_KEY')
    await rejectsWith(call(m.kv, 'Put', { key: b('perr'), value: b('v'), ignoreValue: true }), 'VALUE_PROVIDED')
    await rejectsWith(call(m.kv, 'Put', { key: b('perr'), lease: 1n, ignoreLease: true }), 'LEASE_PROVIDED')
    await rejectsWith(call(m.kv, 'Put', { key: b('perr/missing'), ignoreValue: true }), 'KEY_NOT_FOUND')
    await rejectsWith(call(m.kv, 'Put', { key: b('perr/missing'), ignoreLease: true }), 'KEY_NOT_FOUND')
    await rejectsWith(call(m.kv, 'Put', { key: b('perr'), value: b('v'), lease: 0x7777n }), 'LEASE_NOT_FOUND')
    // None of them wrote anything.
    assert.equal((await range({ key: b('x') })).header?.revision, before)
  })

  test('Put with a lease attaches it; ignore_lease keeps it, ignore_value keeps the value, a plain put detaches', async () => {
    const grant = await call(m.lease, 'LeaseGrant', { TTL: 600 })
    const id = grant.ID
    await call(m.kv, 'Put', { key: b('lease/a'), value: b('one'), lease: id })
    let kv = (await range({ key: b('lease/a') })).kvs[0] as KeyValue
    assert.equal(kv.lease, id)

    await call(m.kv, 'Put', { key: b('lease/a'), value: b('two'), ignoreLease: true })
    kv = (await range({ key: b('lease/a') })).kvs[0] as KeyValue
    assert.deepEqual([s(kv.value), kv.lease, kv.version], ['two', id, 2])

    await call(m.kv, 'Put', { key: b('lease/a'), ignoreValue: true, lease: id })
    kv = (await range({ key: b('lease/a') })).kvs[0] as KeyValue
    assert.deepEqual([s(kv.value), kv.lease, kv.version], ['two', id, 3])

    await call(m.kv, 'Put', { key: b('lease/a'), value: b('three') })
    kv = (await range({ key: b('lease/a') })).kvs[0] as KeyValue
    assert.deepEqual([s(kv.value), kv.lease], ['three', 0n])
    const ttl = await call(m.lease, 'LeaseTimeToLive', { ID: id, keys: true })
    assert.deepEqual(ttl.keys, [])
    await call(m.lease, 'LeaseRevoke', { ID: id })
  })

  describe('Range', () => {
    // sort/a..d with versions a:2 b:1 c:1 d:3, values a:"3" b:"4" c:"1" d:"2", created in order
    // b, c, a, d.
    let base = 0
    before(async () => {
      base = (await put('sort/b', '4')).header?.revision as number // base
      await put('sort/c', '1') // base+1
      await put('sort/a', '0') // base+2
      await put('sort/d', '0') // base+3
      await put('sort/a', '3') // base+4
      await put('sort/d', '1') // base+5
      await put('sort/d', '2') // base+6
      await put('sorted', 'outside') // base+7, not in the prefix
    })
    const prefix = { key: b('sort/'), rangeEnd: prefixRangeEnd(b('sort/')) }

    test('a prefix range is key-ordered; count is every key in it', async () => {
      const r = await range(prefix)
      assertHeader(r.header, m, base + 7)
      assert.deepEqual(summary(r.kvs), [
        { key: 'sort/a', value: '3', version: 2 },
        { key: 'sort/b', value: '4', version: 1 },
        { key: 'sort/c', value: '1', version: 1 },
        { key: 'sort/d', value: '2', version: 3 },
      ])
      assert.equal(r.count, 4)
      assert.equal(r.more, false)
    })

    test('limit truncates and sets more; count ignores the limit', async () => {
      const r = await range({ ...prefix, limit: 2 })
      assert.deepEqual(keys(r.kvs), ['sort/a', 'sort/b'])
      assert.equal(r.more, true)
      assert.equal(r.count, 4)
      const exact = await range({ ...prefix, limit: 4 })
      assert.equal(exact.kvs.length, 4)
      assert.equal(exact.more, false)
    })

    test('sort: DESCEND by KEY; a target without an order ascends; the limit applies after sorting', async () => {
      assert.deepEqual(keys((await range({ ...prefix, sortOrder: DESCEND })).kvs), [
        'sort/d',
        'sort/c',
        'sort/b',
        'sort/a',
      ])
      const desc = await range({ ...prefix, sortOrder: DESCEND, limit: 1 })
      assert.deepEqual(keys(desc.kvs), ['sort/d'])
      assert.equal(desc.more, true)
      assert.equal(desc.count, 4)
      // VALUE ascending: with an order, everything is fetched, sorted, then limited.
      const byValue = await range({ ...prefix, sortTarget: VALUE, sortOrder: ASCEND, limit: 2 })
      assert.deepEqual(keys(byValue.kvs), ['sort/c', 'sort/d'])
      assert.equal(byValue.more, true)
      // sort_target VALUE with sort_order NONE ascends too, but etcd 3.4 decides to fetch
      // everything only from sort_order: limit + 1 keys are fetched in key order (a, b, c), then
      // sorted by value and cut (checked on etcd 3.4.23: [c, a]).
      const noOrder = await range({ ...prefix, sortTarget: VALUE, limit: 2 })
      assert.deepEqual(keys(noOrder.kvs), ['sort/c', 'sort/a'])
      assert.equal(noOrder.more, true)
      // VERSION without an order: ascending; ties keep key order.
      assert.deepEqual(keys((await range({ ...prefix, sortTarget: VERSION })).kvs), [
        'sort/b',
        'sort/c',
        'sort/a',
        'sort/d',
      ])
      // CREATE ascending and MOD descending.
      assert.deepEqual(keys((await range({ ...prefix, sortTarget: CREATE, sortOrder: ASCEND })).kvs), [
        'sort/b',
        'sort/c',
        'sort/a',
        'sort/d',
      ])
      assert.deepEqual(keys((await range({ ...prefix, sortTarget: MOD, sortOrder: DESCEND })).kvs), [
        'sort/d',
        'sort/a',
        'sort/c',
        'sort/b',
      ])
      // KEY with ASCEND is the natural order.
      assert.deepEqual(keys((await range({ ...prefix, sortOrder: ASCEND })).kvs), [
        'sort/a',
        'sort/b',
        'sort/c',
        'sort/d',
      ])
    })

    test('keys_only drops values; count_only returns only the count', async () => {
      const r = await range({ ...prefix, keysOnly: true, limit: 1 })
      assert.equal(r.kvs.length, 1)
      const kv = r.kvs[0] as KeyValue
      assert.equal(s(kv.key), 'sort/a')
      assert.equal(kv.value.length, 0)
      assert.equal(kv.version, 2)
      assert.equal(kv.createRevision, base + 2)
      assert.equal(kv.modRevision, base + 4)
      const c = await range({ ...prefix, countOnly: true })
      assertHeader(c.header, m, base + 7)
      assert.deepEqual(c.kvs, [])
      assert.equal(c.count, 4)
      assert.equal(c.more, false)
    })

    test('min/max mod and create revision filters; count stays the whole range, more counts after filtering', async () => {
      const minMod = await range({ ...prefix, minModRevision: base + 4 })
      assert.deepEqual(keys(minMod.kvs), ['sort/a', 'sort/d'])
      assert.equal(minMod.count, 4)
      const maxMod = await range({ ...prefix, maxModRevision: base + 1 })
      assert.deepEqual(keys(maxMod.kvs), ['sort/b', 'sort/c'])
      const minCreate = await range({ ...prefix, minCreateRevision: base + 2 })
      assert.deepEqual(keys(minCreate.kvs), ['sort/a', 'sort/d'])
      const maxCreate = await range({ ...prefix, maxCreateRevision: base + 2 })
      assert.deepEqual(keys(maxCreate.kvs), ['sort/a', 'sort/b', 'sort/c'])
      const window = await range({ ...prefix, minCreateRevision: base + 1, maxModRevision: base + 4 })
      assert.deepEqual(keys(window.kvs), ['sort/a', 'sort/c'])
      const limited = await range({ ...prefix, maxCreateRevision: base + 2, limit: 2 })
      assert.deepEqual(keys(limited.kvs), ['sort/a', 'sort/b'])
      assert.equal(limited.more, true)
      assert.equal(limited.count, 4)
      const limitedExact = await range({ ...prefix, minModRevision: base + 4, limit: 2 })
      assert.equal(limitedExact.more, false)
    })

    test('revision reads the past; the header still carries the current revision', async () => {
      const past = await range({ ...prefix, revision: base + 3 })
      assertHeader(past.header, m, base + 7)
      assert.deepEqual(summary(past.kvs), [
        { key: 'sort/a', value: '0', version: 1 },
        { key: 'sort/b', value: '4', version: 1 },
        { key: 'sort/c', value: '1', version: 1 },
        { key: 'sort/d', value: '0', version: 1 },
      ])
      assert.equal(past.count, 4)
      // A key that did not exist yet is simply absent.
      const early = await range({ key: b('sort/d'), revision: base + 2 })
      assert.deepEqual(early.kvs, [])
      assert.equal(early.count, 0)
      const current = (await range({ key: b('x') })).header?.revision as number
      await rejectsWith(range({ key: b('sort/a'), revision: current + 1 }), 'FUTURE_REV')
      const atCurrent = await range({ key: b('sort/a'), revision: current })
      assert.equal(atCurrent.kvs.length, 1)
    })

    test('serializable reads see the same data', async () => {
      const linearizable = await range(prefix)
      const serializable = await range({ ...prefix, serializable: true })
      assert.deepEqual(serializable, linearizable)
    })

    test('range ends: single key, [key, end), from-key ("\\0"), every key ("\\0", "\\0"), 0xff prefixes', async () => {
      const raw = Uint8Array.of(0x66, 0x6b, 0xff) // "fk\xff"
      const rawNext = Uint8Array.of(0x66, 0x6b, 0xff, 0x01)
      await call(m.kv, 'Put', { key: raw, value: b('r') })
      await call(m.kv, 'Put', { key: rawNext, value: b('r1') })
      await put('fl', 'after')

      assert.deepEqual(keys((await range({ key: b('sort/b') })).kvs), ['sort/b'])
      assert.deepEqual(keys((await range({ key: b('sort/b'), rangeEnd: b('sort/d') })).kvs), ['sort/b', 'sort/c'])
      // An end at or before the key selects nothing.
      assert.deepEqual((await range({ key: b('sort/c'), rangeEnd: b('sort/b') })).kvs, [])
      // From a key: everything >= key.
      const fromKey = await range({ key: b('sort/d'), rangeEnd: NUL })
      assert.deepEqual(keys(fromKey.kvs).slice(0, 2), ['sort/d', 'sorted'])
      const fromKeyCount = fromKey.count
      // Every key: key "\0", end "\0".
      const all = await range({ key: NUL, rangeEnd: NUL, countOnly: true })
      assert.ok(all.count > fromKeyCount)
      const everything = await range({ key: NUL, rangeEnd: NUL })
      assert.equal(everything.kvs.length, all.count)
      // A prefix ending in 0xff: "fk\xff" has the range end "fl".
      assert.deepEqual(prefixRangeEnd(raw), b('fl'))
      const ff = await range({ key: raw, rangeEnd: prefixRangeEnd(raw) })
      assert.deepEqual(
        ff.kvs.map((kv) => [...kv.key]),
        [[...raw], [...rawNext]],
      )
    })

    test('an empty key is refused', async () => {
      await rejectsWith(range({ key: new Uint8Array(0) }), 'EMPTY_KEY')
      await rejectsWith(range({ key: new Uint8Array(0), rangeEnd: b('z') }), 'EMPTY_KEY')
    })
  })

  describe('DeleteRange', () => {
    test('deletes one key, with prev_kv; the revision is the delete', async () => {
      const p = await put('del/a', 'va')
      const d = await call(m.kv, 'DeleteRange', { key: b('del/a'), prevKv: true })
      assertHeader(d.header, m, (p.header?.revision as number) + 1)
      assert.equal(d.deleted, 1)
      assert.deepEqual(summary(d.prevKvs), [{ key: 'del/a', value: 'va', version: 1 }])
      assert.deepEqual((await range({ key: b('del/a') })).kvs, [])
      // Recreated: version starts again at 1.
      await put('del/a', 'again')
      const kv = (await range({ key: b('del/a') })).kvs[0] as KeyValue
      assert.equal(kv.version, 1)
      assert.equal(kv.createRevision, kv.modRevision)
    })

    test('deletes a range in one revision; without prev_kv no previous pairs', async () => {
      await put('delr/a', '1')
      await put('delr/b', '2')
      await put('delr/c', '3')
      const p = await put('delr/d', '4')
      const d = await call(m.kv, 'DeleteRange', { key: b('delr/a'), rangeEnd: b('delr/d') })
      assertHeader(d.header, m, (p.header?.revision as number) + 1)
      assert.equal(d.deleted, 3)
      assert.deepEqual(d.prevKvs, [])
      assert.deepEqual(keys((await range({ key: b('delr/'), rangeEnd: prefixRangeEnd(b('delr/')) })).kvs), ['delr/d'])
      const all = await call(m.kv, 'DeleteRange', {
        key: b('delr/'),
        rangeEnd: prefixRangeEnd(b('delr/')),
        prevKv: true,
      })
      assert.equal(all.deleted, 1)
      assert.deepEqual(summary(all.prevKvs), [{ key: 'delr/d', value: '4', version: 1 }])
    })

    test('deleting nothing does not create a revision', async () => {
      const current = (await range({ key: b('x') })).header?.revision as number
      const d = await call(m.kv, 'DeleteRange', { key: b('del/none'), rangeEnd: b('del/none2'), prevKv: true })
      assertHeader(d.header, m, current)
      assert.equal(d.deleted, 0)
      assert.deepEqual(d.prevKvs, [])
      assertHeader((await range({ key: b('x') })).header, m, current)
    })

    test('an empty key is refused', async () => {
      await rejectsWith(call(m.kv, 'DeleteRange', { key: new Uint8Array(0) }), 'EMPTY_KEY')
    })
  })

  test('a request above max-request-bytes is refused with "request is too large"', async () => {
    const before = (await range({ key: b('x') })).header?.revision
    await rejectsWith(call(m.kv, 'Put', { key: b('big'), value: new Uint8Array(16 * 1024 + 1) }), 'REQUEST_TOO_LARGE')
    await rejectsWith(
      call(m.kv, 'Txn', {
        success: [{ request: { case: 'requestPut', value: { key: b('big'), value: new Uint8Array(20_000) } } }],
      }),
      'REQUEST_TOO_LARGE',
    )
    // Just below the limit goes through.
    await call(m.kv, 'Put', { key: b('big'), value: new Uint8Array(15 * 1024) })
    assert.equal((await range({ key: b('x') })).header?.revision, (before as number) + 1)
  })
})

describe('KV.Compact', { timeout: 60_000 }, () => {
  test('compacted and future revisions, Range at and below the compact revision, physical', async () => {
    await withMember({}, async (m) => {
      for (let i = 1; i <= 5; i++) await call(m.kv, 'Put', { key: b('c/a'), value: b(String(i)) }) // revisions 2..6
      await rejectsWith(call(m.kv, 'Compact', { revision: 7 }), 'FUTURE_REV')

      const c = await call(m.kv, 'Compact', { revision: 4 })
      assertHeader(c.header, m, 6)
      await rejectsWith(call(m.kv, 'Compact', { revision: 4 }), 'COMPACTED')
      await rejectsWith(call(m.kv, 'Compact', { revision: 3 }), 'COMPACTED')

      await rejectsWith(call(m.kv, 'Range', { key: b('c/a'), revision: 3 }), 'COMPACTED')
      const at = await call(m.kv, 'Range', { key: b('c/a'), revision: 4 })
      assertHeader(at.header, m, 6)
      assert.deepEqual(
        at.kvs.map((kv) => s(kv.value)),
        ['3'],
      )
      // A read-only txn with a compacted range fails as a whole.
      await rejectsWith(
        call(m.kv, 'Txn', { success: [{ request: { case: 'requestRange', value: { key: b('c/a'), revision: 2 } } }] }),
        'COMPACTED',
      )

      // The current revision may be compacted; physical waits for the deletion.
      const physical = await call(m.kv, 'Compact', { revision: 6, physical: true })
      assertHeader(physical.header, m, 6)
      await rejectsWith(call(m.kv, 'Range', { key: b('c/a'), revision: 5 }), 'COMPACTED')
      const latest = await call(m.kv, 'Range', { key: b('c/a') })
      assert.deepEqual(
        latest.kvs.map((kv) => [s(kv.value), kv.version, kv.createRevision, kv.modRevision]),
        [['5', 5, 2, 6]],
      )
      // Writes go on after compaction.
      const p = await call(m.kv, 'Put', { key: b('c/a'), value: b('6') })
      assertHeader(p.header, m, 7)
    })
  })
})
