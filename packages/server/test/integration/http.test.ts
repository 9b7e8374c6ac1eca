// The HTTP/1.1 side of the client port: /health, /version, /metrics and the /v3 JSON gateway,
// served on the same port as gRPC (reference etcd-api.md §4; the bodies were compared with
// etcd 3.4.23's).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { b, call, type Member, useMember } from './harness.js'

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'access-control-allow-headers': 'accept, content-type, authorization',
}

function assertCors(response: Response): void {
  for (const [name, value] of Object.entries(CORS)) assert.equal(response.headers.get(name), value, name)
}

describe('HTTP', { timeout: 60_000 }, () => {
  let m!: Member
  useMember((started) => {
    m = started
  })

  const get = (path: string, init?: RequestInit) =>
    fetch(`${m.url}${path}`, { signal: AbortSignal.timeout(10_000), ...init })
  const post = (path: string, body: unknown) =>
    get(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })

  test('/health: 200 {"health":"true"} as text/plain, with the CORS headers', async () => {
    const response = await get('/health')
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8')
    assertCors(response)
    assert.equal(await response.text(), '{"health":"true"}')
  })

  test('/version: the server and cluster versions', async () => {
    const response = await get('/version')
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'application/json')
    assert.deepEqual(await response.json(), { etcdserver: '3.4.23', etcdcluster: '3.4.0' })
  })

  test('/metrics: Prometheus text with the series tools scrape', async () => {
    await call(m.kv, 'Put', { key: b('metrics'), value: b('1') })
    const response = await get('/metrics')
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    const text = await response.text()
    const value = (name: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `))
      assert.ok(line !== undefined, `a ${name} sample`)
      return Number.parseFloat(line.slice(name.length + 1))
    }
    assert.equal(value('etcd_server_has_leader'), 1)
    assert.ok(value('etcd_server_proposals_committed_total') >= 1)
    assert.ok(value('etcd_mvcc_db_total_size_in_bytes') >= 0)
    assert.ok(value('process_resident_memory_bytes') > 0)
    assert.match(text, /^# TYPE etcd_disk_wal_fsync_duration_seconds histogram$/m)
    assert.match(text, /^etcd_disk_wal_fsync_duration_seconds_count \d+/m)
  })

  test('/v3/kv/put and /v3/kv/range: base64 bytes, int64 as strings, zero fields omitted', async () => {
    const server = m.etcd.server
    const put = await post('/v3/kv/put', { key: 'Zm9v', value: 'YmFy' }) // foo = bar
    assert.equal(put.status, 200)
    assert.equal(put.headers.get('content-type'), 'application/json')
    assertCors(put)
    const putBody = (await put.json()) as { header: { revision: string } }
    const revision = putBody.header.revision
    assert.deepEqual(putBody, {
      header: {
        cluster_id: server.clusterId.toString(),
        member_id: server.id.toString(),
        revision,
        raft_term: String(server.term),
      },
    })
    const range = await post('/v3/kv/range', { key: 'Zm9v' })
    assert.equal(range.status, 200)
    assert.deepEqual(await range.json(), {
      header: {
        cluster_id: server.clusterId.toString(),
        member_id: server.id.toString(),
        revision,
        raft_term: String(server.term),
      },
      kvs: [{ key: 'Zm9v', create_revision: revision, mod_revision: revision, version: '1', value: 'YmFy' }],
      count: '1',
    })
    // And gRPC sees the same key.
    const grpcView = await call(m.kv, 'Range', { key: b('foo') })
    assert.equal(String(grpcView.kvs[0]?.modRevision), revision)
  })

  test('gateway errors: {"error","message","code"} with the HTTP status of the gRPC code', async () => {
    const missingKey = await post('/v3/kv/put', { value: 'YmFy' })
    assert.equal(missingKey.status, 400)
    assert.equal(missingKey.headers.get('content-type'), 'application/json')
    assert.deepEqual(await missingKey.json(), {
      error: 'etcdserver: key is not provided',
      message: 'etcdserver: key is not provided',
      code: 3,
    })
    const unknownLease = await post('/v3/lease/revoke', { ID: '1' })
    assert.equal(unknownLease.status, 404)
    assert.deepEqual(await unknownLease.json(), {
      error: 'etcdserver: requested lease not found',
      message: 'etcdserver: requested lease not found',
      code: 5,
    })
    const future = await post('/v3/kv/range', { key: 'Zm9v', revision: '1000000' })
    assert.equal(future.status, 400)
    assert.equal(((await future.json()) as { code: number }).code, 11)
    const malformed = await post('/v3/kv/range', '{bad')
    assert.equal(malformed.status, 400)
    assert.equal(((await malformed.json()) as { code: number }).code, 3)
  })

  test('other requests: GET on a gateway route is 405, unknown paths 404, OPTIONS 200', async () => {
    const wrongMethod = await get('/v3/kv/range')
    assert.equal(wrongMethod.status, 405)
    await wrongMethod.text()
    const unknown = await get('/nothing/here')
    assert.equal(unknown.status, 404)
    assert.equal(await unknown.text(), '404 page not found\n')
    const options = await get('/v3/kv/range', { method: 'OPTIONS' })
    assert.equal(options.status, 200)
    assertCors(options)
    await options.text()
  })
})
