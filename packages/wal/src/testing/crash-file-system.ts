import { posix } from 'node:path'
import type { WalFile, WalFileMode, WalFileSystem } from '../file-system.js'

/** The disk's atomic write unit: after a crash a sector holds all of its new bytes or none. */
const SECTOR_BYTES = 512

/**
 * What survives a crash of a {@link CrashFileSystem}:
 *
 * - `drop`: nothing that was not made durable (by `datasync`, or `syncDir` for directory
 *   entries) survives.
 * - `prefix`: a random prefix, in file-offset order, of each file's unsynced changes survives,
 *   in whole 512-byte sectors (the sector holding the cut point survives or not, at random);
 *   a file that grew keeps a size anywhere between its durable and its current one, to the byte.
 * - `sectors`: each unsynced sector survives or not at random (so a write can survive with
 *   holes); a file that grew keeps a random size between its durable and current ones.
 *
 * Where an unsynced change is lost, the file holds its durable bytes: zeros in space that was
 * preallocated or never written. Directory entries (creations, renames, removals) survive only
 * once their directory was synced, in every mode.
 */
export type CrashMode = 'drop' | 'prefix' | 'sectors'

/** How {@link CrashFileSystem.crash} crashes. */
export interface CrashOptions {
  /** Random numbers in [0, 1), e.g. a seeded generator; decides what survives in `prefix` and `sectors`. */
  readonly random: () => number
  readonly mode: CrashMode
}

/** How many operations of each kind a {@link CrashFileSystem} served (for tests counting syscalls). */
export interface CrashFileSystemCounts {
  writes: number
  datasyncs: number
  dirSyncs: number
  truncates: number
  renames: number
}

/**
 * An in-memory {@link WalFileSystem} that knows what a power loss would keep: for every file,
 * the bytes written and the bytes made durable by `datasync`; for every directory, its entries
 * and the entries made durable by `syncDir`. {@link CrashFileSystem.crash} returns the file
 * system as it would be found after the machine lost power; the original is left as it was
 * (handles on it keep working, and nothing links them to the copy).
 *
 * Paths are POSIX, resolved against `/`, which always exists. Locks follow Linux OFD locks:
 * held by one open file, conflicting with every other, released on close. Errors carry Node's
 * codes (`ENOENT`, `EEXIST`, `ENOTDIR`, `EISDIR`, `ENOTEMPTY`, `EBADF`).
 *
 * Files are sparse: bytes never written are not stored, so a 64 MB preallocation costs nothing.
 *
 * @example
 * ```ts
 * const fs = new CrashFileSystem()
 * const wal = await Wal.create('/wal', new Uint8Array([1]), { fs, segmentSizeBytes: 4096 })
 * await wal.save({ term: 1, vote: 1n, commit: 0 }, [{ term: 1, index: 1, type: 0, data: new Uint8Array(8) }])
 * const after = fs.crash({ random: Math.random, mode: 'prefix' }) // entry 1 was synced: it survives
 * ```
 */
export class CrashFileSystem implements WalFileSystem {
  #root = new DirNode()
  /** Operations served so far; tests may reset the fields. */
  readonly counts: CrashFileSystemCounts = { writes: 0, datasyncs: 0, dirSyncs: 0, truncates: 0, renames: 0 }

  /** The file system as a power loss now would leave it (see {@link CrashMode}). */
  crash(options: CrashOptions): CrashFileSystem {
    if (typeof options?.random !== 'function') throw new TypeError('crash: options.random must be a function')
    if (!['drop', 'prefix', 'sectors'].includes(options.mode)) {
      throw new RangeError(`crash: options.mode must be drop, prefix or sectors, got ${String(options.mode)}`)
    }
    const copies = new Map<Node, Node>()
    const copy = (node: Node): Node => {
      let copied = copies.get(node)
      if (copied !== undefined) return copied
      if (node instanceof FileNode) {
        const content = crashContent(node, options)
        copied = new FileNode(content, content.clone())
      } else {
        const dir = new DirNode()
        copies.set(node, dir)
        for (const [name, child] of node.durable) dir.entries.set(name, copy(child))
        dir.durable = new Map(dir.entries)
        copied = dir
      }
      copies.set(node, copied)
      return copied
    }
    const crashed = new CrashFileSystem()
    crashed.#root = copy(this.#root) as DirNode
    return crashed
  }

