// The examples of README.md (and of src/index.ts), run as written (keep them in sync). The gRPC
// one needs a server: a grpc-js server with a one-key KV on 127.0.0.1, on a port the system
// picks, closed at the end.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import {
  bytes,
  EtcdError,
  fromGrpcStatus,
  KVClient,
  type KVHandlers,
  KVService,
  PutRequest,
  prefixRangeEnd,
  RangeResponse,
  text,
  toGrpcStatus,
} from '@etcd-ts/api'
import * as grpc from '@grpc/grpc-js'

it('README: encode and decode', () => {
  const wire = PutRequest.encode({ key: bytes('foo'), value: bytes('bar'), lease: 0x694d67ed2bfbea03n })
  const put = PutRequest.decode(wire) // every field present; key and value are views into `wire`
  assert.equal(text(put.key), 'foo')
  assert.equal(put.lease, 7587835215531993603n)
  assert.equal(put.prevKv, false)

  const response = RangeResponse.create({
    header: { clusterId: 0xcdb6f9a3c45a2f1bn, revision: 42 },
    kvs: [{ key: bytes('foo'), value: bytes('bar'), modRevision: 42 }],
    count: 1,
  })
  const json = RangeResponse.toJson(response) // etcd's gateway form
  assert.deepEqual(json, {
    header: { cluster_id: '14823309705305796379', revision: '42' },
    kvs: [{ key: 'Zm9v', mod_revision: '42', value: 'YmFy' }],
    count: '1',
  })
  assert.deepEqual(RangeResponse.fromJson(json), response)
})

it('README: a grpc-js client calling KV.Range, and a server answering it', async () => {
  // The server side (what @etcd-ts/server does, with its store behind it).
  const handlers: Pick<KVHandlers, 'Range'> = {
    Range(call, callback) {
      const { key } = call.request // decoded: a RangeRequest with every field present
      if (key.length === 0) return callback(toGrpcStatus(new EtcdError('EMPTY_KEY'))) // etcd's code and message
      callback(null, {
        header: { revision: 7 },
        kvs: [{ key: bytes('/config/a'), value: bytes('1'), createRevision: 5, modRevision: 7, version: 2 }],
        count: 1,
      })
    },
  }
  const server = new grpc.Server()
  server.addService(KVService, handlers)
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  )
  const printed: string[] = []
  const console = {
    log: (...args: unknown[]) => printed.push(args.join(' ')),
    error: (e: unknown) => printed.push(String(e)),
  }
  try {
    // README, "Calling etcd" (with the port of this test's server)
    const kv = new KVClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure())
    const prefix = bytes('/config/')
    await new Promise<void>((done) => {
      kv.Range({ key: prefix, rangeEnd: prefixRangeEnd(prefix), limit: 10 }, (error, response) => {
        if (error) console.error(fromGrpcStatus(error) ?? error) // an EtcdError for etcd's own errors
        for (const { key, value, modRevision } of response?.kvs ?? []) {
          console.log(text(key), '=', text(value), `(revision ${modRevision})`)
        }
        done()
      })
    })
    assert.deepEqual(printed, ['/config/a = 1 (revision 7)'])

    // An etcd error comes back as the same EtcdError.
    const error = await new Promise<grpc.ServiceError | null>((done) => kv.Range({}, (e) => done(e)))
    assert.ok(error)
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT)
    assert.equal(error.details, 'etcdserver: key is not provided')
    const etcdError = fromGrpcStatus(error)
    assert.ok(etcdError instanceof EtcdError)
    assert.equal(etcdError.code, 'EMPTY_KEY')

    // Methods without a handler answer UNIMPLEMENTED.
    const unimplemented = await new Promise<grpc.ServiceError | null>((done) => kv.Put({ key: bytes('k') }, done))
    assert.equal(unimplemented?.code, grpc.status.UNIMPLEMENTED)
    kv.close()
  } finally {
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()))
  }
})
