import type * as grpc from '@grpc/grpc-js'

/**
 * A grpc-js method definition whose serializers accept init objects (`ReqInit`, `ResInit`)
 * and whose deserializers return fully decoded messages (`Req`, `Res`). It is a
 * `grpc.MethodDefinition<Req, Res>`, so generated services work with `server.addService` and
 * `makeGenericClientConstructor` as they are.
 */
export interface TypedMethodDefinition<Req extends ReqInit, ReqInit, Res extends ResInit, ResInit>
  extends grpc.MethodDefinition<Req, Res> {
  requestSerialize: (value: ReqInit) => Buffer
  requestDeserialize: (bytes: Buffer) => Req
  responseSerialize: (value: ResInit) => Buffer
  responseDeserialize: (bytes: Buffer) => Res
}

/** A unary method of a generated client (grpc-js callback style). */
export interface UnaryClientMethod<ReqInit, Res> {
  (request: ReqInit, callback: grpc.requestCallback<Res>): grpc.ClientUnaryCall
  (request: ReqInit, metadata: grpc.Metadata, callback: grpc.requestCallback<Res>): grpc.ClientUnaryCall
  (request: ReqInit, options: Partial<grpc.CallOptions>, callback: grpc.requestCallback<Res>): grpc.ClientUnaryCall
  (
    request: ReqInit,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: grpc.requestCallback<Res>,
  ): grpc.ClientUnaryCall
}

/** A server-streaming method of a generated client. */
export interface ServerStreamingClientMethod<ReqInit, Res> {
  (request: ReqInit, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<Res>
  (request: ReqInit, metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<Res>
}

/** A client-streaming method of a generated client. */
export interface ClientStreamingClientMethod<ReqInit, Res> {
  (callback: grpc.requestCallback<Res>): grpc.ClientWritableStream<ReqInit>
  (metadata: grpc.Metadata, callback: grpc.requestCallback<Res>): grpc.ClientWritableStream<ReqInit>
  (options: Partial<grpc.CallOptions>, callback: grpc.requestCallback<Res>): grpc.ClientWritableStream<ReqInit>
  (
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: grpc.requestCallback<Res>,
  ): grpc.ClientWritableStream<ReqInit>
}

/** A bidirectional-streaming method of a generated client. */
export interface BidiStreamingClientMethod<ReqInit, Res> {
  (options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<ReqInit, Res>
  (metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<ReqInit, Res>
}

/** The constructor of a generated client class, as `grpc.makeGenericClientConstructor` builds it. */
export interface ServiceClientConstructor<C extends grpc.Client> {
  new (address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>): C
  readonly service: grpc.ServiceDefinition
  readonly serviceName: string
}

/**
 * A Buffer over the same memory as `bytes` (no copy), which is what grpc-js serializers must
 * return.
 *
 * @internal Used by generated code.
 */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
