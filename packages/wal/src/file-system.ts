/**
 * The file-system seam: everything the WAL asks of a disk, kept small enough that an in-memory
 * twin (`CrashFileSystem` in `@etcd-ts/wal/testing`) can model what survives a power loss.
 *
 * Paths are what the caller passed joined with `node:path`; errors of a missing path carry
 * `code: 'ENOENT'`, as Node's do.
 */

/**
 * How {@link WalFileSystem.open} opens a file:
 *
 * - `read`: read only; the file must exist.
 * - `write`: read and write; the file must exist.
 * - `create`: read and write; created (mode 0600) or truncated to empty.
 */
export type WalFileMode = 'read' | 'write' | 'create'

/** An open file. Positions and sizes are in bytes. Not safe for overlapping writes. */
export interface WalFile {
  /**
   * Reads into `buffer` from `position`; resolves with the number of bytes read, fewer than
   * `buffer.length` only at the end of the file (0 at or past it).
   */
  read(buffer: Uint8Array, position: number): Promise<number>
  /** Writes all of `data` at `position`, extending the file if needed. Does not keep `data`. */
  write(data: Uint8Array, position: number): Promise<void>
  /** Makes the file's data and size durable (`fdatasync`). */
  datasync(): Promise<void>
  /** Sets the size to `size`, cutting or zero-extending the file. */
  truncate(size: number): Promise<void>
  /**
   * Extends the file to at least `size` bytes of zeros, making the space as cheap as possible
   * to append into later (etcd's `Preallocate(f, size, true)`). A file already that large is
   * left alone. The new zeros are durable after the next `datasync`.
   */
  allocate(size: number): Promise<void>
  /** The current size. */
  size(): Promise<number>
  /**
   * Tries to take an exclusive lock on the whole file, without waiting. Resolves `false` when
   * another open file (of this process or another) holds it. Locking twice through the same
   * file is allowed. Closing the file releases the lock.
   */
  tryLock(): Promise<boolean>
  /** Releases the lock, if held. */
  unlock(): Promise<void>
  /** Closes the file (releasing its lock). Calling it twice is safe. */
  close(): Promise<void>
}

/** The directory and file operations the WAL uses. */
export interface WalFileSystem {
  open(path: string, mode: WalFileMode): Promise<WalFile>
  /** The names of the entries of `dir`, in no particular order. Rejects with ENOENT if missing. */
  readdir(dir: string): Promise<string[]>
  /** Whether anything exists at `path`. */
  exists(path: string): Promise<boolean>
  /** Creates `dir` and its missing parents (mode 0700); an existing directory is fine. */
  mkdir(dir: string): Promise<void>
  /** Renames a file or directory, replacing a file (or empty directory) at `to`. */
  rename(from: string, to: string): Promise<void>
  /** Removes a file. */
  unlink(path: string): Promise<void>
  /** Removes a file or a directory tree; a missing one is fine. */
  removeAll(path: string): Promise<void>
  /** Makes the entries of `dir` (creations, renames, removals in it) durable: fsync of the directory. */
  syncDir(dir: string): Promise<void>
}
