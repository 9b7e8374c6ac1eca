// The in-process integration harness: a real member (startEtcd on the memory backend, a fresh
// temp data dir, an OS-picked port) and the generated grpc-js clients pointed at it. Every call
// has a deadline and every wait a timeout, so a broken server fails a test instead of hanging it.
import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import {
  ClusterClient,
  ETCD_ERRORS,
  type EtcdErrorCode,
  fromGrpcStatus,
  KVClient,
  LeaseClient,
  MaintenanceClient,
  type ResponseHeader,
  type UnaryClientMethod,
  WatchClient,
  type WatchRequestInit,
  type WatchResponse,
} from '@etcd-ts/api'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { type Etcd, type EtcdConfigInit, startEtcd } from '@etcd-ts/server'
import { makeTempDir, removeDir, withTimeout } from '@etcd-ts/test-support'
import * as grpc from '@grpc/grpc-js'

/** Deadline of every unary call, ms. */
export const CALL_TIMEOUT_MS = 10_000
/** How long a test waits for one watch or keep-alive response, ms. */
export const STREAM_TIMEOUT_MS = 10_000

/** A started member, its data dir, and one client per service. */
export interface Member {
  readonly etcd: Etcd
  readonly dataDir: string
  /** `127.0.0.1:<port>`, for grpc-js clients. */
  readonly address: string
  /** `http://127.0.0.1:<port>`, for HTTP requests. */
  readonly url: string
  readonly kv: KVClient
  readonly watch: WatchClient
  readonly lease: LeaseClient
  readonly maintenance: MaintenanceClient
  readonly cluster: ClusterClient
  /** Closes the clients and the member (not the data dir). Idempotent. */
  close(): Promise<void>
}

/** Options of {@link startMember}. */
export interface StartMemberOptions {
  /** Reuse this data dir (a restart); default a fresh temp dir. */
  readonly dataDir?: string
  /** Config fields beyond the harness defaults. */
  readonly config?: Partial<EtcdConfigInit>
}

/**
 * Starts a member on `http://127.0.0.1:0` with the memory backend. The caller closes it with
 * `member.close()` and removes `member.dataDir` with {@link removeDir} (see {@link withMember}).
 */
export async function startMember(options: StartMemberOptions = {}): Promise<Member> {
  const dataDir = options.dataDir ?? (await makeTempDir('etcd-ts-server-it-'))
  let etcd: Etcd
  try {
    etcd = await withTimeout(
      startEtcd({
        name: 'it',
        dataDir,
        listenClientUrls: ['http://127.0.0.1:0'],
        advertiseClientUrls: ['http://127.0.0.1:2379'],
        backend: () => new MemoryBackend(),
        ...options.config,
      }),
      20_000,
      'startEtcd',
    )
  } catch (error) {
    if (options.dataDir === undefined) await removeDir(dataDir)
    throw error
  }
  const url = etcd.clientUrls[0] as string
  const address = url.slice('http://'.length)
  const credentials = grpc.credentials.createInsecure()
  const clients = {
    kv: new KVClient(address, credentials),
    watch: new WatchClient(address, credentials),
    lease: new LeaseClient(address, credentials),
    maintenance: new MaintenanceClient(address, credentials),
    cluster: new ClusterClient(address, credentials),
  }
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const client of Object.values(clients)) client.close()
      await withTimeout(etcd.close(), 20_000, 'etcd.close')
    })()
    return closing
  }
  return { etcd, dataDir, address, url, ...clients, close }
}

/**
 * Registers `before`/`after` hooks in the current `describe`: one member for the suite, handed to
 * `set` once started, always closed and its data dir removed afterwards.
 */
export function useMember(set: (member: Member) => void, options: StartMemberOptions = {}): void {
  let member: Member | undefined
  before(async () => {
    member = await startMember(options)
    set(member)
  })
  after(async () => {
    await member?.close()
    if (member !== undefined) await removeDir(member.dataDir)
  })
}

/**
 * Runs `body` with a started member, then always closes it and removes its data dir.
 */
export async function withMember<T>(config: Partial<EtcdConfigInit>, body: (member: Member) => Promise<T>): Promise<T> {
  const member = await startMember({ config })
  try {
    return await body(member)
  } finally {
    await member.close().catch(() => {})
    await removeDir(member.dataDir)
  }
}

