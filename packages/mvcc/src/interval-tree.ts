import { compareBytes } from '@etcd-ts/backend'

/**
 * A half-open key interval `[begin, end)`. An **empty** `end` means +∞ (every key `>= begin`),
 * as in etcd's `adt.NewStringAffineInterval` where the empty string is "infinity". Callers must
 * not mutate the arrays of an interval stored in a tree.
 */
export interface Interval {
  readonly begin: Uint8Array
  readonly end: Uint8Array
}

// An AVL tree ordered by (begin, end), augmented with the largest end of each subtree so that
// overlap queries skip subtrees that end before the query starts (CLRS §14.3). etcd uses a
// red-black tree (pkg/adt); any balanced tree with the same augmentation does the job.
interface IntervalNode<V> {
  readonly begin: Uint8Array
  readonly end: Uint8Array
  value: V
  left: IntervalNode<V> | undefined
  right: IntervalNode<V> | undefined
  // Invariant: height = 1 + max(height(left), height(right)); |height(left) - height(right)| <= 1.
  height: number
  // Invariant: maxEnd = the largest end (affine: empty = +∞) in this subtree, this node included.
  maxEnd: Uint8Array
}

/**
 * Compares interval ends with etcd's affine rule: the empty array is +∞, above every key.
 * Negative if `a < b`, 0 if equal, positive if `a > b`.
 */
export function compareIntervalEnds(a: Uint8Array, b: Uint8Array): number {
  if (a.length === 0) return b.length === 0 ? 0 : 1
  if (b.length === 0) return -1
  return compareBytes(a, b)
}

/** Whether `key` lies before the interval end `end` (`key < end`, an empty end being +∞). */
export function isBeforeEnd(key: Uint8Array, end: Uint8Array): boolean {
  return end.length === 0 || compareBytes(key, end) < 0
}

/** Whether `[a.begin, a.end)` and `[b.begin, b.end)` share a key (empty end: +∞). */
export function intervalsOverlap(a: Interval, b: Interval): boolean {
  return isBeforeEnd(a.begin, b.end) && isBeforeEnd(b.begin, a.end)
}

/**
 * An interval tree mapping distinct intervals to values (etcd's `adt.IntervalTree`, used by the
 * watcher groups to find range watchers by key): insert, look up and delete in O(log n); find
 * every interval overlapping a query, or containing a key, in O(log n + matches).
 *
 * Intervals are half-open `[begin, end)` with an empty `end` meaning +∞; a stored interval must
 * be non-empty (`begin < end`). Identical intervals share one entry: {@link IntervalTree.set}
 * replaces the value. The tree keeps the interval's arrays: callers must not mutate them.
 *
 * @typeParam V - the value kept per interval (the watcher group keeps a set of watchers).
 */
export class IntervalTree<V> {
  #root: IntervalNode<V> | undefined
  #size = 0

  /** How many distinct intervals the tree holds. */
  get size(): number {
    return this.#size
  }

  /** The value stored for exactly this interval, or `undefined`. */
  get(interval: Interval): V | undefined {
    let node = this.#root
    while (node !== undefined) {
      const c = compareNode(interval, node)
      if (c === 0) return node.value
      node = c < 0 ? node.left : node.right
    }
    return undefined
  }

  /**
   * Stores `value` for `interval`, replacing the value of an identical interval.
   *
   * @throws RangeError when the interval is empty (`end` not empty and `begin >= end`).
   */
  set(interval: Interval, value: V): void {
    if (interval.end.length > 0 && compareBytes(interval.begin, interval.end) >= 0) {
      throw new RangeError('interval tree: an interval must have begin < end (or an empty end for +∞)')
    }
    this.#root = this.#insert(this.#root, interval, value)
  }

  /** Removes `interval` (exact match); returns whether it was there. */
  delete(interval: Interval): boolean {
    const before = this.#size
    this.#root = this.#remove(this.#root, interval)
    return this.#size < before
  }

  /**
   * Calls `visit` for every stored interval overlapping `query`, in (begin, end) order, until
   * `visit` returns `false`. `visit` must not modify the tree.
   */
  visitOverlapping(query: Interval, visit: (interval: Interval, value: V) => unknown): void {
    visitOverlapping(this.#root, query, visit)
  }

  /**
   * Calls `visit` for every stored interval containing `key` (`begin <= key < end`: etcd's point
   * query `[key, key + "\0")`), in (begin, end) order, until `visit` returns `false`. `visit`
   * must not modify the tree.
   */
  visitContaining(key: Uint8Array, visit: (interval: Interval, value: V) => unknown): void {
    visitContaining(this.#root, key, visit)
  }

  /** Whether some stored interval overlaps `query` (etcd's `Intersects`). */
  intersects(query: Interval): boolean {
    let found = false
    visitOverlapping(this.#root, query, () => {
      found = true
      return false
    })
    return found
  }

  /** Every (interval, value), in (begin, end) order. */
  *entries(): IterableIterator<[Interval, V]> {
    const stack: IntervalNode<V>[] = []
    let node = this.#root
    while (node !== undefined || stack.length > 0) {
      while (node !== undefined) {
        stack.push(node)
        node = node.left
      }
      const top = stack.pop() as IntervalNode<V>
      yield [{ begin: top.begin, end: top.end }, top.value]
      node = top.right
    }
  }

  #insert(node: IntervalNode<V> | undefined, interval: Interval, value: V): IntervalNode<V> {
    if (node === undefined) {
      this.#size++
      return {
        begin: interval.begin,
        end: interval.end,
        value,
        left: undefined,
        right: undefined,
        height: 1,
        maxEnd: interval.end,
      }
    }
    const c = compareNode(interval, node)
    if (c === 0) {
      node.value = value
      return node
    }
    if (c < 0) node.left = this.#insert(node.left, interval, value)
    else node.right = this.#insert(node.right, interval, value)
    return rebalance(node)
  }

