/**
 * A bounded queue of batches with Go channel semantics for one purpose: etcd's `expiredC`
 * (`make(chan []*Lease, 16)`) and its non-blocking send. A batch goes straight to a waiting
 * reader, else into the buffer; with the buffer full it is dropped, and the lessor reports
 * those leases again after its retry interval (etcd: "the receiver of expiredC is probably busy
 * handling other stuff; let's try this next time after 500ms").
 */
export class ExpiredChannel<T> {
  readonly #capacity: number
  readonly #buffer: T[] = []
  readonly #readers: ((result: IteratorResult<T, undefined>) => void)[] = []
  #closed = false

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Sends without waiting; returns whether the batch was taken (false: full or closed). */
  trySend(value: T): boolean {
    if (this.#closed) return false
    const reader = this.#readers.shift()
    if (reader !== undefined) {
      reader({ value, done: false })
      return true
    }
    if (this.#buffer.length >= this.#capacity) return false
    this.#buffer.push(value)
    return true
  }

  /** The next batch; `done` once the channel is closed and drained. */
  receive(): Promise<IteratorResult<T, undefined>> {
    const value = this.#buffer.shift()
    if (value !== undefined) return Promise.resolve({ value, done: false })
    if (this.#closed) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve) => this.#readers.push(resolve))
  }

  /** Closes the channel: waiting readers end; buffered batches can still be read. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const reader of this.#readers.splice(0)) reader({ value: undefined, done: true })
  }
}
