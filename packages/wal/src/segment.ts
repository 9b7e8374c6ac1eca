import { join } from 'node:path'
import { WalLockedError } from './errors.js'
import type { WalFile, WalFileSystem } from './file-system.js'
import type { WalName } from './wal-name.js'

/** An open segment file. `path` changes once, when a cut renames the pipeline's file. */
export interface Segment {
  readonly name: WalName
  path: string
  readonly file: WalFile
}

/**
 * Opens the segments `names` of `dir`: for write, read-write and each exclusively locked
 * (etcd's `TryLockFile`); for read, read-only and unlocked. On any failure closes what it
 * opened.
 *
 * @throws WalLockedError naming the first file another holder has locked.
 */
export async function openSegments(
  fs: WalFileSystem,
  dir: string,
  names: readonly WalName[],
  write: boolean,
): Promise<Segment[]> {
  const segments: Segment[] = []
  try {
    for (const name of names) {
      const path = join(dir, name.name)
      const file = await fs.open(path, write ? 'write' : 'read')
      segments.push({ name, path, file })
      if (write && !(await file.tryLock())) throw new WalLockedError(path)
    }
    return segments
  } catch (error) {
    await closeSegments(segments)
    throw error
  }
}

/** Closes every segment (releasing its lock), ignoring errors but reporting the first. */
export async function closeSegments(segments: readonly Segment[]): Promise<unknown> {
  let first: unknown
  for (const segment of segments) {
    try {
      await segment.file.close()
    } catch (error) {
      first ??= error
    }
  }
  return first
}
