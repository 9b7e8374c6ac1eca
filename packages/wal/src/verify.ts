/**
 * Read-only scans of a WAL that take no locks, so they run beside a writer: etcd's `Verify`
 * and `ValidSnapshotEntries`.
 */
import { EMPTY_HARD_STATE, type HardState } from '@etcd-ts/raft'
import { bytesEqual } from './bytes.js'
import { type DecodedRecord, Decoder } from './decoder.js'
import {
  InvalidRecordError,
  MetadataConflictError,
  SnapshotMismatchError,
  SnapshotNotFoundError,
  UnexpectedEofError,
} from './errors.js'
import type { ResolvedWalOptions } from './options.js'
import { hardStateOf, snapshotOf } from './record-payload.js'
import { closeSegments, openSegments, type Segment } from './segment.js'
import type { WalSnapshot } from './types.js'
import { readWalNames, selectWalNames } from './wal-name.js'
import { RecordType } from './walpb.js'

/** How often {@link validSnapshotEntries} retries when a file vanishes mid-scan (a purge race), as etcd 3.6 does. */
const VANISHED_FILE_RETRIES = 3

/** etcd's `Verify`: see `Wal.verify`. */
export async function verifyWal(options: ResolvedWalOptions, dir: string, snapshot: WalSnapshot): Promise<HardState> {
  const { fs, logger } = options
  const selected = selectWalNames(dir, await readWalNames(fs, dir, logger), snapshot.index)
  const segments = await openSegments(fs, dir, selected, false)
  try {
    const decoder = new Decoder(segments)
    let metadata: Uint8Array | undefined
    let state = EMPTY_HARD_STATE
    let match = false
    await scan(decoder, segments, (record) => {
      switch (record.type) {
        case RecordType.Metadata:
          if (metadata !== undefined && !bytesEqual(metadata, record.data ?? new Uint8Array(0))) {
            throw new MetadataConflictError()
          }
          metadata = record.data
          break
        case RecordType.Crc:
          decoder.acceptCrcRecord(record)
          break
        case RecordType.Snapshot: {
          const found = snapshotOf(record)
          if (found.index === snapshot.index) {
            if (found.term !== snapshot.term) throw new SnapshotMismatchError(snapshot.index, snapshot.term, found.term)
            match = true
          }
          break
        }
        case RecordType.Entry:
          break
        case RecordType.State:
          state = hardStateOf(record)
          break
        default:
          throw new InvalidRecordError(record.path, record.offset, `unexpected block type ${record.type}`)
      }
    })
    if (!match) throw new SnapshotNotFoundError(snapshot.index)
    return state
  } finally {
    await closeSegments(segments)
  }
}

/** etcd's `ValidSnapshotEntries`: see `Wal.validSnapshotEntries`. */
export async function validSnapshotEntries(options: ResolvedWalOptions, dir: string): Promise<WalSnapshot[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await scanSnapshots(options, dir)
    } catch (error) {
      const vanished = (error as { code?: unknown } | null)?.code === 'ENOENT'
      if (!vanished || attempt >= VANISHED_FILE_RETRIES) throw error
    }
  }
}

async function scanSnapshots(options: ResolvedWalOptions, dir: string): Promise<WalSnapshot[]> {
  const { fs, logger } = options
  const segments = await openSegments(fs, dir, await readWalNames(fs, dir, logger), false)
  try {
    const decoder = new Decoder(segments)
    const snapshots: WalSnapshot[] = []
    let state = EMPTY_HARD_STATE
    await scan(decoder, segments, (record) => {
      if (record.type === RecordType.Snapshot) snapshots.push(snapshotOf(record))
      else if (record.type === RecordType.State) state = hardStateOf(record)
      else if (record.type === RecordType.Crc) decoder.acceptCrcRecord(record)
    })
    // Snapshots newer than the commit index may not be committed: never load those.
    return snapshots.filter((snapshot) => snapshot.index <= state.commit)
  } finally {
    await closeSegments(segments)
  }
}

/** Feeds every record to `visit`; a log ending in a partial record of its last file is fine. */
async function scan(
  decoder: Decoder,
  segments: readonly Segment[],
  visit: (record: DecodedRecord) => void,
): Promise<void> {
  try {
    for (let record = await decoder.next(); record !== undefined; record = await decoder.next()) visit(record)
  } catch (error) {
    if (!(error instanceof UnexpectedEofError && error.file === segments.at(-1)?.path)) throw error
  }
}
