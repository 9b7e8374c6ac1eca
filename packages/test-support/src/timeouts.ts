/** Thrown by {@link withTimeout} and {@link waitUntil} when time ran out. */
export class TimeoutError extends Error {
  readonly code = 'TEST_TIMEOUT'
  constructor(message: string) {
    super(message)
    this.name = 'TimeoutError'
  }
}

/**
 * Resolves as `promise` does, or rejects with a {@link TimeoutError} naming `what` after
 * `timeoutMs`. The timer never keeps the process alive. Every await on a network call, a watch
 * event or a process in a test goes through this (or has a deadline of its own).
 */
export function withTimeout<T>(promise: PromiseLike<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs)
    timer.unref()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/** Settings for {@link waitUntil}. */
export interface WaitUntilOptions {
  /** Give up after this long, in ms. Default 10 000. */
  readonly timeoutMs?: number
  /** Poll period, in ms. Default 100. */
  readonly intervalMs?: number
  /** What is awaited, for the timeout message. */
  readonly what?: string
}

/**
 * Polls `check` until it returns a value other than `undefined`/`false` and resolves with it.
 * Errors thrown by `check` are retried until the deadline; the last one is reported then.
 */
export async function waitUntil<T>(
  check: () => T | false | undefined | Promise<T | false | undefined>,
  options: WaitUntilOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const remainingMs = Math.max(deadline - Date.now(), 1)
      const value = await withTimeout(Promise.resolve(check()), remainingMs, options.what ?? 'a condition')
      if (value !== undefined && value !== false) return value
    } catch (error) {
      lastError = error
    }
    if (Date.now() >= deadline) {
      const detail = lastError === undefined ? '' : ` (last error: ${String(lastError)})`
      throw new TimeoutError(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}${detail}`)
    }
    await sleep(options.intervalMs ?? 100)
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
