// The Lease service against a real member: grant (minimum TTL, explicit IDs, errors), the
// keep-alive stream, TimeToLive, Leases, revoke and expiry, by etcd's rules (reference
// etcd-api.md §0 item 9 and §2.4; checked on etcd 3.4.23).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Event_EventType, type LeaseKeepAliveResponse } from '@etcd-ts/api'
import { removeDir, waitUntil } from '@etcd-ts/test-support'
import { assertHeader, b, call, type Member, rejectsWith, s, startMember, useMember, WatchSession } from './harness.js'

/** One keep-alive stream: `renew(id)` sends a request and waits for its answer. */
class KeepAlive {
  readonly #call: ReturnType<Member['lease']['LeaseKeepAlive']>
  readonly #pending: ((response: LeaseKeepAliveResponse) => void)[] = []
  #error: Error | undefined

  constructor(member: Member) {
    this.#call = member.lease.LeaseKeepAlive()
    this.#call.on('data', (response: LeaseKeepAliveResponse) => this.#pending.shift()?.(response))
    this.#call.on('error', (error: Error) => {
      this.#error = error
    })
  }

  renew(id: bigint, timeoutMs = 10_000): Promise<LeaseKeepAliveResponse> {
    if (this.#error !== undefined) return Promise.reject(this.#error)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no keep-alive response')), timeoutMs)
      this.#pending.push((response) => {
        clearTimeout(timer)
        resolve(response)
      })
      this.#call.write({ ID: id })
    })
  }

  close(): void {
    this.#call.cancel()
  }
}

describe('Lease (default timing)', { timeout: 60_000 }, () => {
  let m!: Member
  useMember((started) => {
    m = started
  })
  const rev = async (): Promise<number> => (await call(m.kv, 'Range', { key: b('rev') })).header?.revision as number

  test('grant: a TTL below the minimum (2 s by default) is raised; ID 0 picks a positive ID', async () => {
    const current = await rev()
    for (const ttl of [0, 1, 2]) {
      const g = await call(m.lease, 'LeaseGrant', { TTL: ttl })
      assertHeader(g.header, m, current)
      assert.equal(g.TTL, 2, `TTL ${ttl}`)
      assert.ok(g.ID > 0n && g.ID <= 0x7fff_ffff_ffff_ffffn, `positive int64 ID, got ${g.ID}`)
      assert.equal(g.error, '')
    }
    const long = await call(m.lease, 'LeaseGrant', { TTL: 600 })
    assert.equal(long.TTL, 600)
    // Granting does not create a revision.
    assert.equal(await rev(), current)
  })

  test('grant with an explicit ID; a taken ID and a too large TTL are refused', async () => {
    const g = await call(m.lease, 'LeaseGrant', { TTL: 60, ID: 0x1234n })
    assert.equal(g.ID, 0x1234n)
    assert.equal(g.TTL, 60)
    await rejectsWith(call(m.lease, 'LeaseGrant', { TTL: 60, ID: 0x1234n }), 'LEASE_EXIST')
    await rejectsWith(call(m.lease, 'LeaseGrant', { TTL: 9_000_000_001, ID: 0x1235n }), 'LEASE_TTL_TOO_LARGE')
    const max = await call(m.lease, 'LeaseGrant', { TTL: 9_000_000_000, ID: 0x1236n })
    assert.equal(max.TTL, 9_000_000_000)
    // A large ID is fine too (IDs are int64).
    const big = await call(m.lease, 'LeaseGrant', { TTL: 60, ID: 0x7fff_ffff_ffff_fff0n })
    assert.equal(big.ID, 0x7fff_ffff_ffff_fff0n)
  })

  test('TimeToLive: remaining and granted TTL, keys on request; an unknown lease answers TTL -1', async () => {
    const { ID } = await call(m.lease, 'LeaseGrant', { TTL: 600 })
    await call(m.kv, 'Put', { key: b('ttl/a'), value: b('1'), lease: ID })
    await call(m.kv, 'Put', { key: b('ttl/b'), value: b('2'), lease: ID })
    const current = await rev()
    const withKeys = await call(m.lease, 'LeaseTimeToLive', { ID, keys: true })
    assertHeader(withKeys.header, m, current)
    assert.equal(withKeys.ID, ID)
    assert.equal(withKeys.grantedTTL, 600)
    assert.ok(withKeys.TTL <= 599 && withKeys.TTL > 500, `remaining TTL truncated, got ${withKeys.TTL}`)
    assert.deepEqual(withKeys.keys.map((k) => s(k)).sort(), ['ttl/a', 'ttl/b'])
    const withoutKeys = await call(m.lease, 'LeaseTimeToLive', { ID })
    assert.deepEqual(withoutKeys.keys, [])
    assert.equal(withoutKeys.grantedTTL, 600)

    const unknown = await call(m.lease, 'LeaseTimeToLive', { ID: 0x9999n, keys: true })
    assertHeader(unknown.header, m, current)
    assert.deepEqual([unknown.ID, unknown.TTL, unknown.grantedTTL, unknown.keys], [0x9999n, -1, 0, []])
  })

  test('Leases lists every live lease', async () => {
    const a = (await call(m.lease, 'LeaseGrant', { TTL: 60 })).ID
    const bId = (await call(m.lease, 'LeaseGrant', { TTL: 60 })).ID
    const list = await call(m.lease, 'LeaseLeases', {})
    assertHeader(list.header, m, await rev())
    const ids = list.leases.map((l) => l.ID)
    assert.ok(ids.includes(a) && ids.includes(bId) && ids.includes(0x1234n))
    await call(m.lease, 'LeaseRevoke', { ID: a })
    const after = (await call(m.lease, 'LeaseLeases', {})).leases.map((l) => l.ID)
    assert.ok(!after.includes(a))
    assert.ok(after.includes(bId))
  })

  test('keep-alive answers the full TTL; an unknown lease gets TTL 0, not an error', async () => {
    const { ID } = await call(m.lease, 'LeaseGrant', { TTL: 30 })
    const stream = new KeepAlive(m)
    try {
      const current = await rev()
      for (let i = 0; i < 3; i++) {
        const r = await stream.renew(ID)
        assert.deepEqual([r.ID, r.TTL], [ID, 30])
        assertHeader(r.header, m, current)
      }
      const unknown = await stream.renew(0x5555n)
      assert.deepEqual([unknown.ID, unknown.TTL], [0x5555n, 0])
      assertHeader(unknown.header, m, current)
      // The stream goes on after that.
      assert.equal((await stream.renew(ID)).TTL, 30)
    } finally {
      stream.close()
    }
  })

  test('revoke deletes the attached keys in one revision, one DELETE event each; unknown is NOT_FOUND', async () => {
    const { ID } = await call(m.lease, 'LeaseGrant', { TTL: 600 })
    await call(m.kv, 'Put', { key: b('rv/a'), value: b('1'), lease: ID })
    await call(m.kv, 'Put', { key: b('rv/b'), value: b('2'), lease: ID })
    await call(m.kv, 'Put', { key: b('rv/c'), value: b('3') })
    const w = new WatchSession(m)
    try {
      w.send({ requestUnion: { case: 'createRequest', value: { key: b('rv/'), rangeEnd: b('rv0') } } })
      assert.equal((await w.next()).created, true)
      const current = await rev()
      const r = await call(m.lease, 'LeaseRevoke', { ID })
      assertHeader(r.header, m, current + 1)
      const events = await w.next()
      assertHeader(events.header, m, current + 1)
      assert.deepEqual(
        events.events.map((e) => [e.type, s(e.kv?.key ?? new Uint8Array(0)), e.kv?.modRevision]).sort(),
        [
          [Event_EventType.DELETE, 'rv/a', current + 1],
          [Event_EventType.DELETE, 'rv/b', current + 1],
        ],
      )
      const left = await call(m.kv, 'Range', { key: b('rv/'), rangeEnd: b('rv0') })
      assert.deepEqual(
        left.kvs.map((kv) => s(kv.key)),
        ['rv/c'],
      )
      assert.equal((await call(m.lease, 'LeaseTimeToLive', { ID })).TTL, -1)
      await rejectsWith(call(m.lease, 'LeaseRevoke', { ID }), 'LEASE_NOT_FOUND')
      await rejectsWith(call(m.kv, 'Put', { key: b('rv/a'), value: b('x'), lease: ID }), 'LEASE_NOT_FOUND')
      // A lease without keys: revoking it creates no revision.
      const empty = (await call(m.lease, 'LeaseGrant', { TTL: 600 })).ID
      const before = await rev()
      assertHeader((await call(m.lease, 'LeaseRevoke', { ID: empty })).header, m, before)
    } finally {
      w.close()
    }
  })
})

