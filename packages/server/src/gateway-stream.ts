// The JSON gateway's bidirectional streams (etcd's grpc-gateway for /v3/watch and
// /v3/lease/keepalive): the request body is a sequence of JSON messages, each response goes out
// as one line `{"result": …}`, and a failure once streaming has begun as `{"error": …}`.

import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { grpcCodeToHttpStatus, type JsonObject, toGrpcStatus } from '@etcd-ts/api'
import * as grpc from '@grpc/grpc-js'
import type { DuplexCall } from './grpc/common.js'

/** How to read requests and write responses of one streaming RPC. */
export interface StreamCodec<Req, Res> {
  fromJson(json: unknown): Req
  toJson(message: Res): JsonObject
}

/** The CORS headers etcd's HTTP side sends with every response. */
export const CORS_HEADERS = {
  'Access-Control-Allow-Headers': 'accept, content-type, authorization',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'Access-Control-Allow-Origin': '*',
} as const

/**
 * A {@link DuplexCall} over an HTTP request and response: what the Watch and LeaseKeepAlive
 * handlers need, so the gateway serves them with the same code as gRPC.
 */
export class GatewayCall<Req, Res> extends EventEmitter implements DuplexCall<Req, Res> {
  readonly metadata = new grpc.Metadata()
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  readonly #codec: StreamCodec<Req, Res>
  #cancelled = false
  #finished = false

  constructor(req: IncomingMessage, res: ServerResponse, codec: StreamCodec<Req, Res>) {
    super()
    this.#req = req
    this.#res = res
    this.#codec = codec
    res.on('close', () => {
      if (!this.#finished) this.#cancelled = true
      this.emit('cancelled')
      this.emit('close')
    })
    res.on('drain', () => this.emit('drain'))
  }

  get cancelled(): boolean {
    return this.#cancelled
  }

  /** Starts reading the body: one 'data' event per JSON message, then 'end'. */
  start(): void {
    const splitter = new JsonSplitter()
    this.#req.setEncoding('utf8')
    this.#req.on('data', (text: string) => {
      if (this.#finished) return
      try {
        for (const json of splitter.push(text)) this.emit('data', this.#codec.fromJson(json))
      } catch (error) {
        this.#fail(2, error instanceof Error ? error.message : String(error))
      }
    })
    this.#req.on('end', () => {
      if (!this.#finished) this.emit('end')
    })
  }

  write(response: Res): boolean {
    if (this.#finished) return true
    this.#head()
    return this.#res.write(`${JSON.stringify({ result: this.#codec.toJson(response) })}\n`)
  }

  end(): void {
    if (this.#finished) return
    this.#head()
    this.#finished = true
    this.#res.end()
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') {
      // What failStream sends: the call's gRPC status.
      const status = toGrpcStatus(args[0])
      const { code, details } = args[0] as { code?: unknown; details?: unknown }
      if (typeof code === 'number' && typeof details === 'string') this.#fail(code, details)
      else this.#fail(status.code, status.details)
      return true
    }
    return super.emit(event, ...args)
  }

  #head(): void {
    if (!this.#res.headersSent) this.#res.writeHead(200, { ...CORS_HEADERS, 'Content-Type': 'application/json' })
  }

  #fail(code: number, message: string): void {
    if (this.#finished) return
    this.#finished = true
    if (!this.#res.headersSent) {
      const body = JSON.stringify({ error: message, message, code })
      this.#res.writeHead(grpcCodeToHttpStatus(code), {
        ...CORS_HEADERS,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      })
      this.#res.end(body)
    } else {
      const httpCode = grpcCodeToHttpStatus(code)
      const error = { grpc_code: code, http_code: httpCode, message, http_status: httpStatusText(httpCode) }
      this.#res.end(`${JSON.stringify({ error })}\n`)
    }
    super.emit('close')
  }
}

function httpStatusText(code: number): string {
  switch (code) {
    case 400:
      return 'Bad Request'
    case 404:
      return 'Not Found'
    case 408:
      return 'Request Timeout'
    case 412:
      return 'Precondition Failed'
    case 429:
      return 'Too Many Requests'
    case 503:
      return 'Service Unavailable'
    case 504:
      return 'Gateway Timeout'
    default:
      return 'Internal Server Error'
  }
}

/**
 * Splits a text stream into JSON values as Go's json.Decoder reads them: whitespace between
 * values is skipped; a value may span chunks. Only objects are accepted (every message is one).
 */
export class JsonSplitter {
  #buffer = ''

  /** The complete values `text` finishes, parsed. Throws on text that is not JSON. */
  push(text: string): unknown[] {
    this.#buffer += text
    const values: unknown[] = []
    for (;;) {
      const start = this.#buffer.search(/\S/)
      if (start < 0) {
        this.#buffer = ''
        return values
      }
      const end = valueEnd(this.#buffer, start)
      if (end < 0) {
        this.#buffer = this.#buffer.slice(start)
        return values
      }
      values.push(parseJson(this.#buffer.slice(start, end)))
      this.#buffer = this.#buffer.slice(end)
    }
  }
}

/** The end of the JSON object starting at `start`, or -1 if `text` does not hold all of it yet. */
function valueEnd(text: string, start: number): number {
  // Every message is an object: anything else is refused at its first character, as Go's decoder does.
  if (text[start] !== '{') {
    throw new SyntaxError(`invalid character '${text[start]}' looking for beginning of value`)
  }
  let depth = 0
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      const end = stringEnd(text, i)
      if (end < 0) return -1
      i = end - 1
    } else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') {
      depth--
      if (depth === 0) return i + 1
    }
  }
  return -1
}

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i + 1
  }
  return -1
}

/** Serves a streaming gateway route: `serve(call)` gets the call once the response may start. */
export function serveStream<Req, Res>(
  req: IncomingMessage,
  res: ServerResponse,
  codec: StreamCodec<Req, Res>,
  serve: (call: GatewayCall<Req, Res>) => void,
): void {
  const call = new GatewayCall(req, res, codec)
  serve(call)
  call.start()
}

/**
 * `JSON.parse`, except that integers too long for a double (int64 IDs such as lease IDs) are
 * kept exactly: they come out as decimal strings, which the generated `fromJson` accepts for
 * 64-bit fields, as Go's decoder reads them exactly.
 */
export function parseJson(text: string): unknown {
  let out = ''
  let last = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') {
      inString = true
      continue
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      let j = i + 1
      while (j < text.length && /[0-9.eE+-]/.test(text[j] as string)) j++
      const token = text.slice(i, j)
      if (/^-?\d{16,}$/.test(token)) {
        out += `${text.slice(last, i)}"${token}"`
        last = j
      }
      i = j - 1
    }
  }
  return JSON.parse(last === 0 ? text : out + text.slice(last))
}
