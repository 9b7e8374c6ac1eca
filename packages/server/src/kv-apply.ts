// How KV requests act on the mvcc store: etcd's applierV3backend (server/etcdserver/apply.go,
// 3.4) for Range, Put, DeleteRange and Txn, and the request checks of v3rpc/key.go. Everything
// here is synchronous: a write runs inside one mvcc write transaction, between two awaits.
import {
  type Compare,
  Compare_CompareResult,
  Compare_CompareTarget,
  type DeleteRangeRequest,
  type DeleteRangeResponseInit,
  EtcdError,
  type KeyValueInit,
  type PutRequest,
  type PutResponseInit,
  type RangeRequest,
  RangeRequest_SortOrder,
  RangeRequest_SortTarget,
  type RangeResponseInit,
  type RequestOp,
  type ResponseOpInit,
  type TxnRequest,
  type TxnResponseInit,
} from '@etcd-ts/api'
import type { KeyValue, RangeEnd, TxnRead, TxnWrite } from '@etcd-ts/mvcc'
import { FatalServerError } from './errors.js'

const EMPTY = new Uint8Array(0)

/**
 * etcd's wire range end → mvcc's: empty = the single key (undefined), `"\0"` = every key from
 * `key` on (an empty array), anything else = `[key, end)` (etcd's `mkGteRange`).
 */
export function toRangeEnd(key: Uint8Array, rangeEnd: Uint8Array): RangeEnd {
  if (rangeEnd.length === 0) return undefined
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return EMPTY
  // An end before the key is an empty range in etcd (its index visits nothing): `[key, key)`.
  if (Buffer.compare(rangeEnd, key) < 0) return key
  return rangeEnd
}

// --- request checks (v3rpc/key.go), before anything is proposed --------------------------------

/** `checkRangeRequest`. */
export function checkRangeRequest(r: RangeRequest): void {
  if (r.key.length === 0) throw new EtcdError('EMPTY_KEY')
  if (!isSortOrder(r.sortOrder) || !isSortTarget(r.sortTarget)) throw new EtcdError('INVALID_SORT_OPTION')
}

/** `checkPutRequest`. */
export function checkPutRequest(r: PutRequest): void {
  if (r.key.length === 0) throw new EtcdError('EMPTY_KEY')
  if (r.ignoreValue && r.value.length !== 0) throw new EtcdError('VALUE_PROVIDED')
  if (r.ignoreLease && r.lease !== 0n) throw new EtcdError('LEASE_PROVIDED')
}

/** `checkDeleteRequest`. */
export function checkDeleteRequest(r: DeleteRangeRequest): void {
  if (r.key.length === 0) throw new EtcdError('EMPTY_KEY')
}

/**
 * `checkTxnRequest` then `checkIntervals` on both branches: op counts (nested txns use up the
 * budget), empty keys, empty ops, and overlapping writes in one branch.
 */
export function checkTxnRequest(r: TxnRequest, maxTxnOps: number): void {
  checkTxnOps(r, maxTxnOps)
  checkIntervals(r.success)
  checkIntervals(r.failure)
}

function checkTxnOps(r: TxnRequest, maxTxnOps: number): void {
  const opc = Math.max(r.compare.length, r.success.length, r.failure.length)
  if (opc > maxTxnOps) throw new EtcdError('TOO_MANY_OPS')
  for (const c of r.compare) if (c.key.length === 0) throw new EtcdError('EMPTY_KEY')
  for (const op of r.success) checkRequestOp(op, maxTxnOps - opc)
  for (const op of r.failure) checkRequestOp(op, maxTxnOps - opc)
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  const request = op.request
  switch (request?.case) {
    case 'requestRange':
      checkRangeRequest(request.value)
      return
    case 'requestPut':
      checkPutRequest(request.value)
      return
    case 'requestDeleteRange':
      checkDeleteRequest(request.value)
      return
    case 'requestTxn':
      checkTxnOps(request.value, maxTxnOps)
      return
    default:
      throw new EtcdError('KEY_NOT_FOUND')
  }
}

/** A deleted interval; `end` empty = the single key `start` (etcd's adt string-affine intervals). */
interface Interval {
  readonly start: Uint8Array
  readonly end: Uint8Array
}

