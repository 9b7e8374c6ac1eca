// Txn through the npm etcd3 client (`client.if(...).then(...).else(...).commit()`) and, for what
// the builder cannot express (nested txns, range compares), through its raw KV client.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  CompareResult,
  CompareTarget,
  type Etcd3,
  EtcdLeaseInvalidError,
  GRPCInvalidArgumentError,
  GRPCOutOfRangeError,
  type ICompare,
  type IRequestOp,
} from 'etcd3'
import {
  assertRejects,
  currentRevision,
  kv,
  rev,
  TEST_TIMEOUT_MS,
  targetAvailable,
  useDaemon,
  view,
} from './support.js'

const available = targetAvailable()

const put = (key: string, value: string): IRequestOp => ({
  request_put: { key: Buffer.from(key), value: Buffer.from(value) },
})
const get = (key: string, rangeEnd?: string): IRequestOp => ({
  request_range: { key: Buffer.from(key), ...(rangeEnd === undefined ? {} : { range_end: Buffer.from(rangeEnd) }) },
})
const del = (key: string, rangeEnd?: string): IRequestOp => ({
  request_delete_range: {
    key: Buffer.from(key),
    ...(rangeEnd === undefined ? {} : { range_end: Buffer.from(rangeEnd) }),
  },
})
const compare = (
  key: string,
  target: CompareTarget,
  result: CompareResult,
  value: number | string,
  rangeEnd?: string,
): ICompare => {
  const field =
    target === CompareTarget.Value
      ? { value: Buffer.from(String(value)) }
      : target === CompareTarget.Version
        ? { version: value }
        : target === CompareTarget.Create
          ? { create_revision: value }
          : target === CompareTarget.Mod
            ? { mod_revision: value }
            : { lease: value }
  return {
    key: Buffer.from(key),
    target,
    result,
    ...field,
    ...(rangeEnd === undefined ? {} : { range_end: Buffer.from(rangeEnd) }),
  } as ICompare
}

/** Whether a one-compare txn takes its success branch. */
async function holds(
  client: Etcd3,
  key: string,
  column: 'Version' | 'Create' | 'Mod' | 'Value' | 'Lease',
  cmp: '==' | '!=' | '>' | '<',
  value: string | number,
): Promise<boolean> {
  return (await client.if(key, column, cmp, value).commit()).succeeded
}

