// The in-memory index from keys to their revision histories: etcd's treeIndex
// (server/storage/mvcc/index.go), a B-tree of keyIndex ordered by key bytes.
import { compareBytes } from '@etcd-ts/backend'
import sortedBtree from 'sorted-btree'
import { RevisionNotFoundError } from './errors.js'
import { KeyIndex, type KeyIndexGet } from './key-index.js'
import { compareRevisions, type Revision } from './revision.js'
import { RevisionSet } from './revision-set.js'

// sorted-btree is CommonJS: its class is the `default` property of module.exports.
const BTree = sortedBtree.default
type Tree = InstanceType<typeof BTree<Uint8Array, KeyIndex>>

/** editRange's instruction to delete the visited pair. */
const DELETE = { delete: true } as const

/**
 * The index of every key's revisions: a B+ tree of {@link KeyIndex} ordered bytewise by key
 * (etcd's `treeIndex`). The store looks revisions up here, then reads their values from bucket
 * `key` of the backend.
 *
 * Ranges take `end` as everywhere in mvcc:
 *
 * ```
 * end === undefined        the single key `key`
 * end.length === 0         every key >= key (no upper bound; etcd's range_end "\0")
 * otherwise                [key, end); nothing when key >= end
 * ```
 *
 * Methods are synchronous; the index must not be changed while a call is running (nothing here
 * calls back into caller code). Arrays returned are new; revision objects and keys in them are
 * the index's own, never to be mutated. The tree never holds an empty key index: compaction
 * removes those.
 */
export class TreeIndex {
  // Invariant: for every entry, value.key is the entry's key, and !value.isEmpty().
  readonly #tree: Tree = new BTree<Uint8Array, KeyIndex>(undefined, compareBytes)

  /** The number of keys indexed: live keys and deleted ones whose history is not compacted yet. */
  get size(): number {
    return this.#tree.size
  }

  /**
   * Whether `key` has a key index: it is live, or deleted with its history not compacted yet.
   * Says nothing about any revision; see {@link get}.
   */
  has(key: Uint8Array): boolean {
    return this.#tree.has(key)
  }

  /**
   * The state of `key` at revision `atRev` (see {@link KeyIndex.get}), or `undefined` if the key
   * does not exist at `atRev` (etcd's `treeIndex.Get` returning `ErrRevisionNotFound`).
   */
  get(key: Uint8Array, atRev: number): KeyIndexGet | undefined {
    return this.#tree.get(key)?.get(atRev)
  }

