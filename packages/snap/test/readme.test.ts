// The example of README.md (and of src/index.ts), run as written: keep them in sync.
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import type { Snapshot } from '@etcd-ts/raft'
import { Snapshotter } from '@etcd-ts/snap'

it('README: save, load, loadNewestAvailable, purge, receive a backend snapshot', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'snap-example-'))
  try {
    // --- README example starts ---
    const snapshotter = new Snapshotter(dir) // the directory must exist

    const snapshot: Snapshot = {
      data: new TextEncoder().encode('{"Root":{}}'), // the state machine's snapshot
      metadata: {
        index: 21,
        term: 2,
        confState: { voters: [1n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
      },
    }
    await snapshotter.save(snapshot) // writes 0000000000000002-0000000000000015.snap

    const newest = await snapshotter.load() // the newest valid .snap file: index 21, term 2

    // At boot, trust only snapshots the WAL recorded (its ValidSnapshotEntries):
    const known = await snapshotter.loadNewestAvailable([
      { index: 0, term: 0 },
      { index: 21, term: 2 },
    ])

    const removed = await snapshotter.purge() // keep the newest 5 .snap files

    // A follower receiving the leader's backend, streamed from the request body:
    async function* body() {
      yield new Uint8Array([1, 2, 3])
    }
    const { path, size } = await snapshotter.saveDbFrom(body(), 21) // .../0000000000000015.snap.db, 3
    await snapshotter.releaseDbSnapshotsBefore(21) // deletes older .snap.db files

    // No snapshot yet: errors carry a stable code.
    await mkdir(join(dir, 'fresh'))
    const code = await new Snapshotter(join(dir, 'fresh')).load().catch((error) => error.code) // 'SNAP_NO_SNAPSHOT'
    // --- README example ends ---

    assert.deepEqual(newest, snapshot)
    assert.deepEqual(known, snapshot)
    assert.deepEqual(removed, [])
    assert.equal(path, join(dir, '0000000000000015.snap.db'))
    assert.equal(size, 3)
    assert.equal(code, 'SNAP_NO_SNAPSHOT')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

it('README.md and src/index.ts show exactly the code above', async () => {
  const self = await readFile(new URL(import.meta.url), 'utf8')
  const start = self.indexOf('// --- README example starts ---\n')
  const end = self.indexOf('    // --- README example ends ---')
  const body = self
    .slice(start, end)
    .split('\n')
    .slice(1)
    .map((line) => line.replace(/^ {4}/, ''))
    .join('\n')
    .trimEnd()
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  const shown = /```ts\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? ''
  assert.ok(shown.endsWith(body), 'README.md example differs from test/readme.test.ts')
  const index = await readFile(new URL('../src/index.ts', import.meta.url), 'utf8')
  const documented = (/ \* ```ts\n([\s\S]*?)\n \* ```/.exec(index)?.[1] ?? '').replace(/^ \*( |$)/gm, '')
  assert.equal(documented, shown, 'src/index.ts example differs from README.md')
})
