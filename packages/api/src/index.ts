/**
 * `@etcd-ts/api`: the etcd v3 wire contract. Our own `.proto` files with etcd's packages,
 * messages, field numbers and types (`proto/`), codecs generated from them (binary protobuf and
 * the grpc-gateway JSON), @grpc/grpc-js service definitions, clients and handler types for the
 * eight etcd services and gRPC health, and etcd's error table (gRPC code + exact message).
 * It depends on nothing of ours; the server and the client both build on it.
 *
 * Every message `Foo` is an interface (what `decode` returns, every field present), a
 * `FooInit` (what `encode` accepts, every field optional) and a codec constant `Foo` with
 * `encode`, `decode`, `create`, `encodedLength`, `toJson` and `fromJson`. Revisions, versions,
 * TTLs, sizes, raft indexes and terms are `number`; cluster, member, lease, watch and request
 * IDs are `bigint`; bytes are `Uint8Array` views into the decoded input.
 *
 * @example
 * ```ts
 * import { bytes, PutRequest } from '@etcd-ts/api'
 *
 * const wire = PutRequest.encode({ key: bytes('foo'), value: bytes('bar'), lease: 0x694d67ed2bfbea03n })
 * const put = PutRequest.decode(wire) // { key, value, lease: 7587835215531993603n, prevKv: false, ... }
 * ```
 *
 * @packageDocumentation
 */

// Every name of these packages is also at the root; leasepb and membershippb (storage and raft
// internals; membershippb.Member would shadow etcdserverpb.Member) stay under their namespaces.
export * from './gen/authpb.js'
export * from './gen/etcdserverpb.js'
export * from './gen/healthpb.js'
export * from './gen/mvccpb.js'
export * from './gen/v3electionpb.js'
export * from './gen/v3lockpb.js'

import * as authpb from './gen/authpb.js'
import * as etcdserverpb from './gen/etcdserverpb.js'
import * as healthpb from './gen/healthpb.js'
import * as leasepb from './gen/leasepb.js'
import * as membershippb from './gen/membershippb.js'
import * as mvccpb from './gen/mvccpb.js'
import * as v3electionpb from './gen/v3electionpb.js'
import * as v3lockpb from './gen/v3lockpb.js'

export type { JsonObject, JsonValue } from './codec/json.js'
export type { MessageType } from './codec/message-type.js'
export type { EtcdErrorCode } from './errors.js'
export {
  ETCD_ERRORS,
  EtcdError,
  fromGrpcStatus,
  GrpcStatus,
  grpcCodeToHttpStatus,
  JsonDecodeError,
  ProtoDecodeError,
  toGrpcStatus,
  UnsafeIntegerError,
  WatchCancelReason,
} from './errors.js'
export type {
  BidiStreamingClientMethod,
  ClientStreamingClientMethod,
  ServerStreamingClientMethod,
  ServiceClientConstructor,
  TypedMethodDefinition,
  UnaryClientMethod,
} from './grpc/types.js'
export { bytes, fromKeyRangeEnd, isAllKeysRange, NUL, prefixRangeEnd, text } from './keys.js'
export { METADATA_HAS_LEADER, METADATA_KEYS } from './metadata.js'
export { authpb, etcdserverpb, healthpb, leasepb, membershippb, mvccpb, v3electionpb, v3lockpb }
