// etcdserverpb.Lease over the server (etcd's v3rpc/lease.go).
import type { LeaseHandlers, LeaseKeepAliveRequest, LeaseKeepAliveResponseInit } from '@etcd-ts/api'
import type { EtcdServer } from '../server.js'
import { admitStream, type DuplexCall, failStream, unary } from './common.js'

/** Handlers of `etcdserverpb.Lease`. */
export function leaseHandlers(server: EtcdServer): LeaseHandlers {
  return {
    LeaseGrant: unary(server, (r) => server.leaseGrant(r)),
    LeaseRevoke: unary(server, (r) => server.leaseRevoke(r)),
    LeaseTimeToLive: unary(server, (r) => server.leaseTimeToLive(r)),
    LeaseLeases: unary(server, () => server.leaseLeases()),
    LeaseKeepAlive: (call) => serveKeepAlive(server, call),
  }
}

/**
 * The keep-alive stream: requests are answered one at a time, in order. The header is taken
 * before the renewal (so a client never sees a keep-alive succeed at a revision after the
 * lease's revocation); an unknown lease answers TTL 0. The client closing its side ends the
 * stream with OK.
 */
export function serveKeepAlive(
  server: EtcdServer,
  call: DuplexCall<LeaseKeepAliveRequest, LeaseKeepAliveResponseInit>,
): void {
  if (!admitStream(server, call)) return
  const logger = server.config.logger
  const queue: LeaseKeepAliveRequest[] = []
  let busy = false
  let ended = false
  let failed = false

  const pump = async (): Promise<void> => {
    busy = true
    try {
      while (queue.length > 0 && !failed && !call.cancelled) {
        const request = queue.shift() as LeaseKeepAliveRequest
        const header = server.header()
        let ttl: number
        try {
          ttl = await server.leaseRenew(request.ID)
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'LEASE_NOT_FOUND') throw error
          ttl = 0
        }
        if (call.cancelled) return
        call.write({ header, ID: request.ID, TTL: ttl })
      }
      if (ended && !failed && !call.cancelled) call.end()
    } catch (error) {
      failed = true
      failStream(call, error, logger)
    } finally {
      busy = false
    }
  }

  call.on('data', (request: LeaseKeepAliveRequest) => {
    queue.push(request)
    if (!busy) void pump()
  })
  call.on('end', () => {
    ended = true
    if (!busy) void pump()
  })
  call.on('error', () => {
    failed = true
  })
}
