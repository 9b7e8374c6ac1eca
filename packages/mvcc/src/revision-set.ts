import type { Revision } from './revision.js'

/**
 * A set of revisions, compared by value: etcd's `map[Revision]struct{}`, the "available" set
 * that `treeIndex.Compact` returns (the revisions the compactor must not delete from bucket
 * `key`) and the "keep" set that `HashKV` uses.
 *
 * Stored as a map from `main` to its `sub` (the common case: one change per key per
 * transaction, and one kept revision per key) or, once a second `sub` of the same `main` is
 * added, to a `Set` of subs. `add`, `has` and `delete` are O(1) and `has` allocates nothing.
 * The set keeps no reference to the revision objects it is given.
 */
export class RevisionSet implements Iterable<Revision> {
  // A value is the only sub of that main in the set (a number), or all of them (a Set, size >= 1).
  readonly #byMain = new Map<number, number | Set<number>>()
  // Invariant: #size is the number of (main, sub) pairs held in #byMain.
  #size = 0

  /** The number of revisions in the set. */
  get size(): number {
    return this.#size
  }

  /** Adds `rev` (a no-op if an equal revision is already in the set). */
  add(rev: Revision): void {
    const subs = this.#byMain.get(rev.main)
    if (subs === undefined) {
      this.#byMain.set(rev.main, rev.sub)
    } else if (typeof subs === 'number') {
      if (subs === rev.sub) return
      this.#byMain.set(rev.main, new Set([subs, rev.sub]))
    } else {
      if (subs.has(rev.sub)) return
      subs.add(rev.sub)
    }
    this.#size++
  }

  /** Whether a revision equal to `rev` (same main and sub) is in the set. */
  has(rev: Revision): boolean {
    const subs = this.#byMain.get(rev.main)
    if (subs === undefined) return false
    return typeof subs === 'number' ? subs === rev.sub : subs.has(rev.sub)
  }

  /** Removes the revision equal to `rev`; returns whether there was one. */
  delete(rev: Revision): boolean {
    const subs = this.#byMain.get(rev.main)
    if (subs === undefined) return false
    if (typeof subs === 'number') {
      if (subs !== rev.sub) return false
      this.#byMain.delete(rev.main)
    } else {
      if (!subs.delete(rev.sub)) return false
      if (subs.size === 0) this.#byMain.delete(rev.main)
    }
    this.#size--
    return true
  }

  /**
   * The revisions, as new objects, grouped by `main` in the order each `main` was first added
   * (deterministic, not sorted: sort with `compareRevisions` when order matters).
   */
  *[Symbol.iterator](): IterableIterator<Revision> {
    for (const [main, subs] of this.#byMain) {
      if (typeof subs === 'number') yield { main, sub: subs }
      else for (const sub of subs) yield { main, sub }
    }
  }
}