function intervalHas(interval: Interval, key: Uint8Array): boolean {
  if (interval.end.length === 0) return compareBytes(interval.start, key) === 0
  return compareBytes(interval.start, key) <= 0 && compareBytes(key, interval.end) < 0
}

function anyHas(intervals: readonly Interval[], key: Uint8Array): boolean {
  for (const interval of intervals) if (intervalHas(interval, key)) return true
  return false
}

/**
 * etcd's `checkIntervals`: within one branch, a key may be put once, and not inside a range the
 * branch deletes; puts of a nested txn's then- and else-branches may repeat each other.
 * Returns the branch's puts (as binary strings) and deleted intervals.
 */
function checkIntervals(ops: readonly RequestOp[]): { puts: Set<string>; dels: Interval[] } {
  const dels: Interval[] = []
  for (const op of ops) {
    if (op.request?.case !== 'requestDeleteRange') continue
    const d = op.request.value
    dels.push({ start: d.key, end: d.rangeEnd })
  }
  const puts = new Set<string>()
  for (const op of ops) {
    if (op.request?.case !== 'requestTxn') continue
    const thenBranch = checkIntervals(op.request.value.success)
    const elseBranch = checkIntervals(op.request.value.failure)
    for (const k of thenBranch.puts) {
      if (puts.has(k) || anyHas(dels, binaryKey(k))) throw new EtcdError('DUPLICATE_KEY')
      puts.add(k)
    }
    for (const k of elseBranch.puts) {
      if (puts.has(k) && !thenBranch.puts.has(k)) throw new EtcdError('DUPLICATE_KEY')
      if (anyHas(dels, binaryKey(k))) throw new EtcdError('DUPLICATE_KEY')
      puts.add(k)
    }
    dels.push(...thenBranch.dels, ...elseBranch.dels)
  }
  for (const op of ops) {
    if (op.request?.case !== 'requestPut') continue
    const key = op.request.value.key
    const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
    if (puts.has(k) || anyHas(dels, key)) throw new EtcdError('DUPLICATE_KEY')
    puts.add(k)
  }
  return { puts, dels }
}

function binaryKey(k: string): Uint8Array {
  return Buffer.from(k, 'latin1')
}

// --- reads ------------------------------------------------------------------------------------

/**
 * Range on a read (or write) view: etcd's `applierV3backend.Range`. The header carries only the
 * revision read at; the caller fills the rest.
 */
export function applyRange(txn: TxnRead, r: RangeRequest): RangeResponseInit {
  let limit = r.limit
  const filtered =
    r.minModRevision !== 0 || r.maxModRevision !== 0 || r.minCreateRevision !== 0 || r.maxCreateRevision !== 0
  // With a sort or a filter, fetch everything: the limit applies after sorting.
  if (r.sortOrder !== RangeRequest_SortOrder.NONE || filtered) limit = 0
  if (limit > 0) limit++ // one extra tells `more`
  const result = txn.range(r.key, toRangeEnd(r.key, r.rangeEnd), { limit, rev: r.revision, count: r.countOnly })
  let kvs: KeyValue[] = result.kvs
  if (filtered) {
    const { minModRevision, maxModRevision, minCreateRevision, maxCreateRevision } = r
    kvs = kvs.filter(
      (kv) =>
        (maxModRevision === 0 || kv.modRevision <= maxModRevision) &&
        (minModRevision === 0 || kv.modRevision >= minModRevision) &&
        (maxCreateRevision === 0 || kv.createRevision <= maxCreateRevision) &&
        (minCreateRevision === 0 || kv.createRevision >= minCreateRevision),
    )
  }
  let sortOrder = r.sortOrder
  // mvcc returns keys in ascending order: a non-KEY target without an order sorts ascending.
  if (r.sortTarget !== RangeRequest_SortTarget.KEY && sortOrder === RangeRequest_SortOrder.NONE) {
    sortOrder = RangeRequest_SortOrder.ASCEND
  }
  if (sortOrder !== RangeRequest_SortOrder.NONE && kvs.length > 1) {
    kvs = sortKvs(kvs, r.sortTarget, sortOrder === RangeRequest_SortOrder.DESCEND)
  }
  let more = false
  if (r.limit > 0 && kvs.length > r.limit) {
    kvs = kvs.slice(0, r.limit)
    more = true
  }
  let out: KeyValueInit[] = kvs
  if (r.keysOnly) out = kvs.map(withoutValue)
  return { header: { revision: result.rev }, kvs: out, more, count: result.count }
}

