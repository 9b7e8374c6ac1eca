// etcdserverpb.Maintenance over the server (etcd's v3rpc/maintenance.go).
import { EtcdError, type MaintenanceHandlers, type SnapshotRequest, type SnapshotResponseInit } from '@etcd-ts/api'
import type * as grpc from '@grpc/grpc-js'
import type { EtcdServer } from '../server.js'
import { checkLeader, drained, failStream, unary } from './common.js'

/** Handlers of `etcdserverpb.Maintenance` (those not given answer UNIMPLEMENTED). */
export function maintenanceHandlers(server: EtcdServer): Partial<MaintenanceHandlers> {
  return {
    Alarm: unary(server, (r) => server.alarm(r)),
    Status: unary(server, () => server.status()),
    Defragment: unary(server, () => server.defragment()),
    Hash: unary(server, () => server.hash()),
    HashKV: unary(server, (r) => server.hashKV(r)),
    MoveLeader: unary(server, async (r) => {
      // One member: it is the leader, and the only possible transferee is itself.
      if (!server.isLeader) throw new EtcdError('NOT_LEADER')
      if (server.cluster.member(r.targetID) === undefined) throw new EtcdError('BAD_LEADER_TRANSFEREE')
      return { header: server.header() }
    }),
    Snapshot: (call) => {
      void sendSnapshot(server, call)
    },
  }
}

/** Streams the snapshot, waiting for the transport to drain between blobs. */
async function sendSnapshot(
  server: EtcdServer,
  call: grpc.ServerWritableStream<SnapshotRequest, SnapshotResponseInit>,
): Promise<void> {
  const logger = server.config.logger
  try {
    checkLeader(server, call.metadata)
    for await (const response of server.snapshot()) {
      if (call.cancelled) return
      if (!call.write(response)) await drained(call)
    }
    call.end()
  } catch (error) {
    if (!call.cancelled) failStream(call, error, logger)
  }
}