  async open(path: string, mode: WalFileMode): Promise<WalFile> {
    const { parent, name } = this.#parentOf(path)
    let node = parent.entries.get(name)
    if (node instanceof DirNode) throw fsError('EISDIR', 'open', path)
    if (node === undefined) {
      if (mode !== 'create') throw fsError('ENOENT', 'open', path)
      node = new FileNode(new Content(), new Content())
      parent.entries.set(name, node)
    } else if (mode === 'create') {
      node.current.setSize(0)
    }
    return new MemoryFile(this, node, mode !== 'read', path)
  }

  async readdir(dir: string): Promise<string[]> {
    return [...this.#dir(dir, 'scandir').entries.keys()]
  }

  async exists(path: string): Promise<boolean> {
    return this.#lookup(path) !== undefined
  }

  async mkdir(dir: string): Promise<void> {
    let node: DirNode = this.#root
    for (const part of parts(dir)) {
      const child = node.entries.get(part)
      if (child instanceof FileNode) throw fsError('EEXIST', 'mkdir', dir)
      if (child === undefined) {
        const created = new DirNode()
        node.entries.set(part, created)
        node = created
      } else {
        node = child
      }
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.#parentOf(from)
    const node = source.parent.entries.get(source.name)
    if (node === undefined) throw fsError('ENOENT', 'rename', from)
    const target = this.#parentOf(to)
    const existing = target.parent.entries.get(target.name)
    if (existing !== undefined && existing !== node) {
      if (node instanceof DirNode && existing instanceof FileNode) throw fsError('ENOTDIR', 'rename', to)
      if (node instanceof FileNode && existing instanceof DirNode) throw fsError('EISDIR', 'rename', to)
      if (existing instanceof DirNode && existing.entries.size > 0) throw fsError('ENOTEMPTY', 'rename', to)
    }
    this.counts.renames++
    source.parent.entries.delete(source.name)
    target.parent.entries.set(target.name, node)
  }

  async unlink(path: string): Promise<void> {
    const { parent, name } = this.#parentOf(path)
    const node = parent.entries.get(name)
    if (node === undefined) throw fsError('ENOENT', 'unlink', path)
    if (node instanceof DirNode) throw fsError('EISDIR', 'unlink', path)
    parent.entries.delete(name)
  }

  async removeAll(path: string): Promise<void> {
    const names = parts(path)
    if (names.length === 0) throw fsError('EBUSY', 'rm', path)
    const parent = this.#lookup(posix.dirname(posix.resolve('/', path)))
    if (parent instanceof DirNode) parent.entries.delete(names.at(-1) as string)
  }

  async syncDir(dir: string): Promise<void> {
    const node = this.#dir(dir, 'fsync')
    this.counts.dirSyncs++
    node.durable = new Map(node.entries)
  }

  // ---------------------------------------------------------------------------------------
  // Test conveniences. They act on the current state and make what they change durable at
  // once, as if it had been there before the test began.

  /** The current bytes of the file at `path` (a copy, as long as the file). */
  readFile(path: string): Uint8Array {
    return this.#file(path).current.bytes()
  }

  /** Replaces (or creates, in an existing directory) the file at `path`, durably. */
  writeFile(path: string, bytes: Uint8Array): void {
    const { parent, name } = this.#parentOf(path)
    const existing = parent.entries.get(name)
    if (existing instanceof DirNode) throw fsError('EISDIR', 'open', path)
    const content = new Content()
    content.write(bytes, 0)
    if (existing instanceof FileNode) {
      existing.current = content
      existing.durable = content.clone()
    } else {
      const node = new FileNode(content, content.clone())
      parent.entries.set(name, node)
      parent.durable.set(name, node)
    }
  }

  /** Cuts or zero-extends the file at `path` to `size` bytes, durably. */
  truncateFile(path: string, size: number): void {
    const node = this.#file(path)
    node.current.setSize(size)
    node.durable = node.current.clone()
  }

  /** The current size of the file at `path`. */
  fileSize(path: string): number {
    return this.#file(path).current.size
  }

  /** Whether an open file holds the lock of the file at `path`. */
  isLocked(path: string): boolean {
    return this.#file(path).lockOwner !== undefined
  }

  /** Whether the file at `path` has changes not yet made durable by `datasync`. */
  hasUnsyncedData(path: string): boolean {
    const node = this.#file(path)
    return !node.current.equals(node.durable)
  }

  #file(path: string): FileNode {
    const node = this.#lookup(path)
    if (node === undefined) throw fsError('ENOENT', 'open', path)
    if (node instanceof DirNode) throw fsError('EISDIR', 'open', path)
    return node
  }

  #dir(path: string, syscall: string): DirNode {
    const node = this.#lookup(path)
    if (node === undefined) throw fsError('ENOENT', syscall, path)
    if (node instanceof FileNode) throw fsError('ENOTDIR', syscall, path)
    return node
  }

