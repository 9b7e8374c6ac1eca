// The example of README.md and of src/index.ts, run as written (on the real disk, in a
// temporary directory). Keep the three in sync.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { Wal } from '@etcd-ts/wal'

it('the README example runs', async () => {
  const root = await mkdtemp(join(tmpdir(), 'etcd-ts-wal-readme-'))
  const dir = join(root, 'member', 'wal')
  try {
    // --- README example ---
    const wal = await Wal.create(dir, new TextEncoder().encode('member 1'))
    await wal.save({ term: 1, vote: 1n, commit: 1 }, [
      { term: 1, index: 1, type: 0, data: new TextEncoder().encode('put a=1') },
    ])
    await wal.close()

    const reopened = await Wal.open(dir, { index: 0, term: 0 })
    const { metadata, hardState, entries } = await reopened.readAll()
    // entries[0].data is 'put a=1'; reopened appends after it from here on
    await reopened.close()
    // --- end of the README example ---

    assert.equal(new TextDecoder().decode(metadata), 'member 1')
    assert.deepEqual(hardState, { term: 1, vote: 1n, commit: 1 })
    assert.equal(new TextDecoder().decode(entries[0]?.data), 'put a=1')
  } finally {
    await rm(root, { recursive: true, force: true })
  }
})
