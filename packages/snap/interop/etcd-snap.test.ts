// The real etcd (3.4 from Debian's etcd-server) writes .snap files; ours must read every one of
// them, pick the same newest, and encode the same bytes. Run by `npm run test:interop` only.
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  decodeSnapshotFile,
  encodeSnapshotFile,
  parseSnapshotFileName,
  readSnapshotFile,
  Snapshotter,
} from '@etcd-ts/snap'
import { type RealEtcd, removeDir, requireBinary, startRealEtcd } from '@etcd-ts/test-support'
import { crc32c } from '@node-rs/crc32'

const WRITES = 100
const SNAPSHOT_COUNT = 20

const binary = requireBinary('etcd')
if (binary !== undefined) {
  describe(`snapshots written by the real etcd (--snapshot-count ${SNAPSHOT_COUNT}, ${WRITES} writes)`, () => {
    let etcd: RealEtcd | undefined
    let memberId = 0n
    let snapDir = ''

    before(async () => {
      etcd = await startRealEtcd({ binary, args: ['--snapshot-count', String(SNAPSHOT_COUNT)] })
      snapDir = join(etcd.dataDir, 'member', 'snap')
      for (let i = 0; i < WRITES; i++) {
        const response = await fetch(`${etcd.clientUrl}/v3/kv/put`, {
          method: 'POST',
          body: JSON.stringify({ key: base64(`key-${i % 10}`), value: base64(`value-${i}`) }),
        })
        assert.equal(response.status, 200, await response.clone().text())
        const { header } = (await response.json()) as { header: { member_id: string } }
        memberId = BigInt(header.member_id) // uint64 as a decimal string in the JSON gateway
      }
      await etcd.stop() // SIGTERM: etcd finishes any snapshot in progress before exiting
    })

    after(async () => {
      await etcd?.stop() // idempotent; by PID
      if (etcd !== undefined) await removeDir(etcd.dataDir)
    })

    async function snapFiles(): Promise<string[]> {
      return (await readdir(snapDir)).filter((name) => name.endsWith('.snap')).sort()
    }

    it('wrote several .snap files', async (t) => {
      const names = await snapFiles()
      t.diagnostic(`files: ${(await readdir(snapDir)).sort().join(', ')}`)
      assert.ok(names.length >= 3, `expected several snapshots, found ${names.join(', ')}`)
    })

    it('Snapshotter.load() returns the newest one, CRC-verified', async () => {
      const names = await snapFiles()
      const newestName = names[names.length - 1] ?? ''
      const snapshot = await new Snapshotter(snapDir).load()

      assert.deepEqual(
        { term: snapshot.metadata.term, index: snapshot.metadata.index },
        parseSnapshotFileName(newestName),
      )
      // etcd snapshots once more than --snapshot-count entries were applied since the last one,
      // and not at shutdown: the newest may trail the last write by up to that many entries.
      assert.ok(snapshot.metadata.index >= WRITES - SNAPSHOT_COUNT, `index ${snapshot.metadata.index}`)
      assert.ok(
        snapshot.metadata.confState.voters.includes(memberId),
        `voters ${snapshot.metadata.confState.voters.map((id) => id.toString(16))} lack ${memberId.toString(16)}`,
      )
      // etcd 3.4 snapshots its v2 store: JSON with a "Root" node (membership under /0/members).
      const v2store = JSON.parse(new TextDecoder().decode(snapshot.data)) as Record<string, unknown>
      assert.ok('Root' in v2store, `keys: ${Object.keys(v2store)}`)
      assert.deepEqual(await snapFiles(), names, 'nothing was quarantined')
    })

    it('readSnapshotFile() verifies every file, and our encoder writes the very same bytes', async () => {
      for (const name of await snapFiles()) {
        const path = join(snapDir, name)
        const bytes = new Uint8Array(await readFile(path))
        const snapshot = await readSnapshotFile(path)
        assert.deepEqual(
          { term: snapshot.metadata.term, index: snapshot.metadata.index },
          parseSnapshotFileName(name),
          name,
        )
        assert.ok(snapshot.metadata.confState.voters.includes(memberId), name)

        // The envelope as gogoproto lays it out: 08 <crc> 12 <len> <raftpb.Snapshot>, crc from 0.
        assert.equal(bytes[0], 0x08, name)
        const [crc, afterCrc] = readVarint(bytes, 1)
        assert.equal(bytes[afterCrc], 0x12, name)
        const [length, start] = readVarint(bytes, afterCrc + 1)
        assert.equal(start + length, bytes.length, name)
        assert.equal(crc, crc32c(bytes.subarray(start)) >>> 0, name)

        assert.deepEqual(encodeSnapshotFile(snapshot), bytes, `${name} re-encoded`)
        assert.deepEqual(decodeSnapshotFile(bytes), snapshot)
      }
    })

    it('loadNewestAvailable() accepts only the (term, index) pairs it is given', async () => {
      const names = await snapFiles()
      const oldest = parseSnapshotFileName(names[0] ?? '')
      assert.ok(oldest !== undefined)
      const snapshotter = new Snapshotter(snapDir)
      const snapshot = await snapshotter.loadNewestAvailable([{ index: 0, term: 0 }, oldest])
      assert.deepEqual({ term: snapshot.metadata.term, index: snapshot.metadata.index }, oldest)
    })
  })
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64')
}

function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0
  let scale = 1
  for (;;) {
    const byte = bytes[pos++] as number
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return [value, pos]
    scale *= 128
  }
}
