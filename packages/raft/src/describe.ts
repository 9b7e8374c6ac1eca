import { decodeConfChange, decodeConfChangeV2 } from './raftpb/codec.js'
import { confChangeAsV2, confChangesToString, quoteBytes } from './raftpb/confchange.js'
import {
  type ConfState,
  describeEntryType,
  describeMessageType,
  type Entry,
  EntryType,
  type HardState,
  isEmptyHardState,
  isEmptySnapshot,
  LOCAL_APPEND_THREAD,
  LOCAL_APPLY_THREAD,
  type Message,
  type NodeId,
  type Snapshot,
} from './raftpb/types.js'
import { describeStateType, type Ready, type SoftState } from './ready.js'

/** Formats an entry's data for {@link describeEntry}; the default quotes it like Go's `%q`. */
export type EntryFormatter = (data: Uint8Array) => string

/** `Lead:1 State:StateLeader` */
export function describeSoftState(state: SoftState): string {
  return `Lead:${state.lead} State:${describeStateType(state.raftState)}`
}

/** `Term:1 Vote:1 Commit:3` (Vote omitted when 0). */
export function describeHardState(state: HardState): string {
  return `Term:${state.term}${state.vote !== 0n ? ` Vote:${state.vote}` : ''} Commit:${state.commit}`
}

/** `Voters:[1 2 3] VotersOutgoing:[] Learners:[] LearnersNext:[] AutoLeave:false` */
export function describeConfState(state: ConfState): string {
  const list = (ids: readonly NodeId[]) => `[${ids.join(' ')}]`
  return `Voters:${list(state.voters)} VotersOutgoing:${list(state.votersOutgoing)} Learners:${list(state.learners)} LearnersNext:${list(state.learnersNext)} AutoLeave:${state.autoLeave}`
}

/** `Index:11 Term:1 ConfState:Voters:[1 2 3] ...` */
export function describeSnapshot(snapshot: Snapshot): string {
  const { index, term, confState } = snapshot.metadata
  return `Index:${index} Term:${term} ConfState:${describeConfState(confState)}`
}

/**
 * `1/3 EntryNormal "data"`: term/index, type and payload. Conf change payloads print as change
 * tokens (`v2 r1`); an empty payload prints nothing.
 */
export function describeEntry(entry: Entry, format: EntryFormatter = quoteBytes): string {
  let formatted = ''
  try {
    switch (entry.type) {
      case EntryType.EntryNormal:
        formatted = format(entry.data)
        break
      case EntryType.EntryConfChange:
        formatted = confChangesToString(confChangeAsV2(decodeConfChange(entry.data)).changes)
        break
      case EntryType.EntryConfChangeV2:
        formatted = confChangesToString(decodeConfChangeV2(entry.data).changes)
        break
    }
  } catch (error) {
    formatted = error instanceof Error ? error.message : String(error)
  }
  return `${entry.term}/${entry.index} ${describeEntryType(entry.type)}${formatted !== '' ? ` ${formatted}` : ''}`
}

/** {@link describeEntry} for each entry, each followed by a newline. */
export function describeEntries(entries: readonly Entry[], format?: EntryFormatter): string {
  let out = ''
  for (const entry of entries) out += `${describeEntry(entry, format)}\n`
  return out
}

function describeTarget(id: NodeId): string {
  if (id === 0n) return 'None'
  if (id === LOCAL_APPEND_THREAD) return 'AppendThread'
  if (id === LOCAL_APPLY_THREAD) return 'ApplyThread'
  return id.toString(16)
}

/**
 * `1->2 MsgApp Term:1 Log:1/2 Commit:2 Entries:[1/3 EntryNormal ""]`, as etcd-io/raft prints
 * messages; several entries, a snapshot and responses go on indented lines.
 */
export function describeMessage(message: Message, format?: EntryFormatter): string {
  return describeMessageWithIndent('', message, format)
}

function describeMessageWithIndent(indent: string, m: Message, format?: EntryFormatter): string {
  let out = `${indent}${describeTarget(m.from)}->${describeTarget(m.to)} ${describeMessageType(m.type)} Term:${m.term} Log:${m.logTerm}/${m.index}`
  if (m.reject) out += ` Rejected (Hint: ${m.rejectHint})`
  if (m.commit !== 0) out += ` Commit:${m.commit}`
  if (m.vote !== 0n) out += ` Vote:${m.vote}`
  if (m.entries.length === 1) {
    out += ` Entries:[${describeEntry(m.entries[0] as Entry, format)}]`
  } else if (m.entries.length > 1) {
    out += ' Entries:['
    for (const entry of m.entries) out += `\n${indent}  ${describeEntry(entry, format)}`
    out += `\n${indent}]`
  }
  if (m.snapshot !== undefined && !isEmptySnapshot(m.snapshot)) {
    out += `\n${indent}  Snapshot: ${describeSnapshot(m.snapshot)}`
  }
  if (m.responses.length > 0) {
    out += ' Responses:['
    for (const response of m.responses) out += `\n${describeMessageWithIndent(`${indent}  `, response, format)}`
    out += `\n${indent}]`
  }
  return out
}

/** A multi-line dump of a Ready, as etcd-io/raft prints it; `<empty Ready>` when it holds nothing. */
export function describeReady(ready: Ready, format?: EntryFormatter): string {
  let out = ''
  if (ready.softState !== undefined) out += `${describeSoftState(ready.softState)}\n`
  if (!isEmptyHardState(ready.hardState)) out += `HardState ${describeHardState(ready.hardState)}\n`
  if (ready.readStates.length > 0) {
    // Go's %v of []ReadState: request contexts print as byte lists.
    out += `ReadStates [${ready.readStates.map((rs) => `{${rs.index} [${rs.requestCtx.join(' ')}]}`).join(' ')}]\n`
  }
  if (ready.entries.length > 0) out += `Entries:\n${describeEntries(ready.entries, format)}`
  if (!isEmptySnapshot(ready.snapshot)) out += `Snapshot ${describeSnapshot(ready.snapshot)}\n`
  if (ready.committedEntries.length > 0) {
    out += `CommittedEntries:\n${describeEntries(ready.committedEntries, format)}`
  }
  if (ready.messages.length > 0) {
    out += 'Messages:\n'
    for (const message of ready.messages) out += `${describeMessage(message, format)}\n`
  }
  return out === '' ? '<empty Ready>' : `Ready MustSync=${ready.mustSync}:\n${out}`
}
