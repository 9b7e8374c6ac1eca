/**
 * A slot of a {@link LeaseQueue}: a lease and a time (etcd's `LeaseWithTime`). Each lease owns
 * one slot per queue and passes the same object to every call, which is what makes an update
 * O(log n) in place (etcd's `LeaseExpiredNotifier.RegisterOrUpdate`) instead of a push that
 * leaves a stale entry behind.
 */
export interface LeaseWithTime {
  /** The clock time, in ms, the slot is ordered by. Change it only through the queue. */
  time: number
  /** Where the slot sits in the queue's array; -1 when it is in no queue. Owned by the queue. */
  index: number
}

/**
 * A binary min-heap of slots by time, with update and removal in place (etcd's `LeaseQueue`
 * under its `LeaseExpiredNotifier`). Chosen over npm heaps by measurement (README, "Heap"):
 * renewals update one slot instead of piling up stale entries.
 *
 * Invariant: `items[i].index === i`, and no slot is earlier than its parent
 * (`items[(i - 1) >> 1].time <= items[i].time`).
 */
export class LeaseQueue<T extends LeaseWithTime> {
  // items[0] is the earliest.
  readonly items: T[] = []

  get size(): number {
    return this.items.length
  }

  /** The earliest slot, or `undefined` when empty. */
  peek(): T | undefined {
    return this.items[0]
  }

  /** Puts `slot` in the queue at `time`, or moves it there if it is in already. O(log n). */
  upsert(slot: T, time: number): void {
    if (slot.index < 0) {
      slot.time = time
      slot.index = this.items.length
      this.items.push(slot)
      this.#up(slot.index)
      return
    }
    const earlier = time < slot.time
    slot.time = time
    if (earlier) this.#up(slot.index)
    else this.#down(slot.index)
  }

  /** Takes the earliest slot out, or `undefined` when empty. O(log n). */
  pop(): T | undefined {
    const top = this.items[0]
    if (top !== undefined) this.remove(top)
    return top
  }

  /** Takes `slot` out; no-op if it is not in. O(log n). */
  remove(slot: T): void {
    const i = slot.index
    if (i < 0) return
    const last = this.items.pop() as T
    slot.index = -1
    if (last === slot) return
    this.items[i] = last
    last.index = i
    if (i > 0 && last.time < (this.items[(i - 1) >> 1] as T).time) this.#up(i)
    else this.#down(i)
  }

  /** Empties the queue. O(n). */
  clear(): void {
    for (const slot of this.items) slot.index = -1
    this.items.length = 0
  }

  #up(start: number): void {
    const items = this.items
    const slot = items[start] as T
    let i = start
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = items[p] as T
      if (parent.time <= slot.time) break
      items[i] = parent
      parent.index = i
      i = p
    }
    items[i] = slot
    slot.index = i
  }

  #down(start: number): void {
    const items = this.items
    const n = items.length
    const slot = items[start] as T
    let i = start
    for (;;) {
      let c = 2 * i + 1
      if (c >= n) break
      const right = c + 1
      if (right < n && (items[right] as T).time < (items[c] as T).time) c = right
      const child = items[c] as T
      if (child.time >= slot.time) break
      items[i] = child
      child.index = i
      i = c
    }
    items[i] = slot
    slot.index = i
  }
}
