// etcd's offline tools must accept the bbolt files writeBoltDb produces: `etcdctl snapshot status`
// (bbolt's tx.Check, per-bucket counts, the last revision, a CRC over every bucket, key and value)
// and `etcdctl snapshot restore`, and the real etcd must serve the restored data. Run by
// `npm run test:interop` only.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { encodeKeyValue, encodeRevisionKey } from '@etcd-ts/mvcc'
import { makeTempDir, type RealEtcd, removeDir, requireBinary, runEtcdctl, startRealEtcd } from '@etcd-ts/test-support'
import { type BoltBucket, writeBoltDb } from '../src/bbolt.js'
import { readBoltDb } from '../test/bbolt-reader.js'

const encoder = new TextEncoder()
const bytes = (text: string) => encoder.encode(text)

interface SnapshotStatus {
  hash: number
  revision: number
  totalKey: number
  totalSize: number
}

/** The file image plus etcd's SHA-256 trailer, as the Snapshot RPC streams it. */
function withHash(db: Uint8Array): Uint8Array {
  const out = new Uint8Array(db.length + 32)
  out.set(db)
  out.set(createHash('sha256').update(db).digest(), db.length)
  return out
}

async function status(etcdctl: string, file: string): Promise<SnapshotStatus> {
  const result = await runEtcdctl([], ['snapshot', 'status', file, '-w', 'json'], { binary: etcdctl })
  assert.equal(result.exitCode, 0, result.stderr)
  return JSON.parse(result.stdout) as SnapshotStatus
}