function withoutValue(kv: KeyValue): KeyValueInit {
  return {
    key: kv.key,
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    lease: kv.lease,
  }
}

function sortKvs(kvs: KeyValue[], target: number, descending: boolean): KeyValue[] {
  // A stable sort of key-ordered input: ties stay in key order (etcd's sort.Sort is unstable;
  // key order is one of its possible outcomes).
  let compare: (a: KeyValue, b: KeyValue) => number
  switch (target) {
    case RangeRequest_SortTarget.VERSION:
      compare = (a, b) => a.version - b.version
      break
    case RangeRequest_SortTarget.CREATE:
      compare = (a, b) => a.createRevision - b.createRevision
      break
    case RangeRequest_SortTarget.MOD:
      compare = (a, b) => a.modRevision - b.modRevision
      break
    case RangeRequest_SortTarget.VALUE:
      compare = (a, b) => compareBytes(a.value, b.value)
      break
    default:
      compare = (a, b) => compareBytes(a.key, b.key)
  }
  const sorted = [...kvs]
  if (descending) sorted.sort((a, b) => compare(b, a))
  else sorted.sort(compare)
  return sorted
}

// --- writes -----------------------------------------------------------------------------------

/** What a write needs from the lessor: whether a lease exists. */
export interface LeaseLookup {
  hasLease(id: bigint): boolean
}

/**
 * Put inside `txn`: etcd's `applierV3backend.Put`. Checks `ignore_*` against the current value
 * (the caller checked the lease).
 */
export function applyPut(txn: TxnWrite, p: PutRequest): PutResponseInit {
  let value = p.value
  let lease = p.lease
  let previous: KeyValue | undefined
  if (p.ignoreValue || p.ignoreLease || p.prevKv) {
    previous = txn.range(p.key, undefined).kvs[0]
  }
  if (p.ignoreValue || p.ignoreLease) {
    if (previous === undefined) throw new EtcdError('KEY_NOT_FOUND')
    if (p.ignoreValue) value = previous.value
    if (p.ignoreLease) lease = previous.lease
  }
  const revision = txn.put(p.key, value, lease)
  return p.prevKv && previous !== undefined ? { header: { revision }, prevKv: previous } : { header: { revision } }
}

/** DeleteRange inside `txn`: etcd's `applierV3backend.DeleteRange`. */
export function applyDeleteRange(txn: TxnWrite, d: DeleteRangeRequest): DeleteRangeResponseInit {
  const end = toRangeEnd(d.key, d.rangeEnd)
  const prevKvs = d.prevKv ? txn.range(d.key, end).kvs : undefined
  const { deleted, rev } = txn.deleteRange(d.key, end)
  return prevKvs === undefined
    ? { header: { revision: rev }, deleted }
    : { header: { revision: rev }, deleted, prevKvs }
}

// --- txn --------------------------------------------------------------------------------------

/** Whether a txn only reads (no put or delete in any branch, nested included). */
export function isTxnReadOnly(r: TxnRequest): boolean {
  return opsReadOnly(r.success) && opsReadOnly(r.failure)
}

function opsReadOnly(ops: readonly RequestOp[]): boolean {
  for (const op of ops) {
    const request = op.request
    if (request === undefined) continue
    if (request.case === 'requestPut' || request.case === 'requestDeleteRange') return false
    if (request.case === 'requestTxn' && !isTxnReadOnly(request.value)) return false
  }
  return true
}

/** Whether every range of a txn (both branches, nested) is serializable. */
export function isTxnSerializable(r: TxnRequest): boolean {
  for (const ops of [r.success, r.failure]) {
    for (const op of ops) {
      const request = op.request
      if (request?.case === 'requestRange' && !request.value.serializable) return false
      if (request?.case === 'requestTxn' && !isTxnSerializable(request.value)) return false
    }
  }
  return true
}

