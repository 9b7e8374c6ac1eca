import { type Backend, type BatchTx, Buckets } from '@etcd-ts/backend'
import { decodeUint64, encodeUint64, MetaKeys } from './meta.js'

/**
 * The index (and term) of the last raft entry whose effects are in the backend (etcd's
 * `cindex`): persisted in the `meta` bucket **in the same batch as the data** by
 * {@link ConsistentIndex.unsafeSave}, which the server calls from the backend's pre-commit hook.
 *
 * After applying an entry, the server calls {@link ConsistentIndex.set} in the same synchronous
 * stretch as the end of the entry's write transaction (no `await` in between): a commit then
 * never holds index N without N's writes, nor N's writes with an older index (etcd #13766).
 * On restart, entries at or below {@link ConsistentIndex.get} are already applied.
 */
export class ConsistentIndex {
  readonly #backend: Backend
  #index = 0
  #term = 0
  #loaded = false

  constructor(backend: Backend) {
    this.#backend = backend
  }

  /** The last applied index (loaded from the backend the first time). */
  get(): number {
    this.#load()
    return this.#index
  }

  /** The term of that entry. */
  term(): number {
    this.#load()
    return this.#term
  }

  /**
   * Records that entries up to `index` (of `term`) are applied. Never lowers the index.
   *
   * @throws RangeError when `index` is below the current one (a replay bug) or not an integer.
   */
  set(index: number, term: number): void {
    this.#load()
    if (!Number.isSafeInteger(index) || index < this.#index) {
      throw new RangeError(`consistent index must not decrease: ${this.#index} → ${index}`)
    }
    this.#index = index
    this.#term = term
  }

  /** Forces the index (restoring a snapshot may move it anywhere). */
  force(index: number, term: number): void {
    this.#loaded = true
    this.#index = index
    this.#term = term
  }

  /** Writes the index and term into `tx` (the pre-commit hook's transaction). 0 is never written. */
  unsafeSave(tx: BatchTx): void {
    if (this.#index === 0) return
    tx.unsafePut(Buckets.Meta, MetaKeys.ConsistentIndex, encodeUint64(this.#index))
    tx.unsafePut(Buckets.Meta, MetaKeys.Term, encodeUint64(this.#term))
  }

  #load(): void {
    if (this.#loaded) return
    const tx = this.#backend.readTx()
    if (!tx.hasBucket(Buckets.Meta)) return
    const index = tx.unsafeGet(Buckets.Meta, MetaKeys.ConsistentIndex)
    const term = tx.unsafeGet(Buckets.Meta, MetaKeys.Term)
    this.#index = index === undefined ? 0 : decodeUint64(index)
    this.#term = term === undefined ? 0 : decodeUint64(term)
    this.#loaded = true
  }
}
