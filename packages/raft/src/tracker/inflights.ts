import type { Index } from '../raftpb/types.js'

/**
 * The MsgApp messages sent to one follower and not yet acknowledged: a ring buffer of their
 * last entry indexes and byte sizes, bounded by a message count and (optionally) a byte total
 * (etcd's `tracker.Inflights`).
 *
 * The leader stops sending new entries to the follower while it is {@link Inflights.full | full},
 * and frees slots as acknowledgements arrive ({@link Inflights.freeLE}).
 */
export class Inflights {
  /** Capacity in messages (etcd's `MaxInflightMsgs`). */
  readonly size: number
  /** Capacity in bytes; 0 means no byte limit (etcd's `MaxInflightBytes`). */
  readonly maxBytes: number
  // Ring buffer: slot (start + i) % size holds the i-th oldest message, for i < count. The
  // buffer grows by doubling up to `size`, so an idle follower costs almost nothing.
  #indexes: Float64Array
  #bytes: Float64Array
  #start = 0
  #count = 0
  #totalBytes = 0

  /**
   * @param size - capacity in messages, at least 1.
   * @param maxBytes - capacity in bytes; 0 for no byte limit.
   * @throws RangeError when `size` is not a positive integer or `maxBytes` is negative.
   */
  constructor(size: number, maxBytes = 0) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(`Inflights size must be a positive integer, got ${size}`)
    }
    if (!(maxBytes >= 0)) throw new RangeError(`Inflights maxBytes must be >= 0, got ${maxBytes}`)
    this.size = size
    this.maxBytes = maxBytes
    this.#indexes = new Float64Array(0)
    this.#bytes = new Float64Array(0)
  }

  /** An independent copy with the same contents. */
  clone(): Inflights {
    const copy = new Inflights(this.size, this.maxBytes)
    copy.#indexes = this.#indexes.slice()
    copy.#bytes = this.#bytes.slice()
    copy.#start = this.#start
    copy.#count = this.#count
    copy.#totalBytes = this.#totalBytes
    return copy
  }

  /**
   * Records a message whose last entry has `index` and whose entries total `bytes`. Indexes
   * must be added in increasing order.
   *
   * @throws Error when full: the caller must check {@link Inflights.full} first (a raft bug).
   */
  add(index: Index, bytes: number): void {
    if (this.full()) throw new Error('cannot add into a Full inflights')
    let next = this.#start + this.#count
    if (next >= this.size) next -= this.size
    if (next >= this.#indexes.length) this.#grow()
    this.#indexes[next] = index
    this.#bytes[next] = bytes
    this.#count++
    this.#totalBytes += bytes
  }

  #grow(): void {
    const length = Math.min(Math.max(this.#indexes.length * 2, 1), this.size)
    const indexes = new Float64Array(length)
    const bytes = new Float64Array(length)
    indexes.set(this.#indexes)
    bytes.set(this.#bytes)
    this.#indexes = indexes
    this.#bytes = bytes
  }

  /** Frees every message whose last index is `<= to` (they have been acknowledged). */
  freeLE(to: Index): void {
    if (this.#count === 0 || to < (this.#indexes[this.#start] as number)) return
    let slot = this.#start
    let freed = 0
    let freedBytes = 0
    while (freed < this.#count && (this.#indexes[slot] as number) <= to) {
      freedBytes += this.#bytes[slot] as number
      freed++
      if (++slot >= this.size) slot -= this.size
    }
    this.#count -= freed
    this.#totalBytes -= freedBytes
    this.#start = this.#count === 0 ? 0 : slot
  }

  /** Whether no more messages may be sent: the count or the byte limit is reached. */
  full(): boolean {
    return this.#count === this.size || (this.maxBytes !== 0 && this.#totalBytes >= this.maxBytes)
  }

  /** The number of messages in flight. */
  count(): number {
    return this.#count
  }

  /** The total bytes of the messages in flight. */
  bytes(): number {
    return this.#totalBytes
  }

  /** Forgets every message in flight. */
  reset(): void {
    this.#start = 0
    this.#count = 0
    this.#totalBytes = 0
  }
}
