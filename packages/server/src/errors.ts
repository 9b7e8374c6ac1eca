import { EtcdError } from '@etcd-ts/api'

/** The data directory cannot be used (not a directory, not writable, inconsistent files). */
export class DataDirError extends Error {
  override readonly name = 'DataDirError'
  readonly code = 'SERVER_DATA_DIR'
}

/** The member stopped on a fatal error (a failed WAL write, a broken invariant). */
export class FatalServerError extends Error {
  override readonly name = 'FatalServerError'
  readonly code = 'SERVER_FATAL'
}

// Codes of errors thrown by our packages → etcd's error (v3rpc/util.go togRPCError).
const BY_CODE: Readonly<Record<string, ConstructorParameters<typeof EtcdError>[0]>> = {
  MVCC_COMPACTED: 'COMPACTED',
  MVCC_FUTURE_REV: 'FUTURE_REV',
  MVCC_EMPTY_KEY: 'EMPTY_KEY',
  LEASE_NOT_FOUND: 'LEASE_NOT_FOUND',
  LEASE_EXISTS: 'LEASE_EXIST',
  LEASE_TTL_TOO_LARGE: 'LEASE_TTL_TOO_LARGE',
}

/**
 * The etcd error a failure maps to, as etcd's `togRPCError` maps server errors: our packages'
 * typed errors by `code`; an {@link EtcdError} as is; anything else is returned unchanged (it
 * goes out as UNKNOWN with its text, as etcd does with unmapped errors).
 */
export function toEtcdError(error: unknown): unknown {
  if (error instanceof EtcdError) return error
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') {
    const mapped = BY_CODE[code]
    if (mapped !== undefined) return new EtcdError(mapped, { cause: error })
  }
  return error
}
