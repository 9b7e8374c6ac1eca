import { constants } from 'node:fs'
import { open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'

/**
 * A file being written by the snapshotter: created new, appended to, synced, closed.
 * Exactly one `close()` follows, whether the writes succeeded or not.
 */
export interface SnapWritableFile {
  /** Appends all of `data`. The callee must not keep or modify `data` after it resolves. */
  write(data: Uint8Array): Promise<void>
  /** Flushes the file's data and metadata to stable storage (`fsync`). */
  sync(): Promise<void>
  close(): Promise<void>
}

/**
 * The file operations the snapshotter uses: the seam through which tests inject failures (and
 * through which a crash-consistency shim can later buffer unsynced writes). Paths are what the
 * snapshotter built with `path.join(dir, name)`.
 *
 * Failures reject with Node-style errors carrying a string `code` (`ENOENT`, `EEXIST`, `EIO`, …):
 * the snapshotter branches on `ENOENT` and `EEXIST`.
 */
export interface SnapFileSystem {
  /** The entry names (not paths) in `dir`, in any order. */
  readdir(dir: string): Promise<string[]>
  /** The whole file. The caller may keep and modify the returned array. */
  readFile(path: string): Promise<Uint8Array>
  /** Creates `path` for writing; rejects with `EEXIST` if it exists. `mode` is before umask. */
  createExclusive(path: string, mode: number): Promise<SnapWritableFile>
  /** Atomically replaces `to` (if it exists) with `from`. */
  rename(from: string, to: string): Promise<void>
  unlink(path: string): Promise<void>
  /** Whether `path` exists (any kind of entry). */
  exists(path: string): Promise<boolean>
  /**
   * Makes the creates, renames and deletes done in `dir` durable (`fsync` on the directory).
   * May be a no-op where the platform cannot do it.
   */
  syncDir(dir: string): Promise<void>
}

/** The real file system, through `node:fs/promises`: the default {@link SnapFileSystem}. */
export const NODE_FILE_SYSTEM: SnapFileSystem = Object.freeze({
  readdir: (dir: string) => readdir(dir),
  async readFile(path: string): Promise<Uint8Array> {
    const buffer = await readFile(path)
    // A plain Uint8Array view (no copy), so results compare equal to other Uint8Arrays.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  },
  async createExclusive(path: string, mode: number): Promise<SnapWritableFile> {
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode)
    return {
      async write(data: Uint8Array): Promise<void> {
        let offset = 0
        while (offset < data.length) {
          const { bytesWritten } = await handle.write(data, offset, data.length - offset)
          offset += bytesWritten
        }
      },
      sync: () => handle.sync(),
      close: () => handle.close(),
    }
  },
  rename: (from: string, to: string) => rename(from, to),
  unlink: (path: string) => unlink(path),
  async exists(path: string): Promise<boolean> {
    try {
      await stat(path)
      return true
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false
      throw error
    }
  },
  async syncDir(dir: string): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>
    try {
      handle = await open(dir, constants.O_RDONLY)
    } catch (error) {
      // Windows cannot open a directory; there is nothing to sync there.
      if (errorCode(error) === 'EISDIR' || errorCode(error) === 'EPERM') return
      throw error
    }
    try {
      await handle.sync()
    } catch (error) {
      // Some file systems refuse fsync on directories (EINVAL); their renames are not made
      // durable this way anyway.
      if (errorCode(error) !== 'EINVAL') throw error
    } finally {
      await handle.close()
    }
  },
})

/** The `code` of a Node system error, or `undefined`. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

const FILE_SYSTEM_METHODS = [
  'readdir',
  'readFile',
  'createExclusive',
  'rename',
  'unlink',
  'exists',
  'syncDir',
] as const satisfies readonly (keyof SnapFileSystem)[]

/**
 * Checks that `fs` implements {@link SnapFileSystem}.
 *
 * @throws TypeError naming `field` and the missing method.
 */
export function checkFileSystem(fs: unknown, field: string): asserts fs is SnapFileSystem {
  if (typeof fs !== 'object' || fs === null) throw new TypeError(`snap: ${field} must be an object, got ${typeof fs}`)
  for (const method of FILE_SYSTEM_METHODS) {
    if (typeof (fs as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(`snap: ${field}.${method} must be a function`)
    }
  }
}
