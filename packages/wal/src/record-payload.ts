/**
 * Decoding the payload of a record read from the log, with every failure reported as an
 * {@link InvalidRecordError} naming the file and offset (raft's decode errors become its
 * `cause`). etcd panics here (`MustUnmarshal`): the CRC matched, so the bytes are what was
 * written, and a payload that does not decode means a bug or a foreign writer.
 */
import { decodeEntry, decodeHardState, type Entry, type HardState } from '@etcd-ts/raft'
import type { DecodedRecord } from './decoder.js'
import { InvalidRecordError } from './errors.js'
import type { WalSnapshot } from './types.js'
import { decodeWalSnapshot } from './walpb.js'

const EMPTY = new Uint8Array(0)

/** The `raftpb.Entry` of an entry record. */
export function entryOf(record: DecodedRecord): Entry {
  return decodeWith(record, 'raftpb.Entry', decodeEntry)
}

/** The `raftpb.HardState` of a state record. */
export function hardStateOf(record: DecodedRecord): HardState {
  return decodeWith(record, 'raftpb.HardState', decodeHardState)
}

/** The `walpb.Snapshot` of a snapshot record. */
export function snapshotOf(record: DecodedRecord): WalSnapshot {
  return decodeWith(record, 'walpb.Snapshot', decodeWalSnapshot)
}

function decodeWith<T>(record: DecodedRecord, what: string, decode: (bytes: Uint8Array) => T): T {
  try {
    return decode(record.data ?? EMPTY)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new InvalidRecordError(record.path, record.offset, `${what} does not decode: ${detail}`, { cause: error })
  }
}
