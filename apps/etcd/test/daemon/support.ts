// Shared plumbing for the daemon suites: one server per test file (etcd-ts by default, the real
// etcd with ETCD_TEST_TARGET=etcd), driven through the npm `etcd3` client exactly as users do.
import assert from 'node:assert/strict'
import type { EventEmitter } from 'node:events'
import { after, before } from 'node:test'
import {
  type EtcdTarget,
  requireBinary,
  type StartTargetOptions,
  startTarget,
  type TargetKind,
  targetKindFromEnv,
  withTimeout,
} from '@etcd-ts/test-support'
import { Etcd3, type IKeyValue, type IWatchResponse, type WatchBuilder, type Watcher } from 'etcd3'

/** The server these suites drive (`ETCD_TEST_TARGET`, default etcd-ts). */
export const kind: TargetKind = targetKindFromEnv()

/** Deadline of every unary call the client makes, in ms. */
export const CALL_TIMEOUT_MS = 5000

/** Per-test bound for node:test, in ms. Lease-expiry tests set their own. */
export const TEST_TIMEOUT_MS = 30_000

/**
 * Whether the suite can run here. For the real etcd this registers, through `requireBinary`, a
 * failing test under CI or a loud skip elsewhere when the binary is missing. Call it at module level.
 */
export function targetAvailable(): boolean {
  return kind === 'etcd-ts' || requireBinary('etcd') !== undefined
}

/** A client on `target` with a deadline on every unary call, so no await can hang. */
export function connect(target: EtcdTarget): Etcd3 {
  return new Etcd3({
    hosts: target.clientUrl,
    dialTimeout: CALL_TIMEOUT_MS,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_TIMEOUT_MS }),
  })
}

/** What {@link useDaemon} gives a suite; each getter throws before `before` ran. */
export interface DaemonContext {
  readonly target: EtcdTarget
  readonly client: Etcd3
}

/**
 * Registers `before`/`after` hooks in the current `describe`: start one server (fresh data dir,
 * free ports) and one client for the suite; close and stop them afterwards even when tests failed.
 */
export function useDaemon(options: StartTargetOptions = {}): DaemonContext {
  let target: EtcdTarget | undefined
  let client: Etcd3 | undefined
  before(
    async () => {
      target = await startTarget(kind, options)
      client = connect(target)
    },
    { timeout: 60_000 },
  )
  after(
    async () => {
      client?.close()
      await target?.dispose()
    },
    { timeout: 30_000 },
  )
  return {
    get target() {
      if (target === undefined) throw new Error('the server did not start')
      return target
    },
    get client() {
      if (client === undefined) throw new Error('the server did not start')
      return client
    },
  }
}

/** A key/value as plain strings, for `deepEqual` against expectations. */
export interface KvView {
  key: string
  value: string
  create_revision: number
  mod_revision: number
  version: number
  lease: string
}

/** Turns the client's KeyValue (Buffers, decimal strings) into a {@link KvView}. */
export function view(kv: IKeyValue): KvView {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    create_revision: Number(kv.create_revision),
    mod_revision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: kv.lease,
  }
}

/** The expected {@link KvView} (lease `'0'` unless given). */
export function kv(
  key: string,
  value: string,
  create_revision: number,
  mod_revision: number,
  version: number,
  lease = '0',
): KvView {
  return { key, value, create_revision, mod_revision, version, lease }
}

/** The revision in a response header, as a number. */
export function rev(response: { header: { revision: string } }): number {
  return Number(response.header.revision)
}

/** The store's current revision (header of a Range on an unused key). */
export async function currentRevision(client: Etcd3): Promise<number> {
  return rev(await client.get('\u0001current-revision-probe').exec())
}

/**
 * Asserts that `promise` rejects with an instance of `type` whose message is exactly `message`
 * (for gRPC errors the client formats it as `<code> <NAME>: <server details>`, so this pins the
 * status code and etcd's exact text).
 */
export async function assertRejects(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  message: string | RegExp,
): Promise<void> {
  await assert.rejects(withTimeout(promise, CALL_TIMEOUT_MS * 2, 'the expected error'), (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`)
    if (typeof message === 'string') assert.equal(error.message, message)
    else assert.match(error.message, message)
    return true
  })
}

/** Resolves with the arguments of the next `event` on `emitter`; rejects after `timeoutMs`. */
export function nextEvent<T extends unknown[]>(emitter: EventEmitter, event: string, timeoutMs = 5000): Promise<T> {
  let listener: ((...args: unknown[]) => void) | undefined
  const promise = new Promise<T>((resolve) => {
    listener = (...args: unknown[]) => resolve(args as T)
    emitter.once(event, listener)
  })
  return withTimeout(promise, timeoutMs, `event '${event}'`).finally(() => {
    if (listener !== undefined) emitter.off(event, listener)
  })
}

/**
 * Records every `data` response of a watcher from now on. `take(n)` resolves once `n` events
 * arrived in total (rejecting after `timeoutMs`) with the responses seen so far.
 */
export function recordWatch(watcher: Watcher): {
  readonly responses: IWatchResponse[]
  take(events: number, timeoutMs?: number): Promise<IWatchResponse[]>
} {
  const responses: IWatchResponse[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  const total = (): number => responses.reduce((sum, response) => sum + response.events.length, 0)
  watcher.on('data', (response) => {
    responses.push(response)
    for (const waiter of [...waiters]) {
      if (total() >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  })
  return {
    responses,
    async take(events, timeoutMs = 5000) {
      if (total() < events) {
        const arrived = new Promise<void>((resolve) => waiters.push({ count: events, resolve }))
        await withTimeout(arrived, timeoutMs, `${events} watch events (got ${total()})`)
      }
      return responses
    },
  }
}

/** A watch event as plain data: type, key, value, revisions, and the previous value if any. */
export interface EventView {
  type: 'Put' | 'Delete'
  kv: KvView
  prev?: KvView
}

/** The events of `responses`, flattened, as {@link EventView}s. */
export function events(responses: readonly IWatchResponse[]): EventView[] {
  return responses.flatMap((response) =>
    response.events.map((event) => {
      const result: EventView = { type: event.type as 'Put' | 'Delete', kv: view(event.kv) }
      if (event.prev_kv !== null && event.prev_kv !== undefined) result.prev = view(event.prev_kv)
      return result
    }),
  )
}

/** A connected watcher whose responses have been recorded since before it connected. */
export interface OpenWatch {
  readonly watcher: Watcher
  readonly recorder: ReturnType<typeof recordWatch>
  /** Cancels the watcher (bounded). */
  cancel(): Promise<void>
}

/**
 * Creates the watcher, records its responses from before it connects (so a history batch that
 * arrives right behind the created response cannot be missed, as it could be with `create()`),
 * and resolves once the server confirmed it; rejects on a watcher error or after `timeoutMs`.
 */
export async function openWatch(builder: WatchBuilder, timeoutMs = 5000): Promise<OpenWatch> {
  const watcher = builder.watcher()
  const recorder = recordWatch(watcher)
  let onConnected: (() => void) | undefined
  let onError: ((error: Error) => void) | undefined
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve
    onError = reject
    watcher.once('connected', onConnected)
    watcher.once('error', onError)
  })
  try {
    await withTimeout(connected, timeoutMs, 'the watcher to connect')
  } finally {
    if (onConnected !== undefined) watcher.off('connected', onConnected)
    if (onError !== undefined) watcher.off('error', onError)
  }
  return { watcher, recorder, cancel: () => withTimeout(watcher.cancel(), timeoutMs, 'watch cancel') }
}
