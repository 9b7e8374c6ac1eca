import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.js'
import {
  type ConfState,
  EMPTY_BYTES,
  EMPTY_HARD_STATE,
  EMPTY_SNAPSHOT,
  type Entry,
  EntryType,
  type HardState,
  type Index,
  type Snapshot,
  type Term,
} from './raftpb/types.js'
import { limitSize } from './util.js'

/**
 * The stable log raft reads from: entries already persisted, and the newest snapshot
 * (etcd's `raft.Storage`). Reads are synchronous: a host keeps the uncompacted log in memory
 * (a {@link MemoryStorage} fed from its write-ahead log), so raft never waits for a disk.
 *
 * Raft treats any error other than the typed ones documented below as fatal.
 */
export interface Storage {
  /** The saved hard state and configuration, read once when raft starts. */
  initialState(): { hardState: HardState; confState: ConfState }
  /**
   * The entries with indexes in `[lo, hi)`, at most `maxSize` bytes of them (encoded size; but
   * at least one entry if any exists). The caller must not mutate the returned array.
   *
   * @throws CompactedError when `lo` is at or below the last compacted index.
   * @throws UnavailableError when the entries are not available.
   */
  entries(lo: Index, hi: Index, maxSize: number): readonly Entry[]
  /**
   * The term of the entry at `index`, which must be in `[firstIndex() - 1, lastIndex()]`: the
   * term of the entry just before the first one is kept for log matching.
   *
   * @throws CompactedError for an older index; UnavailableError for a later one.
   */
  term(index: Index): Term
  /** The index of the last entry in the log. */
  lastIndex(): Index
  /** The index of the first entry that may be read (older ones are in the snapshot). */
  firstIndex(): Index
  /**
   * The newest snapshot.
   *
   * @throws SnapshotTemporarilyUnavailableError when it cannot be produced now; raft retries.
   */
  snapshot(): Snapshot
}

/**
 * A {@link Storage} in memory (etcd's `MemoryStorage`): what etcd uses, refilled from the WAL
 * and the newest snapshot at start. Single-threaded JavaScript needs no lock.
 *
 * Entries are kept as given (never copied or mutated); arrays it returns must not be mutated.
 */
export class MemoryStorage implements Storage {
  #hardState: HardState = EMPTY_HARD_STATE
  #snapshot: Snapshot = EMPTY_SNAPSHOT
  // entries[i] has log index i + entries[0].index. entries[0] is a dummy holding the index and
  // term of the last entry the snapshot covers (initially 0/0).
  // Invariant: entries.length >= 1.
  #entries: Entry[] = [dummyEntry(0, 0)]

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.#hardState, confState: this.#snapshot.metadata.confState }
  }

  /** Saves the hard state. */
  setHardState(state: HardState): void {
    this.#hardState = state
  }

  entries(lo: Index, hi: Index, maxSize: number): readonly Entry[] {
    const offset = this.#offset()
    if (lo <= offset) throw new CompactedError(lo)
    if (hi > this.lastIndex() + 1) {
      throw new RangeError(`entries' hi(${hi}) is out of bound lastindex(${this.lastIndex()})`)
    }
    // Only the dummy entry: nothing is available.
    if (this.#entries.length === 1) throw new UnavailableError(lo)
    return limitSize(this.#entries.slice(lo - offset, hi - offset), maxSize)
  }

  term(index: Index): Term {
    const offset = this.#offset()
    if (index < offset) throw new CompactedError(index)
    const entry = this.#entries[index - offset]
    if (entry === undefined) throw new UnavailableError(index)
    return entry.term
  }

  lastIndex(): Index {
    return this.#offset() + this.#entries.length - 1
  }

  firstIndex(): Index {
    return this.#offset() + 1
  }

  snapshot(): Snapshot {
    return this.#snapshot
  }

  /**
   * Replaces the whole contents with a snapshot: the log restarts right after it.
   *
   * @throws SnapshotOutOfDateError when the snapshot is not newer than the current one.
   */
  applySnapshot(snapshot: Snapshot): void {
    if (this.#snapshot.metadata.index >= snapshot.metadata.index) throw new SnapshotOutOfDateError()
    this.#snapshot = snapshot
    this.#entries = [dummyEntry(snapshot.metadata.index, snapshot.metadata.term)]
  }

  /**
   * Records a snapshot of the state machine at `index` (which must be in the log), with the
   * configuration at that point when it changed since the last snapshot, and returns it.
   * Entries are kept; call {@link MemoryStorage.compact} to drop them.
   *
   * @throws SnapshotOutOfDateError when `index` is not above the current snapshot's.
   * @throws RangeError when `index` is past the last entry.
   */
  createSnapshot(index: Index, confState: ConfState | undefined, data: Uint8Array): Snapshot {
    if (index <= this.#snapshot.metadata.index) throw new SnapshotOutOfDateError()
    const offset = this.#offset()
    if (index > this.lastIndex()) {
      throw new RangeError(`snapshot ${index} is out of bound lastindex(${this.lastIndex()})`)
    }
    this.#snapshot = {
      data,
      metadata: {
        index,
        term: (this.#entries[index - offset] as Entry).term,
        confState: confState ?? this.#snapshot.metadata.confState,
      },
    }
    return this.#snapshot
  }

  /**
   * Discards the entries before `compactIndex`, which becomes the dummy entry (its term stays
   * known). The host must not compact past what it has applied.
   *
   * @throws CompactedError when `compactIndex` is already compacted.
   * @throws RangeError when `compactIndex` is past the last entry.
   */
  compact(compactIndex: Index): void {
    const offset = this.#offset()
    if (compactIndex <= offset) throw new CompactedError(compactIndex)
    if (compactIndex > this.lastIndex()) {
      throw new RangeError(`compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`)
    }
    const i = compactIndex - offset
    const first = this.#entries[i] as Entry
    // A new array: entries handed out earlier may still be referenced by callers.
    this.#entries = [dummyEntry(first.index, first.term), ...this.#entries.slice(i + 1)]
  }

  /**
   * Appends entries (consecutive indexes), replacing any existing entries from the first new
   * index on. Entries at or before the compaction point are ignored.
   *
   * @throws RangeError when the entries leave a gap after the last index.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return
    const first = this.firstIndex()
    const last = (entries[0] as Entry).index + entries.length - 1
    // Nothing new.
    if (last < first) return
    // Drop the already compacted prefix.
    let fresh = entries
    if (first > (entries[0] as Entry).index) fresh = entries.slice(first - (entries[0] as Entry).index)
    const offset = (fresh[0] as Entry).index - this.#offset()
    if (this.#entries.length > offset) {
      // Copy rather than truncate in place: the old tail may still be referenced by callers.
      this.#entries = [...this.#entries.slice(0, offset), ...fresh]
    } else if (this.#entries.length === offset) {
      for (const entry of fresh) this.#entries.push(entry)
    } else {
      throw new RangeError(`missing log entry [last: ${this.lastIndex()}, append at: ${(fresh[0] as Entry).index}]`)
    }
  }

  #offset(): Index {
    return (this.#entries[0] as Entry).index
  }
}

function dummyEntry(index: Index, term: Term): Entry {
  return { index, term, type: EntryType.EntryNormal, data: EMPTY_BYTES }
}
