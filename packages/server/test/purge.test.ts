import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { makeTempDir, removeDir } from '@etcd-ts/test-support'
import { walName } from '@etcd-ts/wal'
import { purgeWalFiles } from '../src/purge.js'

describe('purgeWalFiles', () => {
  const dirs: string[] = []
  after(async () => {
    for (const dir of dirs) await removeDir(dir)
  })

  it('removes the oldest released segments beyond the limit, never one still needed', async () => {
    const dir = await makeTempDir()
    dirs.push(dir)
    const starts = [0, 100, 200, 300, 400, 500, 600, 700]
    for (const [seq, index] of starts.entries()) await writeFile(join(dir, walName(seq, index)), '')
    await writeFile(join(dir, '0.tmp'), '')
    // Released up to 450: segments starting at 400 and later are still held.
    const removed = await purgeWalFiles(dir, 2, 450)
    assert.deepEqual(removed, [walName(0, 0), walName(1, 100), walName(2, 200), walName(3, 300)])
    const left = (await readdir(dir)).sort()
    assert.deepEqual(left, ['0.tmp', walName(4, 400), walName(5, 500), walName(6, 600), walName(7, 700)])
  })

  it('keeps everything within the limit', async () => {
    const dir = await makeTempDir()
    dirs.push(dir)
    for (const [seq, index] of [0, 10].entries()) await writeFile(join(dir, walName(seq, index)), '')
    assert.deepEqual(await purgeWalFiles(dir, 5, 100), [])
  })
})
