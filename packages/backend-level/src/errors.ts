/**
 * The location is held by another open instance — in this process or another one (LevelDB's
 * `LOCK` file). Close the other instance first; two writers on one store would corrupt it.
 */
export class LocationLockedError extends Error {
  readonly code = 'BACKEND_LEVEL_LOCKED'
  /** The store's directory. */
  readonly location: string
  constructor(location: string, options?: ErrorOptions) {
    super(`backend-level: ${location} is in use by another open instance (LevelDB's LOCK is held)`, options)
    this.name = 'LocationLockedError'
    this.location = location
  }
}

/**
 * The location is not a backend-level store, or its layout is damaged: a plain LevelDB directory
 * (not created by this package), a `GENERATION` pointer that does not parse, or one naming a
 * generation directory that is missing. Nothing is changed on disk.
 */
export class InvalidLocationError extends Error {
  readonly code = 'BACKEND_LEVEL_INVALID_LOCATION'
  /** The store's directory. */
  readonly location: string
  constructor(location: string, problem: string, options?: ErrorOptions) {
    super(`backend-level: ${location}: ${problem}`, options)
    this.name = 'InvalidLocationError'
    this.location = location
  }
}
