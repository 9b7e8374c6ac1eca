// The gRPC server of a member: etcd's services on grpc-js, with etcd's message size limits.
import {
  AuthService,
  ClusterService,
  HealthService,
  KVService,
  LeaseService,
  MaintenanceService,
  WatchService,
} from '@etcd-ts/api'
import * as grpc from '@grpc/grpc-js'
import type { EtcdServer } from '../server.js'
import { authHandlers } from './auth.js'
import { clusterHandlers } from './cluster.js'
import { healthHandlers } from './health.js'
import { kvHandlers } from './kv.js'
import { leaseHandlers } from './lease.js'
import { maintenanceHandlers } from './maintenance.js'
import { watchHandlers } from './watch.js'

/** Room for gRPC framing above `--max-request-bytes` (etcd's `grpcOverheadBytes`). */
const GRPC_OVERHEAD_BYTES = 512 * 1024

/**
 * A grpc-js server with the KV, Watch, Lease, Cluster, Maintenance, Auth (disabled) and health services of
 * `server`. It binds no port: the caller injects connections (one port serves gRPC and HTTP).
 */
export function createGrpcServer(server: EtcdServer): grpc.Server {
  const grpcServer = new grpc.Server({
    'grpc.max_receive_message_length': server.config.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    'grpc.max_send_message_length': 2 ** 31 - 1,
    'grpc.max_concurrent_streams': 2 ** 32 - 1,
  })
  grpcServer.addService(KVService, kvHandlers(server))
  grpcServer.addService(WatchService, watchHandlers(server))
  grpcServer.addService(LeaseService, leaseHandlers(server))
  grpcServer.addService(ClusterService, clusterHandlers(server) as grpc.UntypedServiceImplementation)
  grpcServer.addService(MaintenanceService, maintenanceHandlers(server) as grpc.UntypedServiceImplementation)
  grpcServer.addService(AuthService, authHandlers(server) as grpc.UntypedServiceImplementation)
  grpcServer.addService(HealthService, healthHandlers(server))
  return grpcServer
}
