// The revision history of one key, as etcd's server/storage/mvcc/key_index.go keeps it: the
// generations of the key (create ... delete), compaction of old revisions, and the reads the
// store and the watchers make against it.
import { MvccInvariantError, RevisionNotFoundError } from './errors.js'
import { compareRevisions, describeRevision, type Revision, ZERO_REVISION } from './revision.js'
import type { RevisionSet } from './revision-set.js'

/** What {@link KeyIndex.get} finds for a key live at a revision. */
export interface KeyIndexGet {
  /** The revision of the key's last change at or before the asked revision. */
  readonly modified: Revision
  /** The revision that created the key's current generation ({@link ZERO_REVISION} if unknown). */
  readonly created: Revision
  /** The number of changes in the generation up to `modified`, 1 for the creating put. */
  readonly version: number
}

/**
 * One life of a key, from the put that created it to the tombstone that deleted it (etcd's
 * `generation`). The last generation of a key is the current one: it has no tombstone, and is
 * empty while the key is deleted.
 *
 * Mutable internal state of a {@link KeyIndex}: read it, never change it from outside.
 */
export class Generation {
  /**
   * Number of changes made in this generation, its tombstone included; not reduced by
   * compaction, so versions stay right once old revisions are gone.
   */
  ver: number
  /**
   * The revision of the put that created this generation; {@link ZERO_REVISION} when unknown (the
   * generation was restored from a lone tombstone whose put was compacted away).
   */
  created: Revision
  /**
   * The revisions of the changes, oldest first.
   * Invariant: strictly ascending by {@link compareRevisions}; in every generation but a key's
   * last, non-empty and ending with the tombstone. Compaction removes a prefix.
   */
  revs: Revision[]

  constructor(ver = 0, created: Revision = ZERO_REVISION, revs: Revision[] = []) {
    this.ver = ver
    this.created = created
    this.revs = revs
  }

  /** Whether the generation has no revision (the key's current generation while it is deleted). */
  isEmpty(): boolean {
    return this.revs.length === 0
  }

  /**
   * Passes the revisions, newest first, to `f` until it returns false; returns the index in
   * `revs` where it stopped, or -1 if `f` accepted them all (etcd's `generation.walk`).
   */
  walk(f: (rev: Revision) => boolean): number {
    const revs = this.revs
    for (let i = revs.length - 1; i >= 0; i--) {
      if (!f(revs[i] as Revision)) return i
    }
    return -1
  }

  /**
   * The index in `revs` of the newest revision whose `main` is at most `atRev`, or -1 if there is
   * none. The same answer as `walk((rev) => rev.main > atRev)`, by binary search.
   */
  indexAt(atRev: number): number {
    const revs = this.revs
    let high = revs.length - 1
    if (high < 0) return -1
    // The common case, a read at the current revision: the newest revision.
    if ((revs[high] as Revision).main <= atRev) return high
    let low = 0
    if ((revs[low] as Revision).main > atRev) return -1
    // Invariant: revs[low].main <= atRev < revs[high].main
    while (high - low > 1) {
      const middle = (low + high) >>> 1
      if ((revs[middle] as Revision).main <= atRev) low = middle
      else high = middle
    }
    return low
  }
}

/**
 * The history of one key: its generations, each the revisions of one life of the key (etcd's
 * `keyIndex`, server/storage/mvcc/key_index.go). Puts and deletes at revisions 1, 2, 3 (delete),
 * 4 and 5 (delete) of key "foo" give
 *
 * ```
 * generations  [{1,2,3t}, {4,5t}, {}]      the last generation is empty: "foo" is deleted
 * modified     5
 * ```
 *
 * Revisions only grow: a change below {@link KeyIndex.modified} is a bug and throws
 * `MvccInvariantError`, where etcd panics (the same for the other conditions etcd panics on,
 * listed per method). Only `TreeIndex` and tests make these; the methods are synchronous and the
 * instance has no lock.
 */
