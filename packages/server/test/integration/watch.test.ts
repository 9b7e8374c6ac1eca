// The Watch service against a real member: IDs, created responses, history, prev_kv, filters,
// cancel, progress (requested and periodic), fragments, compaction, create failures and the
// `hasleader` metadata, by etcd's rules (reference etcd-api.md §0 item 7 and §2.3; the
// sequences were also run on etcd 3.4.23).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  type Event,
  Event_EventType,
  METADATA_HAS_LEADER,
  METADATA_KEYS,
  NUL,
  prefixRangeEnd,
  WatchCancelReason,
  WatchCreateRequest_FilterType,
  type WatchCreateRequestInit,
  type WatchResponse,
} from '@etcd-ts/api'
import { removeDir } from '@etcd-ts/test-support'
import * as grpc from '@grpc/grpc-js'
import { assertHeader, b, call, type Member, s, startMember, WatchSession } from './harness.js'

const { PUT, DELETE } = Event_EventType
const { NOPUT, NODELETE } = WatchCreateRequest_FilterType
/** The member's progress-notify interval here, ms. */
const PROGRESS_INTERVAL_MS = 300
/** The member's --max-request-bytes here: fragments start above this + 512 KiB. */
const MAX_REQUEST_BYTES = 256 * 1024

/** `[type, key, value, mod_revision]` of each event. */
function described(events: readonly Event[]): [number, string, string, number][] {
  return events.map((e) => [
    e.type,
    s(e.kv?.key ?? new Uint8Array(0)),
    s(e.kv?.value ?? new Uint8Array(0)),
    e.kv?.modRevision ?? 0,
  ])
}

