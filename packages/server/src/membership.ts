import { type BatchTx, Buckets, type ReadTx } from '@etcd-ts/backend'
import { ConfigError } from './config.js'
import { type ClusterId, computeClusterId, computeMemberId, formatId, type MemberId, parseId } from './ids.js'

/** A member of the cluster (etcd's `membership.Member`): raft attributes plus published attributes. */
export interface Member {
  readonly id: MemberId
  /** Raft attribute: where peers reach it. */
  readonly peerUrls: readonly string[]
  /** Raft attribute: a learner does not vote. */
  readonly isLearner: boolean
  /** Published attribute: its `--name`; empty until it has started and published (etcdctl: `unstarted`). */
  readonly name: string
  /** Published attribute: its advertised client URLs; empty until published. */
  readonly clientUrls: readonly string[]
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * A member as etcd's JSON (`{"id":<uint64>,"peerURLs":[…],"isLearner":true,"name":…,"clientURLs":[…]}`),
 * the form of raft conf-change contexts and of the `members` bucket. The ID is a bare JSON
 * number, all 64 bits, so it is written by hand (JSON.stringify would round it).
 */
export function encodeMemberJson(member: Member, options: { readonly attributes?: boolean } = {}): string {
  let json = `{"id":${member.id.toString()},"peerURLs":${JSON.stringify(member.peerUrls)}`
  if (member.isLearner) json += ',"isLearner":true'
  if (options.attributes !== false) {
    if (member.name !== '') json += `,"name":${JSON.stringify(member.name)}`
    if (member.clientUrls.length > 0) json += `,"clientURLs":${JSON.stringify(member.clientUrls)}`
  }
  return `${json}}`
}

/**
 * Parses etcd's member JSON (see {@link encodeMemberJson}), keeping the 64-bit ID exact.
 *
 * @throws TypeError when it is not a member.
 */
export function decodeMemberJson(json: string): Member {
  // Quote the bare number so JSON.parse keeps every digit.
  const quoted = json.replace(/^(\s*\{\s*"id"\s*:\s*)(\d+)/, '$1"$2"')
  let value: unknown
  try {
    value = JSON.parse(quoted)
  } catch (error) {
    throw new TypeError(`member JSON does not parse: ${JSON.stringify(json)}`, { cause: error })
  }
  if (typeof value !== 'object' || value === null) throw new TypeError(`member JSON is not an object: ${json}`)
  const record = value as Record<string, unknown>
  const id = typeof record.id === 'string' && /^\d+$/.test(record.id) ? BigInt(record.id) : undefined
  if (id === undefined) throw new TypeError(`member JSON has no numeric id: ${json}`)
  return {
    id,
    peerUrls: stringArray(record.peerURLs),
    isLearner: record.isLearner === true,
    name: typeof record.name === 'string' ? record.name : '',
    clientUrls: stringArray(record.clientURLs),
  }
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

/**
 * Parses `--initial-cluster` (`name=url,name=url2,other=url3`) into name → peer URLs, in order.
 *
 * @throws ConfigError for a malformed entry.
 */
export function parseInitialCluster(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  if (text.trim() === '') throw new ConfigError('initial-cluster: must not be empty')
  for (const part of text.split(',')) {
    const at = part.indexOf('=')
    if (at <= 0) throw new ConfigError(`initial-cluster: ${JSON.stringify(part)} is not name=url`)
    const name = part.slice(0, at).trim()
    const url = part.slice(at + 1).trim()
    try {
      new URL(url)
    } catch {
      throw new ConfigError(`initial-cluster: invalid URL ${JSON.stringify(url)} for ${name}`)
    }
    const urls = out.get(name) ?? []
    urls.push(url)
    out.set(name, urls)
  }
  return out
}

const CLUSTER_VERSION_KEY = encoder.encode('clusterVersion')
const REMOVED_VALUE = encoder.encode('removed')

/**
 * The cluster's membership as this member knows it (etcd's `RaftCluster`): the cluster ID,
 * the members and the removed IDs. Changes arrive from applied raft entries; each is saved to
 * the `members` / `members_removed` buckets in the caller's write transaction.
 */
export class RaftCluster {
  readonly localId: MemberId
  #clusterId: ClusterId
  readonly #members = new Map<MemberId, Member>()
  readonly #removed = new Set<MemberId>()
  #version = ''

  constructor(localId: MemberId, clusterId: ClusterId) {
    this.localId = localId
    this.#clusterId = clusterId
  }

  /**
   * A new cluster from `--initial-cluster` (etcd's `NewClusterFromURLsMap`): member IDs from
   * the peer URLs and the token, the cluster ID from the member IDs. `localName` must be one of
   * the members, with exactly the advertised peer URLs.
   *
   * @throws ConfigError when it is not.
   */
  static fromInitialCluster(
    initialCluster: string,
    token: string,
    localName: string,
    advertisedPeerUrls: readonly string[],
  ): RaftCluster {
    const urlsByName = parseInitialCluster(initialCluster)
    const members: Member[] = []
    const seenUrls = new Set<string>()
    for (const [name, urls] of urlsByName) {
      for (const url of urls) {
        if (seenUrls.has(url)) throw new ConfigError(`initial-cluster: peer URL ${url} appears twice`)
        seenUrls.add(url)
      }
      members.push({ id: computeMemberId(urls, token), peerUrls: urls, isLearner: false, name, clientUrls: [] })
    }
    const local = members.find((member) => member.name === localName)
    if (local === undefined) {
      throw new ConfigError(
        `couldn't find local name "${localName}" in the initial cluster configuration (--initial-cluster ${initialCluster})`,
      )
    }
    const advertised = [...advertisedPeerUrls].sort().join(',')
    if ([...local.peerUrls].sort().join(',') !== advertised) {
      throw new ConfigError(
        `--initial-cluster has ${localName}=${local.peerUrls.join(',')} but missing from --initial-advertise-peer-urls=${advertisedPeerUrls.join(',')}`,
      )
    }
    const cluster = new RaftCluster(local.id, computeClusterId(members.map((member) => member.id)))
    for (const member of members) cluster.#members.set(member.id, member)
    return cluster
  }

  /** Loads the membership saved in the backend (`members`, `members_removed`, `cluster`). */
  static async recover(localId: MemberId, clusterId: ClusterId, tx: ReadTx): Promise<RaftCluster> {
    const cluster = new RaftCluster(localId, clusterId)
    if (tx.hasBucket(Buckets.Members)) {
      await tx.unsafeForEach(Buckets.Members, (_key, value) => {
        const member = decodeMemberJson(decoder.decode(value))
        cluster.#members.set(member.id, member)
      })
    }
    if (tx.hasBucket(Buckets.MembersRemoved)) {
      await tx.unsafeForEach(Buckets.MembersRemoved, (key) => {
        cluster.#removed.add(parseId(decoder.decode(key)))
      })
    }
    if (tx.hasBucket(Buckets.Cluster)) {
      const version = tx.unsafeGet(Buckets.Cluster, CLUSTER_VERSION_KEY)
      if (version !== undefined) cluster.#version = decoder.decode(version)
    }
    return cluster
  }

  get clusterId(): ClusterId {
    return this.#clusterId
  }

  /** The cluster version (`3.4.0`), or '' before it is set. */
  get version(): string {
    return this.#version
  }

  /** Every member, ordered by ID. */
  members(): Member[] {
    return [...this.#members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  member(id: MemberId): Member | undefined {
    return this.#members.get(id)
  }

  isRemoved(id: MemberId): boolean {
    return this.#removed.has(id)
  }

  /** Adds (or replaces) a member and saves it. */
  addMember(member: Member, tx: BatchTx | undefined): void {
    this.#members.set(member.id, member)
    if (tx !== undefined) saveMember(tx, member)
  }

  /** Removes a member, remembering its ID, and saves the change. */
  removeMember(id: MemberId, tx: BatchTx | undefined): void {
    this.#members.delete(id)
    this.#removed.add(id)
    if (tx !== undefined) {
      tx.unsafeCreateBucket(Buckets.Members)
      tx.unsafeCreateBucket(Buckets.MembersRemoved)
      tx.unsafeDelete(Buckets.Members, encoder.encode(formatId(id)))
      tx.unsafePut(Buckets.MembersRemoved, encoder.encode(formatId(id)), REMOVED_VALUE)
    }
  }

  /** Forgets a member without recording it as removed (a new member's runtime view starts empty). */
  removeMemberQuietly(id: MemberId): void {
    this.#members.delete(id)
  }

  /** Updates a member's raft attributes (peer URLs). */
  updateRaftAttributes(id: MemberId, peerUrls: readonly string[], tx: BatchTx | undefined): void {
    const member = this.#members.get(id)
    if (member === undefined) return
    this.addMember({ ...member, peerUrls }, tx)
  }

  /** Promotes a learner to voter. */
  promote(id: MemberId, tx: BatchTx | undefined): void {
    const member = this.#members.get(id)
    if (member === undefined) return
    this.addMember({ ...member, isLearner: false }, tx)
  }

  /** Records a member's published name and client URLs (etcd's `UpdateAttributes`). */
  updateAttributes(id: MemberId, name: string, clientUrls: readonly string[], tx: BatchTx | undefined): void {
    const member = this.#members.get(id)
    if (member === undefined) return
    this.addMember({ ...member, name, clientUrls }, tx)
  }

  /** Sets the cluster version and saves it. */
  setVersion(version: string, tx: BatchTx | undefined): void {
    this.#version = version
    if (tx !== undefined) {
      tx.unsafeCreateBucket(Buckets.Cluster)
      tx.unsafePut(Buckets.Cluster, CLUSTER_VERSION_KEY, encoder.encode(version))
    }
  }

  /** Saves every member (bootstrap of a new member's backend). */
  saveAll(tx: BatchTx): void {
    for (const member of this.#members.values()) saveMember(tx, member)
  }

  /**
   * The membership as JSON, the data of our raft snapshots (etcd puts its v2 store there; we
   * only need what a restarted or new member must know beyond the backend).
   */
  toSnapshotJson(): string {
    const members = this.members().map((member) => encodeMemberJson(member))
    const removed = [...this.#removed].map((id) => `"${formatId(id)}"`)
    return `{"members":[${members.join(',')}],"removed":[${removed.join(',')}],"version":${JSON.stringify(this.#version)}}`
  }
}

function saveMember(tx: BatchTx, member: Member): void {
  tx.unsafeCreateBucket(Buckets.Members)
  tx.unsafePut(Buckets.Members, encoder.encode(formatId(member.id)), encoder.encode(encodeMemberJson(member)))
}
