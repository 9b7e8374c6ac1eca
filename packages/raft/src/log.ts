import { CompactedError, RaftInvariantError, UnavailableError } from './errors.js'
import { type EntryId, Unstable } from './log-unstable.js'
import type { Logger } from './logger.js'
import type { Entry, Index, Snapshot, Term } from './raftpb/types.js'
import type { Storage } from './storage.js'
import { entriesSize, limitSize } from './util.js'

/** No size limit. */
export const NO_LIMIT = Number.POSITIVE_INFINITY

/** Entries appended after `prev`, all proposed by the leader of `term` (etcd's `logSlice`). */
export interface LogSlice {
  /** The term of the leader that sent the entries. */
  readonly term: Term
  /** The entry just before the first one. */
  readonly prev: EntryId
  readonly entries: readonly Entry[]
}

/**
 * The raft log: the stable part in {@link Storage} followed by the {@link Unstable} part, plus
 * the commit and apply cursors (etcd's `raftLog`).
 *
 * ```
 *   firstIndex                    unstable.offset                 lastIndex
 *   |  stable storage  ...        |  unstable entries ...         |
 *          applied <= applying <= committed <= lastIndex
 * ```
 */
export class RaftLog {
  /** Entries and the snapshot already persisted. */
  readonly storage: Storage
  /** Entries and the snapshot not yet persisted. */
  readonly unstable: Unstable
  // Invariant: applied <= applying <= committed.
  /** The highest index known to be stored on a quorum of nodes. */
  committed: Index
  /** The highest index handed to the application to apply (accepted in a Ready). */
  applying: Index
  /** The highest index the application has applied. */
  applied: Index
  /** Cap on the bytes of committed entries handed out but not yet applied. */
  readonly maxApplyingEntsSize: number
  /** The bytes of committed entries handed out but not yet applied. */
  applyingEntsSize = 0
  /** Whether handing out committed entries waits for the application to catch up. */
  applyingEntsPaused = false
  readonly #logger: Logger

  constructor(storage: Storage, logger: Logger, maxApplyingEntsSize: number = NO_LIMIT) {
    this.storage = storage
    this.#logger = logger
    this.maxApplyingEntsSize = maxApplyingEntsSize
    const firstIndex = storage.firstIndex()
    const lastIndex = storage.lastIndex()
    this.unstable = new Unstable(lastIndex + 1, logger)
    // Start at the last compaction point.
    this.committed = firstIndex - 1
    this.applying = firstIndex - 1
    this.applied = firstIndex - 1
  }

  /** `committed=.., applied=.., applying=.., unstable.offset=.., ...` as etcd logs it. */
  toString(): string {
    return `committed=${this.committed}, applied=${this.applied}, applying=${this.applying}, unstable.offset=${this.unstable.offset}, unstable.offsetInProgress=${this.unstable.offsetInProgress}, len(unstable.Entries)=${this.unstable.entries.length}`
  }

