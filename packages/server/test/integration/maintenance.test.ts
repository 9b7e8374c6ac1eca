// The Maintenance and Cluster services against a real member: Status, Hash, HashKV, Alarm with
// the NOSPACE quota, Defragment, Snapshot, MoveLeader and MemberList, by etcd's rules (reference
// etcd-api.md §2.1 and §2.5; checked on etcd 3.4.23).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { AlarmRequest_AlarmAction, AlarmType, NUL, type SnapshotResponse } from '@etcd-ts/api'
import { withTimeout } from '@etcd-ts/test-support'
import { assertHeader, b, call, type Member, rejectsWith, useMember, withMember } from './harness.js'

const { NOSPACE } = AlarmType
const { GET, ACTIVATE, DEACTIVATE } = AlarmRequest_AlarmAction

function readSnapshot(m: Member): Promise<SnapshotResponse[]> {
  const stream = m.maintenance.Snapshot({}, { deadline: Date.now() + 20_000 })
  const responses: SnapshotResponse[] = []
  return withTimeout(
    new Promise<SnapshotResponse[]>((resolve, reject) => {
      stream.on('data', (r: SnapshotResponse) => responses.push(r))
      stream.on('error', reject)
      stream.on('end', () => resolve(responses))
    }),
    25_000,
    'the snapshot stream',
  )
}

describe('Maintenance', { timeout: 60_000 }, () => {
  let m!: Member
  useMember((started) => {
    m = started
  })
  const rev = async (): Promise<number> => (await call(m.kv, 'Range', { key: b('rev') })).header?.revision as number

  test('Status: version, leader, raft index and term, no errors', async () => {
    await call(m.kv, 'Put', { key: b('st'), value: b('1') })
    const st = await call(m.maintenance, 'Status', {})
    const server = m.etcd.server
    assertHeader(st.header, m, await rev())
    assert.equal(st.version, '3.4.23')
    assert.equal(st.leader, server.id)
    assert.equal(st.raftTerm, st.header?.raftTerm)
    assert.ok(st.raftIndex >= 1)
    assert.ok(st.raftAppliedIndex >= 1 && st.raftAppliedIndex <= st.raftIndex)
    assert.deepEqual(st.errors, [])
    assert.ok(st.dbSize >= st.dbSizeInUse)
    assert.equal(st.isLearner, false)
  })

  test('Hash: the revision hashed; stable without writes, changed by one', async () => {
    const current = await rev()
    const h1 = await call(m.maintenance, 'Hash', {})
    assertHeader(h1.header, m, current)
    const h2 = await call(m.maintenance, 'Hash', {})
    assert.equal(h2.hash, h1.hash)
    await call(m.kv, 'Put', { key: b('hash/a'), value: b('1') })
    const h3 = await call(m.maintenance, 'Hash', {})
    assertHeader(h3.header, m, current + 1)
    assert.notEqual(h3.hash, h1.hash)
  })

  test('HashKV: latest or at a revision; compact_revision -1 before any compaction; future revisions refused', async () => {
    const first = (await call(m.kv, 'Put', { key: b('hkv/a'), value: b('1') })).header?.revision as number
    const atFirst = await call(m.maintenance, 'HashKV', { revision: first })
    assertHeader(atFirst.header, m, first)
    assert.equal(atFirst.compactRevision, -1)
    await call(m.kv, 'Put', { key: b('hkv/a'), value: b('2') })
    const latest = await call(m.maintenance, 'HashKV', { revision: 0 })
    assertHeader(latest.header, m, first + 1)
    assert.notEqual(latest.hash, atFirst.hash)
    // The hash of a past revision does not change with later writes.
    assert.equal((await call(m.maintenance, 'HashKV', { revision: first })).hash, atFirst.hash)
    await rejectsWith(call(m.maintenance, 'HashKV', { revision: first + 2 }), 'FUTURE_REV')
  })

  test('Defragment answers {} and keeps the data', async () => {
    for (let i = 0; i < 20; i++) await call(m.kv, 'Put', { key: b(`defrag/${i}`), value: new Uint8Array(512) })
    await call(m.kv, 'DeleteRange', { key: b('defrag/'), rangeEnd: b('defrag0') })
    const hash = (await call(m.maintenance, 'HashKV', { revision: 0 })).hash
    const d = await call(m.maintenance, 'Defragment', {})
    assert.equal(d.header, undefined)
    assert.equal((await call(m.maintenance, 'HashKV', { revision: 0 })).hash, hash)
    assert.equal((await call(m.kv, 'Range', { key: b('hkv/a') })).kvs.length, 1)
    const st = await call(m.maintenance, 'Status', {})
    assert.ok(st.dbSize > 0)
  })

  test('Snapshot: 32 KiB blobs with remaining_bytes counting down, then the SHA-256; size ≡ 32 (mod 512)', async () => {
    for (let i = 0; i < 40; i++) {
      await call(m.kv, 'Put', { key: b(`snap/${i}`), value: new Uint8Array(2048).fill(i) })
    }
    const responses = await readSnapshot(m)
    assert.ok(responses.length >= 3, `${responses.length} messages`)
    const data = responses.slice(0, -1)
    const last = responses.at(-1) as SnapshotResponse
    let previous = Number.POSITIVE_INFINITY
    for (const r of data) {
      assert.ok(r.blob.length > 0 && r.blob.length <= 32 * 1024)
      assert.ok(r.remainingBytes < previous)
      previous = r.remainingBytes
    }
    assert.equal(data.at(-1)?.remainingBytes, 0)
    const total = data.reduce((n, r) => n + r.blob.length, 0)
    // remaining_bytes is what follows each blob.
    let sent = 0
    for (const r of data) {
      sent += r.blob.length
      assert.equal(r.remainingBytes, total - sent)
    }
    assert.equal(last.remainingBytes, 0)
    assert.equal(last.blob.length, 32)
    const sha = createHash('sha256')
    for (const r of data) sha.update(r.blob)
    assert.deepEqual(Buffer.from(last.blob), sha.digest())
    assert.equal((total + last.blob.length) % 512, 32)
    assert.ok(total > 40 * 2048)
  })

  test('MoveLeader: an unknown transferee is refused', async () => {
    await rejectsWith(call(m.maintenance, 'MoveLeader', { targetID: 0x5n }), 'BAD_LEADER_TRANSFEREE')
  })

  test('Cluster.MemberList: this member, started; the header has no revision', async () => {
    const list = await call(m.cluster, 'MemberList', {})
    assertHeader(list.header, m, 0)
    assert.deepEqual(list.members, [
      {
        ID: m.etcd.server.id,
        name: 'it',
        peerURLs: ['http://localhost:2380'],
        clientURLs: ['http://127.0.0.1:2379'],
        isLearner: false,
      },
    ])
  })
})

