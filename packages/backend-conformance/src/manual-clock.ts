import type { Clock } from '@etcd-ts/backend'

interface Timer {
  readonly at: number
  readonly seq: number
  readonly callback: () => void
}

/**
 * A {@link Clock} that moves only when told to: `advance(ms)` runs the timers that fall due, in
 * time order (ties in the order they were set), each with `now()` at its due time. The suite
 * passes one to every backend through `components.clock`, so commit triggers are tested without
 * waiting; adapter-specific tests may use it too.
 *
 * @example
 * ```ts
 * const clock = new ManualClock()
 * const backend = new MemoryBackend({ batchIntervalMs: 100 }, { clock })
 * clock.advance(100) // the interval commit starts now
 * ```
 */
export class ManualClock implements Clock {
  #now: number
  #seq = 0
  // Unordered; advance() picks the earliest due.
  #timers: Timer[] = []

  /** @param startMs - the first `now()`, in ms. Default 0. */
  constructor(startMs = 0) {
    this.#now = startMs
  }

  /** The current time, in ms. */
  now(): number {
    return this.#now
  }

  /**
   * Runs `callback` once `ms` have passed (at the next `advance()` reaching it). Returns a
   * function cancelling it; cancelling twice, or after it ran, is harmless.
   */
  setTimer(ms: number, callback: () => void): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback }
    this.#timers.push(timer)
    return () => {
      const i = this.#timers.indexOf(timer)
      if (i >= 0) this.#timers.splice(i, 1)
    }
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due on the way, including those
   * set by the callbacks themselves. A callback that throws stops the advance and the error
   * propagates.
   *
   * @throws RangeError when `ms` is negative or not finite.
   */
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