describe('Lease expiry (fast timing)', { timeout: 60_000 }, () => {
  let m: Member
  before(async () => {
    // 10 ms ticks, 5-tick elections: the minimum TTL is ceil(1.5 * 50 ms) = 1 s.
    m = await startMember({ config: { heartbeatIntervalMs: 10, electionTimeoutMs: 50 } })
  })
  after(async () => {
    await m?.close()
    if (m !== undefined) await removeDir(m.dataDir)
  })

  test('the minimum TTL follows the election timeout', async () => {
    assert.equal((await call(m.lease, 'LeaseGrant', { TTL: 0 })).TTL, 1)
  })

  test('an expired lease is revoked with its keys; then TimeToLive is -1 and keep-alive TTL 0', async () => {
    const { ID, TTL } = await call(m.lease, 'LeaseGrant', { TTL: 1 })
    assert.equal(TTL, 1)
    await call(m.kv, 'Put', { key: b('exp/a'), value: b('1'), lease: ID })
    await call(m.kv, 'Put', { key: b('exp/keep'), value: b('2') })
    await waitUntil(async () => (await call(m.kv, 'Range', { key: b('exp/a') })).kvs.length === 0, {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: 'the leased key to be deleted',
    })
    assert.equal((await call(m.kv, 'Range', { key: b('exp/keep') })).kvs.length, 1)
    assert.equal((await call(m.lease, 'LeaseTimeToLive', { ID })).TTL, -1)
    const ids = (await call(m.lease, 'LeaseLeases', {})).leases.map((l) => l.ID)
    assert.ok(!ids.includes(ID))
    const stream = new KeepAlive(m)
    try {
      assert.equal((await stream.renew(ID)).TTL, 0)
    } finally {
      stream.close()
    }
  })

  test('keep-alives hold a lease past its TTL', async () => {
    const { ID } = await call(m.lease, 'LeaseGrant', { TTL: 3 })
    await call(m.kv, 'Put', { key: b('ka/a'), value: b('1'), lease: ID })
    const stream = new KeepAlive(m)
    try {
      // Renew every 200 ms for 3.5 s: longer than the TTL, with ample room for slow ticks.
      const until = Date.now() + 3500
      while (Date.now() < until) {
        assert.equal((await stream.renew(ID)).TTL, 3)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      assert.equal((await call(m.kv, 'Range', { key: b('ka/a') })).kvs.length, 1)
      const ttl = await call(m.lease, 'LeaseTimeToLive', { ID })
      assert.equal(ttl.grantedTTL, 3)
      assert.ok(ttl.TTL >= 0 && ttl.TTL <= 3, `remaining ${ttl.TTL}`)
    } finally {
      stream.close()
    }
    await call(m.lease, 'LeaseRevoke', { ID })
  })
})
