/**
 * Segment file names: `%016x-%016x.wal`, the file's sequence number and the raft index of the
 * first entry expected in it, in lowercase hex (etcd's `wal/util.go`). The first segment is
 * `0000000000000000-0000000000000000.wal`.
 */
import type { Index } from '@etcd-ts/raft'
import { SequenceGapError, WalNotFoundError } from './errors.js'
import type { WalFileSystem } from './file-system.js'
import type { WalLogger } from './types.js'

/** A parsed segment file name. */
export interface WalName {
  readonly name: string
  /** The segment's sequence number: 0 for the first, then +1 per cut. */
  readonly seq: number
  /** The index of the first entry expected in the segment (the last entry before it, plus one). */
  readonly index: Index
}

const WAL_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/i

/**
 * The name of the segment with sequence number `seq` whose first entry is `index`.
 *
 * @throws RangeError unless both are integers in [0, 2^53 - 1].
 */
export function walName(seq: number, index: Index): string {
  return `${hex16(seq, 'seq')}-${hex16(index, 'index')}.wal`
}

/** Parses a segment file name; `undefined` if `name` is not one (or holds numbers above 2^53 - 1). */
export function parseWalName(name: string): WalName | undefined {
  const match = WAL_NAME.exec(name)
  if (match === null) return undefined
  const seq = Number.parseInt(match[1] as string, 16)
  const index = Number.parseInt(match[2] as string, 16)
  if (seq > Number.MAX_SAFE_INTEGER || index > Number.MAX_SAFE_INTEGER) return undefined
  return { name, seq, index }
}

/**
 * The segment files of `dir`, sorted by name (so by sequence number). Other names are ignored,
 * with a warning unless they end in `.tmp` (the file pipeline's), as etcd does.
 *
 * @throws WalNotFoundError if there are none (or `dir` does not exist).
 */
export async function readWalNames(fs: WalFileSystem, dir: string, logger: WalLogger): Promise<WalName[]> {
  let entries: string[]
  try {
    entries = await fs.readdir(dir)
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ENOENT')
      throw new WalNotFoundError(dir, undefined, { cause: error })
    throw error
  }
  const names: WalName[] = []
  for (const entry of entries.sort()) {
    const parsed = parseWalName(entry)
    if (parsed !== undefined) names.push(parsed)
    else if (!entry.endsWith('.tmp')) logger.warn(`wal: ignored file ${entry} in ${dir}`)
  }
  if (names.length === 0) throw new WalNotFoundError(dir)
  return names
}

/**
 * The files to read for a snapshot at `index`: the last one starting at or before it, and
 * every later one (etcd's `selectWALFiles`).
 *
 * @throws WalNotFoundError if no file starts at or before `index`.
 * @throws SequenceGapError if the selected files' sequence numbers do not increase by one.
 *   (etcd skips the check after a file numbered 0; we check every pair.)
 */
export function selectWalNames(dir: string, names: readonly WalName[], index: Index): readonly WalName[] {
  let start = -1
  for (let i = names.length - 1; i >= 0; i--) {
    if ((names[i] as WalName).index <= index) {
      start = i
      break
    }
  }
  if (start < 0) throw new WalNotFoundError(dir, index)
  const selected = names.slice(start)
  for (let i = 1; i < selected.length; i++) {
    const previous = selected[i - 1] as WalName
    const current = selected[i] as WalName
    if (current.seq !== previous.seq + 1) throw new SequenceGapError(current.name, previous.seq + 1, current.seq)
  }
  return selected
}

function hex16(value: number, field: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`wal: ${field} must be an integer in [0, 2^53 - 1], got ${value}`)
  }
  return value.toString(16).padStart(16, '0')
}