async function restore(etcdctl: string, file: string, dataDir: string): Promise<void> {
  const result = await runEtcdctl([], ['snapshot', 'restore', file, '--data-dir', dataDir], { binary: etcdctl })
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`)
}

/** Starts the real etcd on a restored data dir, writes a key, and reads `key` back with etcdctl. */
async function getFromRestored(etcd: string, etcdctl: string, dataDir: string, key: string): Promise<string> {
  const server = await startRealEtcd({ binary: etcd, dataDir })
  try {
    const endpoint = server.clientUrl.replace('http://', '')
    // A write makes bbolt rewrite pages we laid out (the key bucket's last leaf, the meta bucket).
    const put = await runEtcdctl(endpoint, ['put', 'after-restore', 'ok'], { binary: etcdctl })
    assert.equal(put.exitCode, 0, put.stderr)
    const check = await runEtcdctl(endpoint, ['get', 'after-restore', '--print-value-only'], { binary: etcdctl })
    assert.equal(check.stdout.trim(), 'ok')
    const result = await runEtcdctl(endpoint, ['get', key, '--print-value-only'], { binary: etcdctl })
    assert.equal(result.exitCode, 0, result.stderr)
    return result.stdout.trim()
  } finally {
    await server.stop()
  }
}

const etcd = requireBinary('etcd')
const etcdctl = requireBinary('etcdctl')
if (etcd !== undefined && etcdctl !== undefined) {
  describe('writeBoltDb against etcd 3.4 snapshot status / restore', () => {
    let dir = ''
    before(async () => {
      dir = await makeTempDir('bbolt-interop-')
    })
    after(async () => {
      if (dir !== '') await removeDir(dir)
    })

    describe('a snapshot taken from the real etcd, re-written by us', () => {
      let real: RealEtcd | undefined
      let realFile = ''
      after(async () => {
        await real?.stop()
        if (real !== undefined) await removeDir(real.dataDir)
      })

      before(async () => {
        real = await startRealEtcd({ binary: etcd })
        const endpoint = real.clientUrl.replace('http://', '')
        const lease = await runEtcdctl(endpoint, ['lease', 'grant', '600'], { binary: etcdctl })
        assert.equal(lease.exitCode, 0, lease.stderr)
        const leaseId = /lease ([0-9a-f]+) granted/.exec(lease.stdout)?.[1] ?? ''
        const commands = [
          ['put', 'alpha', 'one'],
          ['put', 'beta', 'two'],
          ['put', 'alpha', 'three'],
          ['del', 'beta'],
          ['put', 'leased', 'x', `--lease=${leaseId}`],
          ['put', 'big', 'v'.repeat(10_000)],
          ['user', 'add', 'root:pw'],
          ['role', 'add', 'reader'],
        ]
        for (const args of commands) {
          const result = await runEtcdctl(endpoint, args, { binary: etcdctl })
          assert.equal(result.exitCode, 0, `${args.join(' ')}: ${result.stderr}`)
        }
        realFile = join(dir, 'real.db')
        const saved = await runEtcdctl(endpoint, ['snapshot', 'save', realFile], { binary: etcdctl })
        assert.equal(saved.exitCode, 0, saved.stderr)
        await real.stop()
      })

      it('our reader reads it, and our rewrite has the same status hash, revision and key count', async (t) => {
        const raw = await readFile(realFile)
        const contents = readBoltDb(raw.subarray(0, raw.length - 32))
        t.diagnostic(
          `real buckets: ${contents.buckets.map((b) => `${Buffer.from(b.name)}:${b.entries.length}`).join(' ')}`,
        )
        const ours = join(dir, 'ours-from-real.db')
        await writeFile(ours, withHash(writeBoltDb(contents.buckets)))
        const expected = await status(etcdctl, realFile)
        const actual = await status(etcdctl, ours)
        t.diagnostic(`real ${JSON.stringify(expected)}; ours ${JSON.stringify(actual)}`)
        assert.deepEqual(
          { hash: actual.hash, revision: actual.revision, totalKey: actual.totalKey },
          { hash: expected.hash, revision: expected.revision, totalKey: expected.totalKey },
        )
        assert.ok(expected.revision >= 7)

        const restored = join(dir, 'restored-from-real')
        await restore(etcdctl, ours, restored)
        assert.equal(await getFromRestored(etcd, etcdctl, restored, 'alpha'), 'three')
      })
    })

    describe('a synthetic etcd layout: 20 000 revisions, values over a page, every bucket', () => {
      const REVISIONS = 20_000
      const buckets = (): BoltBucket[] => {
        const keyEntries: [Uint8Array, Uint8Array][] = []
        for (let main = 2; main < REVISIONS + 2; main++) {
          const name = `k${String(main % 1000).padStart(4, '0')}`
          const size = main % 997 === 0 ? 9000 : 20
          keyEntries.push([
            encodeRevisionKey({ main, sub: 0 }),
            encodeKeyValue({
              key: bytes(name),
              value: bytes(`${main}:`.padEnd(size, 'x')),
              createRevision: main > 1001 ? main - Math.floor((main - 2) / 1000) * 1000 : main,
              modRevision: main,
              version: Math.floor((main - 2) / 1000) + 1,
              lease: 0n,
            }),
          ])
        }
        const consistentIndex = new Uint8Array(8)
        new DataView(consistentIndex.buffer).setBigUint64(0, BigInt(REVISIONS + 10))
        const named = (name: string, entries: [Uint8Array, Uint8Array][]): BoltBucket => ({
          name: bytes(name),
          entries,
        })
        return [
          named('alarm', []),
          named('auth', []),
          named('authRoles', []),
          named('authUsers', []),
          named('cluster', [[bytes('clusterVersion'), bytes('3.4.0')]]),
          named('key', keyEntries),
          named('lease', []),
          named('members', [
            [bytes('8e9e05c52164694d'), bytes('{"id":10276657743932975437,"peerURLs":["http://localhost:2380"]}')],
          ]),
          named('members_removed', []),
          named('meta', [[bytes('consistent_index'), consistentIndex]]),
        ]
      }

      it('snapshot status reports the last revision and every key; restore succeeds; etcd serves it', async (t) => {
        const file = join(dir, 'synthetic.db')
        const db = writeBoltDb(buckets())
        await writeFile(file, withHash(db))
        const reported = await status(etcdctl, file)
        t.diagnostic(JSON.stringify(reported))
        assert.deepEqual(
          { revision: reported.revision, totalKey: reported.totalKey, totalSize: reported.totalSize },
          { revision: REVISIONS + 1, totalKey: REVISIONS + 3, totalSize: db.length },
        )
        const restored = join(dir, 'restored-synthetic')
        await restore(etcdctl, file, restored)
        const last = `k${String((REVISIONS + 1) % 1000).padStart(4, '0')}`
        assert.equal(await getFromRestored(etcd, etcdctl, restored, last), `${REVISIONS + 1}:`.padEnd(20, 'x'))
      })
    })
  })
}