  /**
   * The keys live at `atRev` in the range, in key order, with the revision of each one's last
   * change at `atRev` (`revs[i]` belongs to `keys[i]`); etcd's `treeIndex.Range`.
   */
  range(key: Uint8Array, end: Uint8Array | undefined, atRev: number): { keys: Uint8Array[]; revs: Revision[] } {
    const keys: Uint8Array[] = []
    const revs: Revision[] = []
    if (end === undefined) {
      const ki = this.#tree.get(key)
      const rev = ki?.modifiedAt(atRev)
      if (ki !== undefined && rev !== undefined) {
        keys.push(ki.key)
        revs.push(rev)
      }
      return { keys, revs }
    }
    this.#visit(key, end, (ki) => {
      const rev = ki.modifiedAt(atRev)
      if (rev !== undefined) {
        keys.push(ki.key)
        revs.push(rev)
      }
    })
    return { keys, revs }
  }

  /**
   * The revisions of the keys live at `atRev` in the range, in key order, at most `limit` of
   * them (`limit <= 0`: all); `total` counts every live key in the range regardless of `limit`
   * (etcd 3.4–3.6 `treeIndex.Revisions`). For a single key (`end === undefined`) `limit` is
   * ignored.
   */
  revisions(
    key: Uint8Array,
    end: Uint8Array | undefined,
    atRev: number,
    limit: number,
  ): { revs: Revision[]; total: number } {
    const revs: Revision[] = []
    if (end === undefined) {
      const rev = this.#tree.get(key)?.modifiedAt(atRev)
      if (rev === undefined) return { revs, total: 0 }
      revs.push(rev)
      return { revs, total: 1 }
    }
    let total = 0
    this.#visit(key, end, (ki) => {
      const rev = ki.modifiedAt(atRev)
      if (rev === undefined) return
      if (limit <= 0 || revs.length < limit) revs.push(rev)
      total++
    })
    return { revs, total }
  }

  /** The number of keys live at `atRev` in the range (etcd's `treeIndex.CountRevisions`). */
  countRevisions(key: Uint8Array, end: Uint8Array | undefined, atRev: number): number {
    if (end === undefined) return this.#tree.get(key)?.modifiedAt(atRev) === undefined ? 0 : 1
    let total = 0
    this.#visit(key, end, (ki) => {
      if (ki.modifiedAt(atRev) !== undefined) total++
    })
    return total
  }

  /**
   * Every revision with `main >= rev` of the keys in the range, tombstones included, sorted by
   * revision; per key, only the newest of several changes in one transaction (see
   * {@link KeyIndex.since}). What a watcher starting at `rev` must catch up on (etcd's
   * `treeIndex.RangeSince`).
   */
  rangeSince(key: Uint8Array, end: Uint8Array | undefined, rev: number): Revision[] {
    if (end === undefined) return this.#tree.get(key)?.since(rev) ?? []
    const revs: Revision[] = []
    this.#visit(key, end, (ki) => {
      for (const r of ki.since(rev)) revs.push(r)
    })
    return revs.sort(compareRevisions)
  }

  /**
   * Records a put of `key` at `rev` (etcd's `treeIndex.Put`). A key seen for the first time is
   * copied; `rev` is kept by reference.
   *
   * @throws MvccInvariantError if `rev` is not above the key's last revision; nothing changes.
   */
  put(key: Uint8Array, rev: Revision): void {
    const ki = this.#tree.get(key)
    if (ki !== undefined) {
      ki.put(rev)
      return
    }
    const created = new KeyIndex(new Uint8Array(key))
    created.put(rev)
    this.#tree.set(created.key, created)
  }

  /**
   * Records a delete of `key` at `rev` (etcd's `treeIndex.Tombstone`).
   *
   * @throws RevisionNotFoundError (`MVCC_REVISION_NOT_FOUND`) if the key is not indexed or not
   *   live; nothing changes.
   * @throws MvccInvariantError if `rev` is not above the key's last revision.
   */
  tombstone(key: Uint8Array, rev: Revision): void {
    const ki = this.#tree.get(key)
    if (ki === undefined) throw new RevisionNotFoundError()
    ki.tombstone(rev)
  }

  /**
   * Rebuilds the index from the backend at boot, one put at a time, in the order of bucket `key`
   * (by revision). `modified` is the put's revision, `created` and `version` come from its
   * stored KeyValue. The first revision of a key sets up its key index from them (etcd's
   * `keyIndex.restore` + `treeIndex.Insert`); later ones are plain puts at `modified`, as etcd's
   * `restoreIntoIndex` does. A key seen for the first time is copied.
   *
   * @throws MvccInvariantError if `modified` is not above the key's last revision.
   */
  restore(key: Uint8Array, created: Revision, modified: Revision, version: number): void {
    const ki = this.#tree.get(key)
    if (ki !== undefined) {
      ki.put(modified)
      return
    }
    const restored = new KeyIndex(new Uint8Array(key))
    restored.restore(created, modified, version)
    this.#tree.set(restored.key, restored)
  }

  /**
   * Rebuilds the index from the backend at boot: a tombstone of `key` at `rev`, in the order of
   * bucket `key`. A key first seen as a tombstone gets a generation of unknown creation (etcd's
   * `keyIndex.restoreTombstone`); otherwise this is a delete. Returns false, changing nothing,
   * when the key is not live (etcd logs "tombstone encountered error" and goes on).
   *
   * @throws MvccInvariantError if `rev` is not above the key's last revision.
   */
  restoreTombstone(key: Uint8Array, rev: Revision): boolean {
    const ki = this.#tree.get(key)
    if (ki === undefined) {
      const restored = new KeyIndex(new Uint8Array(key))
      restored.restoreTombstone(rev)
      this.#tree.set(restored.key, restored)
      return true
    }
    const current = ki.generations[ki.generations.length - 1]
    if (current === undefined || current.isEmpty()) return false
    ki.tombstone(rev)
    return true
  }

  /**
   * Compacts every key's history at `rev` (see {@link KeyIndex.compact}), removes the keys left
   * with none, and returns the available set: the revisions with `main <= rev` the compactor must
   * keep in bucket `key` (etcd's `treeIndex.Compact`). A tombstone at `rev` is kept (etcd#18089).
   */
  compact(rev: number): RevisionSet {
    const available = new RevisionSet()
    const tree = this.#tree
    if (tree.size === 0) return available
    tree.editRange(tree.minKey() as Uint8Array, tree.maxKey() as Uint8Array, true, (_key, ki) => {
      ki.compact(rev, available)
      return ki.isEmpty() ? DELETE : undefined
    })
    return available
  }

  /**
   * The revisions a compaction at `rev` would keep, minus tombstones at exactly `rev`, without
   * changing anything (see {@link KeyIndex.keep}; etcd's `treeIndex.Keep`, for `HashKV`).
   */
  keep(rev: number): RevisionSet {
    const keep = new RevisionSet()
    this.#tree.forEach((ki) => {
      ki.keep(rev, keep)
    })
    return keep
  }

  /** Calls `f` with the key indexes of the range, in key order (`end` as in {@link range}, not undefined). */
  #visit(key: Uint8Array, end: Uint8Array, f: (ki: KeyIndex) => void): void {
    const tree = this.#tree
    if (end.length === 0) {
      const max = tree.maxKey()
      if (max === undefined || compareBytes(key, max) > 0) return
      tree.forRange(key, max, true, (_key, ki) => f(ki))
      return
    }
    if (compareBytes(key, end) >= 0) return
    tree.forRange(key, end, false, (_key, ki) => f(ki))
  }
}
