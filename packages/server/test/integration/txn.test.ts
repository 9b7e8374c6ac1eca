// KV.Txn against a real member: every compare target and result, range compares, missing keys,
// nested txns, validation (max-txn-ops, duplicate keys, empty ops) and headers, by etcd 3.4's
// rules (reference etcd-api.md §0 items 3 and 8, §2.2 "Txn"; checked on etcd 3.4.23).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  type CompareInit,
  type RequestOpInit,
  type ResponseOp,
  type TxnRequestInit,
  type TxnResponse,
} from '@etcd-ts/api'
import { assertHeader, b, call, type Member, rejectsWith, s, useMember } from './harness.js'

const { EQUAL, GREATER, LESS, NOT_EQUAL } = Compare_CompareResult
const { VERSION, CREATE, MOD, VALUE, LEASE } = Compare_CompareTarget

type Target = CompareInit['targetUnion']

function putOp(key: string, value = 'v', extra: object = {}): RequestOpInit {
  return { request: { case: 'requestPut', value: { key: b(key), value: b(value), ...extra } } }
}
function rangeOp(key: string, extra: object = {}): RequestOpInit {
  return { request: { case: 'requestRange', value: { key: b(key), ...extra } } }
}
function deleteOp(key: string, rangeEnd?: string): RequestOpInit {
  return {
    request: {
      case: 'requestDeleteRange',
      value: { key: b(key), rangeEnd: rangeEnd === undefined ? undefined : b(rangeEnd) },
    },
  }
}
function txnOp(txn: TxnRequestInit): RequestOpInit {
  return { request: { case: 'requestTxn', value: txn } }
}

type ResponseCase = NonNullable<ResponseOp['response']>
type ResponseValues = { [K in ResponseCase['case']]: Extract<ResponseCase, { case: K }>['value'] }

/** The response of one op, by its case. */
function responseOf<C extends ResponseCase['case']>(op: ResponseOp | undefined, kind: C): ResponseValues[C] {
  assert.equal(op?.response?.case, kind)
  return op?.response?.value as ResponseValues[C]
}

/** A sub-response header: only the revision is set (etcd 3.4). */
function subHeader(revision: number) {
  return { clusterId: 0n, memberId: 0n, revision, raftTerm: 0 }
}

