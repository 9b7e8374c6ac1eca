// etcdserverpb.Cluster (etcd's v3rpc/member.go). One member: MemberList. Membership changes come
// with clusters (rafthttp): until then a change of an unknown member answers etcd's "member not
// found", and any other change UNIMPLEMENTED.
import { type ClusterHandlers, EtcdError } from '@etcd-ts/api'
import type * as grpc from '@grpc/grpc-js'
import type { EtcdServer } from '../server.js'
import { unary } from './common.js'

const NOT_YET: grpc.ServerErrorResponse = Object.assign(new Error('membership changes are not supported yet'), {
  code: 12, // UNIMPLEMENTED
  details: 'etcd-ts: membership changes are not supported yet',
})

/** Handlers of `etcdserverpb.Cluster` (those not given answer UNIMPLEMENTED). */
export function clusterHandlers(server: EtcdServer): Partial<ClusterHandlers> {
  const change = async (id: bigint): Promise<never> => {
    if (server.cluster.member(id) === undefined) throw new EtcdError('MEMBER_NOT_FOUND')
    throw NOT_YET
  }
  return {
    MemberList: unary(server, () => server.memberList()),
    MemberRemove: unary(server, (r) => change(r.ID)),
    MemberUpdate: unary(server, (r) => change(r.ID)),
    MemberPromote: unary(server, (r) => change(r.ID)),
  }
}
