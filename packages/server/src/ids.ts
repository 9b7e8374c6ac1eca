import { createHash } from 'node:crypto'

/** A member ID (etcd's `types.ID`): all 64 bits, from a hash. */
export type MemberId = bigint
/** A cluster ID: all 64 bits, from a hash of the member IDs. */
export type ClusterId = bigint

/**
 * A member's ID as etcd computes it (`membership.NewMember`): the first 8 bytes, big-endian, of
 * SHA-1 over the sorted peer URLs joined with nothing, then the cluster token, then (for members
 * added at runtime) the decimal Unix seconds of `nowSeconds`. With etcd's defaults
 * (`http://localhost:2380`, `etcd-cluster`) this is `8e9e05c52164694d`.
 */
export function computeMemberId(peerUrls: readonly string[], clusterToken: string, nowSeconds?: number): MemberId {
  const sorted = [...peerUrls].sort()
  let text = sorted.join('') + clusterToken
  if (nowSeconds !== undefined) text += String(Math.trunc(nowSeconds))
  return first8(createHash('sha1').update(text, 'utf8').digest())
}

/**
 * The cluster ID as etcd computes it (`RaftCluster.genID`): the first 8 bytes, big-endian, of
 * SHA-1 over the member IDs, sorted ascending, each as 8 bytes big-endian.
 */
export function computeClusterId(memberIds: Iterable<MemberId>): ClusterId {
  const ids = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const bytes = Buffer.alloc(8 * ids.length)
  for (const [i, id] of ids.entries()) bytes.writeBigUInt64BE(id, 8 * i)
  return first8(createHash('sha1').update(bytes).digest())
}

/** An ID as etcd prints it (`types.ID.String()`): lowercase hex, no padding. */
export function formatId(id: bigint): string {
  return id.toString(16)
}

/**
 * Parses an ID printed by {@link formatId} (hex, at most 16 digits).
 *
 * @throws RangeError for anything else.
 */
export function parseId(text: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) throw new RangeError(`invalid ID ${JSON.stringify(text)}: want hex`)
  return BigInt(`0x${text}`)
}

function first8(digest: Buffer): bigint {
  return digest.readBigUInt64BE(0)
}

const SUFFIX_BITS = 48n
const SUFFIX_MASK = (1n << SUFFIX_BITS) - 1n
const TIMESTAMP_BITS = 40n
const COUNTER_BITS = 8n

/**
 * Request IDs, unique across members and restarts, as etcd's `idutil.Generator`: the top 16
 * bits are the low 16 bits of the member ID; the low 48 start at the Unix time in ms (its low
 * 40 bits) shifted left by 8, and count up by one per ID (running into the timestamp on purpose).
 */
export class RequestIdGenerator {
  readonly #prefix: bigint
  #suffix: bigint

  /**
   * @param memberId - this member's ID.
   * @param nowMs - the current Unix time in ms.
   */
  constructor(memberId: MemberId, nowMs: number) {
    this.#prefix = (memberId & 0xffffn) << SUFFIX_BITS
    const timestamp = BigInt(Math.trunc(nowMs)) & ((1n << TIMESTAMP_BITS) - 1n)
    this.#suffix = timestamp << COUNTER_BITS
  }

  /** The next ID. */
  next(): bigint {
    this.#suffix = (this.#suffix + 1n) & SUFFIX_MASK
    return this.#prefix | this.#suffix
  }
}