export class KeyIndex {
  /** The key. Owned by the index: never mutated, and callers must not mutate it. */
  readonly key: Uint8Array
  /**
   * The revision of the key's last change, put or tombstone ({@link ZERO_REVISION} before any).
   * Invariant: the newest revision of all generations, when there is one.
   */
  modified: Revision
  /**
   * The key's lives, oldest first: every one but the last ends in a tombstone, the last has none
   * and is empty while the key is deleted. Empty only before the first change.
   */
  generations: Generation[]

  /** A key index for `key` with no revision yet; `key` is kept, not copied. */
  constructor(key: Uint8Array) {
    this.key = key
    this.modified = ZERO_REVISION
    this.generations = []
  }

  /**
   * Records a put of the key at `rev` (kept by reference), creating the key if its current
   * generation is empty (etcd's `keyIndex.put`).
   *
   * @throws MvccInvariantError if `rev` is not above {@link modified}.
   */
  put(rev: Revision): void {
    if (compareRevisions(rev, this.modified) <= 0) {
      throw new MvccInvariantError(
        `put of key ${describeKey(this.key)} at revision ${describeRevision(rev)}, not above its last revision ${describeRevision(this.modified)}`,
      )
    }
    let current = this.generations[this.generations.length - 1]
    if (current === undefined) {
      current = new Generation()
      this.generations.push(current)
    }
    if (current.revs.length === 0) current.created = rev
    current.revs.push(rev)
    current.ver++
    this.modified = rev
  }

  /**
   * Records a delete of the key at `rev`: puts the tombstone revision, then starts a new, empty
   * generation (etcd's `keyIndex.tombstone`).
   *
   * @throws RevisionNotFoundError (`MVCC_REVISION_NOT_FOUND`) if the key is not live (its current
   *   generation is empty); nothing changes.
   * @throws MvccInvariantError if the key index is empty, or `rev` is not above {@link modified}.
   */
  tombstone(rev: Revision): void {
    if (this.isEmpty()) {
      throw new MvccInvariantError(
        `tombstone of key ${describeKey(this.key)} at revision ${describeRevision(rev)} in an empty key index`,
      )
    }
    if ((this.generations[this.generations.length - 1] as Generation).isEmpty()) throw new RevisionNotFoundError()
    this.put(rev)
    this.generations.push(new Generation())
  }

  /**
   * Sets up a key index read back from the backend at boot, from the newest value seen so far
   * for the key: one generation created at `created`, holding `version` changes and the single
   * revision `modified` (etcd's `keyIndex.restore`). Later revisions are added with `put` and
   * `tombstone`.
   *
   * @throws MvccInvariantError if the key index already has generations.
   */
  restore(created: Revision, modified: Revision, version: number): void {
    if (this.generations.length !== 0) {
      throw new MvccInvariantError(
        `restore of key ${describeKey(this.key)} at revision ${describeRevision(modified)} over existing generations (last revision ${describeRevision(this.modified)})`,
      )
    }
    this.modified = modified
    this.generations.push(new Generation(version, created, [modified]))
  }

  /**
   * Sets up a key index read back from the backend whose first revision seen is a tombstone at
   * `rev` (the creating put was compacted away): a generation `[rev]` of unknown creation
   * (`created` is {@link ZERO_REVISION}, `ver` 1), then an empty one (etcd's
   * `keyIndex.restoreTombstone`).
   *
   * @throws MvccInvariantError if the key index already has generations.
   */
  restoreTombstone(rev: Revision): void {
    this.restore(ZERO_REVISION, rev, 1)
    this.generations.push(new Generation())
  }

  /**
   * The key's state at revision `atRev`: the last change with `main <= atRev`, the creation of
   * its generation and its version; `undefined` where the key does not exist at `atRev` (never
   * created, deleted, or compacted away), where etcd returns `ErrRevisionNotFound`. The returned
   * revisions are the index's own objects.
   *
   * @throws MvccInvariantError if the key index is empty.
   */
  get(atRev: number): KeyIndexGet | undefined {
    this.#assertNotEmpty('get', atRev)
    const g = this.findGeneration(atRev)
    if (g === undefined) return undefined
    const i = g.indexAt(atRev)
    if (i < 0) return undefined
    return { modified: g.revs[i] as Revision, created: g.created, version: g.ver - (g.revs.length - i - 1) }
  }

