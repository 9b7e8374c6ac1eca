/** Where `saveDbFrom` reads a backend snapshot from: any async iterable of bytes, or a web stream. */
export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>

/** One consumer's pull interface over a {@link ByteSource}. */
export interface ByteReader {
  /** The next chunk, or `done`. Chunks are not checked here. */
  next(): Promise<IteratorResult<unknown>>
  /** Tells the producer to stop (stream cancel / iterator return). Never throws; not awaited. */
  cancel(reason: unknown): void
}

/**
 * Starts reading `source`: through a reader for a `ReadableStream` (so it can be cancelled even
 * where streams are not async iterable), through its iterator otherwise.
 *
 * @throws TypeError naming `field` if `source` is neither.
 */
export function openByteSource(source: unknown, field: string): ByteReader {
  if (typeof source === 'object' && source !== null) {
    const stream = source as Partial<ReadableStream<Uint8Array>>
    if (typeof stream.getReader === 'function') {
      const reader = stream.getReader()
      return {
        next: () => reader.read() as Promise<IteratorResult<unknown>>,
        cancel(reason) {
          reader.cancel(reason).catch(() => {})
        },
      }
    }
    const iterate = (source as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator]
    if (typeof iterate === 'function') {
      const iterator = iterate.call(source)
      return {
        next: () => iterator.next(),
        cancel(reason) {
          // An async generator suspended in `await` finishes that step before it returns;
          // nobody waits for it.
          try {
            Promise.resolve(iterator.return?.(reason)).catch(() => {})
          } catch {
            // a broken iterator: nothing more to stop
          }
        },
      }
    }
  }
  throw new TypeError(`snap: ${field} must be an AsyncIterable<Uint8Array> or a ReadableStream<Uint8Array>`)
}

/**
 * `promise`, or a rejection with `signal.reason` as soon as `signal` aborts, whichever comes
 * first. A late rejection of `promise` after an abort is swallowed (it has been handled).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
