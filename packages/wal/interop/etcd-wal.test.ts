// The real etcd (3.4 from Debian's etcd-server) writes a WAL; ours must read every record of
// it (CRCs verified) and find exactly the entries etcd committed. Then the other direction:
// we append to etcd's WAL (with a cut, so a segment of ours is in it) and etcd restarts on it
// and keeps serving. Run by `npm run test:interop` only.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Entry, EntryType } from '@etcd-ts/raft'
import { type RealEtcd, removeDir, requireBinary, startRealEtcd } from '@etcd-ts/test-support'
import { parseWalName, Wal } from '@etcd-ts/wal'

const WRITES = 300
const SNAPSHOT_COUNT = 50

const binary = requireBinary('etcd')

async function post(etcd: RealEtcd, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${etcd.clientUrl}${path}`, { method: 'POST', body: JSON.stringify(body) })
  const text = await response.text()
  assert.equal(response.status, 200, text)
  return JSON.parse(text) as Record<string, unknown>
}

async function put(etcd: RealEtcd, key: string, value: string): Promise<void> {
  await post(etcd, '/v3/kv/put', { key: base64(key), value: base64(value) })
}

async function get(etcd: RealEtcd, key: string): Promise<string | undefined> {
  const { kvs } = (await post(etcd, '/v3/kv/range', { key: base64(key) })) as { kvs?: Array<{ value: string }> }
  const value = kvs?.[0]?.value
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString()
}

/** The raft index etcd reports (`raftIndex`, a uint64 as a decimal string in the gateway's JSON). */
async function raftIndex(etcd: RealEtcd): Promise<number> {
  const status = await post(etcd, '/v3/maintenance/status', {})
  return Number(status.raftIndex)
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64')
}

function assertContiguous(entries: readonly Entry[], first: number): void {
  entries.forEach((entry, i) => {
    assert.equal(entry.index, first + i, `entry ${i} has index ${entry.index}`)
  })
}

/** The varint fields of `etcdserverpb.Metadata{NodeID = 1, ClusterID = 2}`. */
function decodeMetadata(bytes: Uint8Array): Map<number, bigint> {
  const fields = new Map<number, bigint>()
  let at = 0
  const varint = (): bigint => {
    let value = 0n
    for (let shift = 0n; ; shift += 7n) {
      const byte = bytes[at++] as number
      value |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) return value
    }
  }
  while (at < bytes.length) {
    const key = Number(varint())
    assert.equal(key & 7, 0, 'Metadata holds varints only')
    fields.set(key >> 3, varint())
  }
  return fields
}

if (binary !== undefined) {
  describe(`a WAL written by the real etcd (${WRITES} writes)`, () => {
    let etcd: RealEtcd | undefined
    let walDir = ''
    let committed = 0

    before(async () => {
      etcd = await startRealEtcd({ binary })
      walDir = join(etcd.dataDir, 'member', 'wal')
      for (let i = 0; i < WRITES; i++) await put(etcd, `key-${i}`, `value-${i}`)
      committed = await raftIndex(etcd)
      await etcd.stop()
    })

    after(async () => {
      await etcd?.stop() // idempotent; by PID
      if (etcd !== undefined) await removeDir(etcd.dataDir)
    })

    it('reads with openForRead + readAll: every entry from index 1 to the raft index etcd reported', async (t) => {
      t.diagnostic(`files: ${(await readdir(walDir)).sort().join(', ')}`)
      const wal = await Wal.openForRead(walDir, { index: 0, term: 0 })
      const { metadata, hardState, entries } = await wal.readAll()
      await wal.close()

      assert.ok(committed >= WRITES, `raft index ${committed}`)
      assertContiguous(entries, 1)
      assert.equal(entries.length, committed)
      assert.equal(entries.at(-1)?.index, committed)
      assert.equal(hardState.commit, committed)
      // The entries are raftpb entries: re-decoding what we decoded gives the same; the first is
      // the bootstrap ConfChange adding this member, and puts carry our keys.
      assert.equal(entries[0]?.type, EntryType.EntryConfChange)
      const text = entries.map((entry) => Buffer.from(entry.data).toString('latin1')).join('\n')
      assert.ok(text.includes('key-0') && text.includes(`key-${WRITES - 1}`))
      const member = decodeMetadata(metadata)
      assert.ok((member.get(1) ?? 0n) !== 0n && (member.get(2) ?? 0n) !== 0n, 'metadata holds NodeID and ClusterID')
      t.diagnostic(
        `NodeID ${member.get(1)?.toString(16)}, ClusterID ${member.get(2)?.toString(16)}, term ${hardState.term}`,
      )
    })

    it('Wal.create with the same metadata writes the very bytes etcd wrote at the head of its WAL', async () => {
      const first = join(walDir, '0000000000000000-0000000000000000.wal')
      const wal = await Wal.openForRead(walDir, { index: 0, term: 0 })
      const { metadata } = await wal.readAll()
      await wal.close()
      const ourDir = await mkdtemp(join(tmpdir(), 'wal-interop-'))
      try {
        const ours = await Wal.create(join(ourDir, 'wal'), metadata)
        await ours.close()
        const head = (await readFile(join(ourDir, 'wal', '0000000000000000-0000000000000000.wal'))).subarray(0, 80)
        // CRC record at 0, metadata at 16, snapshot record at 56, first entry at 80 (§1.2).
        assert.deepEqual(head, (await readFile(first)).subarray(0, 80))
      } finally {
        await removeDir(ourDir)
      }
    })

    it('verify() agrees, and validSnapshotEntries() finds the initial snapshot record', async () => {
      const hardState = await Wal.verify(walDir, { index: 0, term: 0 })
      assert.equal(hardState.commit, committed)
      assert.deepEqual(await Wal.validSnapshotEntries(walDir), [{ index: 0, term: 0 }])
    })

    it('etcd restarts on a WAL we appended to (with a cut to a segment of ours) and keeps serving', async (t) => {
      const wal = await Wal.open(walDir, { index: 0, term: 0 }, { segmentSizeBytes: 1 })
      const { hardState, entries } = await wal.readAll()
      const last = entries.at(-1) as Entry
      // An empty normal entry, as a new leader appends, committed by our HardState. A segment
      // of 1 byte makes this save cut: etcd must read our segment head too.
      const ours: Entry = {
        term: hardState.term,
        index: last.index + 1,
        type: EntryType.EntryNormal,
        data: new Uint8Array(0),
      }
      await wal.save({ ...hardState, commit: ours.index }, [ours])
      await wal.close()
      const names = (await readdir(walDir)).filter((name) => name.endsWith('.wal')).sort()
      t.diagnostic(`files: ${names.join(', ')}`)
      assert.deepEqual(parseWalName(names.at(-1) ?? ''), { name: names.at(-1), seq: 1, index: ours.index + 1 })

      const dataDir = (etcd as RealEtcd).dataDir
      etcd = await startRealEtcd({ binary, dataDir })
      assert.equal(await get(etcd, 'key-7'), 'value-7')
      await put(etcd, 'after-restart', 'yes')
      assert.equal(await get(etcd, 'after-restart'), 'yes')
      const index = await raftIndex(etcd)
      assert.ok(index > ours.index, `etcd's raft index ${index} is past our entry ${ours.index}`)
      await etcd.stop()

      const reread = await Wal.openForRead(walDir, { index: 0, term: 0 })
      const after = await reread.readAll()
      await reread.close()
      assertContiguous(after.entries, 1)
      assert.equal(after.entries.at(-1)?.index, index)
      assert.deepEqual(after.entries[ours.index - 1], ours)
    })
  })

  describe(`a WAL with snapshot records (--snapshot-count ${SNAPSHOT_COUNT}, ${WRITES} writes)`, () => {
    let etcd: RealEtcd | undefined
    let walDir = ''
    let committed = 0

    before(async () => {
      etcd = await startRealEtcd({ binary, args: ['--snapshot-count', String(SNAPSHOT_COUNT)] })
      walDir = join(etcd.dataDir, 'member', 'wal')
      for (let i = 0; i < WRITES; i++) await put(etcd, `key-${i % 10}`, `value-${i}`)
      committed = await raftIndex(etcd)
      await etcd.stop()
    })

    after(async () => {
      await etcd?.stop()
      if (etcd !== undefined) await removeDir(etcd.dataDir)
    })

    it('validSnapshotEntries() finds the snapshot records; the newest matches the newest .snap file', async (t) => {
      const snapshots = await Wal.validSnapshotEntries(walDir)
      t.diagnostic(`snapshots: ${snapshots.map(({ index, term }) => `${index}@${term}`).join(', ')}`)
      assert.ok(snapshots.length >= WRITES / SNAPSHOT_COUNT, `found ${snapshots.length}`)
      assert.deepEqual(snapshots[0], { index: 0, term: 0 })
      for (let i = 1; i < snapshots.length; i++) {
        assert.ok((snapshots[i]?.index ?? 0) > (snapshots[i - 1]?.index ?? 0), 'in log order')
        assert.ok((snapshots[i]?.index ?? 0) <= committed)
      }
      const snapFiles = (await readdir(join(walDir, '..', 'snap'))).filter((name) => name.endsWith('.snap')).sort()
      const newest = snapshots.at(-1)
      const hex = (value: number) => value.toString(16).padStart(16, '0')
      assert.equal(snapFiles.at(-1), `${hex(newest?.term ?? 0)}-${hex(newest?.index ?? 0)}.snap`)
    })

    it('opening at the newest snapshot reads the entries after it, to the raft index', async () => {
      const newest = (await Wal.validSnapshotEntries(walDir)).at(-1)
      assert.ok(newest !== undefined && newest.index > 0)
      const wal = await Wal.open(walDir, newest)
      const { entries, hardState } = await wal.readAll()
      await wal.close()
      assertContiguous(entries, newest.index + 1)
      assert.equal(entries.at(-1)?.index, committed)
      assert.equal(hardState.commit, committed)
      assert.equal(
        (await Wal.verify(walDir, newest)).commit,
        committed,
        'verify() at the newest snapshot returns the same HardState',
      )
    })
  })
}