describe('Watch', { timeout: 60_000 }, () => {
  let m: Member
  const sessions: WatchSession[] = []
  before(async () => {
    m = await startMember({
      config: { watchProgressNotifyIntervalMs: PROGRESS_INTERVAL_MS, maxRequestBytes: MAX_REQUEST_BYTES },
    })
  })
  after(async () => {
    for (const session of sessions) session.close()
    await m?.close()
    if (m !== undefined) await removeDir(m.dataDir)
  })

  const open = (metadata?: grpc.Metadata): WatchSession => {
    const session = new WatchSession(m, metadata)
    sessions.push(session)
    return session
  }
  const put = async (key: string, value: string): Promise<number> =>
    (await call(m.kv, 'Put', { key: b(key), value: b(value) })).header?.revision as number
  const rev = async (): Promise<number> => (await call(m.kv, 'Range', { key: b('rev') })).header?.revision as number

  /** Sends a create request and returns its created response. */
  async function create(session: WatchSession, request: WatchCreateRequestInit): Promise<WatchResponse> {
    session.send({ requestUnion: { case: 'createRequest', value: request } })
    const created = await session.next()
    assert.equal(created.created, true, 'a created response')
    return created
  }

  test('IDs start at 0 on every stream; created responses come in request order with the current revision', async () => {
    const current = await rev()
    const one = open()
    for (const key of ['id/a', 'id/b', 'id/c'])
      one.send({ requestUnion: { case: 'createRequest', value: { key: b(key) } } })
    one.send({ requestUnion: { case: 'createRequest', value: { key: b('id/d'), watchId: 7n } } })
    one.send({ requestUnion: { case: 'createRequest', value: { key: b('id/e') } } })
    const ids: bigint[] = []
    for (let i = 0; i < 5; i++) {
      const r = await one.next()
      assert.equal(r.created, true)
      assert.equal(r.canceled, false)
      assert.deepEqual(r.events, [])
      assertHeader(r.header, m, current)
      ids.push(r.watchId)
    }
    assert.deepEqual(ids, [0n, 1n, 2n, 7n, 3n])
    // Events go to the right watcher.
    const at = await put('id/d', 'x')
    const event = await one.next()
    assert.equal(event.watchId, 7n)
    assertHeader(event.header, m, at)
    assert.deepEqual(described(event.events), [[PUT, 'id/d', 'x', at]])

    const two = open()
    assert.equal((await create(two, { key: b('id/a') })).watchId, 0n)
  })

  test('live events: PUT and DELETE (kv with key and mod_revision only); one response per txn', async () => {
    const w = open()
    const created = await create(w, { key: b('ev/'), rangeEnd: prefixRangeEnd(b('ev/')) })
    const id = created.watchId
    const r1 = await put('ev/a', '1')
    const putResponse = await w.next()
    assert.equal(putResponse.watchId, id)
    assertHeader(putResponse.header, m, r1)
    const kv = putResponse.events[0]?.kv
    assert.deepEqual(
      [kv?.createRevision, kv?.modRevision, kv?.version, s(kv?.value ?? new Uint8Array(0))],
      [r1, r1, 1, '1'],
    )
    assert.equal(putResponse.events[0]?.prevKv, undefined)

    const txn = await call(m.kv, 'Txn', {
      success: [
        { request: { case: 'requestPut', value: { key: b('ev/b'), value: b('2') } } },
        { request: { case: 'requestPut', value: { key: b('ev/c'), value: b('3') } } },
        { request: { case: 'requestPut', value: { key: b('other'), value: b('x') } } },
      ],
    })
    const r2 = txn.header?.revision as number
    const txnResponse = await w.next()
    assertHeader(txnResponse.header, m, r2)
    assert.deepEqual(described(txnResponse.events), [
      [PUT, 'ev/b', '2', r2],
      [PUT, 'ev/c', '3', r2],
    ])

    const d = await call(m.kv, 'DeleteRange', { key: b('ev/a'), rangeEnd: b('ev/c') })
    const r3 = d.header?.revision as number
    const deleteResponse = await w.next()
    assertHeader(deleteResponse.header, m, r3)
    assert.equal(deleteResponse.events.length, 2)
    for (const [i, key] of ['ev/a', 'ev/b'].entries()) {
      const e = deleteResponse.events[i] as Event
      assert.equal(e.type, DELETE)
      assert.deepEqual(
        { ...e.kv, key: s(e.kv?.key ?? new Uint8Array(0)), value: s(e.kv?.value ?? new Uint8Array(0)) },
        { key, createRevision: 0, modRevision: r3, version: 0, value: '', lease: 0n },
      )
    }
  })

  test('start_revision replays history in a batch; prev_kv is set for all but create events', async () => {
    const first = await put('hist/a', '1')
    await put('hist/a', '2')
    const deleted = (await call(m.kv, 'DeleteRange', { key: b('hist/a') })).header?.revision as number
    const recreated = await put('hist/a', '3')
    const current = await rev()
    const w = open()
    const created = await create(w, { key: b('hist/a'), startRevision: first, prevKv: true })
    assertHeader(created.header, m, current)
    const events: Event[] = []
    let last: WatchResponse | undefined
    while (events.length < 4) {
      last = await w.next()
      assert.equal(last.watchId, created.watchId)
      events.push(...last.events)
    }
    assertHeader(last?.header, m, current)
    assert.deepEqual(described(events), [
      [PUT, 'hist/a', '1', first],
      [PUT, 'hist/a', '2', first + 1],
      [DELETE, 'hist/a', '', deleted],
      [PUT, 'hist/a', '3', recreated],
    ])
    assert.deepEqual(
      events.map((e) => (e.prevKv === undefined ? undefined : [s(e.prevKv.value), e.prevKv.modRevision])),
      [undefined, ['1', first], ['2', first + 1], undefined],
    )
    // Live events carry prev_kv too.
    const next = await put('hist/a', '4')
    const live = await w.next()
    assertHeader(live.header, m, next)
    assert.deepEqual(
      live.events.map((e) => [s(e.kv?.value ?? new Uint8Array(0)), s(e.prevKv?.value ?? new Uint8Array(0))]),
      [['4', '3']],
    )
  })

  test('a future start_revision: nothing before it, events from it on', async () => {
    const current = await rev()
    const w = open()
    const created = await create(w, { key: b('fut/a'), startRevision: current + 2 })
    assertHeader(created.header, m, current)
    await put('fut/a', 'early') // current + 1
    await put('fut/a', 'due') // current + 2
    const r = await w.next()
    assert.equal(r.watchId, created.watchId)
    assert.deepEqual(described(r.events), [[PUT, 'fut/a', 'due', current + 2]])
  })

  test('NOPUT and NODELETE filters drop events on the server', async () => {
    const w = open()
    const noPut = (await create(w, { key: b('flt/a'), filters: [NOPUT] })).watchId
    const noDelete = (await create(w, { key: b('flt/a'), filters: [NODELETE] })).watchId
    const p = await put('flt/a', '1')
    const d = (await call(m.kv, 'DeleteRange', { key: b('flt/a') })).header?.revision as number
    const got = new Map<bigint, [number, string, string, number][]>()
    for (let i = 0; i < 2; i++) {
      const r = await w.next()
      got.set(r.watchId, [...(got.get(r.watchId) ?? []), ...described(r.events)])
    }
    assert.deepEqual(got.get(noPut), [[DELETE, 'flt/a', '', d]])
    assert.deepEqual(got.get(noDelete), [[PUT, 'flt/a', '1', p]])
  })

  test('cancel: a canceled response, then no more events; an unknown ID gets no answer', async () => {
    const w = open()
    const keep = (await create(w, { key: b('cn/a') })).watchId
    const drop = (await create(w, { key: b('cn/a') })).watchId
    const current = await rev()
    w.send({ requestUnion: { case: 'cancelRequest', value: { watchId: drop } } })
    const canceled = await w.next()
    assert.deepEqual(
      { watchId: canceled.watchId, canceled: canceled.canceled, created: canceled.created, events: canceled.events },
      { watchId: drop, canceled: true, created: false, events: [] },
    )
    assertHeader(canceled.header, m, current)
    w.send({ requestUnion: { case: 'cancelRequest', value: { watchId: 99n } } })
    const at = await put('cn/a', 'x')
    const r = await w.next()
    assert.equal(r.watchId, keep)
    assertHeader(r.header, m, at)
    await w.none(200)
  })

  test('a progress request is answered with watch_id -1 at the current revision, new watchers or not', async () => {
    const w = open()
    w.send({ requestUnion: { case: 'progressRequest', value: {} } })
    const empty = await w.next()
    assert.equal(empty.watchId, -1n)
    assertHeader(empty.header, m, await rev())
    // Freshly created watchers (start revision 0) do not hold the answer back until a write.
    await create(w, { key: b('pr/a') })
    await create(w, { key: b('pr/b'), rangeEnd: b('pr/c') })
    const current = await rev()
    w.send({ requestUnion: { case: 'progressRequest', value: {} } })
    const progress = await w.next()
    assert.deepEqual(
      {
        watchId: progress.watchId,
        created: progress.created,
        canceled: progress.canceled,
        events: progress.events,
        compactRevision: progress.compactRevision,
      },
      { watchId: -1n, created: false, canceled: false, events: [], compactRevision: 0 },
    )
    assertHeader(progress.header, m, current)
  })

  test('progress_notify: idle watchers that asked for it get {watch_id, header} each interval', async () => {
    const w = open()
    const quiet = await create(w, { key: b('pn/quiet') })
    const notified = await create(w, { key: b('pn/a'), progressNotify: true })
    assert.notEqual(quiet.watchId, notified.watchId)
    const current = await rev()
    const r = await w.next(20 * PROGRESS_INTERVAL_MS)
    assert.equal(r.watchId, notified.watchId)
    assert.deepEqual([r.created, r.canceled, r.events, r.compactRevision], [false, false, [], 0])
    assert.ok((r.header?.revision ?? 0) >= current)
    assertHeader(r.header, m, r.header?.revision as number)
  })

  test('fragment: a response above max-request-bytes + 512 KiB is split, the last part unflagged', async () => {
    const value = new Uint8Array(100 * 1024).fill(0x61)
    const first = (await call(m.kv, 'Put', { key: b('frag/0'), value })).header?.revision as number
    for (let i = 1; i < 8; i++) await call(m.kv, 'Put', { key: b(`frag/${i}`), value })
    const w = open()
    const created = await create(w, {
      key: b('frag/'),
      rangeEnd: prefixRangeEnd(b('frag/')),
      startRevision: first,
      fragment: true,
    })
    const parts: WatchResponse[] = []
    let events = 0
    while (events < 8) {
      const r = await w.next()
      assert.equal(r.watchId, created.watchId)
      parts.push(r)
      events += r.events.length
    }
    assert.equal(events, 8)
    assert.ok(parts.length >= 2, `split into ${parts.length} parts`)
    assert.deepEqual(
      parts.map((p) => p.fragment),
      [...parts.slice(1).map(() => true), false],
    )
    for (const p of parts) assert.ok(p.events.length > 0)
    // Above max-request-bytes but below the 512 KiB allowance: one response.
    const small = open()
    await create(small, { key: b('frag/0'), rangeEnd: b('frag/3'), startRevision: first, fragment: true })
    const three = await small.next()
    assert.deepEqual([three.events.length, three.fragment], [3, false])
    // Without `fragment` the same history comes whole.
    const whole = open()
    await create(whole, { key: b('frag/'), rangeEnd: prefixRangeEnd(b('frag/')), startRevision: first })
    const r = await whole.next()
    assert.equal(r.fragment, false)
    assert.equal(r.events.length, 8)
  })

  test('create failures: duplicate watch ID and empty range are created+canceled with watch_id -1', async () => {
    const w = open()
    const current = await rev()
    await create(w, { key: b('cf/a'), watchId: 3n })
    const duplicate = await create(w, { key: b('cf/b'), watchId: 3n })
    assert.deepEqual(
      [duplicate.watchId, duplicate.canceled, duplicate.cancelReason],
      [-1n, true, WatchCancelReason.DUPLICATE_WATCH_ID],
    )
    assertHeader(duplicate.header, m, current)
    const backwards = await create(w, { key: b('cf/z'), rangeEnd: b('cf/a') })
    assert.deepEqual(
      [backwards.watchId, backwards.canceled, backwards.cancelReason],
      [-1n, true, WatchCancelReason.EMPTY_RANGE],
    )
    const equal = await create(w, { key: b('cf/z'), rangeEnd: b('cf/z') })
    assert.equal(equal.cancelReason, WatchCancelReason.EMPTY_RANGE)
    // The stream goes on: an auto ID is still handed out.
    const ok = await create(w, { key: b('cf/ok') })
    assert.equal(ok.canceled, false)
  })

  test('the hasleader metadata is accepted while there is a leader; an empty key and a from-key range', async () => {
    const metadata = new grpc.Metadata()
    metadata.set(METADATA_KEYS.requireLeader, METADATA_HAS_LEADER)
    const w = open(metadata)
    const fromKey = (await create(w, { key: b('zzzz'), rangeEnd: NUL })).watchId
    const at = await put('zzzz/x', 'v')
    const r = await w.next()
    assert.equal(r.watchId, fromKey)
    assert.deepEqual(described(r.events), [[PUT, 'zzzz/x', 'v', at]])
    // An empty key watches "\0".
    const empty = await create(w, { key: new Uint8Array(0) })
    assert.equal(empty.canceled, false)
  })
  test('nothing is sent for a watcher after its cancel response, even what was buffered', async () => {
    const session = open()
    const id = (await create(session, { key: b('slow/'), rangeEnd: prefixRangeEnd(b('slow/')) })).watchId
    // The client stops reading: HTTP/2 flow control fills and events back up in the server.
    session.call.pause()
    const value = 'x'.repeat(20_000)
    for (let i = 0; i < 40; i++) await put(`slow/${i}`, value)
    session.send({ requestUnion: { case: 'cancelRequest', value: { watchId: id } } })
    await new Promise((resolve) => setTimeout(resolve, 200))
    session.call.resume()
    let canceledAt = -1
    const seen: WatchResponse[] = []
    for (;;) {
      const response = await session.next().catch((error) => {
        throw new Error(
          `${error}; seen ${JSON.stringify(seen.map((r) => [String(r.watchId), r.events.length, r.canceled]))}`,
        )
      })
      seen.push(response)
      if (response.canceled) {
        canceledAt = seen.length - 1
        break
      }
    }
    assert.ok(seen.length > 1 && seen.length < 42, `events before the cancel: ${seen.length - 1}`)
    assert.equal(seen[canceledAt]?.watchId, id)
    await session.none(300)
  })
})

