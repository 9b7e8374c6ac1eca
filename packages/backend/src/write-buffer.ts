import sortedBtree from 'sorted-btree'
import type { BucketName } from './buckets.js'
import { compareBytes } from './bytes.js'

// sorted-btree is CommonJS: its class is the `default` property of module.exports.
const BTree = sortedBtree.default
type Tree = InstanceType<typeof BTree<Uint8Array, Uint8Array | null>>

/** A deleted key, in a buffer. */
export const TOMBSTONE = null

/**
 * The writes of one bucket in a buffer layer, by key: a value, or {@link TOMBSTONE} for a
 * delete. `cleared` means the bucket was deleted (and maybe recreated) in this layer, so the
 * layers below must not be consulted for it.
 */
export class BucketBuffer {
  readonly tree: Tree
  cleared: boolean
  constructor(tree?: Tree, cleared = false) {
    this.tree = tree ?? new BTree<Uint8Array, Uint8Array | null>(undefined, compareBytes)
    this.cleared = cleared
  }
  /** A copy-on-write copy: O(1) now, nodes copied as either side changes. */
  clone(): BucketBuffer {
    return new BucketBuffer(this.tree.clone(), this.cleared)
  }
}

/**
 * One layer of buffered writes (a transaction's own, the unlocked-but-uncommitted ones, or the
 * batch being committed): per bucket, the latest write of each key, plus which buckets were
 * created or deleted in this layer.
 */
export class WriteBuffer {
  readonly buckets = new Map<BucketName, BucketBuffer>()
  /** Buckets created (true) or deleted (false) in this layer, the last action winning. */
  readonly bucketStates = new Map<BucketName, boolean>()
  /** Writes recorded (puts, deletes, bucket changes), for the batch limit. */
  ops = 0

  isEmpty(): boolean {
    return this.ops === 0
  }

  #bucket(bucket: BucketName): BucketBuffer {
    let buffer = this.buckets.get(bucket)
    if (buffer === undefined) {
      buffer = new BucketBuffer()
      this.buckets.set(bucket, buffer)
    }
    return buffer
  }

  put(bucket: BucketName, key: Uint8Array, value: Uint8Array): void {
    this.#bucket(bucket).tree.set(key, value)
    this.ops++
  }

  delete(bucket: BucketName, key: Uint8Array): void {
    this.#bucket(bucket).tree.set(key, TOMBSTONE)
    this.ops++
  }

  createBucket(bucket: BucketName): void {
    this.bucketStates.set(bucket, true)
    this.ops++
  }

  deleteBucket(bucket: BucketName): void {
    // Everything of the bucket so far, in this layer and below, is gone.
    this.buckets.set(bucket, new BucketBuffer(undefined, true))
    this.bucketStates.set(bucket, false)
    this.ops++
  }

  /** Applies `upper`'s writes on top of this layer (merging a transaction into the pending layer). */
  mergeFrom(upper: WriteBuffer): void {
    for (const [bucket, buffer] of upper.buckets) {
      if (buffer.cleared) {
        this.buckets.set(bucket, buffer.clone())
        continue
      }
      const target = this.#bucket(bucket)
      buffer.tree.forEachPair((key, value) => {
        target.tree.set(key, value)
      })
    }
    for (const [bucket, state] of upper.bucketStates) this.bucketStates.set(bucket, state)
    this.ops += upper.ops
  }

  /** A copy-on-write copy of the whole layer. */
  clone(): WriteBuffer {
    const copy = new WriteBuffer()
    for (const [bucket, buffer] of this.buckets) copy.buckets.set(bucket, buffer.clone())
    for (const [bucket, state] of this.bucketStates) copy.bucketStates.set(bucket, state)
    copy.ops = this.ops
    return copy
  }
}
