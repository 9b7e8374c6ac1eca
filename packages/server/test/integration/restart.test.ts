// Closing a member and starting it again on the same data dir: with the memory backend and no
// snapshot, the whole WAL is replayed, so keys, revisions, leases and the compaction come back
// and writes continue. With a tiny --snapshot-count the member saves raft snapshots
// (member/snap/*.snap) and records them in the WAL.
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { NUL } from '@etcd-ts/api'
import { Snapshotter } from '@etcd-ts/snap'
import { makeTempDir, removeDir } from '@etcd-ts/test-support'
import { Wal } from '@etcd-ts/wal'
import { assertHeader, b, call, type Member, rejectsWith, s, startMember, WatchSession } from './harness.js'

/** `[key, value, create, mod, version, lease]` of every key. */
async function dump(m: Member): Promise<[string, string, number, number, number, bigint][]> {
  const r = await call(m.kv, 'Range', { key: NUL, rangeEnd: NUL })
  return r.kvs.map((kv) => [s(kv.key), s(kv.value), kv.createRevision, kv.modRevision, kv.version, kv.lease])
}

describe('restart', { timeout: 90_000 }, () => {
  test('keys, revisions, leases, hashes and the compaction survive a restart; revisions continue', async () => {
    const dataDir = await makeTempDir('etcd-ts-server-restart-')
    let m: Member | undefined
    try {
      m = await startMember({ dataDir })
      const { id, clusterId } = m.etcd.server
      await call(m.kv, 'Put', { key: b('a'), value: b('1') }) // 2
      await call(m.kv, 'Put', { key: b('a'), value: b('2') }) // 3
      await call(m.kv, 'Put', { key: b('b'), value: b('1') }) // 4
      await call(m.kv, 'DeleteRange', { key: b('b') }) // 5
      const lease = (await call(m.lease, 'LeaseGrant', { TTL: 600 })).ID
      await call(m.kv, 'Put', { key: b('l'), value: b('leased'), lease }) // 6
      await call(m.kv, 'Compact', { revision: 3 })
      const before = await dump(m)
      const hashLatest = await call(m.maintenance, 'HashKV', { revision: 0 })
      const hashAt4 = await call(m.maintenance, 'HashKV', { revision: 4 })
      assert.equal(hashLatest.compactRevision, 3)
      const termBefore = m.etcd.server.term
      await m.close()

      m = await startMember({ dataDir })
      assert.equal(m.etcd.server.id, id)
      assert.equal(m.etcd.server.clusterId, clusterId)
      assert.ok(m.etcd.server.term >= termBefore)
      assert.deepEqual(await dump(m), before)
      const r = await call(m.kv, 'Range', { key: b('a') })
      assertHeader(r.header, m, 6)
      const latest = await call(m.maintenance, 'HashKV', { revision: 0 })
      assert.deepEqual([latest.hash, latest.compactRevision], [hashLatest.hash, 3])
      assert.equal((await call(m.maintenance, 'HashKV', { revision: 4 })).hash, hashAt4.hash)
      await rejectsWith(call(m.kv, 'Range', { key: b('a'), revision: 2 }), 'COMPACTED')
      assert.deepEqual(
        (await call(m.kv, 'Range', { key: b('a'), revision: 3 })).kvs.map((kv) => s(kv.value)),
        ['2'],
      )
      const ttl = await call(m.lease, 'LeaseTimeToLive', { ID: lease, keys: true })
      assert.equal(ttl.grantedTTL, 600)
      assert.ok(ttl.TTL > 0)
      assert.deepEqual(
        ttl.keys.map((k) => s(k)),
        ['l'],
      )
      // Writes continue from the restored revision; history reads and watches span the restart.
      const p = await call(m.kv, 'Put', { key: b('a'), value: b('3') })
      assertHeader(p.header, m, 7)
      const w = new WatchSession(m)
      try {
        w.send({ requestUnion: { case: 'createRequest', value: { key: b('a'), startRevision: 3 } } })
        assert.equal((await w.next()).created, true)
        const history = await w.next()
        assert.deepEqual(
          history.events.map((e) => [s(e.kv?.value ?? new Uint8Array(0)), e.kv?.modRevision, e.kv?.version]),
          [
            ['2', 3, 2],
            ['3', 7, 3],
          ],
        )
      } finally {
        w.close()
      }
      const afterWrite = await dump(m)
      await m.close()

      // Once more: what was written after the first restart is replayed too.
      m = await startMember({ dataDir })
      assert.deepEqual(await dump(m), afterWrite)
      assertHeader((await call(m.kv, 'Put', { key: b('c'), value: b('1') })).header, m, 8)
    } finally {
      await m?.close()
      await removeDir(dataDir)
    }
  })

  test('a tiny snapshot count: snapshots are saved in member/snap and recorded in the WAL', async () => {
    const dataDir = await makeTempDir('etcd-ts-server-snap-')
    let m: Member | undefined
    try {
      m = await startMember({ dataDir, config: { snapshotCount: 10, snapshotCatchUpEntries: 5 } })
      const snapDir = join(dataDir, 'member', 'snap')
      const walDir = join(dataDir, 'member', 'wal')
      for (let i = 0; i < 50; i++) await call(m.kv, 'Put', { key: b(`s/${i}`), value: b(String(i)) })

      const snaps = (await readdir(snapDir)).filter((name) => name.endsWith('.snap')).sort()
      assert.ok(snaps.length >= 2, `snapshots: ${snaps.join(', ')}`)
      const indexes = snaps.map((name) => {
        const match = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/.exec(name)
        assert.ok(match !== null, `snapshot file name ${name}`)
        return Number.parseInt(match[2] as string, 16)
      })
      for (let i = 1; i < indexes.length; i++) {
        assert.ok((indexes[i] as number) - (indexes[i - 1] as number) > 10, `indexes ${indexes.join(', ')}`)
      }
      const newest = await new Snapshotter(snapDir).load()
      assert.equal(newest.metadata.index, indexes.at(-1))
      assert.deepEqual(newest.metadata.confState.voters, [m.etcd.server.id])
      const recorded = (await Wal.validSnapshotEntries(walDir)).map((snapshot) => snapshot.index)
      for (const index of indexes) assert.ok(recorded.includes(index), `WAL snapshot record for ${index}`)
      assert.ok((await readdir(walDir)).some((name) => name.endsWith('.wal')))

      // The member goes on serving past its snapshots (its raft log was compacted behind them).
      const status = await call(m.maintenance, 'Status', {})
      assert.ok(status.raftAppliedIndex >= (indexes.at(-1) as number))
      const all = await call(m.kv, 'Range', { key: b('s/'), rangeEnd: b('s0'), countOnly: true })
      assert.equal(all.count, 50)
      assertHeader((await call(m.kv, 'Put', { key: b('s/more'), value: b('x') })).header, m, 52)
    } finally {
      await m?.close()
      await removeDir(dataDir)
    }
  })
})