  #lookup(path: string): Node | undefined {
    let node: Node = this.#root
    for (const part of parts(path)) {
      if (!(node instanceof DirNode)) return undefined
      const child: Node | undefined = node.entries.get(part)
      if (child === undefined) return undefined
      node = child
    }
    return node
  }

  #parentOf(path: string): { parent: DirNode; name: string } {
    const names = parts(path)
    const name = names.pop()
    if (name === undefined) throw fsError('EISDIR', 'open', path)
    return { parent: this.#dir(`/${names.join('/')}`, 'open'), name }
  }
}

/** A file's bytes: sparse (bytes past `stored` are zero and not kept). */
class Content {
  data: Uint8Array = new Uint8Array(0)
  // Invariants: stored <= data.length; data[i] === 0 for i >= stored; stored <= size.
  stored = 0
  size = 0

  clone(): Content {
    const copy = new Content()
    copy.data = this.data.slice(0, this.stored)
    copy.stored = this.stored
    copy.size = this.size
    return copy
  }

  read(target: Uint8Array, position: number): number {
    const end = Math.min(this.size, position + target.length)
    if (end <= position) return 0
    target.fill(0)
    if (position < this.stored) target.set(this.data.subarray(position, Math.min(end, this.stored)))
    return end - position
  }

  write(bytes: Uint8Array, position: number): void {
    const end = position + bytes.length
    if (end > this.data.length) {
      const grown = new Uint8Array(Math.max(end, this.data.length * 2))
      grown.set(this.data.subarray(0, this.stored))
      this.data = grown
    }
    this.data.set(bytes, position)
    this.stored = Math.max(this.stored, end)
    this.size = Math.max(this.size, end)
  }

  setSize(size: number): void {
    if (size < this.stored) {
      this.data.fill(0, size, this.stored)
      this.stored = size
    }
    this.size = size
  }

  /** The bytes of sector `sector` (zeros past the end). */
  sector(sector: number): Uint8Array {
    const bytes = new Uint8Array(SECTOR_BYTES)
    const start = sector * SECTOR_BYTES
    if (start < this.stored) bytes.set(this.data.subarray(start, Math.min(start + SECTOR_BYTES, this.stored)))
    return bytes
  }

  bytes(): Uint8Array {
    const bytes = new Uint8Array(this.size)
    bytes.set(this.data.subarray(0, Math.min(this.stored, this.size)))
    return bytes
  }

  equals(other: Content): boolean {
    if (this.size !== other.size) return false
    const end = Math.max(this.stored, other.stored)
    for (let i = 0; i < end; i++) if ((this.data[i] ?? 0) !== (other.data[i] ?? 0)) return false
    return true
  }
}

