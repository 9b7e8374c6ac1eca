// etcdserverpb.KV over the server (etcd's v3rpc/key.go): validation is the server's; here only
// the leader check and error mapping.
import type { KVHandlers, RangeRequest, RangeStreamResponseInit } from '@etcd-ts/api'
import type * as grpc from '@grpc/grpc-js'
import type { EtcdServer } from '../server.js'
import { admitStream, failStream, unary } from './common.js'

/** Handlers of `etcdserverpb.KV`. */
export function kvHandlers(server: EtcdServer): KVHandlers {
  return {
    Range: unary(server, (r) => server.range(r)),
    Put: unary(server, (r) => server.put(r)),
    DeleteRange: unary(server, (r) => server.deleteRange(r)),
    Txn: unary(server, (r) => server.txn(r)),
    Compact: unary(server, (r) => server.compact(r)),
    RangeStream: (call: grpc.ServerWritableStream<RangeRequest, RangeStreamResponseInit>) => {
      // etcd 3.7's chunked Range: we answer with the whole RangeResponse in one message.
      if (!admitStream(server, call)) return
      const logger = server.config.logger
      server.range(call.request).then(
        (response) => {
          call.write({ rangeResponse: response })
          call.end()
        },
        (error: unknown) => failStream(call, error, logger),
      )
    },
  }
}
