import { RaftInvariantError } from './errors.js'
import type { Logger } from './logger.js'
import type { Entry, Index, Snapshot, Term } from './raftpb/types.js'

/** An entry's position: its term and index (etcd's `entryID`). */
export interface EntryId {
  readonly term: Term
  readonly index: Index
}

/**
 * The part of the log not yet in stable storage: new entries and an incoming snapshot (etcd's
 * `unstable`). Entries handed to the host in a Ready but not yet confirmed durable are "in
 * progress" and not handed out again.
 */
export class Unstable {
  /** The incoming snapshot, if any. */
  snapshot: Snapshot | undefined
  // entries[i] has log index i + offset.
  /** Entries not yet written to storage. */
  entries: Entry[] = []
  /** The index of entries[0] (the index after the stable log). */
  offset: Index
  /** Whether the snapshot is being written to storage. */
  snapshotInProgress = false
  /**
   * entries[0 .. offsetInProgress - offset) are being written to storage. Exclusive, like
   * offset. Invariant: offset <= offsetInProgress <= offset + entries.length.
   */
  offsetInProgress: Index
  readonly #logger: Logger

  constructor(offset: Index, logger: Logger) {
    this.offset = offset
    this.offsetInProgress = offset
    this.#logger = logger
  }

  /** The index of the first possible entry, if there is a snapshot. */
  maybeFirstIndex(): Index | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1
  }

  /** The last index, if there is at least one entry or a snapshot. */
  maybeLastIndex(): Index | undefined {
    if (this.entries.length !== 0) return this.offset + this.entries.length - 1
    return this.snapshot?.metadata.index
  }

  /** The term of the entry at `index`, if the unstable log knows it. */
  maybeTerm(index: Index): Term | undefined {
    if (index < this.offset) {
      return this.snapshot !== undefined && this.snapshot.metadata.index === index
        ? this.snapshot.metadata.term
        : undefined
    }
    const last = this.maybeLastIndex()
    if (last === undefined || index > last) return undefined
    return (this.entries[index - this.offset] as Entry).term
  }

  /** The entries not already being written to storage. */
  nextEntries(): Entry[] {
    const inProgress = this.offsetInProgress - this.offset
    return this.entries.length === inProgress ? [] : this.entries.slice(inProgress)
  }

  /** Whether {@link Unstable.nextEntries} would return anything. */
  hasNextEntries(): boolean {
    return this.entries.length > this.offsetInProgress - this.offset
  }

  /** The snapshot, if it is not already being written to storage. */
  nextSnapshot(): Snapshot | undefined {
    return this.snapshot === undefined || this.snapshotInProgress ? undefined : this.snapshot
  }

  /** Marks every current entry and the snapshot as being written to storage. */
  acceptInProgress(): void {
    const last = this.entries[this.entries.length - 1]
    if (last !== undefined) this.offsetInProgress = last.index + 1
    if (this.snapshot !== undefined) this.snapshotInProgress = true
  }

  /**
   * Marks the entries up to `id` as written to stable storage, so they leave the unstable log.
   * Ignored (with a log line) when the entry is gone or was replaced since: the caller must be
   * sure no in-progress append can overwrite them (see `RawNode`'s storage append responses).
   */
  stableTo(id: EntryId): void {
    const term = this.maybeTerm(id.index)
    if (term === undefined) {
      this.#logger.info(`entry at index ${id.index} missing from unstable log; ignoring`)
      return
    }
    if (id.index < this.offset) {
      this.#logger.info(`entry at index ${id.index} matched unstable snapshot; ignoring`)
      return
    }
    if (term !== id.term) {
      // Part of the unstable log was replaced while the entries were being written.
      this.#logger.info(
        `entry at (index,term)=(${id.index},${id.term}) mismatched with entry at (${id.index},${term}) in unstable log; ignoring`,
      )
      return
    }
    this.entries = this.entries.slice(id.index + 1 - this.offset)
    this.offset = id.index + 1
    this.offsetInProgress = Math.max(this.offsetInProgress, this.offset)
  }

  /** Drops the snapshot once it is in stable storage. */
  stableSnapTo(index: Index): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === index) {
      this.snapshot = undefined
      this.snapshotInProgress = false
    }
  }

  /** Replaces everything with a snapshot: the log restarts right after it. */
  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1
    this.offsetInProgress = this.offset
    this.entries = []
    this.snapshot = snapshot
    this.snapshotInProgress = false
  }

  /** Appends entries, first truncating any existing entries from the first new index on. */
  truncateAndAppend(entries: readonly Entry[]): void {
    const fromIndex = (entries[0] as Entry).index
    if (fromIndex === this.offset + this.entries.length) {
      // The next index: append directly.
      for (const entry of entries) this.entries.push(entry)
    } else if (fromIndex <= this.offset) {
      this.#logger.info(`replace the unstable entries from index ${fromIndex}`)
      // The log is truncated before the unstable part: replace it all.
      this.entries = [...entries]
      this.offset = fromIndex
      this.offsetInProgress = this.offset
    } else {
      this.#logger.info(`truncate the unstable entries before index ${fromIndex}`)
      // A new array: the old one may have been handed out in a Ready.
      this.entries = [...this.slice(this.offset, fromIndex), ...entries]
      // Only in-progress entries before fromIndex are still in progress.
      this.offsetInProgress = Math.min(this.offsetInProgress, fromIndex)
    }
  }

  /** The entries with indexes in `[lo, hi)`, all of which must be in the unstable log (a copy). */
  slice(lo: Index, hi: Index): Entry[] {
    this.#mustCheckOutOfBounds(lo, hi)
    return this.entries.slice(lo - this.offset, hi - this.offset)
  }

  // offset <= lo <= hi <= offset + entries.length
  #mustCheckOutOfBounds(lo: Index, hi: Index): void {
    if (lo > hi) throw new RaftInvariantError(`invalid unstable.slice ${lo} > ${hi}`)
    const upper = this.offset + this.entries.length
    if (lo < this.offset || hi > upper) {
      throw new RaftInvariantError(`unstable.slice[${lo},${hi}) out of bound [${this.offset},${upper}]`)
    }
  }
}