describe('KV.Txn', { timeout: 60_000 }, () => {
  let m!: Member
  useMember(
    (started) => {
      m = started
    },
    { config: { maxTxnOps: 4 } },
  )

  const txn = (r: TxnRequestInit): Promise<TxnResponse> => call(m.kv, 'Txn', r)
  const rev = async (): Promise<number> => (await call(m.kv, 'Range', { key: b('rev') })).header?.revision as number

  describe('compares', () => {
    // cmp/k: version 2, value "m", lease L; created at C, modified at M = C + 1.
    let lease = 0n
    let create = 0
    let mod = 0
    before(async () => {
      lease = (await call(m.lease, 'LeaseGrant', { TTL: 600 })).ID
      create = (await call(m.kv, 'Put', { key: b('cmp/k'), value: b('a'), lease })).header?.revision as number
      mod = (await call(m.kv, 'Put', { key: b('cmp/k'), value: b('m'), lease })).header?.revision as number
      assert.equal(mod, create + 1)
    })
    after(async () => {
      await call(m.lease, 'LeaseRevoke', { ID: lease })
    })

    /** [target, below, equal, above] values for cmp/k. */
    const cases = (): [string, Compare_CompareTarget, Target, Target, Target][] => [
      ['VERSION', VERSION, { case: 'version', value: 1 }, { case: 'version', value: 2 }, { case: 'version', value: 3 }],
      [
        'CREATE',
        CREATE,
        { case: 'createRevision', value: create - 1 },
        { case: 'createRevision', value: create },
        { case: 'createRevision', value: create + 1 },
      ],
      [
        'MOD',
        MOD,
        { case: 'modRevision', value: mod - 1 },
        { case: 'modRevision', value: mod },
        { case: 'modRevision', value: mod + 1 },
      ],
      [
        'VALUE',
        VALUE,
        { case: 'value', value: b('l') },
        { case: 'value', value: b('m') },
        { case: 'value', value: b('mm') },
      ],
      [
        'LEASE',
        LEASE,
        { case: 'lease', value: lease - 1n },
        { case: 'lease', value: lease },
        { case: 'lease', value: lease + 1n },
      ],
    ]

    test('every target with every result against an existing key', async () => {
      const current = await rev()
      for (const [name, target, below, equal, above] of cases()) {
        for (const [given, sign] of [
          [below, 1],
          [equal, 0],
          [above, -1],
        ] as const) {
          for (const [resultName, result] of Object.entries(Compare_CompareResult)) {
            // The key's value compared with the given one: sign > 0 means the key's is greater.
            const expected =
              result === EQUAL
                ? sign === 0
                : result === NOT_EQUAL
                  ? sign !== 0
                  : result === GREATER
                    ? sign > 0
                    : sign < 0
            const r = await txn({
              compare: [{ key: b('cmp/k'), target, result, targetUnion: given }],
              success: [rangeOp('cmp/k', { keysOnly: true })],
              failure: [],
            })
            assert.equal(
              r.succeeded,
              expected,
              `${name} ${resultName} ${JSON.stringify(given, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`,
            )
            assertHeader(r.header, m, current)
            assert.equal(r.responses.length, expected ? 1 : 0)
          }
        }
      }
    })

    test('compares are ANDed', async () => {
      const yes: CompareInit = {
        key: b('cmp/k'),
        target: VERSION,
        result: EQUAL,
        targetUnion: { case: 'version', value: 2 },
      }
      const no: CompareInit = {
        key: b('cmp/k'),
        target: VALUE,
        result: EQUAL,
        targetUnion: { case: 'value', value: b('x') },
      }
      assert.equal((await txn({ compare: [yes, yes] })).succeeded, true)
      assert.equal((await txn({ compare: [yes, no] })).succeeded, false)
      assert.equal((await txn({ compare: [no, yes] })).succeeded, false)
    })

    test('a missing key compares as zeros, except VALUE, which is always false', async () => {
      const missing = (target: Compare_CompareTarget, result: Compare_CompareResult, targetUnion?: Target) =>
        txn({ compare: [{ key: b('cmp/missing'), target, result, targetUnion }] }).then((r) => r.succeeded)
      assert.equal(await missing(VERSION, EQUAL, { case: 'version', value: 0 }), true)
      assert.equal(await missing(CREATE, EQUAL, { case: 'createRevision', value: 0 }), true)
      assert.equal(await missing(MOD, LESS, { case: 'modRevision', value: 1 }), true)
      assert.equal(await missing(LEASE, EQUAL, { case: 'lease', value: 0n }), true)
      assert.equal(await missing(VERSION, GREATER, { case: 'version', value: 0 }), false)
      // No union at all counts as zero too.
      assert.equal(await missing(CREATE, EQUAL), true)
      assert.equal(await missing(VALUE, EQUAL, { case: 'value', value: new Uint8Array(0) }), false)
      assert.equal(await missing(VALUE, NOT_EQUAL, { case: 'value', value: b('abc') }), false)
      assert.equal(await missing(VALUE, LESS, { case: 'value', value: b('z') }), false)
      assert.equal(await missing(VALUE, GREATER, { case: 'value', value: new Uint8Array(0) }), false)
    })

    test('a range compare needs every key in the range to match; an empty range compares as zeros', async () => {
      await call(m.kv, 'Put', { key: b('rc/a'), value: b('1') })
      await call(m.kv, 'Put', { key: b('rc/b'), value: b('1') })
      await call(m.kv, 'Put', { key: b('rc/b'), value: b('2') })
      const ranged = (
        target: Compare_CompareTarget,
        result: Compare_CompareResult,
        targetUnion: Target,
        key = 'rc/',
        end = 'rc0',
      ) => txn({ compare: [{ key: b(key), rangeEnd: b(end), target, result, targetUnion }] }).then((r) => r.succeeded)
      assert.equal(await ranged(VERSION, GREATER, { case: 'version', value: 0 }), true)
      assert.equal(await ranged(VERSION, EQUAL, { case: 'version', value: 1 }), false)
      assert.equal(await ranged(VERSION, LESS, { case: 'version', value: 3 }), true)
      assert.equal(await ranged(VALUE, NOT_EQUAL, { case: 'value', value: b('3') }), true)
      assert.equal(await ranged(VALUE, EQUAL, { case: 'value', value: b('1') }), false)
      // from-key range end
      assert.equal(await ranged(CREATE, GREATER, { case: 'createRevision', value: 0 }, 'rc/', '\0'), true)
      // Nothing in [rc/x, rc/y): the compare runs against zeros, and VALUE is false.
      assert.equal(await ranged(CREATE, EQUAL, { case: 'createRevision', value: 0 }, 'rc/x', 'rc/y'), true)
      assert.equal(await ranged(VALUE, NOT_EQUAL, { case: 'value', value: b('q') }, 'rc/x', 'rc/y'), false)
    })
  })

  test('a writing txn: one new revision, sub-headers carry only the revision, ranges see the txn so far', async () => {
    await call(m.kv, 'Put', { key: b('tw/a'), value: b('1') })
    const before = await rev()
    const r = await txn({
      compare: [{ key: b('tw/a'), target: VALUE, result: EQUAL, targetUnion: { case: 'value', value: b('1') } }],
      success: [rangeOp('tw/a'), putOp('tw/b', 'B', { prevKv: true }), rangeOp('tw/b'), deleteOp('tw/a')],
      failure: [putOp('tw/failed')],
    })
    assert.equal(r.succeeded, true)
    assertHeader(r.header, m, before + 1)
    assert.equal(r.responses.length, 4)
    const range1 = responseOf(r.responses[0], 'responseRange')
    assert.deepEqual(range1.header, subHeader(before))
    assert.deepEqual(
      range1.kvs.map((kv) => s(kv.value)),
      ['1'],
    )
    const put = responseOf(r.responses[1], 'responsePut')
    assert.deepEqual(put.header, subHeader(before + 1))
    assert.equal(put.prevKv, undefined)
    const range2 = responseOf(r.responses[2], 'responseRange')
    assert.deepEqual(range2.header, subHeader(before + 1))
    assert.deepEqual(
      range2.kvs.map((kv) => [s(kv.key), s(kv.value), kv.modRevision]),
      [['tw/b', 'B', before + 1]],
    )
    const del = responseOf(r.responses[3], 'responseDeleteRange')
    assert.deepEqual(del.header, subHeader(before + 1))
    assert.equal(del.deleted, 1)
    assert.equal(await rev(), before + 1)

    // The compare fails now (tw/a is gone): the failure branch runs.
    const f = await txn({
      compare: [{ key: b('tw/a'), target: VALUE, result: EQUAL, targetUnion: { case: 'value', value: b('1') } }],
      success: [putOp('tw/never')],
      failure: [putOp('tw/c', 'C'), putOp('tw/d', 'D')],
    })
    assert.equal(f.succeeded, false)
    assertHeader(f.header, m, before + 2)
    const both = await call(m.kv, 'Range', { key: b('tw/c'), rangeEnd: b('tw/e') })
    // Both puts share the txn's revision.
    assert.deepEqual(
      both.kvs.map((kv) => [s(kv.key), kv.modRevision]),
      [
        ['tw/c', before + 2],
        ['tw/d', before + 2],
      ],
    )
    assert.deepEqual((await call(m.kv, 'Range', { key: b('tw/never') })).kvs, [])
  })

  test('a read-only txn and a txn that changes nothing keep the revision', async () => {
    const current = await rev()
    const ro = await txn({ success: [rangeOp('tw/b'), rangeOp('tw/c', { serializable: true })] })
    assertHeader(ro.header, m, current)
    assert.deepEqual(responseOf(ro.responses[0], 'responseRange').header, subHeader(current))
    const noop = await txn({ success: [deleteOp('tw/nothing')] })
    assert.equal(noop.succeeded, true)
    assertHeader(noop.header, m, current)
    assert.deepEqual(responseOf(noop.responses[0], 'responseDeleteRange'), {
      header: subHeader(current),
      deleted: 0,
      prevKvs: [],
    })
    const empty = await txn({})
    assertHeader(empty.header, m, current)
    assert.equal(empty.succeeded, true)
    assert.deepEqual(empty.responses, [])
    assert.equal(await rev(), current)
  })

  test('nested txns take their own branch; their header is empty', async () => {
    await call(m.kv, 'Put', { key: b('nt/flag'), value: b('on') })
    const before = await rev()
    const flagIs = (value: string): CompareInit => ({
      key: b('nt/flag'),
      target: VALUE,
      result: EQUAL,
      targetUnion: { case: 'value', value: b(value) },
    })
    const r = await txn({
      success: [
        txnOp({ compare: [flagIs('on')], success: [putOp('nt/x', 'then')], failure: [putOp('nt/x', 'else')] }),
        txnOp({ compare: [flagIs('off')], success: [putOp('nt/y', 'then')], failure: [putOp('nt/y', 'else')] }),
      ],
    })
    assert.equal(r.succeeded, true)
    assertHeader(r.header, m, before + 1)
    const first = responseOf(r.responses[0], 'responseTxn')
    assert.deepEqual(first.header, subHeader(0))
    assert.equal(first.succeeded, true)
    assert.deepEqual(responseOf(first.responses[0], 'responsePut').header, subHeader(before + 1))
    const second = responseOf(r.responses[1], 'responseTxn')
    assert.equal(second.succeeded, false)
    const values = await call(m.kv, 'Range', { key: b('nt/x'), rangeEnd: b('nt/z') })
    assert.deepEqual(
      values.kvs.map((kv) => [s(kv.key), s(kv.value), kv.modRevision]),
      [
        ['nt/x', 'then', before + 1],
        ['nt/y', 'else', before + 1],
      ],
    )
  })

  test('too many operations, by --max-txn-ops (4 here), nested txns included', async () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => rangeOp(`many/${i}`))
    const compares = (n: number): CompareInit[] =>
      Array.from({ length: n }, (_, i) => ({ key: b(`many/${i}`), target: VERSION, result: EQUAL }))
    await txn({ compare: compares(4), success: ops(4), failure: ops(4) })
    await rejectsWith(txn({ compare: compares(5) }), 'TOO_MANY_OPS')
    await rejectsWith(txn({ success: ops(5) }), 'TOO_MANY_OPS')
    await rejectsWith(txn({ failure: ops(5) }), 'TOO_MANY_OPS')
    // A nested txn spends what its parent left: 4 - 1 = 3.
    await txn({ success: [txnOp({ success: ops(3) })] })
    await rejectsWith(txn({ success: [txnOp({ success: ops(4) })] }), 'TOO_MANY_OPS')
  })

  test('duplicate keys in one branch are refused; then/else of a nested txn may repeat', async () => {
    const current = await rev()
    await rejectsWith(txn({ success: [putOp('dup/a'), putOp('dup/a')] }), 'DUPLICATE_KEY')
    await rejectsWith(txn({ failure: [putOp('dup/a'), putOp('dup/a')] }), 'DUPLICATE_KEY')
    // A put inside a range the same branch deletes, in either order.
    await rejectsWith(txn({ success: [deleteOp('dup/', 'dup0'), putOp('dup/a')] }), 'DUPLICATE_KEY')
    await rejectsWith(txn({ success: [putOp('dup/a'), deleteOp('dup/a')] }), 'DUPLICATE_KEY')
    // Against a nested txn's put.
    await rejectsWith(txn({ success: [putOp('dup/a'), txnOp({ success: [putOp('dup/a')] })] }), 'DUPLICATE_KEY')
    await rejectsWith(
      txn({ success: [deleteOp('dup/', 'dup0'), txnOp({ failure: [putOp('dup/b')] })] }),
      'DUPLICATE_KEY',
    )
    assert.equal(await rev(), current)

    // Allowed: the same key in both branches, in then and else of a nested txn, two deletes.
    await txn({ success: [putOp('dup/a', '1')], failure: [putOp('dup/a', '2')] })
    await txn({ success: [txnOp({ success: [putOp('dup/b', 'then')], failure: [putOp('dup/b', 'else')] })] })
    await txn({ success: [deleteOp('dup/a'), deleteOp('dup/', 'dup0')] })
    assert.equal(await rev(), current + 3)
  })

  test('validation errors: empty keys, an empty op', async () => {
    await rejectsWith(txn({ compare: [{ key: new Uint8Array(0), target: VERSION, result: EQUAL }] }), 'EMPTY_KEY')
    await rejectsWith(
      txn({ success: [{ request: { case: 'requestRange', value: { key: new Uint8Array(0) } } }] }),
      'EMPTY_KEY',
    )
    await rejectsWith(
      txn({ failure: [{ request: { case: 'requestPut', value: { key: new Uint8Array(0) } } }] }),
      'EMPTY_KEY',
    )
    await rejectsWith(txn({ success: [{ request: { case: 'requestDeleteRange', value: {} } }] }), 'EMPTY_KEY')
    await rejectsWith(txn({ success: [{}] }), 'KEY_NOT_FOUND')
    await rejectsWith(txn({ success: [putOp('val/a', 'x', { ignoreValue: true })] }), 'VALUE_PROVIDED')
  })

  test('apply errors of the branch taken fail the whole txn; the other branch is not checked', async () => {
    const current = await rev()
    await rejectsWith(txn({ success: [putOp('ae/a'), putOp('ae/b', 'v', { lease: 0x4242n })] }), 'LEASE_NOT_FOUND')
    await rejectsWith(
      txn({ success: [putOp('ae/a'), putOp('ae/missing', '', { ignoreValue: true, value: undefined })] }),
      'KEY_NOT_FOUND',
    )
    await rejectsWith(txn({ success: [putOp('ae/a'), rangeOp('ae/a', { revision: current + 100 })] }), 'FUTURE_REV')
    await rejectsWith(txn({ success: [rangeOp('ae/a', { revision: current + 100 })] }), 'FUTURE_REV')
    assert.equal(await rev(), current)
    assert.deepEqual((await call(m.kv, 'Range', { key: b('ae/a') })).kvs, [])

    const r = await txn({
      compare: [{ key: b('ae/missing'), target: VERSION, result: GREATER, targetUnion: { case: 'version', value: 0 } }],
      success: [putOp('ae/b', 'v', { lease: 0x4242n })],
      failure: [putOp('ae/a', 'fine')],
    })
    assert.equal(r.succeeded, false)
    assertHeader(r.header, m, current + 1)
  })
  test('an ignore_value put of a key a from-key delete removed earlier is refused before any write', async () => {
    await call(m.kv, 'Put', { key: b('half/p1'), value: b('1') })
    await call(m.kv, 'Put', { key: b('half/p2'), value: b('2') })
    const before = await rev()
    // etcd 3.4 panics on this txn (its duplicate check treats "\0" as a plain end); etcd-ts
    // refuses it whole: nothing deleted, no revision.
    await rejectsWith(
      txn({ success: [deleteOp('half/p1', '\0'), putOp('half/p2', '', { ignoreValue: true })] }),
      'KEY_NOT_FOUND',
    )
    const left = await call(m.kv, 'Range', { key: b('half/'), rangeEnd: b('half0') })
    assert.deepEqual(
      left.kvs.map((kv) => s(kv.key)),
      ['half/p1', 'half/p2'],
    )
    assert.equal(await rev(), before)
  })
})
