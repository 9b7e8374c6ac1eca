import { LevelBackend } from '@etcd-ts/backend-level'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import type { BackendFactory } from '@etcd-ts/server'

/** The storage adapters the daemon offers (`--backend`). */
export const BACKEND_KINDS = ['level', 'memory'] as const
export type BackendKind = (typeof BACKEND_KINDS)[number]

/** What the adapters may log (the backend contract's logger). */
export interface BackendLogger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/**
 * The server's {@link BackendFactory} for a `--backend` choice:
 * - `level`: `LevelBackend` (LevelDB) at the path the server gives (`<data-dir>/member/snap/db`),
 *   durable; the default, as bbolt is etcd's;
 * - `memory`: `MemoryBackend`, nothing on disk (the path is unused): every restart starts empty.
 *
 * Both get the server's batching settings (`--backend-batch-interval`, `--backend-batch-limit`).
 *
 * @throws RangeError for another kind.
 */
export function backendFactory(
  kind: BackendKind,
  components: { readonly logger?: BackendLogger } = {},
): BackendFactory {
  const backendComponents = components.logger === undefined ? {} : { logger: components.logger }
  switch (kind) {
    case 'level':
      return (options) =>
        new LevelBackend(
          { location: options.path, batchIntervalMs: options.batchIntervalMs, batchLimit: options.batchLimit },
          backendComponents,
        )
    case 'memory':
      return (options) =>
        new MemoryBackend(
          { batchIntervalMs: options.batchIntervalMs, batchLimit: options.batchLimit },
          backendComponents,
        )
    default:
      throw new RangeError(`backend must be one of ${BACKEND_KINDS.join(', ')}, got ${String(kind)}`)
  }
}
