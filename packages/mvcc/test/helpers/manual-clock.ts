import type { Clock } from '@etcd-ts/backend'

interface Timer {
  readonly at: number
  readonly seq: number
  readonly callback: () => void
}

/**
 * A {@link Clock} that moves only when told to: `advance(ms)` runs the timers falling due, in
 * time order (ties in the order they were set), including those the callbacks set. The same
 * contract as `@etcd-ts/backend-conformance`'s ManualClock, kept here so mvcc's tests do not
 * depend on the conformance suite.
 */
export class ManualClock implements Clock {
  #now: number
  #seq = 0
  #timers: Timer[] = []

  constructor(startMs = 0) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback }
    this.#timers.push(timer)
    return () => {
      const i = this.#timers.indexOf(timer)
      if (i >= 0) this.#timers.splice(i, 1)
    }
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance: ms must be a finite number >= 0, got ${ms}`)
    const target = this.#now + ms
    for (;;) {
      let next: Timer | undefined
      for (const timer of this.#timers) {
        if (
          timer.at <= target &&
          (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
        ) {
          next = timer
        }
      }
      if (next === undefined) break
      this.#timers.splice(this.#timers.indexOf(next), 1)
      this.#now = Math.max(this.#now, next.at)
      next.callback()
    }
    this.#now = target
  }

  /** How many timers are set and not yet run or cancelled. */
  get pendingTimers(): number {
    return this.#timers.length
  }
}
