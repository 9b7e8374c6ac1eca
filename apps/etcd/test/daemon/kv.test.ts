// KV through the npm etcd3 client: put/get/delete, ranges, getAll options, revision reads,
// prev-kv, ignore_value/ignore_lease, and the exact errors. Every test uses its own key prefix
// and computes revisions from the responses it got, so tests do not depend on each other.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EtcdLeaseInvalidError, GRPCInvalidArgumentError, GRPCOutOfRangeError, SortOrder, SortTarget } from 'etcd3'
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

describe('daemon KV (etcd3 client)', { skip: !available }, () => {
  const daemon = useDaemon()
  const options = { timeout: TEST_TIMEOUT_MS }

  it('puts and gets a key: value, revisions, version, header', options, async () => {
    const { client } = daemon
    const put = await client.put('kv1/a').value('v1')
    const r1 = rev(put)
    assert.ok(r1 >= 2, 'the first write of a fresh store is revision 2')
    assert.match(put.header.cluster_id, /^[1-9]\d*$/)
    assert.match(put.header.member_id, /^[1-9]\d*$/)
    assert.match(put.header.raft_term, /^[1-9]\d*$/)
    assert.equal(put.prev_kv, null, 'no prev_kv unless asked for')

    const got = await client.get('kv1/a').exec()
    assert.deepEqual(got.kvs.map(view), [kv('kv1/a', 'v1', r1, r1, 1)])
    assert.equal(got.count, '1')
    assert.equal(got.more, false)
    assert.equal(rev(got), r1)
    assert.equal(got.header.cluster_id, put.header.cluster_id)
    assert.equal(got.header.member_id, put.header.member_id)

    // The same value again is still a write: version and mod_revision move on.
    const again = await client.put('kv1/a').value('v1')
    assert.equal(rev(again), r1 + 1)
    assert.deepEqual((await client.get('kv1/a').exec()).kvs.map(view), [kv('kv1/a', 'v1', r1, r1 + 1, 2)])
    assert.equal(await client.get('kv1/a').string(), 'v1')
    assert.equal(await client.get('kv1/a').number(), Number.NaN)
    assert.equal(await client.get('kv1/a').exists(), true)

    // A missing key: no kvs, count 0, header at the current revision.
    const missing = await client.get('kv1/missing').exec()
    assert.deepEqual(missing.kvs, [])
    assert.equal(missing.count, '0')
    assert.equal(missing.more, false)
    assert.equal(rev(missing), r1 + 1)
    assert.equal(await client.get('kv1/missing').string(), null)
    assert.equal(await client.get('kv1/missing').exists(), false)
  })

  it('deletes keys: counts, one revision per delete, none for a no-op', options, async () => {
    const { client } = daemon
    const r1 = rev(await client.put('kv2/a').value('1'))
    await client.put('kv2/b').value('2')
    await client.put('kv2/c').value('3')
    await client.put('kv2/d').value('4')

    const one = await client.delete().key('kv2/a')
    assert.equal(one.deleted, '1')
    assert.equal(rev(one), r1 + 4)
    assert.equal(await client.get('kv2/a').string(), null)

    const none = await client.delete().key('kv2/a')
    assert.equal(none.deleted, '0')
    assert.equal(rev(none), r1 + 4, 'deleting nothing does not create a revision')
    assert.equal(await currentRevision(client), r1 + 4)

    // A range delete [kv2/b, kv2/d) removes b and c in a single revision.
    const range = await client.delete().inRange({ start: 'kv2/b', end: 'kv2/d' })
    assert.equal(range.deleted, '2')
    assert.equal(rev(range), r1 + 5)
    assert.deepEqual(await client.getAll().prefix('kv2/').keys(), ['kv2/d'])

    // Re-creating a deleted key starts a new generation: version 1, new create_revision.
    const recreated = rev(await client.put('kv2/a').value('again'))
    assert.equal(recreated, r1 + 6)
    assert.deepEqual((await client.get('kv2/a').exec()).kvs.map(view), [kv('kv2/a', 'again', recreated, recreated, 1)])

    // Prefix delete with previous key-values, in key order.
    const previous = await client.delete().prefix('kv2/').getPrevious()
    assert.deepEqual(previous.map(view), [kv('kv2/a', 'again', r1 + 6, r1 + 6, 1), kv('kv2/d', '4', r1 + 3, r1 + 3, 1)])
    assert.equal(await client.getAll().prefix('kv2/').count(), 0)
    assert.equal(await currentRevision(client), r1 + 7)
  })

  it('ranges over prefixes and key ranges with getAll: strings, keys, count, limit, more', options, async () => {
    const { client } = daemon
    await client.put('kv3/a').value('1')
    await client.put('kv3/b').value('2')
    await client.put('kv3/c').value('3')
    await client.put('kv30').value('outside: "0" follows "/"')
    await client.put('kv3').value('outside: shorter than the prefix')

    assert.deepEqual(await client.getAll().prefix('kv3/').strings(), { 'kv3/a': '1', 'kv3/b': '2', 'kv3/c': '3' })
    assert.deepEqual(await client.getAll().prefix('kv3/').keys(), ['kv3/a', 'kv3/b', 'kv3/c'])
    assert.equal(await client.getAll().prefix('kv3/').count(), 3)
    assert.deepEqual(await client.getAll().prefix('kv3/').numbers(), { 'kv3/a': 1, 'kv3/b': 2, 'kv3/c': 3 })

    // limit: the first keys, `more` set, `count` still the whole range.
    const limited = await client.getAll().prefix('kv3/').limit(2).exec()
    assert.deepEqual(
      limited.kvs.map((item) => item.key.toString()),
      ['kv3/a', 'kv3/b'],
    )
    assert.equal(limited.more, true)
    assert.equal(limited.count, '3')
    const exact = await client.getAll().prefix('kv3/').limit(3).exec()
    assert.equal(exact.more, false)
    assert.equal(exact.count, '3')

    // keys_only drops values and keeps everything else.
    const keysOnly = await client.getAll().prefix('kv3/').limit(1)
    assert.deepEqual(keysOnly, { 'kv3/a': '1' })
    const keysOnlyRaw = await client.kv.range({
      key: Buffer.from('kv3/a'),
      range_end: Buffer.from('kv3/c'),
      keys_only: true,
    })
    assert.deepEqual(
      keysOnlyRaw.kvs.map((item) => [item.key.toString(), item.value.length, Number(item.version)]),
      [
        ['kv3/a', 0, 1],
        ['kv3/b', 0, 1],
      ],
    )

    // count_only: no kvs, the count.
    const countOnly = await client.kv.range({
      key: Buffer.from('kv3/'),
      range_end: Buffer.from('kv30'),
      count_only: true,
    })
    assert.deepEqual(countOnly.kvs, [])
    assert.equal(countOnly.count, '3')

    // [start, end) and from-key (end "\0").
    assert.deepEqual(await client.getAll().inRange({ start: 'kv3/a', end: 'kv3/c' }).keys(), ['kv3/a', 'kv3/b'])
    await client.put('zz-fromkey/1').value('x')
    await client.put('zz-fromkey/2').value('y')
    assert.deepEqual(await client.getAll().inRange({ start: 'zz-fromkey/', end: '\0' }).keys(), [
      'zz-fromkey/1',
      'zz-fromkey/2',
    ])
    // An empty range (end <= start) is just empty.
    assert.deepEqual(await client.getAll().inRange({ start: 'kv3/c', end: 'kv3/a' }).keys(), [])
  })

  it('sorts by every target in both orders; limit applies after sorting', options, async () => {
    const { client } = daemon
    // create order: c, a, b. Versions: a=3, b=2, c=1. Values: a=y, b=z, c=x. Last modified: b.
    const rc = rev(await client.put('kv4/c').value('x'))
    await client.put('kv4/a').value('y')
    await client.put('kv4/b').value('z')
    await client.put('kv4/a').value('y')
    await client.put('kv4/a').value('y')
    await client.put('kv4/b').value('z')
    const sorted = async (target: 'Key' | 'Version' | 'Create' | 'Mod' | 'Value', order: 'Ascend' | 'Descend') =>
      client.getAll().prefix('kv4/').sort(target, order).keys()

    assert.deepEqual(await sorted('Key', 'Ascend'), ['kv4/a', 'kv4/b', 'kv4/c'])
    assert.deepEqual(await sorted('Key', 'Descend'), ['kv4/c', 'kv4/b', 'kv4/a'])
    assert.deepEqual(await sorted('Version', 'Ascend'), ['kv4/c', 'kv4/b', 'kv4/a'])
    assert.deepEqual(await sorted('Version', 'Descend'), ['kv4/a', 'kv4/b', 'kv4/c'])
    assert.deepEqual(await sorted('Create', 'Ascend'), ['kv4/c', 'kv4/a', 'kv4/b'])
    assert.deepEqual(await sorted('Create', 'Descend'), ['kv4/b', 'kv4/a', 'kv4/c'])
    assert.deepEqual(await sorted('Mod', 'Ascend'), ['kv4/c', 'kv4/a', 'kv4/b'])
    assert.deepEqual(await sorted('Mod', 'Descend'), ['kv4/b', 'kv4/a', 'kv4/c'])
    assert.deepEqual(await sorted('Value', 'Ascend'), ['kv4/c', 'kv4/a', 'kv4/b'])
    assert.deepEqual(await sorted('Value', 'Descend'), ['kv4/b', 'kv4/a', 'kv4/c'])
    // A sort target with order NONE sorts ascending.
    const noneOrder = await client.kv.range({
      key: Buffer.from('kv4/'),
      range_end: Buffer.from('kv40'),
      sort_target: SortTarget.Create,
      sort_order: SortOrder.None,
    })
    assert.deepEqual(
      noneOrder.kvs.map((item) => item.key.toString()),
      ['kv4/c', 'kv4/a', 'kv4/b'],
    )

    const top = await client.getAll().prefix('kv4/').sort('Create', 'Descend').limit(1).exec()
    assert.deepEqual(top.kvs.map(view), [kv('kv4/b', 'z', rc + 2, rc + 5, 2)])
    assert.equal(top.more, true)
    assert.equal(top.count, '3')
  })

  it('filters by min/max mod and create revision', options, async () => {
    const { client } = daemon
    const r1 = rev(await client.put('kv5/a').value('1'))
    await client.put('kv5/b').value('2')
    await client.put('kv5/c').value('3')
    await client.put('kv5/a').value('4')
    const keys = (builder: ReturnType<typeof client.getAll>) => builder.prefix('kv5/').keys()
    assert.deepEqual(await keys(client.getAll().minModRevision(r1 + 2)), ['kv5/a', 'kv5/c'])
    assert.deepEqual(await keys(client.getAll().maxModRevision(r1 + 1)), ['kv5/b'])
    assert.deepEqual(await keys(client.getAll().minCreateRevision(r1 + 1)), ['kv5/b', 'kv5/c'])
    assert.deepEqual(await keys(client.getAll().maxCreateRevision(r1)), ['kv5/a'])
    const filtered = await client
      .getAll()
      .prefix('kv5/')
      .minCreateRevision(r1 + 1)
      .exec()
    assert.equal(filtered.count, '3', 'count ignores the filters')
  })

  it('reads at past revisions; header carries the current revision', options, async () => {
    const { client } = daemon
    const a = rev(await client.put('kv6/k').value('v1'))
    const b = rev(await client.put('kv6/k').value('v2'))
    const c = rev(await client.delete().key('kv6/k'))
    const d = rev(await client.put('kv6/k').value('v3'))
    await client.put('kv6/other').value('o')
    const now = await currentRevision(client)
    assert.deepEqual([b, c, d], [a + 1, a + 2, a + 3])

    assert.equal(
      await client
        .get('kv6/k')
        .revision(a - 1)
        .string(),
      null,
    )
    assert.equal(await client.get('kv6/k').revision(a).string(), 'v1')
    assert.equal(await client.get('kv6/k').revision(b).string(), 'v2')
    assert.equal(await client.get('kv6/k').revision(c).string(), null)
    assert.equal(await client.get('kv6/k').revision(d).string(), 'v3')
    const old = await client.get('kv6/k').revision(b).exec()
    assert.deepEqual(old.kvs.map(view), [kv('kv6/k', 'v2', a, b, 2)])
    assert.equal(rev(old), now, 'a read at an old revision answers with the current revision')
    assert.deepEqual(await client.getAll().prefix('kv6/').revision(d).keys(), ['kv6/k'])
    assert.deepEqual(await client.getAll().prefix('kv6/').keys(), ['kv6/k', 'kv6/other'])

    // The current revision is readable; one past it is the future.
    assert.equal(await client.get('kv6/other').revision(now).string(), 'o')
    await assertRejects(
      client
        .get('kv6/k')
        .revision(now + 1)
        .exec(),
      GRPCOutOfRangeError,
      '11 OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision',
    )
  })

  it('put().getPrevious() returns the previous key-value (absent for a new key)', options, async () => {
    const { client } = daemon
    const first = await client.put('kv7/k').value('one').getPrevious()
    const r1 = rev(first)
    assert.deepEqual(Object.keys(first), ['header'], 'no previous key-value for a new key')
    const second = await client.put('kv7/k').value('two').getPrevious()
    assert.equal(rev(second), r1 + 1)
    assert.deepEqual(view(second), kv('kv7/k', 'one', r1, r1, 1))
    const raw = await client.kv.put({ key: Buffer.from('kv7/k'), value: Buffer.from('three'), prev_kv: true })
    assert.deepEqual(view(raw.prev_kv), kv('kv7/k', 'two', r1, r1 + 1, 2))
  })

  it(
    'ignore_lease keeps the lease, a plain put detaches it, ignore_value (touch) keeps the value',
    options,
    async () => {
      const { client } = daemon
      const lease = client.lease(60, { autoKeepAlive: false })
      try {
        const id = await lease.grant()
        const r1 = rev(await lease.put('kv8/k').value('v1'))
        assert.deepEqual((await client.get('kv8/k').exec()).kvs.map(view), [kv('kv8/k', 'v1', r1, r1, 1, id)])

        await client.put('kv8/k').value('v2').ignoreLease()
        assert.deepEqual((await client.get('kv8/k').exec()).kvs.map(view), [kv('kv8/k', 'v2', r1, r1 + 1, 2, id)])

        // touch() = ignore_value without ignore_lease: the value stays, the lease is detached.
        const touched = await client.put('kv8/k').touch()
        assert.equal(rev(touched), r1 + 2)
        assert.deepEqual((await client.get('kv8/k').exec()).kvs.map(view), [kv('kv8/k', 'v2', r1, r1 + 2, 3)])

        await client.put('kv8/k').value('v3').lease(id)
        await client.kv.put({ key: Buffer.from('kv8/k'), ignore_value: true, ignore_lease: true })
        assert.deepEqual((await client.get('kv8/k').exec()).kvs.map(view), [kv('kv8/k', 'v3', r1, r1 + 4, 5, id)])

        await client.put('kv8/k').value('v4')
        assert.equal((await client.get('kv8/k').exec()).kvs[0]?.lease, '0', 'a plain put detaches the lease')
        const ttl = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true })
        assert.deepEqual(ttl.keys, [], 'the detached key is no longer listed on the lease')

        await assertRejects(
          client.put('kv8/missing').touch(),
          GRPCInvalidArgumentError,
          '3 INVALID_ARGUMENT: etcdserver: key not found',
        )
        await assertRejects(
          client.put('kv8/missing').value('x').ignoreLease().exec(),
          GRPCInvalidArgumentError,
          '3 INVALID_ARGUMENT: etcdserver: key not found',
        )
        await assertRejects(
          client.kv.put({ key: Buffer.from('kv8/k'), value: Buffer.from('x'), ignore_value: true }),
          GRPCInvalidArgumentError,
          '3 INVALID_ARGUMENT: etcdserver: value is provided',
        )
        await assertRejects(
          client.kv.put({ key: Buffer.from('kv8/k'), lease: id, ignore_lease: true }),
          GRPCInvalidArgumentError,
          '3 INVALID_ARGUMENT: etcdserver: lease is provided',
        )
        assert.equal(await client.get('kv8/missing').exists(), false, 'failed puts wrote nothing')
      } finally {
        await lease.revoke()
      }
    },
  )

  it('rejects empty keys, unknown leases and oversized requests with etcd’s errors', options, async () => {
    const { client } = daemon
    const before = await currentRevision(client)
    const emptyKey = '3 INVALID_ARGUMENT: etcdserver: key is not provided'
    await assertRejects(client.put('').value('x').exec(), GRPCInvalidArgumentError, emptyKey)
    await assertRejects(client.get('').exec(), GRPCInvalidArgumentError, emptyKey)
    await assertRejects(client.delete().key('').exec(), GRPCInvalidArgumentError, emptyKey)
    await assertRejects(
      client.put('kv9/k').value('x').lease('1234567').exec(),
      EtcdLeaseInvalidError,
      /etcdserver: requested lease not found/,
    )
    // 1.6 MB is over the default --max-request-bytes (1.5 MiB) but under the gRPC limit (2 MiB).
    await assertRejects(
      client.put('kv9/big').value(Buffer.alloc(1_600_000, 0x61)).exec(),
      GRPCInvalidArgumentError,
      '3 INVALID_ARGUMENT: etcdserver: request is too large',
    )
    assert.equal(await currentRevision(client), before, 'no failed request created a revision')
    // Just under the limit is fine.
    const r = rev(await client.put('kv9/large').value(Buffer.alloc(1_000_000, 0x62)))
    const large = await client.get('kv9/large').buffer()
    assert.equal(large?.length, 1_000_000)
    assert.equal(r, before + 1)
  })

  it('round-trips arbitrary bytes in keys and values; prefixes ending in 0xff', options, async () => {
    const { client } = daemon
    const base = Buffer.from('kv10/')
    const k1 = Buffer.concat([base, Buffer.from([0xff])])
    const k2 = Buffer.concat([base, Buffer.from([0xff, 0x00, 0x01])])
    const k3 = Buffer.concat([base, Buffer.from([0x00])])
    const value = Buffer.from([0x00, 0xff, 0x80, 0x0a, 0x0d])
    await client.put(k1).value(value)
    await client.put(k2).value(Buffer.alloc(0))
    await client.put(k3).value('z')
    assert.deepEqual(await client.get(k1).buffer(), value)
    assert.deepEqual(await client.get(k2).buffer(), Buffer.alloc(0))
    assert.deepEqual(await client.getAll().prefix(base).keyBuffers(), [k3, k1, k2])
    // As a prefix, `kv10/\xff` ends at `kv100`: the last byte below 0xff is incremented, the rest cut.
    assert.deepEqual(await client.getAll().prefix(k1).keyBuffers(), [k1, k2])
    assert.equal(await client.getAll().prefix(base).count(), 3)
  })
})