  #remove(node: IntervalNode<V> | undefined, interval: Interval): IntervalNode<V> | undefined {
    if (node === undefined) return undefined
    const c = compareNode(interval, node)
    if (c < 0) {
      node.left = this.#remove(node.left, interval)
      return rebalance(node)
    }
    if (c > 0) {
      node.right = this.#remove(node.right, interval)
      return rebalance(node)
    }
    this.#size--
    if (node.left === undefined) return node.right
    if (node.right === undefined) return node.left
    // Two children: the in-order successor takes this node's place.
    const { rest, min } = removeMin(node.right)
    min.left = node.left
    min.right = rest
    return rebalance(min)
  }
}

function compareNode(interval: Interval, node: IntervalNode<unknown>): number {
  const c = compareBytes(interval.begin, node.begin)
  return c !== 0 ? c : compareIntervalEnds(interval.end, node.end)
}

function height(node: IntervalNode<unknown> | undefined): number {
  return node === undefined ? 0 : node.height
}

function update(node: IntervalNode<unknown>): void {
  node.height = 1 + Math.max(height(node.left), height(node.right))
  let maxEnd = node.end
  if (node.left !== undefined && compareIntervalEnds(node.left.maxEnd, maxEnd) > 0) maxEnd = node.left.maxEnd
  if (node.right !== undefined && compareIntervalEnds(node.right.maxEnd, maxEnd) > 0) maxEnd = node.right.maxEnd
  node.maxEnd = maxEnd
}

function rotateRight<V>(node: IntervalNode<V>): IntervalNode<V> {
  const pivot = node.left as IntervalNode<V>
  node.left = pivot.right
  pivot.right = node
  update(node)
  update(pivot)
  return pivot
}

function rotateLeft<V>(node: IntervalNode<V>): IntervalNode<V> {
  const pivot = node.right as IntervalNode<V>
  node.right = pivot.left
  pivot.left = node
  update(node)
  update(pivot)
  return pivot
}

function rebalance<V>(node: IntervalNode<V>): IntervalNode<V> {
  update(node)
  const balance = height(node.left) - height(node.right)
  if (balance > 1) {
    const left = node.left as IntervalNode<V>
    if (height(left.left) < height(left.right)) node.left = rotateLeft(left)
    return rotateRight(node)
  }
  if (balance < -1) {
    const right = node.right as IntervalNode<V>
    if (height(right.right) < height(right.left)) node.right = rotateRight(right)
    return rotateLeft(node)
  }
  return node
}

function removeMin<V>(node: IntervalNode<V>): { rest: IntervalNode<V> | undefined; min: IntervalNode<V> } {
  if (node.left === undefined) return { rest: node.right, min: node }
  const { rest, min } = removeMin(node.left)
  node.left = rest
  return { rest: rebalance(node), min }
}

// Both visitors return true once `visit` asked to stop (returned false).
function visitOverlapping<V>(
  node: IntervalNode<V> | undefined,
  query: Interval,
  visit: (interval: Interval, value: V) => unknown,
): boolean {
  // Every end in this subtree is <= maxEnd <= query.begin: nothing here reaches the query.
  if (node === undefined || !isBeforeEnd(query.begin, node.maxEnd)) return false
  if (visitOverlapping(node.left, query, visit)) return true
  // Nodes to the right begin at or after this one: once it starts at or past the query's end,
  // neither it nor anything to its right overlaps.
  if (query.end.length > 0 && compareBytes(node.begin, query.end) >= 0) return false
  if (isBeforeEnd(query.begin, node.end) && visit({ begin: node.begin, end: node.end }, node.value) === false)
    return true
  return visitOverlapping(node.right, query, visit)
}

function visitContaining<V>(
  node: IntervalNode<V> | undefined,
  key: Uint8Array,
  visit: (interval: Interval, value: V) => unknown,
): boolean {
  if (node === undefined || !isBeforeEnd(key, node.maxEnd)) return false
  if (visitContaining(node.left, key, visit)) return true
  if (compareBytes(node.begin, key) > 0) return false
  if (isBeforeEnd(key, node.end) && visit({ begin: node.begin, end: node.end }, node.value) === false) return true
  return visitContaining(node.right, key, visit)
}