describe('Alarm and the space quota', { timeout: 60_000 }, () => {
  test('NOSPACE: raised by a write over quota; writes refused, reads and deletes served; disarm restores writes', async () => {
    await withMember({ quotaBackendBytes: 16 * 1024 }, async (m) => {
      const id = m.etcd.server.id
      assert.deepEqual((await call(m.maintenance, 'Alarm', { action: GET })).alarms, [])
      // Fill the backend until a put is refused (the backend's size is sampled after commits, so
      // a few more puts than the quota holds may go through first, as in etcd).
      let refused: unknown
      const until = Date.now() + 20_000
      for (let i = 0; refused === undefined && Date.now() < until; i++) {
        await call(m.kv, 'Put', { key: b(`fill/${i}`), value: new Uint8Array(512) }).catch((error: unknown) => {
          refused = error
        })
      }
      assert.ok(refused !== undefined, 'a put was refused')
      await rejectsWith(Promise.reject(refused), 'NO_SPACE')

      const alarms = await call(m.maintenance, 'Alarm', { action: GET })
      assert.equal(alarms.header, undefined)
      assert.deepEqual(alarms.alarms, [{ memberID: id, alarm: NOSPACE }])
      const status = await call(m.maintenance, 'Status', {})
      assert.deepEqual(status.errors, [`memberID:${id} alarm:NOSPACE `])

      // Writes that grow the store are refused, whatever their size.
      await rejectsWith(call(m.kv, 'Put', { key: b('x'), value: b('1') }), 'NO_SPACE')
      await rejectsWith(
        call(m.kv, 'Txn', { success: [{ request: { case: 'requestPut', value: { key: b('x'), value: b('1') } } }] }),
        'NO_SPACE',
      )
      await rejectsWith(call(m.lease, 'LeaseGrant', { TTL: 60 }), 'NO_SPACE')
      // Reads work, linearizable or not, and so do read-only txns and deletes.
      const all = await call(m.kv, 'Range', { key: b('fill/'), rangeEnd: b('fill0'), countOnly: true })
      assert.ok(all.count > 0)
      await call(m.kv, 'Range', { key: b('fill/0'), serializable: true })
      await call(m.kv, 'Txn', { success: [{ request: { case: 'requestRange', value: { key: b('fill/0') } } }] })
      // Everything but fill/0, then fill/0 alone: compacting at that last delete drops every
      // other tombstone (the one at the compact revision itself stays, etcd#18089).
      const rest = await call(m.kv, 'DeleteRange', { key: b('fill/1'), rangeEnd: b('fill0') })
      const deleted = await call(m.kv, 'DeleteRange', { key: b('fill/0') })
      assert.equal(rest.deleted + deleted.deleted, all.count)
      assert.equal((await call(m.kv, 'Range', { key: NUL, rangeEnd: NUL, countOnly: true })).count, 0)

      // etcd's recovery: compact, defragment, disarm.
      await call(m.kv, 'Compact', { revision: deleted.header?.revision as number, physical: true })
      await call(m.maintenance, 'Defragment', {})
      const disarmed = await call(m.maintenance, 'Alarm', { action: DEACTIVATE, memberID: id, alarm: NOSPACE })
      assert.deepEqual(disarmed.alarms, [{ memberID: id, alarm: NOSPACE }])
      assert.deepEqual((await call(m.maintenance, 'Alarm', { action: GET })).alarms, [])
      assert.deepEqual((await call(m.maintenance, 'Status', {})).errors, [])
      const p = await call(m.kv, 'Put', { key: b('after'), value: b('1') })
      assertHeader(p.header, m, (deleted.header?.revision as number) + 1)
      // Disarming an alarm that is not raised answers no alarms.
      const again = await call(m.maintenance, 'Alarm', { action: DEACTIVATE, memberID: id, alarm: NOSPACE })
      assert.deepEqual(again.alarms, [])
    })
  })

  test('an alarm raised by hand (ACTIVATE) blocks writes until deactivated', async () => {
    await withMember({}, async (m) => {
      const raised = await call(m.maintenance, 'Alarm', { action: ACTIVATE, memberID: 5n, alarm: NOSPACE })
      assert.deepEqual(raised.alarms, [{ memberID: 5n, alarm: NOSPACE }])
      await rejectsWith(call(m.kv, 'Put', { key: b('a'), value: b('1') }), 'NO_SPACE')
      const response = await fetch(`${m.url}/health`, { signal: AbortSignal.timeout(10_000) })
      assert.equal(response.status, 503)
      assert.deepEqual(await response.json(), { health: 'false' })
      await call(m.maintenance, 'Alarm', { action: DEACTIVATE, memberID: 5n, alarm: NOSPACE })
      await call(m.kv, 'Put', { key: b('a'), value: b('1') })
      assert.equal((await fetch(`${m.url}/health`, { signal: AbortSignal.timeout(10_000) })).status, 200)
    })
  })
  test('a CORRUPT alarm refuses every write: put, delete, txn, compaction, lease grant and revoke', async () => {
    await withMember({}, async (m) => {
      const { ID } = await call(m.lease, 'LeaseGrant', { TTL: 600 })
      await call(m.kv, 'Put', { key: b('c'), value: b('1') })
      await call(m.maintenance, 'Alarm', { action: ACTIVATE, memberID: 5n, alarm: AlarmType.CORRUPT })
      await rejectsWith(call(m.kv, 'Put', { key: b('c'), value: b('2') }), 'CORRUPT')
      await rejectsWith(call(m.kv, 'DeleteRange', { key: b('c') }), 'CORRUPT')
      await rejectsWith(
        call(m.kv, 'Txn', { success: [{ request: { case: 'requestPut', value: { key: b('c') } } }] }),
        'CORRUPT',
      )
      await rejectsWith(call(m.kv, 'Compact', { revision: 2 }), 'CORRUPT')
      await rejectsWith(call(m.lease, 'LeaseGrant', { TTL: 600 }), 'CORRUPT')
      await rejectsWith(call(m.lease, 'LeaseRevoke', { ID }), 'CORRUPT')
      // Serializable reads are still served.
      const read = await call(m.kv, 'Range', { key: b('c'), serializable: true })
      assert.equal(read.count, 1)
    })
  })
})
