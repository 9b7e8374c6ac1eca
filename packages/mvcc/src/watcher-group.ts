import { type Interval, IntervalTree } from './interval-tree.js'
import type { RangeEnd } from './kv-types.js'

/**
 * What a watcher group needs of a watcher: the keys it watches. `end === undefined` is the single
 * key `key`; an empty `end` is every key `>= key`; otherwise `[key, end)` (see `RangeEnd`).
 * Both must not change while the watcher is in a group.
 */
export interface WatchedRange {
  readonly key: Uint8Array
  readonly end: RangeEnd
}

/**
 * A set of watchers indexed by the keys they watch (etcd's `watcherGroup`): single-key watchers
 * in a map by key, range watchers in an {@link IntervalTree} whose identical ranges share one
 * node. Finding the watchers of a key is O(1) for single keys plus O(log n + matches) for ranges.
 *
 * The watchable store keeps one group per state (synced, unsynced), and builds a transient one
 * for the watchers it catches up in one pass. Iteration is in insertion order.
 */
export class WatcherGroup<W extends WatchedRange> {
  // Every watcher of the group; insertion order (the unsynced group rotates through it).
  readonly #watchers = new Set<W>()
  // Single-key watchers, by key (one char per byte).
  readonly #keyWatchers = new Map<string, Set<W>>()
  // Range watchers, one set per distinct range.
  readonly #ranges = new IntervalTree<Set<W>>()

  /** How many watchers the group holds. */
  get size(): number {
    return this.#watchers.size
  }

  /** Whether `watcher` is in the group. */
  has(watcher: W): boolean {
    return this.#watchers.has(watcher)
  }

  /** Adds `watcher`; a no-op if it is there already. */
  add(watcher: W): void {
    if (this.#watchers.has(watcher)) return
    this.#watchers.add(watcher)
    if (watcher.end === undefined) {
      const mapKey = toMapKey(watcher.key)
      let set = this.#keyWatchers.get(mapKey)
      if (set === undefined) {
        set = new Set()
        this.#keyWatchers.set(mapKey, set)
      }
      set.add(watcher)
      return
    }
    const interval = toInterval(watcher)
    let set = this.#ranges.get(interval)
    if (set === undefined) {
      set = new Set()
      this.#ranges.set(interval, set)
    }
    set.add(watcher)
  }

  /** Removes `watcher`; returns whether it was there. */
  delete(watcher: W): boolean {
    if (!this.#watchers.delete(watcher)) return false
    if (watcher.end === undefined) {
      const mapKey = toMapKey(watcher.key)
      const set = this.#keyWatchers.get(mapKey)
      set?.delete(watcher)
      if (set?.size === 0) this.#keyWatchers.delete(mapKey)
      return true
    }
    const interval = toInterval(watcher)
    const set = this.#ranges.get(interval)
    set?.delete(watcher)
    if (set?.size === 0) this.#ranges.delete(interval)
    return true
  }

  /**
   * Calls `visit` once for every watcher of the group watching `key` (etcd's
   * `watcherSetByKey`): single-key watchers first, then range watchers by range. `visit` must
   * not change the group.
   */
  visitWatchersOf(key: Uint8Array, visit: (watcher: W) => void): void {
    const set = this.#keyWatchers.get(toMapKey(key))
    if (set !== undefined) for (const watcher of set) visit(watcher)
    if (this.#ranges.size === 0) return
    this.#ranges.visitContaining(key, (_, rangeSet) => {
      for (const watcher of rangeSet) visit(watcher)
    })
  }

  /** The watchers, in insertion order. The group must not change during the iteration. */
  [Symbol.iterator](): IterableIterator<W> {
    return this.#watchers.values()
  }
}

// A key as a Map key: one UTF-16 code unit per byte, so distinct byte strings stay distinct.
function toMapKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
}

function toInterval(watcher: WatchedRange): Interval {
  return { begin: watcher.key, end: watcher.end as Uint8Array }
}
