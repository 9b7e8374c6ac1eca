import { entrySize } from './raftpb/codec.js'
import { type Entry, LOCAL_APPEND_THREAD, LOCAL_APPLY_THREAD, MessageType, type NodeId } from './raftpb/types.js'

const LOCAL_MESSAGES: ReadonlySet<MessageType> = new Set([
  MessageType.MsgHup,
  MessageType.MsgBeat,
  MessageType.MsgUnreachable,
  MessageType.MsgSnapStatus,
  MessageType.MsgCheckQuorum,
  MessageType.MsgStorageAppend,
  MessageType.MsgStorageAppendResp,
  MessageType.MsgStorageApply,
  MessageType.MsgStorageApplyResp,
])

const RESPONSE_MESSAGES: ReadonlySet<MessageType> = new Set([
  MessageType.MsgAppResp,
  MessageType.MsgVoteResp,
  MessageType.MsgHeartbeatResp,
  MessageType.MsgUnreachable,
  MessageType.MsgReadIndexResp,
  MessageType.MsgPreVoteResp,
  MessageType.MsgStorageAppendResp,
  MessageType.MsgStorageApplyResp,
])

/** Whether messages of this type never cross the network (MsgHup, MsgBeat, MsgStorage*, ...). */
export function isLocalMessage(type: MessageType): boolean {
  return LOCAL_MESSAGES.has(type)
}

/** Whether messages of this type answer another message (MsgAppResp, MsgVoteResp, ...). */
export function isResponseMessage(type: MessageType): boolean {
  return RESPONSE_MESSAGES.has(type)
}

/** Whether `id` is one of the local storage threads rather than a node. */
export function isLocalMessageTarget(id: NodeId): boolean {
  return id === LOCAL_APPEND_THREAD || id === LOCAL_APPLY_THREAD
}

/** The response type of a vote request type. */
export function voteResponseType(type: MessageType): MessageType {
  if (type === MessageType.MsgVote) return MessageType.MsgVoteResp
  if (type === MessageType.MsgPreVote) return MessageType.MsgPreVoteResp
  throw new RangeError(`not a vote message: ${type}`)
}

/** The payload size of an entry: the length of its data, in bytes. */
export function payloadSize(entry: Entry): number {
  return entry.data.length
}

/** The total payload size of entries, in bytes. */
export function payloadsSize(entries: readonly Entry[]): number {
  let size = 0
  for (const entry of entries) size += entry.data.length
  return size
}

/** The total encoded size of entries, in bytes. */
export function entriesSize(entries: readonly Entry[]): number {
  let size = 0
  for (const entry of entries) size += entrySize(entry)
  return size
}

/**
 * The longest prefix of `entries` whose encoded size stays within `maxSize` bytes, but at least
 * one entry. Returns `entries` itself when nothing is cut.
 */
export function limitSize<T extends readonly Entry[]>(entries: T, maxSize: number): T | Entry[] {
  if (entries.length === 0 || maxSize === Number.POSITIVE_INFINITY) return entries
  let size = entrySize(entries[0] as Entry)
  for (let limit = 1; limit < entries.length; limit++) {
    size += entrySize(entries[limit] as Entry)
    if (size > maxSize) return entries.slice(0, limit)
  }
  return entries
}
