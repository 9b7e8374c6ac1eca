import { compareBytes, type EngineBatch, type EngineRange, type EngineView, type StorageEngine } from '@etcd-ts/backend'
import sortedBtree from 'sorted-btree'

// sorted-btree is CommonJS: its class is the `default` property of module.exports.
const BTree = sortedBtree.default
type Tree = InstanceType<typeof BTree<Uint8Array, Uint8Array>>

// Per-entry bookkeeping counted by size(), roughly what a B+ tree leaf slot costs.
const ENTRY_OVERHEAD_BYTES = 16

/**
 * A {@link StorageEngine} in memory: one B+ tree of the whole keyspace. Views are copy-on-write
 * clones (O(1), nodes copied as the tree changes after), so a concurrent read costs nothing up
 * front and sees its moment forever. Nothing is durable.
 */
export class MemoryEngine implements StorageEngine {
  readonly durable = false
  #tree: Tree = new BTree<Uint8Array, Uint8Array>(undefined, compareBytes)
  #bytes = 0

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  get(key: Uint8Array, view?: EngineView): Uint8Array | undefined {
    return this.#treeOf(view).get(key)
  }

  async *entries(range: EngineRange, view?: EngineView): AsyncGenerator<readonly [Uint8Array, Uint8Array]> {
    // Iterate a clone: the live tree may change while the consumer awaits.
    const tree = view === undefined ? this.#tree.clone() : this.#treeOf(view)
    for (const entry of tree.entries(range.gte)) {
      if (compareBytes(entry[0], range.lt) >= 0) return
      yield entry
    }
  }

  async write(batch: EngineBatch): Promise<void> {
    for (const key of batch.deletes) {
      const old = this.#tree.get(key)
      if (old !== undefined && this.#tree.delete(key)) this.#bytes -= key.length + old.length + ENTRY_OVERHEAD_BYTES
    }
    for (const [key, value] of batch.puts) {
      const old = this.#tree.get(key)
      this.#bytes += value.length - (old === undefined ? -key.length - ENTRY_OVERHEAD_BYTES : old.length)
      this.#tree.set(key, value)
    }
  }

  view(): EngineView {
    return new MemoryView(this.#tree.clone())
  }

  async size(): Promise<{ size: number; inUse: number }> {
    return { size: this.#bytes, inUse: this.#bytes }
  }

  async compact(): Promise<void> {}

  async replace(entries: AsyncIterable<readonly [Uint8Array, Uint8Array]>, signal?: AbortSignal): Promise<void> {
    // Build aside and swap: a failure leaves the current tree untouched.
    const tree = new BTree<Uint8Array, Uint8Array>(undefined, compareBytes)
    let bytes = 0
    for await (const [key, value] of entries) {
      signal?.throwIfAborted()
      const old = tree.get(key)
      bytes += value.length - (old === undefined ? -key.length - ENTRY_OVERHEAD_BYTES : old.length)
      tree.set(key, value)
    }
    signal?.throwIfAborted()
    this.#tree = tree
    this.#bytes = bytes
  }

  #treeOf(view: EngineView | undefined): Tree {
    if (view === undefined) return this.#tree
    if (!(view instanceof MemoryView)) throw new TypeError('not a view of this engine')
    return view.tree
  }
}

class MemoryView implements EngineView {
  readonly tree: Tree
  constructor(tree: Tree) {
    this.tree = tree
  }
  release(): void {}
}
