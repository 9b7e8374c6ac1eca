// What every service shares: turning errors into etcd's gRPC statuses, the `hasleader`
// metadata check, and the unary-call adapter.
import { EtcdError, METADATA_HAS_LEADER, METADATA_KEYS, toGrpcStatus } from '@etcd-ts/api'
import { NONE } from '@etcd-ts/raft'
import type * as grpc from '@grpc/grpc-js'
import type { ServerLogger } from '../config.js'
import { toEtcdError } from '../errors.js'
import type { EtcdServer } from '../server.js'

/** The gRPC status for `error`: etcd's code and exact message, or UNKNOWN with the error's text. */
export function serviceError(error: unknown, logger?: ServerLogger): grpc.ServerErrorResponse {
  // A gRPC status made on purpose (e.g. UNIMPLEMENTED) goes out as it is.
  const { code, details } = (error ?? {}) as { code?: unknown; details?: unknown }
  if (typeof code === 'number' && typeof details === 'string') return error as grpc.ServerErrorResponse
  const mapped = toEtcdError(error)
  const status = toGrpcStatus(mapped)
  if (!(mapped instanceof EtcdError) && logger !== undefined) {
    logger.warn('request failed with an unexpected error', { error: String(error) })
  }
  return Object.assign(new Error(status.details), { code: status.code, details: status.details })
}

/** Whether the call asked to be served only while there is a leader (`hasleader: true`). */
export function requiresLeader(metadata: grpc.Metadata): boolean {
  return metadata.get(METADATA_KEYS.requireLeader)[0] === METADATA_HAS_LEADER
}

/** etcd's interceptor rule: a `hasleader` call is refused with `etcdserver: no leader` while there is none. */
export function checkLeader(server: EtcdServer, metadata: grpc.Metadata): void {
  if (server.leader === NONE && requiresLeader(metadata)) throw new EtcdError('NO_LEADER')
}

/** A unary handler running `run` with etcd's leader check and error mapping. */
export function unary<Req, Res>(
  server: EtcdServer,
  run: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  const logger = server.config.logger
  return (call, callback) => {
    let pending: Promise<Res>
    try {
      checkLeader(server, call.metadata)
      pending = run(call.request, call)
    } catch (error) {
      callback(serviceError(error, logger))
      return
    }
    pending.then(
      (response) => callback(null, response),
      (error: unknown) => callback(serviceError(error, logger)),
    )
  }
}

/** Ends a streaming call with etcd's status for `error` (grpc-js sends the status of an `error` event). */
export function failStream(
  call: { emit(event: 'error', error: Error): boolean },
  error: unknown,
  logger?: ServerLogger,
): void {
  call.emit('error', serviceError(error, logger))
}

/**
 * The leader check for a streaming call: true if the call may go on, else the call has been
 * ended with `etcdserver: no leader`.
 */
export function admitStream(
  server: EtcdServer,
  call: { readonly metadata: grpc.Metadata; emit(event: 'error', error: Error): boolean },
): boolean {
  try {
    checkLeader(server, call.metadata)
    return true
  } catch (error) {
    failStream(call, error, server.config.logger)
    return false
  }
}

/** Resolves once a streaming call can take more writes, or is over. */
export function drained(call: {
  on(event: string, listener: () => void): unknown
  off(event: string, listener: () => void): unknown
}): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done)
      call.off('cancelled', done)
      call.off('close', done)
      resolve()
    }
    call.on('drain', done)
    call.on('cancelled', done)
    call.on('close', done)
  })
}

/**
 * What the Watch and LeaseKeepAlive handlers use of a bidirectional call: a grpc-js
 * `ServerDuplexStream`, or the JSON gateway's stand-in for one.
 */
export interface DuplexCall<Req, Res> {
  readonly metadata: grpc.Metadata
  readonly cancelled: boolean
  on(event: 'data', listener: (request: Req) => void): unknown
  on(event: 'end' | 'close' | 'cancelled' | 'drain' | 'error', listener: () => void): unknown
  off(event: string, listener: () => void): unknown
  write(response: Res): boolean
  end(): unknown
  emit(event: 'error', error: Error): boolean
}
