/**
 * The wait registry (etcd's `wait.Wait`): a request registers its ID before proposing, and the
 * applier triggers the ID with the result once the entry is applied. An ID is triggered at most
 * once; triggering an unknown ID is a no-op (another member's request, or one that timed out).
 */
export class Wait<T> {
  readonly #waiters = new Map<bigint, { resolve(value: T): void; reject(error: unknown): void }>()

  /**
   * Registers `id`; the Promise settles when it is triggered or failed.
   *
   * @throws RangeError when `id` is registered already (a duplicate request ID is a bug).
   */
  register(id: bigint): Promise<T> {
    if (this.#waiters.has(id)) throw new RangeError(`wait: duplicate id ${id.toString(16)}`)
    return new Promise<T>((resolve, reject) => {
      this.#waiters.set(id, { resolve, reject })
    })
  }

  /** Whether someone waits for `id` (followers skip building results nobody reads). */
  isRegistered(id: bigint): boolean {
    return this.#waiters.has(id)
  }

  /** Resolves the waiter of `id` with `value`, if any. */
  trigger(id: bigint, value: T): void {
    const waiter = this.#waiters.get(id)
    if (waiter === undefined) return
    this.#waiters.delete(id)
    waiter.resolve(value)
  }

  /** Rejects the waiter of `id` with `error`, if any. */
  fail(id: bigint, error: unknown): void {
    const waiter = this.#waiters.get(id)
    if (waiter === undefined) return
    this.#waiters.delete(id)
    waiter.reject(error)
  }

  /** Rejects every waiter with `error` (the server is stopping). */
  failAll(error: unknown): void {
    const waiters = [...this.#waiters.values()]
    this.#waiters.clear()
    for (const waiter of waiters) waiter.reject(error)
  }

  /** How many are waiting. */
  get size(): number {
    return this.#waiters.size
  }
}

/**
 * Waits for a monotonically increasing number to reach a value (etcd's `wait.WaitTime`, used for
 * the applied index): `wait(n)` settles once `trigger(m)` was called with some `m >= n`.
 */
export class WaitIndex {
  #current = 0
  // Waiters sorted by index, ascending; most waits target the next few indexes.
  #waiters: { index: number; resolve(): void; reject(error: unknown): void }[] = []

  /** The last value triggered. */
  get current(): number {
    return this.#current
  }

  /** Settles once the value reaches `index` (at once if it has). */
  wait(index: number): Promise<void> {
    if (index <= this.#current) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const waiter = { index, resolve, reject }
      let at = this.#waiters.length
      while (at > 0 && (this.#waiters[at - 1] as { index: number }).index > index) at--
      this.#waiters.splice(at, 0, waiter)
    })
  }

  /** Moves the value to `index` (never backwards) and releases every waiter it satisfies. */
  trigger(index: number): void {
    if (index <= this.#current) return
    this.#current = index
    let n = 0
    while (n < this.#waiters.length && (this.#waiters[n] as { index: number }).index <= index) n++
    if (n === 0) return
    const done = this.#waiters.splice(0, n)
    for (const waiter of done) waiter.resolve()
  }

  /** Rejects every waiter (the server is stopping). */
  failAll(error: unknown): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) waiter.reject(error)
  }
}