type UnaryKeys<C> = {
  [K in keyof C]: C[K] extends UnaryClientMethod<infer _Q, infer _R> ? K : never
}[keyof C]
type RequestOf<M> = M extends UnaryClientMethod<infer Q, infer _R> ? Q : never
type ResponseOf<M> = M extends UnaryClientMethod<infer _Q, infer R> ? R : never

/** A unary call as a Promise, with a deadline (and `metadata` if given). */
export function call<C extends grpc.Client, K extends UnaryKeys<C>>(
  client: C,
  method: K,
  request: RequestOf<C[K]>,
  metadata: grpc.Metadata = new grpc.Metadata(),
): Promise<ResponseOf<C[K]>> {
  return new Promise((resolve, reject) => {
    const fn = client[method] as unknown as UnaryClientMethod<RequestOf<C[K]>, ResponseOf<C[K]>>
    fn.call(client, request, metadata, { deadline: Date.now() + CALL_TIMEOUT_MS }, (error, response) => {
      if (error !== null) reject(error)
      else resolve(response as ResponseOf<C[K]>)
    })
  })
}

/** Asserts that `promise` fails with etcd's error `code`: its exact gRPC code and message. */
export async function rejectsWith(promise: Promise<unknown>, code: EtcdErrorCode): Promise<void> {
  const expected = ETCD_ERRORS[code]
  await assert.rejects(promise, (error: grpc.ServiceError) => {
    assert.equal(error.details, expected.message, `message of ${code}`)
    assert.equal(error.code, expected.grpcCode, `gRPC code of ${code}`)
    assert.equal(fromGrpcStatus({ code: error.code, details: error.details })?.code, code)
    return true
  })
}

/** Asserts a full header by etcd's rules: this member's IDs, its current term, and `revision`. */
export function assertHeader(header: ResponseHeader | undefined, member: Member, revision: number): void {
  assert.ok(header !== undefined, 'a header')
  const server = member.etcd.server
  assert.deepEqual(header, {
    clusterId: server.clusterId,
    memberId: server.id,
    revision,
    raftTerm: server.term,
  })
  assert.notEqual(header.clusterId, 0n)
  assert.notEqual(header.memberId, 0n)
  assert.ok(header.raftTerm >= 1)
}

/** UTF-8 bytes of `text` (decoded fields may be Buffers: compare them through {@link s}). */
export function b(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** The text of bytes. */
export function s(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes)
}

/**
 * One Watch stream with a response queue: `next()` takes the next response (waiting for it, with
 * a timeout); `none(ms)` asserts that nothing arrives for a while.
 */
export class WatchSession {
  readonly call: grpc.ClientDuplexStream<WatchRequestInit, WatchResponse>
  readonly #queue: WatchResponse[] = []
  #waiter: (() => void) | undefined
  #error: Error | undefined
  #ended = false

  constructor(member: Member, metadata: grpc.Metadata = new grpc.Metadata()) {
    this.call = member.watch.Watch(metadata)
    this.call.on('data', (response: WatchResponse) => {
      this.#queue.push(response)
      this.#wake()
    })
    this.call.on('error', (error: Error) => {
      this.#error = error
      this.#wake()
    })
    this.call.on('end', () => {
      this.#ended = true
      this.#wake()
    })
  }

  #wake(): void {
    const waiter = this.#waiter
    this.#waiter = undefined
    waiter?.()
  }

  send(request: WatchRequestInit): void {
    this.call.write(request)
  }

  /** The next response; fails on a stream error, on end, or after `timeoutMs`. */
  async next(timeoutMs = STREAM_TIMEOUT_MS): Promise<WatchResponse> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const response = this.#queue.shift()
      if (response !== undefined) return response
      if (this.#error !== undefined) throw this.#error
      if (this.#ended) throw new Error('watch stream ended')
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw new Error(`no watch response within ${timeoutMs} ms`)
      await withTimeout(
        new Promise<void>((resolve) => {
          this.#waiter = resolve
        }),
        remaining,
        'a watch response',
      ).catch(() => {
        this.#waiter = undefined
      })
    }
  }

  /** Asserts that no response arrives within `ms`. */
  async none(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms))
    assert.deepEqual(this.#queue, [], 'no watch response')
  }

  /** Cancels the call (client side) and forgets it. */
  close(): void {
    this.call.cancel()
  }
}
