// startEtcd: a member with its client listeners (etcd's embed.StartEtcd). Each client URL is
// one TCP port serving both gRPC (HTTP/2, prior knowledge) and HTTP/1.1 (/health, /version,
// /metrics, the JSON gateway): the first bytes of a connection pick the side.
import { createServer as createHttpServer } from 'node:http'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import * as grpc from '@grpc/grpc-js'
import { ConfigError, type EtcdConfig, type EtcdConfigInit, resolveEtcdConfig } from './config.js'
import { createGrpcServer } from './grpc/index.js'
import { serveGrpcConnection } from './h2-authority.js'
import { httpHandler } from './http.js'
import { EtcdServer, type EtcdServerComponents } from './server.js'

/** The HTTP/2 connection preface starts with these bytes; no HTTP/1.1 method does. */
const HTTP2_PREFACE_START = Buffer.from('PRI', 'latin1')
/** In-flight RPCs get this long to finish when the member closes. */
const GRPC_SHUTDOWN_GRACE_MS = 2000

/** A started member and its client listeners. */
export interface Etcd {
  readonly config: EtcdConfig
  readonly server: EtcdServer
  /** The client URLs served, ports resolved (`http://127.0.0.1:2379`). */
  readonly clientUrls: readonly string[]
  /**
   * Stops the member: stop accepting connections, give in-flight RPCs a grace period, finish
   * in-flight applies, commit the backend, close the WAL. Idempotent.
   */
  close(): Promise<void>
  /** Settles when the member stops; rejects if it stopped on a fatal error. */
  readonly done: Promise<void>
}

/**
 * Starts a member: opens (or creates) its data dir, starts raft, waits until the member has
 * published itself, then serves clients on every `listenClientUrls` URL (`localhost` binds
 * 127.0.0.1; port 0 picks a free port, see {@link Etcd.clientUrls}).
 *
 * @example
 * ```ts
 * import { startEtcd } from '@etcd-ts/server'
 * import { MemoryBackend } from '@etcd-ts/backend-memory'
 *
 * const etcd = await startEtcd({
 *   dataDir: '/tmp/etcd-ts-example',
 *   listenClientUrls: ['http://127.0.0.1:0'],
 *   backend: () => new MemoryBackend(),
 * })
 * console.log(etcd.clientUrls) // [ 'http://127.0.0.1:43121' ]
 * await etcd.close()
 * ```
 *
 * @throws ConfigError for a configuration etcd would refuse; DataDirError for an unusable data
 *   dir; the listen error (e.g. EADDRINUSE) when a port cannot be bound.
 */
export async function startEtcd(init: EtcdConfigInit, components: EtcdServerComponents = {}): Promise<Etcd> {
  const config = resolveEtcdConfig(init)
  const endpoints = config.listenClientUrls.map(parseListenUrl)
  const logger = config.logger
  // The ports first, as etcd binds its listeners before touching the data dir: a port in use
  // fails the start before anything is written. Connections wait until the member is ready.
  const sockets = new Set<Socket>()
  const waiting: Socket[] = []
  let serve: ((socket: Socket) => void) | undefined
  const listeners: NetServer[] = []
  const closeListeners = () => {
    for (const listener of listeners) listener.close()
    for (const socket of sockets) socket.destroy()
  }
  try {
    for (const endpoint of endpoints) {
      const listener = createNetServer((socket) => {
        // Small responses must not wait for Nagle's algorithm (40 ms with delayed ACKs).
        socket.setNoDelay(true)
        sockets.add(socket)
        socket.once('close', () => sockets.delete(socket))
        if (serve === undefined) waiting.push(socket)
        else serve(socket)
      })
      await listen(listener, endpoint.port, endpoint.host)
      listeners.push(listener)
    }
  } catch (error) {
    closeListeners()
    throw error
  }

  let server: EtcdServer
  try {
    server = await EtcdServer.open(config, components)
  } catch (error) {
    closeListeners()
    throw error
  }
  const grpcServer = createGrpcServer(server)
  const httpServer = createHttpServer(httpHandler(server))
  let closing: Promise<void> | undefined

  const close = (): Promise<void> => {
    closing ??= shutdown()
    return closing
  }
  const shutdown = async (): Promise<void> => {
    for (const listener of listeners) listener.close()
    await shutdownGrpc(grpcServer)
    httpServer.closeAllConnections()
    for (const socket of sockets) socket.destroy()
    await server.stop()
  }

  try {
    server.start()
    await Promise.race([
      server.ready,
      server.done.then(() => Promise.reject(new Error('the member stopped while starting'))),
    ])
  } catch (error) {
    await close().catch(() => {})
    throw error
  }
  const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure())
  serve = (socket) =>
    route(socket, (kind) => {
      // etcdctl's `--cluster` dials send a URL as :authority, which nghttp2 refuses.
      if (kind === 'grpc') serveGrpcConnection(socket, (connection) => injector.injectConnection(connection))
      else {
        httpServer.emit('connection', socket)
        // The HTTP parser reads the native handle; what was put back arrives as 'data'.
        socket.resume()
      }
    })
  for (const socket of waiting.splice(0)) if (!socket.destroyed) serve(socket)

  const clientUrls = listeners.map((listener, i) => {
    const address = listener.address()
    const port = typeof address === 'object' && address !== null ? address.port : (endpoints[i]?.port ?? 0)
    return `http://${endpoints[i]?.host ?? '127.0.0.1'}:${port}`
  })
  for (const url of clientUrls) {
    logger.warn('serving client traffic insecurely; this is strongly discouraged!', { address: url.slice(7) })
  }
  logger.info('ready to serve client requests')
  // A member that stops on its own (a fatal error) takes its listeners down too.
  server.done.then(
    () => void close().catch(() => {}),
    () => void close().catch(() => {}),
  )
  return { config, server, clientUrls, close, done: server.done }
}

interface ListenEndpoint {
  readonly host: string
  readonly port: number
}

function parseListenUrl(url: string): ListenEndpoint {
  const parsed = new URL(url)
  if (parsed.protocol !== 'http:') {
    throw new ConfigError(
      `listen-client-urls: only http:// URLs are served for now (TLS and unix sockets are not), got ${url}`,
    )
  }
  const hostname = parsed.hostname.replace(/^\[|\]$/g, '')
  const host = hostname === 'localhost' ? '127.0.0.1' : hostname
  return { host, port: parsed.port === '' ? 80 : Number(parsed.port) }
}

/** Reads the first bytes of `socket`, puts them back, and says which protocol they start. */
function route(socket: Socket, to: (kind: 'grpc' | 'http') => void): void {
  let head: Buffer = Buffer.alloc(0)
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk])
    if (head.length < HTTP2_PREFACE_START.length && HTTP2_PREFACE_START.subarray(0, head.length).equals(head)) return
    socket.off('data', onData)
    socket.pause()
    socket.unshift(head)
    to(head.subarray(0, HTTP2_PREFACE_START.length).equals(HTTP2_PREFACE_START) ? 'grpc' : 'http')
  }
  socket.on('data', onData)
  socket.on('error', () => socket.destroy())
}

function listen(listener: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    listener.once('error', reject)
    listener.listen(port, host, () => {
      listener.off('error', reject)
      resolve()
    })
  })
}

function shutdownGrpc(grpcServer: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      grpcServer.forceShutdown()
      resolve()
    }, GRPC_SHUTDOWN_GRACE_MS)
    timer.unref()
    grpcServer.tryShutdown(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}
