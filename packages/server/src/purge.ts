import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { parseWalName } from '@etcd-ts/wal'

/**
 * Deletes the oldest `.wal` segments beyond `maxWals` (etcd's `fileutil.PurgeFile` on the WAL
 * dir), but only segments the WAL no longer needs: those before the last segment starting at or
 * below `releasedIndex` (the index `releaseLockTo` was last called with). Returns the names
 * removed.
 */
export async function purgeWalFiles(dir: string, maxWals: number, releasedIndex: number): Promise<string[]> {
  const segments: { name: string; index: number }[] = []
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.wal')) continue
    const parsed = parseWalName(name)
    if (parsed !== undefined) segments.push({ name, index: parsed.index })
  }
  segments.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  let keepFrom = 0
  for (let i = 0; i < segments.length; i++) {
    if ((segments[i] as { index: number }).index <= releasedIndex) keepFrom = i
  }
  const removed: string[] = []
  let count = segments.length
  for (let i = 0; i < keepFrom && count > maxWals; i++, count--) {
    const name = (segments[i] as { name: string }).name
    await rm(join(dir, name), { force: true })
    removed.push(name)
  }
  return removed
}