describe('daemon Txn (etcd3 client)', { skip: !available }, () => {
  const daemon = useDaemon()
  const options = { timeout: TEST_TIMEOUT_MS }

  it('runs the success branch: one revision, sub-headers carry only the revision', options, async () => {
    const { client } = daemon
    const r0 = rev(await client.put('tx1/k').value('a'))
    const result = await client
      .if('tx1/k', 'Value', '==', 'a')
      .then(client.put('tx1/k2').value('b'), client.get('tx1/k'))
      .else(client.put('tx1/never').value('x'))
      .commit()
    assert.equal(result.succeeded, true)
    assert.equal(rev(result), r0 + 1)
    assert.notEqual(result.header.cluster_id, '0')
    assert.notEqual(result.header.member_id, '0')
    assert.equal(result.responses.length, 2)
    const [first, second] = result.responses
    assert.deepEqual(first?.response_put.header, {
      cluster_id: '0',
      member_id: '0',
      revision: String(r0 + 1),
      raft_term: '0',
    })
    assert.deepEqual(second?.response_range.kvs.map(view), [kv('tx1/k', 'a', r0, r0, 1)])
    assert.equal(second?.response_range.count, '1')
    assert.equal(second?.response_range.header.revision, String(r0 + 1))
    assert.deepEqual(await client.getAll().prefix('tx1/').strings(), { 'tx1/k': 'a', 'tx1/k2': 'b' })
  })

  it('reports the pre-txn revision for a range before the first write', options, async () => {
    const { client } = daemon
    const r0 = rev(await client.put('tx2/k').value('a'))
    const result = await client.kv.txn({ compare: [], success: [get('tx2/k'), put('tx2/k', 'b'), get('tx2/k')] })
    assert.equal(result.succeeded, true)
    const revisions = result.responses.map((response) => {
      const inner = response.response_range ?? response.response_put
      return Number(inner.header.revision)
    })
    assert.deepEqual(revisions, [r0, r0 + 1, r0 + 1])
    assert.equal(result.responses[0]?.response_range.kvs[0]?.value.toString(), 'a')
    assert.equal(result.responses[2]?.response_range.kvs[0]?.value.toString(), 'b')
  })

  it('runs the failure branch when a compare fails; compares are ANDed', options, async () => {
    const { client } = daemon
    const r0 = rev(await client.put('tx3/k').value('a'))
    const result = await client
      .if('tx3/k', 'Value', '==', 'a')
      .and('tx3/k', 'Version', '>', 1)
      .then(client.put('tx3/then').value('x'))
      .else(client.put('tx3/else').value('y'), client.delete().key('tx3/k'))
      .commit()
    assert.equal(result.succeeded, false)
    assert.equal(rev(result), r0 + 1)
    assert.equal(result.responses.length, 2)
    assert.equal(result.responses[0]?.response_put.header.revision, String(r0 + 1))
    assert.equal(result.responses[1]?.response_delete_range.deleted, '1')
    assert.deepEqual(await client.getAll().prefix('tx3/').strings(), { 'tx3/else': 'y' })
  })

  it('compares every target with ==, !=, > and <', options, async () => {
    const { client } = daemon
    const lease = client.lease(60, { autoKeepAlive: false })
    try {
      const leaseId = await lease.grant()
      const create = rev(await client.put('tx4/k').value('v'))
      const mod = rev(await lease.put('tx4/k').value('v'))
      await client.put('tx4/plain').value('p')
      const k = 'tx4/k'
      const cases: [Parameters<typeof holds>[2], Parameters<typeof holds>[3], string | number, boolean][] = [
        ['Version', '==', 2, true],
        ['Version', '!=', 2, false],
        ['Version', '>', 1, true],
        ['Version', '<', 2, false],
        ['Create', '==', create, true],
        ['Create', '>', create, false],
        ['Create', '<', create + 1, true],
        ['Create', '!=', create, false],
        ['Mod', '==', mod, true],
        ['Mod', '>', mod - 1, true],
        ['Mod', '<', mod, false],
        ['Mod', '!=', create, true],
        ['Value', '==', 'v', true],
        ['Value', '!=', 'v', false],
        ['Value', '>', 'u', true],
        ['Value', '<', 'w', true],
        ['Value', '>', 'v', false],
        ['Lease', '==', leaseId, true],
        ['Lease', '!=', leaseId, false],
        ['Lease', '>', 0, true],
      ]
      for (const [column, cmp, value, expected] of cases) {
        assert.equal(await holds(client, k, column, cmp, value), expected, `${column} ${cmp} ${value}`)
      }
      assert.equal(await holds(client, 'tx4/plain', 'Lease', '==', 0), true, 'no lease compares as 0')
    } finally {
      await lease.revoke()
    }
  })

  it('compares a missing key against zeros, except that Value compares are false', options, async () => {
    const { client } = daemon
    const missing = 'tx5/missing'
    assert.equal(await holds(client, missing, 'Create', '==', 0), true)
    assert.equal(await holds(client, missing, 'Version', '==', 0), true)
    assert.equal(await holds(client, missing, 'Mod', '==', 0), true)
    assert.equal(await holds(client, missing, 'Lease', '==', 0), true)
    assert.equal(await holds(client, missing, 'Version', '>', 0), false)
    assert.equal(await holds(client, missing, 'Value', '==', ''), false)
    assert.equal(await holds(client, missing, 'Value', '!=', 'abc'), false)
    assert.equal(await holds(client, missing, 'Value', '<', 'abc'), false)
  })

  it('compares over a range: every key must match', options, async () => {
    const { client } = daemon
    await client.put('tx6/a').value('1')
    await client.put('tx6/b').value('1')
    const allOnes = compare('tx6/', CompareTarget.Value, CompareResult.Equal, '1', 'tx60')
    assert.equal((await client.kv.txn({ compare: [allOnes] })).succeeded, true)
    await client.put('tx6/c').value('2')
    assert.equal((await client.kv.txn({ compare: [allOnes] })).succeeded, false)
    const versions = compare('tx6/', CompareTarget.Version, CompareResult.Greater, 0, 'tx60')
    assert.equal((await client.kv.txn({ compare: [versions] })).succeeded, true)
    const emptyRange = compare('tx6/x', CompareTarget.Create, CompareResult.Equal, 0, 'tx6/y')
    assert.equal((await client.kv.txn({ compare: [emptyRange] })).succeeded, true, 'no key: compared as zeros')
  })

  it('runs nested txns; the then and else of a nested txn may write the same key', options, async () => {
    const { client } = daemon
    const r0 = rev(await client.put('tx7/flag').value('on'))
    const nested: IRequestOp = {
      request_txn: {
        compare: [compare('tx7/flag', CompareTarget.Value, CompareResult.Equal, 'off')],
        success: [put('tx7/x', 'from-then')],
        failure: [put('tx7/x', 'from-else'), get('tx7/flag')],
      },
    }
    const result = await client.kv.txn({
      compare: [compare('tx7/flag', CompareTarget.Value, CompareResult.Equal, 'on')],
      success: [put('tx7/outer', 'o'), nested],
    })
    assert.equal(result.succeeded, true)
    assert.equal(rev(result), r0 + 1)
    assert.equal(result.responses.length, 2)
    const inner = result.responses[1]?.response_txn
    assert.equal(inner?.succeeded, false)
    assert.equal(inner?.responses.length, 2)
    assert.equal(inner?.responses[0]?.response_put.header.revision, String(r0 + 1))
    assert.deepEqual(inner?.responses[1]?.response_range.kvs.map(view), [kv('tx7/flag', 'on', r0, r0, 1)])
    assert.deepEqual(await client.getAll().prefix('tx7/').strings(), {
      'tx7/flag': 'on',
      'tx7/outer': 'o',
      'tx7/x': 'from-else',
    })
    // Both writes of the txn happened at one revision.
    const written = await client.getAll().prefix('tx7/').exec()
    assert.deepEqual(
      written.kvs.map((item) => [item.key.toString(), Number(item.mod_revision)]),
      [
        ['tx7/flag', r0],
        ['tx7/outer', r0 + 1],
        ['tx7/x', r0 + 1],
      ],
    )
  })

  it('does not create a revision for read-only or no-op txns; an empty txn succeeds', options, async () => {
    const { client } = daemon
    const r0 = rev(await client.put('tx8/k').value('v'))
    const readOnly = await client.kv.txn({ compare: [], success: [get('tx8/k'), get('tx8/missing')] })
    assert.equal(rev(readOnly), r0)
    const noOp = await client.kv.txn({ compare: [], success: [del('tx8/missing')] })
    assert.equal(rev(noOp), r0)
    assert.equal(noOp.responses[0]?.response_delete_range.deleted, '0')
    const empty = await client.kv.txn({ compare: [], success: [], failure: [] })
    assert.equal(empty.succeeded, true)
    assert.deepEqual(empty.responses, [])
    assert.equal(rev(empty), r0)
    assert.equal(await currentRevision(client), r0)
  })

  it('accepts 128 ops and one revision for all; rejects 129 with etcd’s error', options, async () => {
    const { client } = daemon
    const r0 = await currentRevision(client)
    const ops = (count: number) =>
      Array.from({ length: count }, (_, i) => put(`tx9/${String(i).padStart(3, '0')}`, 'v'))
    const ok = await client.kv.txn({ compare: [], success: ops(128) })
    assert.equal(rev(ok), r0 + 1)
    assert.equal(await client.getAll().prefix('tx9/').count(), 128)
    const tooMany = '3 INVALID_ARGUMENT: etcdserver: too many operations in txn request'
    await assertRejects(client.kv.txn({ compare: [], success: ops(129) }), GRPCInvalidArgumentError, tooMany)
    await assertRejects(client.kv.txn({ compare: [], failure: ops(129) }), GRPCInvalidArgumentError, tooMany)
    const compares = Array.from({ length: 129 }, () =>
      compare('tx9/000', CompareTarget.Version, CompareResult.Greater, 0),
    )
    await assertRejects(client.kv.txn({ compare: compares }), GRPCInvalidArgumentError, tooMany)
    assert.equal(await currentRevision(client), r0 + 1)
  })

  it('rejects duplicate writes, unknown leases, bad ranges and empty keys; nothing is applied', options, async () => {
    const { client } = daemon
    const r0 = rev(await client.put('tx10/k').value('v'))
    const duplicate = '3 INVALID_ARGUMENT: etcdserver: duplicate key given in txn request'
    await assertRejects(
      client.kv.txn({ compare: [], success: [put('tx10/a', '1'), put('tx10/a', '2')] }),
      GRPCInvalidArgumentError,
      duplicate,
    )
    await assertRejects(
      client.kv.txn({ compare: [], success: [del('tx10/', 'tx100'), put('tx10/b', '1')] }),
      GRPCInvalidArgumentError,
      duplicate,
    )
    await assertRejects(
      client.kv.txn({
        compare: [],
        success: [{ request_put: { key: Buffer.from('tx10/c'), value: Buffer.from('1'), lease: '1234567' } }],
      }),
      EtcdLeaseInvalidError,
      /etcdserver: requested lease not found/,
    )
    await assertRejects(
      client.kv.txn({
        compare: [],
        success: [put('tx10/d', '1'), { request_range: { key: Buffer.from('tx10/k'), revision: r0 + 100 } }],
      }),
      GRPCOutOfRangeError,
      '11 OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision',
    )
    await assertRejects(
      client.kv.txn({ compare: [compare('', CompareTarget.Version, CompareResult.Equal, 0)] }),
      GRPCInvalidArgumentError,
      '3 INVALID_ARGUMENT: etcdserver: key is not provided',
    )
    await assertRejects(
      client.kv.txn({ compare: [], success: [put('', 'x')] }),
      GRPCInvalidArgumentError,
      '3 INVALID_ARGUMENT: etcdserver: key is not provided',
    )
    assert.equal(await currentRevision(client), r0)
    assert.deepEqual(await client.getAll().prefix('tx10/').keys(), ['tx10/k'])
  })
})
