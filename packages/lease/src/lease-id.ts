import type { LeaseId } from './types.js'

/** The lease ID meaning "no lease" (etcd's `NoLease`): what `getLease` answers for a free key. */
export const NO_LEASE: LeaseId = 0n

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** A lease ID as etcd prints it (`%016x`): 16 lowercase hex digits of its 64 bits. */
export function formatLeaseId(id: LeaseId): string {
  return BigInt.asUintN(64, id).toString(16).padStart(16, '0')
}

/** @throws TypeError unless `id` is a bigint; RangeError unless it fits an int64. */
export function assertLeaseId(id: unknown): asserts id is LeaseId {
  if (typeof id !== 'bigint') throw new TypeError(`lessor: a lease ID must be a bigint, got ${typeof id}`)
  if (id < INT64_MIN || id > INT64_MAX) throw new RangeError(`lessor: lease ID ${id} is outside the int64 range`)
}