/** `compareToPath`: evaluates the compares of the txn and of every nested txn on the branch taken. */
function compareToPath(view: TxnRead, r: TxnRequest): boolean[] {
  const succeeded = applyCompares(view, r.compare)
  const path = [succeeded]
  for (const op of succeeded ? r.success : r.failure) {
    if (op.request?.case === 'requestTxn') path.push(...compareToPath(view, op.request.value))
  }
  return path
}

function applyCompares(view: TxnRead, compares: readonly Compare[]): boolean {
  for (const c of compares) if (!applyCompare(view, c)) return false
  return true
}

const ZERO_KV: KeyValue = { key: EMPTY, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: 0n }

function applyCompare(view: TxnRead, c: Compare): boolean {
  let kvs: KeyValue[]
  try {
    kvs = view.range(c.key, toRangeEnd(c.key, c.rangeEnd)).kvs
  } catch {
    return false
  }
  if (kvs.length === 0) {
    // A missing key compares as zeros, but a VALUE compare on it always fails: there is no way
    // to say "no value" on the wire.
    if (c.target === Compare_CompareTarget.VALUE) return false
    return compareKv(c, ZERO_KV)
  }
  for (const kv of kvs) if (!compareKv(c, kv)) return false
  return true
}

function compareKv(c: Compare, kv: KeyValue): boolean {
  let result: number
  const union = c.targetUnion
  switch (c.target) {
    case Compare_CompareTarget.VALUE:
      result = compareBytes(kv.value, union?.case === 'value' ? union.value : EMPTY)
      break
    case Compare_CompareTarget.CREATE:
      result = sign(kv.createRevision - (union?.case === 'createRevision' ? union.value : 0))
      break
    case Compare_CompareTarget.MOD:
      result = sign(kv.modRevision - (union?.case === 'modRevision' ? union.value : 0))
      break
    case Compare_CompareTarget.VERSION:
      result = sign(kv.version - (union?.case === 'version' ? union.value : 0))
      break
    case Compare_CompareTarget.LEASE: {
      const lease = union?.case === 'lease' ? union.value : 0n
      result = kv.lease < lease ? -1 : kv.lease > lease ? 1 : 0
      break
    }
    default:
      result = 0
  }
  switch (c.result) {
    case Compare_CompareResult.EQUAL:
      return result === 0
    case Compare_CompareResult.NOT_EQUAL:
      return result !== 0
    case Compare_CompareResult.GREATER:
      return result > 0
    case Compare_CompareResult.LESS:
      return result < 0
    default:
      return true
  }
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0
}

/**
 * Runs `check` on every op of the branches `path` selects, nested txns included
 * (`checkRequests`). Returns how many nested txns were walked.
 */
function checkRequests(r: TxnRequest, path: readonly boolean[], at: number, check: (op: RequestOp) => void): number {
  let txns = 0
  let cursor = at + 1
  for (const op of path[at] ? r.success : r.failure) {
    if (op.request?.case === 'requestTxn') {
      const nested = checkRequests(op.request.value, path, cursor, check)
      txns += nested + 1
      cursor += nested + 1
      continue
    }
    check(op)
  }
  return txns
}

/** The stores a txn runs against. */
export interface TxnStores {
  /** A read view of the current state. */
  read(): TxnRead
  /** The write transaction (holds the backend's write lock until `end()`). */
  write(): TxnWrite
  readonly leases: LeaseLookup
}

/**
 * Txn: etcd's `applierV3backend.Txn`. Evaluates every compare on one read view, checks the ops
 * of the chosen branches (unknown leases, `ignore_*` on missing keys, ranges at compacted or
 * future revisions) before writing anything, then runs the ops in one write transaction (one
 * revision) if any op writes.
 *
 * @throws EtcdError for a failed check; nothing was written then.
 */
