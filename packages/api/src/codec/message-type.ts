import type { JsonObject } from './json.js'

/**
 * The codec of one protobuf message type `T` (what decode returns, every field present) with
 * its init shape `I` (what encode accepts, every field optional). Every generated message has
 * one, as a constant of the message's name: `RangeRequest.encode({ key })`.
 */
export interface MessageType<T extends I, I extends object> {
  /** Fully qualified protobuf name, e.g. `etcdserverpb.RangeRequest`. */
  readonly typeName: string
  /**
   * Encodes in proto3 canonical form: fields in number order, default values (0, false, empty)
   * omitted, except proto2 optional fields that are set. Throws a RangeError for a 64-bit value
   * out of range (a `number` that is not a safe integer, a `bigint` beyond 64 bits).
   *
   * The result is a new array that nothing else writes to. Results of 65 bytes to 4 KiB are
   * views into a shared 8 KiB `ArrayBuffer` (as Node's small Buffers are): use `byteOffset` and
   * `byteLength` along with `buffer`.
   */
  encode(message: I): Uint8Array
  /** Size in bytes of `encode(message)`, without encoding. */
  encodedLength(message: I): number
  /**
   * Decodes binary data. `bytes` fields are views into `bytes` (not copies); unknown fields are
   * skipped. Throws `ProtoDecodeError` on malformed input and `UnsafeIntegerError` for a
   * `number` field beyond ±(2^53 - 1).
   */
  decode(bytes: Uint8Array): T
  /** A message with every field present: the given ones, defaults for the rest. */
  create(init?: I): T
  /** The grpc-gateway JSON form (etcd's `/v3/*` gateway, proto field names, default values omitted). */
  toJson(message: I): JsonObject
  /** Reads the grpc-gateway JSON form; throws `JsonDecodeError` on bad input. */
  fromJson(json: unknown): T
}
