import { connect } from 'node:http2'

/**
 * `GET <clientUrl>/health`: `true` on 200 (etcd answers `{"health":"true"}` once it has a leader
 * and can commit), `false` on any other answer or on a connection error. Bounded by `timeoutMs`.
 */
export async function probeHealth(clientUrl: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) })
    await response.arrayBuffer()
    return response.ok
  } catch {
    return false
  }
}

/**
 * A hand-rolled gRPC unary call `etcdserverpb.KV/Range{key: "health"}` over cleartext HTTP/2 (what
 * `etcdctl endpoint health` does), for a server whose HTTP/1.1 side is not ready or not there.
 * Resolves `true` when the call ends with `grpc-status: 0`; `false` on any failure or after
 * `timeoutMs`. Needs no gRPC library.
 */
export function probeGrpcRange(clientUrl: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let settled = false
    const session = connect(clientUrl)
    const finish = (ok: boolean): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      session.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => finish(false), timeoutMs)
    session.on('error', () => finish(false))
    // RangeRequest { key (field 1, bytes) = "health" }, in a gRPC length-prefixed frame.
    const key = Buffer.from('health')
    const message = Buffer.concat([Buffer.from([0x0a, key.length]), key])
    const frame = Buffer.alloc(5 + message.length)
    frame.writeUInt32BE(message.length, 1)
    message.copy(frame, 5)
    let status: string | undefined
    const request = session.request({
      ':method': 'POST',
      ':path': '/etcdserverpb.KV/Range',
      'content-type': 'application/grpc',
      te: 'trailers',
    })
    request.on('error', () => finish(false))
    request.on('response', (headers) => {
      // A trailers-only response carries grpc-status in the headers.
      const value = headers['grpc-status']
      if (typeof value === 'string') status = value
    })
    request.on('trailers', (trailers) => {
      const value = trailers['grpc-status']
      if (typeof value === 'string') status = value
    })
    request.on('data', () => {})
    request.on('end', () => finish(status === '0'))
    request.on('close', () => finish(status === '0'))
    request.end(frame)
  })
}