export function applyTxn(stores: TxnStores, r: TxnRequest): TxnResponseInit {
  const readOnly = isTxnReadOnly(r)
  const view = stores.read()
  let path: boolean[]
  try {
    path = compareToPath(view, r)
    if (!readOnly) {
      // Ranges deleted earlier on the path: an ignore_* put of a key they remove would find no key
      // half-way through the write (etcd panics there); refuse it before anything is written.
      const deleted: { key: Uint8Array; end: RangeEnd }[] = []
      checkRequests(r, path, 0, (op) => {
        if (op.request?.case === 'requestDeleteRange') {
          const d = op.request.value
          deleted.push({ key: d.key, end: toRangeEnd(d.key, d.rangeEnd) })
          return
        }
        if (op.request?.case !== 'requestPut') return
        const put = op.request.value
        if (put.ignoreValue || put.ignoreLease) {
          if (view.range(put.key, undefined).kvs.length === 0) throw new EtcdError('KEY_NOT_FOUND')
          if (deleted.some((d) => inRange(put.key, d.key, d.end))) throw new EtcdError('KEY_NOT_FOUND')
        }
        if (put.lease !== 0n && !stores.leases.hasLease(put.lease)) throw new EtcdError('LEASE_NOT_FOUND')
      })
    }
    checkRequests(r, path, 0, (op) => {
      if (op.request?.case !== 'requestRange') return
      const revision = op.request.value.revision
      if (revision === 0) return
      if (revision > view.rev()) throw new EtcdError('FUTURE_REV')
      if (revision < view.firstRev()) throw new EtcdError('COMPACTED')
    })
  } finally {
    if (!readOnly) view.end()
  }
  if (readOnly) {
    try {
      const { response } = runTxn(view, r, path, 0)
      return { header: { revision: view.rev() }, succeeded: response.succeeded, responses: response.responses }
    } finally {
      view.end()
    }
  }
  const txn = stores.write()
  try {
    const { response } = runTxn(txn, r, path, 0)
    const revision = txn.changes().length > 0 ? txn.rev() + 1 : txn.rev()
    return { header: { revision }, succeeded: response.succeeded, responses: response.responses }
  } catch (error) {
    // Every check ran before the write began: a failure now may have left part of the txn
    // written, which must never be acknowledged as a plain error (etcd panics).
    throw new FatalServerError(
      `txn failed half-way through its writes: ${(error as Error)?.message ?? String(error)}`,
      {
        cause: error,
      },
    )
  } finally {
    txn.end()
  }
}

/** Whether `key` is in `[start, end)` with mvcc's range ends (undefined: `start` only; empty: from `start`). */
function inRange(key: Uint8Array, start: Uint8Array, end: RangeEnd): boolean {
  if (end === undefined) return Buffer.compare(key, start) === 0
  if (Buffer.compare(key, start) < 0) return false
  return end.length === 0 || Buffer.compare(key, end) < 0
}

/** `applyTxn`: runs the ops of the branch `path[at]` selects, in order. */
function runTxn(
  txn: TxnRead | TxnWrite,
  r: TxnRequest,
  path: readonly boolean[],
  at: number,
): { response: { succeeded: boolean; responses: ResponseOpInit[] }; txns: number } {
  const succeeded = path[at] === true
  const responses: ResponseOpInit[] = []
  let txns = 0
  let cursor = at + 1
  for (const op of succeeded ? r.success : r.failure) {
    const request = op.request
    switch (request?.case) {
      case 'requestRange':
        responses.push({ response: { case: 'responseRange', value: applyRange(txn, request.value) } })
        break
      case 'requestPut':
        responses.push({ response: { case: 'responsePut', value: applyPut(txn as TxnWrite, request.value) } })
        break
      case 'requestDeleteRange':
        responses.push({
          response: { case: 'responseDeleteRange', value: applyDeleteRange(txn as TxnWrite, request.value) },
        })
        break
      case 'requestTxn': {
        const nested = runTxn(txn, request.value, path, cursor)
        responses.push({
          response: {
            case: 'responseTxn',
            value: {
              // etcd's newTxnResp leaves nested txn headers empty.
              header: {},
              succeeded: nested.response.succeeded,
              responses: nested.response.responses,
            },
          },
        })
        txns += nested.txns + 1
        cursor += nested.txns + 1
        break
      }
      default:
        responses.push({})
    }
  }
  return { response: { succeeded, responses }, txns }
}

function isSortOrder(value: number): boolean {
  return (
    value === RangeRequest_SortOrder.NONE ||
    value === RangeRequest_SortOrder.ASCEND ||
    value === RangeRequest_SortOrder.DESCEND
  )
}

function isSortTarget(value: number): boolean {
  return Number.isInteger(value) && value >= RangeRequest_SortTarget.KEY && value <= RangeRequest_SortTarget.VALUE
}

/** Bytewise comparison, as Go's `bytes.Compare`. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}
