// Auto-compaction (etcd's server/etcdserver/api/v3compactor): `periodic` keeps a window of
// time, `revision` a number of revisions. Both run only on the leader.
import type { Clock } from '@etcd-ts/backend'
import type { AutoCompactionMode, ServerLogger } from './config.js'

const HOUR_MS = 3_600_000
/** Revision mode checks this often (etcd's `revInterval`). */
const REVISION_INTERVAL_MS = 5 * 60_000
/** Periodic mode samples `min(period, 1h) / 10` apart (etcd's `retryDivisor`). */
const RETRY_DIVISOR = 10

/** Settings of a {@link Compactor}. */
export interface CompactorOptions {
  readonly mode: AutoCompactionMode
  /** `--auto-compaction-retention`: periodic: a duration (`1h30m`) or bare hours; revision: a count. `0`: off. */
  readonly retention: string
}

/** Collaborators of a {@link Compactor}. */
export interface CompactorComponents {
  readonly clock: Clock
  readonly logger: ServerLogger
  /** The current store revision. */
  revision(): number
  /** Proposes a compaction at `revision`; rejects on failure (a compacted error counts as done). */
  compact(revision: number): Promise<void>
}

/**
 * Parses a Go duration (`300ms`, `1.5h`, `2h45m`) into ms.
 *
 * @throws RangeError for anything else.
 */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: HOUR_MS }
  const pattern = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy
  let total = 0
  let at = 0
  const body = text.startsWith('+') ? text.slice(1) : text
  if (body === '0') return 0
  if (body === '') throw new RangeError(`invalid duration ${JSON.stringify(text)}`)
  pattern.lastIndex = 0
  while (at < body.length) {
    pattern.lastIndex = at
    const match = pattern.exec(body)
    if (match === null) throw new RangeError(`invalid duration ${JSON.stringify(text)}`)
    total += Number.parseFloat(match[1] as string) * (units[match[2] as string] as number)
    at = pattern.lastIndex
  }
  return total
}

/** The retention of periodic mode in ms: a bare integer is hours (etcd's rule), else a Go duration. */
export function parsePeriodicRetention(text: string): number {
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10) * HOUR_MS
  return parseGoDuration(text)
}

/**
 * Compacts the store on a schedule while this member leads (between `resume()` and `pause()`).
 * With retention `0` it does nothing.
 */
export class Compactor {
  readonly #options: CompactorOptions
  readonly #components: CompactorComponents
  #paused = true
  #stopped = false
  #cancel: (() => void) | undefined
  // periodic
  #revisions: number[] = []
  #lastSuccessMs = 0
  #baseIntervalMs = 0
  // revision
  #lastRevision = 0

  constructor(options: CompactorOptions, components: CompactorComponents) {
    this.#options = options
    this.#components = components
    if (options.mode === 'revision') {
      if (!/^\d+$/.test(options.retention)) {
        throw new RangeError(`auto-compaction-retention: ${JSON.stringify(options.retention)} is not a revision count`)
      }
    } else {
      parsePeriodicRetention(options.retention)
    }
  }

  get #enabled(): boolean {
    return this.#options.mode === 'revision'
      ? Number.parseInt(this.#options.retention, 10) > 0
      : parsePeriodicRetention(this.#options.retention) > 0
  }

  /** Starts (or restarts) compacting: this member became leader. */
  resume(): void {
    if (this.#stopped || !this.#paused || !this.#enabled) return
    this.#paused = false
    if (this.#options.mode === 'revision') this.#scheduleRevision()
    else {
      this.#revisions = []
      this.#lastSuccessMs = this.#components.clock.now()
      this.#baseIntervalMs = parsePeriodicRetention(this.#options.retention)
      this.#samplePeriodic()
    }
  }

  /** Stops compacting until {@link resume}: this member is no longer leader. */
  pause(): void {
    this.#paused = true
    this.#cancel?.()
    this.#cancel = undefined
  }

  /** Stops for good. */
  stop(): void {
    this.#stopped = true
    this.pause()
  }

  #scheduleRevision(): void {
    this.#cancel = this.#components.clock.setTimer(REVISION_INTERVAL_MS, () => {
      if (this.#paused) return
      const retention = Number.parseInt(this.#options.retention, 10)
      const revision = this.#components.revision() - retention
      if (revision > 0 && revision !== this.#lastRevision) {
        void this.#compact(revision).then((done) => {
          if (done) this.#lastRevision = revision
        })
      }
      this.#scheduleRevision()
    })
  }

  #samplePeriodic(): void {
    const periodMs = parsePeriodicRetention(this.#options.retention)
    const compactIntervalMs = Math.min(periodMs, HOUR_MS)
    const retryIntervalMs = compactIntervalMs / RETRY_DIVISOR
    const retentions = Math.floor(periodMs / retryIntervalMs) + 1
    this.#revisions.push(this.#components.revision())
    if (this.#revisions.length > retentions) this.#revisions.shift()
    this.#cancel = this.#components.clock.setTimer(retryIntervalMs, () => {
      if (this.#paused) return
      const now = this.#components.clock.now()
      if (now - this.#lastSuccessMs >= this.#baseIntervalMs) {
        if (this.#baseIntervalMs === periodMs) this.#baseIntervalMs = compactIntervalMs
        const revision = this.#revisions[0] as number
        void this.#compact(revision).then((done) => {
          if (done) this.#lastSuccessMs = this.#components.clock.now()
        })
      }
      if (!this.#paused) this.#samplePeriodic()
    })
  }

  async #compact(revision: number): Promise<boolean> {
    const { logger } = this.#components
    try {
      await this.#components.compact(revision)
      logger.info('completed auto revision compaction', { revision })
      return true
    } catch (error) {
      if ((error as { code?: unknown }).code === 'COMPACTED') return true
      logger.warn('failed auto compaction', { revision, error: String(error) })
      return false
    }
  }
}
