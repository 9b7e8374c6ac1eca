import { RaftInvariantError } from './errors.js'
import type { Index, Message, NodeId } from './raftpb/types.js'

/** How the leader answers read-only queries (ReadIndex). The values are etcd's. */
export const ReadOnlyOption = {
  /**
   * Confirm leadership with a quorum of heartbeat acknowledgements before answering (Raft
   * thesis §6.4). Safe whatever the clocks do. The default.
   */
  ReadOnlySafe: 0,
  /**
   * Answer from the leader's lease alone (thesis §6.4.1): faster, but only correct if clock
   * drift is bounded. Requires `checkQuorum`.
   */
  ReadOnlyLeaseBased: 1,
} as const
export type ReadOnlyOption = (typeof ReadOnlyOption)[keyof typeof ReadOnlyOption]

/** A pending read request: the commit index when it arrived and who has acknowledged it. */
export interface ReadIndexStatus {
  readonly request: Message
  readonly index: Index
  // Never records false; a Map keeps the quorum vote API.
  readonly acks: Map<NodeId, boolean>
}

/**
 * The leader's queue of ReadIndex requests waiting for a quorum to confirm its leadership
 * (etcd's `readOnly`). Requests are identified by their context bytes.
 */
export class ReadOnly {
  readonly option: ReadOnlyOption
  readonly #pending = new Map<string, ReadIndexStatus>()
  #queue: string[] = []

  constructor(option: ReadOnlyOption) {
    this.option = option
  }

  /**
   * Queues a read request received when the commit index was `index`; a request with the same
   * context already queued is ignored.
   */
  addRequest(index: Index, request: Message): void {
    const key = contextKey(request.entries[0]?.data)
    if (this.#pending.has(key)) return
    this.#pending.set(key, { index, request, acks: new Map() })
    this.#queue.push(key)
  }

  /**
   * Records that `id` acknowledged the heartbeat carrying `context`; returns the request's
   * acknowledgements so far, or `undefined` for an unknown context.
   */
  recvAck(id: NodeId, context: Uint8Array): ReadonlyMap<NodeId, boolean> | undefined {
    const status = this.#pending.get(contextKey(context))
    if (status === undefined) return undefined
    status.acks.set(id, true)
    return status.acks
  }

  /**
   * Dequeues the requests up to and including the one with `message.context` (all confirmed by
   * the same quorum) and returns them; none when the context is unknown.
   */
  advance(message: Message): ReadIndexStatus[] {
    const key = contextKey(message.context)
    const position = this.#queue.indexOf(key)
    if (position < 0) return []
    const keys = this.#queue.slice(0, position + 1)
    this.#queue = this.#queue.slice(position + 1)
    return keys.map((k) => {
      const status = this.#pending.get(k)
      if (status === undefined) throw new RaftInvariantError('cannot find corresponding read state from pending map')
      this.#pending.delete(k)
      return status
    })
  }

  /** The context of the newest pending request, or `undefined`. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    const key = this.#queue[this.#queue.length - 1]
    if (key === undefined) return undefined
    return this.#pending.get(key)?.request.entries[0]?.data
  }

  /** The number of pending requests. */
  pendingCount(): number {
    return this.#queue.length
  }
}

// Context bytes as a Map key: one char per byte.
function contextKey(context: Uint8Array | undefined): string {
  if (context === undefined) return ''
  let key = ''
  for (const b of context) key += String.fromCharCode(b)
  return key
}
