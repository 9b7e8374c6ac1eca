// grpc.health.v1.Health, as etcd registers it: the server ("") is SERVING while it runs.
import { type HealthCheckRequest, HealthCheckResponse_ServingStatus, type HealthHandlers } from '@etcd-ts/api'
import type * as grpc from '@grpc/grpc-js'
import type { EtcdServer } from '../server.js'

/** Handlers of `grpc.health.v1.Health`. */
export function healthHandlers(server: EtcdServer): HealthHandlers {
  const status = (request: HealthCheckRequest) => {
    if (request.service !== '') return undefined
    return server.health().reason === 'STOPPED'
      ? HealthCheckResponse_ServingStatus.NOT_SERVING
      : HealthCheckResponse_ServingStatus.SERVING
  }
  return {
    Check: (call, callback) => {
      const s = status(call.request)
      if (s === undefined) callback({ code: 5, details: 'unknown service' } as grpc.ServerErrorResponse)
      else callback(null, { status: s })
    },
    Watch: (call) => {
      call.write({ status: status(call.request) ?? HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN })
    },
  }
}