  /**
   * Appends a leader's entries if they follow on from our log (log matching, Raft §5.3), and
   * advances the commit index up to `committed`. Returns the index of the last new entry, or
   * `undefined` when `slice.prev` does not match our log.
   */
  maybeAppend(slice: LogSlice, committed: Index): Index | undefined {
    if (!this.matchTerm(slice.prev)) return undefined
    const lastNewIndex = slice.prev.index + slice.entries.length
    const conflict = this.findConflict(slice.entries)
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        this.#panic(`entry ${conflict} conflict with committed entry [committed(${this.committed})]`)
      }
      const offset = slice.prev.index + 1
      if (conflict - offset > slice.entries.length) {
        this.#panic(`index, ${conflict - offset}, is out of range [${slice.entries.length}]`)
      }
      this.append(slice.entries.slice(conflict - offset))
    }
    this.commitTo(Math.min(committed, lastNewIndex))
    return lastNewIndex
  }

  /** Appends entries to the unstable log (truncating a conflicting suffix); returns the last index. */
  append(entries: readonly Entry[]): Index {
    if (entries.length === 0) return this.lastIndex()
    const after = (entries[0] as Entry).index - 1
    if (after < this.committed) this.#panic(`after(${after}) is out of range [committed(${this.committed})]`)
    this.unstable.truncateAndAppend(entries)
    return this.lastIndex()
  }

  /**
   * The index of the first entry of `entries` that conflicts with our log (same index,
   * different term) or is new; 0 when we already hold them all. Indexes must be consecutive.
   */
  findConflict(entries: readonly Entry[]): Index {
    for (const entry of entries) {
      if (!this.matchTerm(entry)) {
        if (entry.index <= this.lastIndex()) {
          this.#logger.info(
            `found conflict at index ${entry.index} [existing term: ${this.term(entry.index) ?? 0}, conflicting term: ${entry.term}]`,
          )
        }
        return entry.index
      }
    }
    return 0
  }

  /**
   * A best guess at where our log stops matching another log of which only the entry
   * `(index, term)` is known: the largest index <= `index` whose term is <= `term` or unknown,
   * with its term (0 when unknown). Used for fast rejection of appends (see stepLeader).
   */
  findConflictByTerm(index: Index, term: Term): { index: Index; term: Term } {
    for (; index > 0; index--) {
      const ourTerm = this.term(index)
      // Unknown (compacted or not yet stored): it may match.
      if (ourTerm === undefined) return { index, term: 0 }
      if (ourTerm <= term) return { index, term: ourTerm }
    }
    return { index: 0, term: 0 }
  }

  /** The unstable entries not already being persisted. */
  nextUnstableEnts(): Entry[] {
    return this.unstable.nextEntries()
  }

  /** Whether there are unstable entries not already being persisted. */
  hasNextUnstableEnts(): boolean {
    return this.unstable.hasNextEntries()
  }

  /** Whether there are unstable entries, being persisted or not. */
  hasNextOrInProgressUnstableEnts(): boolean {
    return this.unstable.entries.length > 0
  }

  /**
   * The committed entries to hand out for applying. With `allowUnstable`, entries not yet
   * persisted locally may be included (they are committed on a quorum anyway).
   */
  nextCommittedEnts(allowUnstable: boolean): readonly Entry[] {
    if (this.applyingEntsPaused) return []
    // With a snapshot pending, apply it first.
    if (this.hasNextOrInProgressSnapshot()) return []
    const lo = this.applying + 1
    const hi = this.maxAppliableIndex(allowUnstable) + 1
    if (lo >= hi) return []
    const maxSize = this.maxApplyingEntsSize - this.applyingEntsSize
    if (maxSize <= 0) {
      this.#panic(`applying entry size (${this.maxApplyingEntsSize}-${this.applyingEntsSize})=${maxSize} not positive`)
    }
    return this.slice(lo, hi, maxSize)
  }

  /** Whether {@link RaftLog.nextCommittedEnts} would return anything (cheaply). */
  hasNextCommittedEnts(allowUnstable: boolean): boolean {
    if (this.applyingEntsPaused || this.hasNextOrInProgressSnapshot()) return false
    return this.applying + 1 < this.maxAppliableIndex(allowUnstable) + 1
  }

  /** The highest committed index that may be applied now. */
  maxAppliableIndex(allowUnstable: boolean): Index {
    return allowUnstable ? this.committed : Math.min(this.committed, this.unstable.offset - 1)
  }

  /** The unstable snapshot, if not already being persisted. */
  nextUnstableSnapshot(): Snapshot | undefined {
    return this.unstable.nextSnapshot()
  }

  /** Whether there is an unstable snapshot not already being persisted. */
  hasNextUnstableSnapshot(): boolean {
    return this.unstable.nextSnapshot() !== undefined
  }

  /** Whether a snapshot is waiting to be, or being, persisted. */
  hasNextOrInProgressSnapshot(): boolean {
    return this.unstable.snapshot !== undefined
  }

  /** The newest snapshot: the unstable one, else storage's. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot()
  }

  firstIndex(): Index {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex()
  }

  lastIndex(): Index {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex()
  }

  /**
   * Raises the commit index to `toCommit` (never lowers it).
   *
   * @throws RaftInvariantError when `toCommit` is past the last index: the log was corrupted,
   *   truncated or lost.
   */
  commitTo(toCommit: Index): void {
    if (this.committed < toCommit) {
      if (this.lastIndex() < toCommit) {
        this.#panic(
          `tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]. Was the raft log corrupted, truncated, or lost?`,
        )
      }
      this.committed = toCommit
    }
  }

  /** Records that the application applied entries up to `index`, of `size` bytes in all. */
  appliedTo(index: Index, size: number): void {
    if (this.committed < index || index < this.applied) {
      this.#panic(`applied(${index}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`)
    }
    this.applied = index
    this.applying = Math.max(this.applying, index)
    this.applyingEntsSize = this.applyingEntsSize > size ? this.applyingEntsSize - size : 0
    this.applyingEntsPaused = this.applyingEntsSize >= this.maxApplyingEntsSize
  }

  /** Records that entries up to `index` (`size` bytes) were handed out for applying. */
  acceptApplying(index: Index, size: number, allowUnstable: boolean): void {
    if (this.committed < index) {
      this.#panic(`applying(${index}) is out of range [prevApplying(${this.applying}), committed(${this.committed})]`)
    }
    this.applying = index
    this.applyingEntsSize += size
    // Pause when at the size limit, or when the handed-out entries were cut short by it (the
    // next entry would go over).
    this.applyingEntsPaused =
      this.applyingEntsSize >= this.maxApplyingEntsSize || index < this.maxAppliableIndex(allowUnstable)
  }

  /** Marks entries up to `id` as persisted. */
  stableTo(id: EntryId): void {
    this.unstable.stableTo(id)
  }

  /** Marks the snapshot at `index` as persisted. */
  stableSnapTo(index: Index): void {
    this.unstable.stableSnapTo(index)
  }

  /** Marks the current unstable entries and snapshot as being persisted (handed out in a Ready). */
  acceptUnstable(): void {
    this.unstable.acceptInProgress()
  }

  /** The position of the last entry. */
  lastEntryId(): EntryId {
    const index = this.lastIndex()
    const term = this.term(index)
    if (term === undefined) this.#panic(`unexpected error when getting the last term at ${index}`)
    return { term, index }
  }

  /**
   * The term of the entry at `index`, or `undefined` when it is compacted away or not in the
   * log. The term of the entry just before the first one is known (kept for log matching).
   */
  term(index: Index): Term | undefined {
    // The unstable log first: no need to consult storage if it knows.
    const unstableTerm = this.unstable.maybeTerm(index)
    if (unstableTerm !== undefined) return unstableTerm
    if (index + 1 < this.firstIndex() || index > this.lastIndex()) return undefined
    try {
      return this.storage.term(index)
    } catch (error) {
      if (error instanceof CompactedError || error instanceof UnavailableError) return undefined
      throw error
    }
  }

  /**
   * The entries from `index` to the end, at most `maxSize` bytes (at least one).
   *
   * @throws CompactedError when `index` is compacted.
   */
  entries(index: Index, maxSize: number): readonly Entry[] {
    if (index > this.lastIndex()) return []
    return this.slice(index, this.lastIndex() + 1, maxSize)
  }

  /** Every entry in the log (tests and debugging). */
  allEntries(): readonly Entry[] {
    return this.entries(this.firstIndex(), NO_LIMIT)
  }

  /**
   * Whether a log ending at `their` is at least as up-to-date as ours: a later last term, or the
   * same last term and at least as long (Raft §5.4.1).
   */
  isUpToDate(their: EntryId): boolean {
    const our = this.lastEntryId()
    return their.term > our.term || (their.term === our.term && their.index >= our.index)
  }

  /** Whether our log holds an entry at `id.index` with term `id.term`. */
  matchTerm(id: EntryId): boolean {
    const term = this.term(id.index)
    return term !== undefined && term === id.term
  }

  /**
   * Commits up to `at` if it is newer than the commit index and its term matches ours (a leader
   * only commits entries of its own term by counting replicas, Raft §5.4.2). Returns whether the
   * commit index moved.
   */
  maybeCommit(at: EntryId): boolean {
    // A term of 0 never counts as a match: a leader has at least term 1.
    if (at.term !== 0 && at.index > this.committed && this.matchTerm(at)) {
      this.commitTo(at.index)
      return true
    }
    return false
  }

  /** Replaces the log with a snapshot; everything up to it is committed. */
  restore(snapshot: Snapshot): void {
    this.#logger.info(
      `log [${this}] starts to restore snapshot [index: ${snapshot.metadata.index}, term: ${snapshot.metadata.term}]`,
    )
    this.committed = snapshot.metadata.index
    this.unstable.restore(snapshot)
  }

  /**
   * Visits the entries in `[lo, hi)` in pages of about `pageSize` bytes (at least one entry
   * each). The visitor returns `false` to stop early.
   *
   * @throws CompactedError when part of the range is compacted.
   */
  scan(lo: Index, hi: Index, pageSize: number, visit: (entries: readonly Entry[]) => boolean): void {
    while (lo < hi) {
      const entries = this.slice(lo, hi, pageSize)
      if (entries.length === 0) this.#panic(`got 0 entries in [${lo}, ${hi})`)
      if (!visit(entries)) return
      lo += entries.length
    }
  }

  /**
   * The entries with indexes in `[lo, hi)`, at most `maxSize` bytes (at least one entry), from
   * storage and the unstable log.
   *
   * @throws CompactedError when `lo` is compacted.
   */
  slice(lo: Index, hi: Index, maxSize: number): readonly Entry[] {
    this.#mustCheckOutOfBounds(lo, hi)
    if (lo === hi) return []
    if (lo >= this.unstable.offset) return limitSize(this.unstable.slice(lo, hi), maxSize)

    const cut = Math.min(hi, this.unstable.offset)
    let stored: readonly Entry[]
    try {
      stored = this.storage.entries(lo, cut, maxSize)
    } catch (error) {
      if (error instanceof UnavailableError) this.#panic(`entries[${lo}:${cut}) is unavailable from storage`)
      throw error
    }
    if (hi <= this.unstable.offset) return stored
    // Storage already cut the result short: the size limit is reached.
    if (stored.length < cut - lo) return stored
    const size = entriesSize(stored)
    if (size >= maxSize) return stored
    const unstable = limitSize(this.unstable.slice(this.unstable.offset, hi), maxSize - size)
    // A single unstable entry may exceed the remaining budget; then leave it out.
    if (unstable.length === 1 && size + entriesSize(unstable) > maxSize) return stored
    return [...stored, ...unstable]
  }

  // firstIndex <= lo <= hi <= lastIndex + 1; throws CompactedError when lo < firstIndex.
  #mustCheckOutOfBounds(lo: Index, hi: Index): void {
    if (lo > hi) this.#panic(`invalid slice ${lo} > ${hi}`)
    const first = this.firstIndex()
    if (lo < first) throw new CompactedError(lo)
    const last = this.lastIndex()
    if (hi > last + 1) this.#panic(`slice[${lo},${hi}) out of bound [${first},${last}]`)
  }

  #panic(message: string): never {
    this.#logger.error(message)
    throw new RaftInvariantError(message)
  }
}
