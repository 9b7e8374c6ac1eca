import type { PutRequest, TxnRequest } from '@etcd-ts/api'
import { DEFAULT_QUOTA_BYTES } from './config.js'

/** Bytes a put is charged beyond its key and value (etcd's `kvOverhead`). */
const KV_OVERHEAD = 256
/** What a lease grant is charged (etcd's `leaseOverhead`). */
const LEASE_OVERHEAD = 64

/** What a request costs against the quota (etcd's `backendQuota.Cost`). */
export type QuotaRequest =
  | { readonly kind: 'put'; readonly request: PutRequest }
  | { readonly kind: 'txn'; readonly request: TxnRequest }
  | { readonly kind: 'leaseGrant' }

/**
 * The backend quota (etcd's `backendQuota`): a request is allowed while the backend's allocated
 * size plus its cost stays below the quota. `quotaBackendBytes` 0 means 2 GiB, negative means
 * no quota.
 */
export class BackendQuota {
  readonly #maxBytes: number
  readonly #size: () => number

  constructor(quotaBackendBytes: number, size: () => number) {
    this.#maxBytes = quotaBackendBytes === 0 ? DEFAULT_QUOTA_BYTES : quotaBackendBytes
    this.#size = size
  }

  /** The quota in bytes; Infinity when disabled. */
  get maxBytes(): number {
    return this.#maxBytes < 0 ? Number.POSITIVE_INFINITY : this.#maxBytes
  }

  /** Whether `request` fits. */
  available(request: QuotaRequest): boolean {
    if (this.#maxBytes < 0) return true
    return this.#estimate() + cost(request) < this.#maxBytes
  }

  /**
   * Counts an applied request until the backend's measured size moves: the size is refreshed
   * at most every second or so, and without this a burst of writes would overshoot the quota.
   */
  charge(request: QuotaRequest): void {
    if (this.#maxBytes < 0) return
    this.#estimate() // resets the count if the size moved
    this.#pending += cost(request)
  }

  // Bytes charged since the size last changed; reset when it does.
  #lastSize = -1
  #pending = 0

  #estimate(): number {
    const size = this.#size()
    if (size !== this.#lastSize) {
      this.#lastSize = size
      this.#pending = 0
    }
    return size + this.#pending
  }
}

/** A request's cost in bytes (0 for requests that never grow the backend much). */
export function cost(request: QuotaRequest): number {
  switch (request.kind) {
    case 'put':
      return costPut(request.request)
    case 'txn':
      return costTxn(request.request)
    case 'leaseGrant':
      return LEASE_OVERHEAD
  }
}

function costPut(r: PutRequest): number {
  return KV_OVERHEAD + r.key.length + r.value.length
}

/** The bigger of the two branches' put costs (nested txns included). */
export function costTxn(r: TxnRequest): number {
  let success = 0
  for (const op of r.success) success += costOp(op.request)
  let failure = 0
  for (const op of r.failure) failure += costOp(op.request)
  return Math.max(success, failure)
}

function costOp(request: TxnRequest['success'][number]['request']): number {
  if (request?.case === 'requestPut') return costPut(request.value)
  if (request?.case === 'requestTxn') return costTxn(request.value)
  return 0
}
