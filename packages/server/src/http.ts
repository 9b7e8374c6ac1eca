// The HTTP/1.1 side of the client port (etcd's etcdhttp and grpc-gateway): /health, /version,
// /metrics, and the JSON gateway for the unary /v3 RPCs.
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  AlarmRequest,
  AlarmResponse,
  CompactionRequest,
  CompactionResponse,
  DefragmentRequest,
  DefragmentResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  grpcCodeToHttpStatus,
  HashKVRequest,
  HashKVResponse,
  HashRequest,
  HashResponse,
  type JsonObject,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesRequest,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberListRequest,
  MemberListResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  StatusRequest,
  StatusResponse,
  TxnRequest,
  TxnResponse,
  toGrpcStatus,
  WatchRequest,
  WatchResponse,
} from '@etcd-ts/api'
import { toEtcdError } from './errors.js'
import { CORS_HEADERS, parseJson, serveStream } from './gateway-stream.js'
import { serveKeepAlive } from './grpc/lease.js'
import { serveWatch } from './grpc/watch.js'
import { ETCD_CLUSTER_VERSION, ETCD_VERSION, type EtcdServer } from './server.js'

/** Largest gateway request body read (the gRPC limit plus JSON's base64 overhead). */
const MAX_BODY_BYTES = 8 * 1024 * 1024
/** How long /health waits for a linearizable read (etcd: 1 s). */
const HEALTH_READ_TIMEOUT_MS = 1000

interface GatewayRoute {
  readonly run: (server: EtcdServer, body: unknown) => Promise<JsonObject>
}

function route<Req, Res>(
  request: { fromJson(json: unknown): Req },
  response: { toJson(message: Res): JsonObject },
  call: (server: EtcdServer, r: Req) => Promise<Res>,
): GatewayRoute {
  return { run: async (server, body) => response.toJson(await call(server, request.fromJson(body))) }
}

// The paths of etcd 3.4's rpc.proto `google.api.http` options (the v3beta and v3alpha prefixes
// are served too, as etcd 3.4 does).
const ROUTES: ReadonlyMap<string, GatewayRoute> = new Map([
  ['/kv/range', route(RangeRequest, RangeResponse, (s, r) => s.range(r))],
  ['/kv/put', route(PutRequest, PutResponse, (s, r) => s.put(r))],
  ['/kv/deleterange', route(DeleteRangeRequest, DeleteRangeResponse, (s, r) => s.deleteRange(r))],
  ['/kv/txn', route(TxnRequest, TxnResponse, (s, r) => s.txn(r))],
  ['/kv/compaction', route(CompactionRequest, CompactionResponse, (s, r) => s.compact(r))],
  ['/lease/grant', route(LeaseGrantRequest, LeaseGrantResponse, (s, r) => s.leaseGrant(r))],
  ['/lease/revoke', route(LeaseRevokeRequest, LeaseRevokeResponse, (s, r) => s.leaseRevoke(r))],
  ['/kv/lease/revoke', route(LeaseRevokeRequest, LeaseRevokeResponse, (s, r) => s.leaseRevoke(r))],
  ['/lease/timetolive', route(LeaseTimeToLiveRequest, LeaseTimeToLiveResponse, (s, r) => s.leaseTimeToLive(r))],
  ['/kv/lease/timetolive', route(LeaseTimeToLiveRequest, LeaseTimeToLiveResponse, (s, r) => s.leaseTimeToLive(r))],
  ['/lease/leases', route(LeaseLeasesRequest, LeaseLeasesResponse, (s) => s.leaseLeases())],
  ['/kv/lease/leases', route(LeaseLeasesRequest, LeaseLeasesResponse, (s) => s.leaseLeases())],
  ['/cluster/member/list', route(MemberListRequest, MemberListResponse, (s) => s.memberList())],
  ['/maintenance/alarm', route(AlarmRequest, AlarmResponse, (s, r) => s.alarm(r))],
  ['/maintenance/status', route(StatusRequest, StatusResponse, (s) => s.status())],
  ['/maintenance/defragment', route(DefragmentRequest, DefragmentResponse, (s) => s.defragment())],
  ['/maintenance/hash', route(HashRequest, HashResponse, (s) => s.hash())],
  ['/maintenance/hashkv', route(HashKVRequest, HashKVResponse, (s, r) => s.hashKV(r))],
])

/** The request listener of the HTTP/1.1 side of a client port. */
export function httpHandler(server: EtcdServer): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(server, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${String(error)}\n`)
      else res.destroy()
    })
  }
}

async function handle(server: EtcdServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  if (req.method === 'OPTIONS') {
    send(res, 200, 'text/plain; charset=utf-8', '')
    return
  }
  if (path === '/health') {
    const healthy = await checkHealth(server)
    send(res, healthy ? 200 : 503, 'text/plain; charset=utf-8', JSON.stringify({ health: String(healthy) }))
    return
  }
  if (path === '/version') {
    send(res, 200, 'application/json', JSON.stringify({ etcdserver: ETCD_VERSION, etcdcluster: ETCD_CLUSTER_VERSION }))
    return
  }
  if (path === '/metrics') {
    server.metrics.dbTotalSize.set(server.backend.size())
    send(res, 200, server.metrics.contentType, await server.metrics.text())
    return
  }
  const match = /^\/v3(?:beta|alpha)?(\/.*)$/.exec(path)
  const route = match?.[1]
  if ((route === '/watch' || route === '/lease/keepalive') && (req.method === 'POST' || req.method === 'PUT')) {
    if (route === '/watch')
      serveStream(req, res, { fromJson: WatchRequest.fromJson, toJson: WatchResponse.toJson }, (call) =>
        serveWatch(server, call),
      )
    else
      serveStream(
        req,
        res,
        { fromJson: LeaseKeepAliveRequest.fromJson, toJson: LeaseKeepAliveResponse.toJson },
        (call) => serveKeepAlive(server, call),
      )
    return
  }
  const gateway = route === undefined ? undefined : ROUTES.get(route)
  if (gateway === undefined) {
    send(res, 404, 'text/plain; charset=utf-8', '404 page not found\n')
    return
  }
  if (req.method !== 'POST' && req.method !== 'PUT') {
    send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n')
    return
  }
  let body: unknown
  try {
    const text = await readBody(req)
    body = text.trim() === '' ? {} : parseJson(text)
  } catch (error) {
    sendError(res, 3, error instanceof Error ? error.message : String(error))
    return
  }
  try {
    send(res, 200, 'application/json', JSON.stringify(await gateway.run(server, body)))
  } catch (error) {
    const mapped = toEtcdError(error)
    const status =
      (mapped as { name?: unknown }).name === 'JsonDecodeError'
        ? { code: 3, details: (mapped as Error).message }
        : toGrpcStatus(mapped)
    sendError(res, status.code, status.details)
  }
}

/** etcd 3.4's /health: no alarm, a leader, and a linearizable read within a second. */
async function checkHealth(server: EtcdServer): Promise<boolean> {
  if (!server.health().healthy) return false
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      server.linearizableReadNotify(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), HEALTH_READ_TIMEOUT_MS)
      }),
    ])
    return true
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** grpc-gateway's error body: `{"error", "message", "code"}` with the HTTP status of the gRPC code. */
function sendError(res: ServerResponse, code: number, message: string): void {
  send(res, grpcCodeToHttpStatus(code), 'application/json', JSON.stringify({ error: message, message, code }))
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { ...CORS_HEADERS, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}