  /**
   * Like {@link get}, the revision of the key's last change at `atRev` only, without allocating:
   * the read path of ranges over many keys.
   *
   * @throws MvccInvariantError if the key index is empty.
   */
  modifiedAt(atRev: number): Revision | undefined {
    this.#assertNotEmpty('get', atRev)
    const g = this.findGeneration(atRev)
    if (g === undefined) return undefined
    const i = g.indexAt(atRev)
    return i < 0 ? undefined : g.revs[i]
  }

  /**
   * The revisions with `main >= rev`, oldest first, keeping only the newest (largest `sub`) of
   * several with the same `main`: one event per transaction for the watchers catching up (etcd's
   * `keyIndex.since`). A new array.
   *
   * @throws MvccInvariantError if the key index is empty.
   */
  since(rev: number): Revision[] {
    this.#assertNotEmpty('since', rev)
    const generations = this.generations
    // Start at the newest generation created before `rev`: older ones hold only smaller revisions.
    let gi = generations.length - 1
    for (; gi > 0; gi--) {
      const g = generations[gi] as Generation
      if (!g.isEmpty() && g.created.main < rev) break
    }
    const revs: Revision[] = []
    let last = 0
    for (; gi < generations.length; gi++) {
      for (const r of (generations[gi] as Generation).revs) {
        if (r.main < rev) continue
        if (r.main === last && revs.length > 0) {
          // A later change of the same transaction replaces the earlier one, which watchers never see.
          revs[revs.length - 1] = r
          continue
        }
        revs.push(r)
        last = r.main
      }
    }
    return revs
  }

  /**
   * Compacts the history at `atRev`: removes every revision that no read at `atRev` or later can
   * see, and adds the one revision that stays visible at `atRev` (if any) to `available`: the
   * revision the compactor must keep in the backend (etcd's `keyIndex.compact`).
   *
   * Generations whose tombstone is below `atRev` go; in the generation holding `atRev`, the
   * newest revision with `main <= atRev` and the later ones stay. A tombstone exactly at `atRev`
   * is kept, and added to `available`, so that a watcher starting at `atRev` still gets the
   * delete (etcd 3.5.16+ / 3.4.34+, etcd#18089; older versions dropped it). Afterwards the key
   * index may be empty ({@link isEmpty}): the tree then drops it.
   *
   * Calling it again at the same or a lower revision leaves the key index as it is.
   *
   * @throws MvccInvariantError if the key index is empty.
   */
  compact(atRev: number, available: RevisionSet): void {
    this.#assertNotEmpty('compact', atRev)
    const genIdx = this.#compactionGeneration(atRev)
    const g = this.generations[genIdx] as Generation
    const i = g.indexAt(atRev)
    if (i >= 0) {
      available.add(g.revs[i] as Revision)
      if (i > 0) g.revs = g.revs.slice(i)
    }
    if (genIdx > 0) this.generations = this.generations.slice(genIdx)
  }

  /**
   * Adds to `keep` the revision {@link compact} at `atRev` would add to its available set, except
   * a tombstone exactly at `atRev`, without changing anything (etcd's `keyIndex.keep`, used by
   * `HashKV`). Excluding that tombstone keeps hashes equal to those of etcd versions that dropped
   * it at compaction (etcd#18089). Does nothing on an empty key index.
   */
  keep(atRev: number, keep: RevisionSet): void {
    if (this.isEmpty()) return
    const genIdx = this.#compactionGeneration(atRev)
    const g = this.generations[genIdx] as Generation
    const i = g.indexAt(atRev)
    if (i < 0) return
    const isTombstone = i === g.revs.length - 1 && genIdx !== this.generations.length - 1
    if (!isTombstone) keep.add(g.revs[i] as Revision)
  }

