// etcdserverpb.Cluster (etcd's v3rpc/member.go). One member: MemberList; membership changes come
// with clusters (rafthttp) and answer UNIMPLEMENTED until then.
import type { ClusterHandlers } from '@etcd-ts/api'
import type { EtcdServer } from '../server.js'
import { unary } from './common.js'

/** Handlers of `etcdserverpb.Cluster` (those not given answer UNIMPLEMENTED). */
export function clusterHandlers(server: EtcdServer): Partial<ClusterHandlers> {
  return {
    MemberList: unary(server, () => server.memberList()),
  }
}