describe('Watch and compaction', { timeout: 60_000 }, () => {
  test('a watcher below the compact revision is created, then canceled with compact_revision and revision 0', async () => {
    const m = await startMember()
    const w = new WatchSession(m)
    try {
      for (let i = 0; i < 4; i++) await call(m.kv, 'Put', { key: b('wc/a'), value: b(String(i)) }) // 2..5
      await call(m.kv, 'Compact', { revision: 4, physical: true })
      const current = (await call(m.kv, 'Range', { key: b('x') })).header?.revision as number
      w.send({ requestUnion: { case: 'createRequest', value: { key: b('wc/a'), startRevision: 2 } } })
      const created = await w.next()
      assert.equal(created.created, true)
      assert.equal(created.canceled, false)
      assertHeader(created.header, m, current)
      const canceled = await w.next()
      assert.equal(canceled.watchId, created.watchId)
      assert.equal(canceled.canceled, true)
      assert.equal(canceled.compactRevision, 4)
      assert.deepEqual(canceled.events, [])
      assertHeader(canceled.header, m, 0)
      // At the compact revision itself the history is still there; prev_kv is left out where the
      // previous revision is compacted.
      w.send({ requestUnion: { case: 'createRequest', value: { key: b('wc/a'), startRevision: 4, prevKv: true } } })
      const ok = await w.next()
      assert.equal(ok.created, true)
      const history = await w.next()
      assert.equal(history.watchId, ok.watchId)
      assert.deepEqual(
        history.events.map((e) => [e.kv?.modRevision, e.prevKv?.modRevision]),
        [
          [4, undefined],
          [5, 4],
        ],
      )
    } finally {
      w.close()
      await m.close()
      await removeDir(m.dataDir)
    }
  })
})
