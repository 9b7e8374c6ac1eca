// gRPC clients that send a URL as :authority, as etcdctl 3.4's `--cluster` dials do
// (`passthrough:///http://127.0.0.1:2379`): nghttp2 refuses it, etcd accepts it, and so do we.
import assert from 'node:assert/strict'
import { connect, createServer as createHttp2Server, type IncomingHttpHeaders } from 'node:http2'
import { connect as connectTcp, createServer as createNetServer, type Server as NetServer, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { KVClient, MaintenanceClient } from '@etcd-ts/api'
import { withTimeout } from '@etcd-ts/test-support'
import * as grpc from '@grpc/grpc-js'
import { serveGrpcConnection } from '../../src/h2-authority.js'
import { frame } from '../h2-frames.js'
import { b, call, type Member, s, useMember } from './harness.js'

describe(':authority with a scheme, through startEtcd', { timeout: 60_000 }, () => {
  let m!: Member
  useMember((started) => {
    m = started
  })

  it('serves Range and Status to a client sending http://host:port as :authority', async () => {
    await call(m.kv, 'Put', { key: b('k'), value: b('v') })
    const options = { 'grpc.default_authority': m.url }
    const kv = new KVClient(m.address, grpc.credentials.createInsecure(), options)
    const maintenance = new MaintenanceClient(m.address, grpc.credentials.createInsecure(), options)
    try {
      for (let i = 0; i < 3; i++) {
        const range = await call(kv, 'Range', { key: b('k') })
        assert.equal(s(range.kvs[0]?.value ?? new Uint8Array()), 'v')
        const status = await call(maintenance, 'Status', {})
        assert.equal(status.header?.memberId, m.etcd.server.id)
      }
    } finally {
      kv.close()
      maintenance.close()
    }
  })

  it('still serves ordinary clients and HTTP/1.1', async () => {
    const range = await call(m.kv, 'Range', { key: b('k') })
    assert.equal(range.count, 1)
    const response = await fetch(`${m.url}/health`, { signal: AbortSignal.timeout(10_000) })
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { health: 'true' })
  })
})

/** A loopback HTTP/2 server behind serveGrpcConnection, recording what it injected. */
async function startSniffingServer(sniffTimeoutMs: number, ackTimeoutMs?: number) {
  const injected: Duplex[] = []
  const authorities: (string | undefined)[] = []
  const h2 = createHttp2Server()
  h2.on('stream', (stream, headers: IncomingHttpHeaders) => {
    authorities.push(headers[':authority'])
    stream.respond({ ':status': 200 })
    stream.end('ok')
  })
  const sockets = new Set<Socket>()
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    socket.pause()
    serveGrpcConnection(
      socket,
      (connection) => {
        injected.push(connection)
        h2.emit('connection', connection)
      },
      { sniffTimeoutMs, ackTimeoutMs },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const close = async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
    h2.close()
  }
  return { port, injected, authorities, close }
}

/** One request over a fresh client session; `idleMs` waits before sending it. */
async function request(port: number, authority: string, idleMs = 0): Promise<string> {
  const session = connect(`http://127.0.0.1:${port}`)
  session.on('error', () => {})
  try {
    if (idleMs > 0) await sleep(idleMs)
    return await withTimeout(
      new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/', ':authority': authority })
        let body = ''
        stream.setEncoding('utf8')
        stream.on('data', (chunk: string) => {
          body += chunk
        })
        stream.on('end', () => resolve(body))
        stream.on('error', reject)
      }),
      10_000,
      'request',
    )
  } finally {
    session.destroy()
  }
}

describe('serveGrpcConnection', { timeout: 60_000 }, () => {
  it('hands the socket itself to nghttp2 when :authority is valid', async () => {
    const server = await startSniffingServer(100)
    try {
      assert.equal(await request(server.port, `127.0.0.1:${server.port}`), 'ok')
      assert.equal(server.injected.length, 1)
      assert.ok(server.injected[0] instanceof Socket)
      assert.deepEqual(server.authorities, [`127.0.0.1:${server.port}`])
    } finally {
      await server.close()
    }
  })

  it('rewrites a URL :authority through a JS stream', async () => {
    const server = await startSniffingServer(100)
    try {
      assert.equal(await request(server.port, `http://127.0.0.1:${server.port}`), 'ok')
      assert.equal(server.injected.length, 1)
      assert.ok(!(server.injected[0] instanceof Socket))
      assert.deepEqual(server.authorities, [`http:::127.0.0.1:${server.port}`])
    } finally {
      await server.close()
    }
  })

  it('serves a client that stays idle past the timeout', async () => {
    const server = await startSniffingServer(20)
    try {
      assert.equal(await request(server.port, `127.0.0.1:${server.port}`, 200), 'ok')
      assert.ok(server.injected[0] instanceof Socket)
    } finally {
      await server.close()
    }
  })
})

/** A raw HPACK literal without indexing, name by static index (RFC 7541 §6.2.2). */
function literal(nameIndex: number, value: string): Buffer {
  return Buffer.concat([Buffer.from([nameIndex, value.length]), Buffer.from(value, 'latin1')])
}

describe('serveGrpcConnection, late SETTINGS ACK', { timeout: 60_000 }, () => {
  it('takes the JS path and drops our ACK when it comes after the timeout', async () => {
    const server = await startSniffingServer(20, 20)
    const socket = connectTcp(server.port, '127.0.0.1')
    socket.on('error', () => {})
    try {
      // GET / with :authority 127.0.0.1 (valid): only the missing ACK sends it to the JS path.
      const block = Buffer.concat([Buffer.from([0x82, 0x86, 0x84]), literal(1, '127.0.0.1')])
      socket.write(
        Buffer.concat([
          Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
          frame(4, 0, 0, Buffer.alloc(0)),
          frame(1, 0x4 | 0x1, 1, block),
        ]),
      )
      const response = await withTimeout(
        new Promise<number>((resolve, reject) => {
          let received = Buffer.alloc(0)
          socket.on('data', (chunk: Buffer) => {
            received = Buffer.concat([received, chunk])
            while (received.length >= 9 && received.length >= 9 + received.readUIntBE(0, 3)) {
              const type = received[3] as number
              const flags = received[4] as number
              received = received.subarray(9 + received.readUIntBE(0, 3))
              // SETTINGS (ours, then nghttp2's): ACK each one late, in order, after the timeout.
              if (type === 4 && (flags & 1) === 0) {
                setTimeout(() => socket.write(frame(4, 1, 0, Buffer.alloc(0))), 100)
              }
              if (type === 7) reject(new Error('GOAWAY'))
              if (type === 3) reject(new Error('RST_STREAM'))
              if (type === 1) resolve(type)
            }
          })
        }),
        10_000,
        'response',
      )
      assert.equal(response, 1)
      assert.ok(!(server.injected[0] instanceof Socket))
      assert.deepEqual(server.authorities, ['127.0.0.1'])
      // The connection still works after both ACKs: nghttp2 answers a PING.
      await sleep(150)
      const pong = new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          if (chunk.includes(frame(6, 1, 0, Buffer.alloc(8, 9)))) resolve()
        })
      })
      socket.write(frame(6, 0, 0, Buffer.alloc(8, 9)))
      await withTimeout(pong, 10_000, 'PING ACK')
    } finally {
      socket.destroy()
      await server.close()
    }
  })
})