class FileNode {
  current: Content
  durable: Content
  lockOwner: MemoryFile | undefined
  constructor(current: Content, durable: Content) {
    this.current = current
    this.durable = durable
  }
}

class DirNode {
  entries = new Map<string, Node>()
  durable = new Map<string, Node>()
}

type Node = FileNode | DirNode

/** What a crash leaves of one file. */
function crashContent(node: FileNode, { random, mode }: CrashOptions): Content {
  const current = node.current
  const durable = node.durable
  if (mode === 'drop') return durable.clone()
  const sectors: number[] = []
  const sectorCount = Math.ceil(Math.max(current.stored, durable.stored) / SECTOR_BYTES)
  for (let sector = 0; sector < sectorCount; sector++) {
    if (!sameBytes(current.sector(sector), durable.sector(sector))) sectors.push(sector)
  }
  const result = durable.clone()
  let size = current.size
  if (mode === 'prefix') {
    const first = sectors[0]
    const last = sectors.at(-1)
    let low = first === undefined ? Number.POSITIVE_INFINITY : first * SECTOR_BYTES
    let high = last === undefined ? 0 : (last + 1) * SECTOR_BYTES
    if (current.size !== durable.size) {
      low = Math.min(low, current.size, durable.size)
      high = Math.max(high, current.size, durable.size)
    }
    if (low > high) return result
    const cut = low + Math.floor(random() * (high - low + 1))
    for (const sector of sectors) {
      const start = sector * SECTOR_BYTES
      const keep = start + SECTOR_BYTES <= cut || (start < cut && random() < 0.5)
      if (keep) result.write(current.sector(sector), start)
    }
    if (current.size > durable.size) size = Math.min(Math.max(cut, durable.size), current.size)
    else if (current.size < durable.size) size = cut >= high ? current.size : durable.size
  } else {
    for (const sector of sectors) if (random() < 0.5) result.write(current.sector(sector), sector * SECTOR_BYTES)
    if (current.size > durable.size) size = durable.size + Math.floor(random() * (current.size - durable.size + 1))
    else if (current.size < durable.size) size = random() < 0.5 ? current.size : durable.size
  }
  result.setSize(size)
  return result
}

class MemoryFile implements WalFile {
  readonly #fs: CrashFileSystem
  readonly #node: FileNode
  readonly #writable: boolean
  readonly #path: string
  #closed = false

  constructor(fs: CrashFileSystem, node: FileNode, writable: boolean, path: string) {
    this.#fs = fs
    this.#node = node
    this.#writable = writable
    this.#path = path
  }

  async read(buffer: Uint8Array, position: number): Promise<number> {
    this.#check('read')
    return this.#node.current.read(buffer, position)
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    this.#check('write', true)
    this.#fs.counts.writes++
    this.#node.current.write(data, position)
  }

  async datasync(): Promise<void> {
    this.#check('fdatasync')
    this.#fs.counts.datasyncs++
    this.#node.durable = this.#node.current.clone()
  }

  async truncate(size: number): Promise<void> {
    this.#check('ftruncate', true)
    this.#fs.counts.truncates++
    this.#node.current.setSize(size)
  }

  async allocate(size: number): Promise<void> {
    this.#check('fallocate', true)
    if (this.#node.current.size < size) this.#node.current.setSize(size)
  }

  async size(): Promise<number> {
    this.#check('fstat')
    return this.#node.current.size
  }

  async tryLock(): Promise<boolean> {
    this.#check('fcntl')
    if (this.#node.lockOwner !== undefined && this.#node.lockOwner !== this) return false
    this.#node.lockOwner = this
    return true
  }

  async unlock(): Promise<void> {
    if (this.#node.lockOwner === this) this.#node.lockOwner = undefined
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.unlock()
  }

  #check(syscall: string, write = false): void {
    if (this.#closed || (write && !this.#writable)) throw fsError('EBADF', syscall, this.#path)
  }
}

function parts(path: string): string[] {
  return posix
    .resolve('/', path)
    .split('/')
    .filter((part) => part !== '')
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function fsError(code: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path })
}