  /**
   * Whether the key index holds no revision: only an empty generation (a key deleted and
   * compacted past its tombstone), as etcd's `keyIndex.isEmpty`, or no generation at all (before
   * the first put, where etcd's says false and its reads would index out of range).
   */
  isEmpty(): boolean {
    const generations = this.generations
    return generations.length === 0 || (generations.length === 1 && (generations[0] as Generation).isEmpty())
  }

  /**
   * The generation the key is live in at revision `rev`, or `undefined` if the key does not
   * exist at `rev`: before its first revision, or between a tombstone at or below `rev` and the
   * next creation (etcd's `keyIndex.findGeneration`). The index's own object.
   */
  findGeneration(rev: number): Generation | undefined {
    const generations = this.generations
    const last = generations.length - 1
    for (let cg = last; cg >= 0; cg--) {
      const g = generations[cg] as Generation
      const revs = g.revs
      if (revs.length === 0) continue
      // A tombstone at or below `rev` ends this generation before `rev`.
      if (cg !== last && (revs[revs.length - 1] as Revision).main <= rev) return undefined
      if ((revs[0] as Revision).main <= rev) return g
    }
    return undefined
  }

  /**
   * The index of the generation compaction at `atRev` keeps first (etcd's `doCompact`): skip the
   * generations whose tombstone is below `atRev`; stop at the current one.
   */
  #compactionGeneration(atRev: number): number {
    const generations = this.generations
    const last = generations.length - 1
    let genIdx = 0
    while (genIdx < last) {
      const revs = (generations[genIdx] as Generation).revs
      const tomb = (revs[revs.length - 1] as Revision).main
      if (tomb > atRev) break
      if (tomb === atRev) {
        // A tombstone at `atRev` is kept (etcd#18089), unless the key was created again in the
        // same transaction: then the key's state at `atRev` is in the next generation. etcd's
        // txn validation forbids two changes of one key per transaction, so this differs from
        // etcd's `tomb >= atRev` only where etcd would drop a live revision from `available`.
        const next = (generations[genIdx + 1] as Generation).revs[0]
        if (next === undefined || next.main !== atRev) break
      }
      genIdx++
    }
    return genIdx
  }

  #assertNotEmpty(operation: string, rev: number): void {
    if (this.isEmpty()) {
      throw new MvccInvariantError(
        `${operation} of key ${describeKey(this.key)} at revision ${rev} in an empty key index`,
      )
    }
  }
}

/**
 * A key index's generations as stable one-line text, in the notation of etcd's docs: each
 * generation's revisions in braces, `t` marking a tombstone, for example `[{1,2,3t},{4,5t},{}]`
 * (see {@link describeRevision} for `main.sub`).
 */
export function describeKeyIndex(ki: KeyIndex): string {
  const last = ki.generations.length - 1
  const parts = ki.generations.map((g, gi) => {
    const revs = g.revs.map((rev, i) => describeRevision(rev) + (gi !== last && i === g.revs.length - 1 ? 't' : ''))
    return `{${revs.join(',')}}`
  })
  return `[${parts.join(',')}]`
}

/** Bytes of a key shown in messages; longer keys are cut. */
const DESCRIBED_KEY_BYTES = 64

/** A key for messages: as a JSON string if it is printable ASCII, else as hex; cut after 64 bytes. */
function describeKey(key: Uint8Array): string {
  const shown = key.length > DESCRIBED_KEY_BYTES ? key.subarray(0, DESCRIBED_KEY_BYTES) : key
  const suffix = shown.length < key.length ? `... (${key.length} bytes)` : ''
  let printable = true
  for (const byte of shown) {
    if (byte < 0x20 || byte > 0x7e) {
      printable = false
      break
    }
  }
  let text = ''
  if (printable) {
    for (const byte of shown) text += String.fromCharCode(byte)
    return JSON.stringify(text) + suffix
  }
  for (const byte of shown) text += byte.toString(16).padStart(2, '0')
  return `0x${text}${suffix}`
}
