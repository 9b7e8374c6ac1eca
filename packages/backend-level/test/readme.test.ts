// The example of README.md and of src/index.ts, run as written (on the real disk, in a
// temporary directory). Keep the three in sync.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { it } from 'node:test'
import { Buckets } from '@etcd-ts/backend'
import { LevelBackend } from '@etcd-ts/backend-level'
import { withTempDir } from './helpers.js'

it('the README example runs', async () => {
  await withTempDir(async (dataDir) => {
    // --- README example ---
    const backend = new LevelBackend({ location: join(dataDir, 'member', 'snap', 'db') })
    await backend.open()
    const tx = backend.batchTx()
    tx.lock()
    tx.unsafeCreateBucket(Buckets.Meta)
    tx.unsafePut(Buckets.Meta, new TextEncoder().encode('term'), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 2]))
    tx.unlock() // visible to readers now
    await backend.forceCommit() // on disk now, synced
    await backend.close()

    const reopened = new LevelBackend({ location: join(dataDir, 'member', 'snap', 'db') })
    await reopened.open()
    const term = reopened.readTx().unsafeGet(Buckets.Meta, new TextEncoder().encode('term')) // Uint8Array [0, 0, 0, 0, 0, 0, 0, 2]
    await reopened.close()
    // --- end of the README example ---

    assert.deepEqual(term, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 2]))
  })
})
