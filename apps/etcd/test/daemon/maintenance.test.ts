// Maintenance and Cluster through the npm etcd3 client (status, member list, alarms, defragment,
// hash, snapshot stream) and the plain HTTP endpoints on the client port (/health, /version).
// (etcd3 1.1.2's `maintenance.hashKV()` cannot work against any server: it calls the grpc-js
// method `hashKV`, which grpc-js names `hashKv`. Hence no HashKV here; the interop suite covers it.)
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { withTimeout } from '@etcd-ts/test-support'
import type { ISnapshotResponse } from 'etcd3'
import { rev, TEST_TIMEOUT_MS, targetAvailable, useDaemon } from './support.js'

const available = targetAvailable()

describe('daemon Maintenance and Cluster (etcd3 client, HTTP)', { skip: !available }, () => {
  const daemon = useDaemon()
  const options = { timeout: TEST_TIMEOUT_MS }

  it('reports status: version, leader, raft indexes, db size', options, async () => {
    const { client } = daemon
    const r = rev(await client.put('m1/k').value('v'))
    const status = await client.maintenance.status()
    assert.match(status.version, /^3\.\d+\.\d+$/)
    assert.equal(status.leader, status.header.member_id, 'a single member leads itself')
    assert.equal(status.raftTerm, status.header.raft_term)
    assert.ok(Number(status.raftIndex) > 0)
    assert.ok(Number(status.raftAppliedIndex) > 0)
    assert.ok(Number(status.raftAppliedIndex) <= Number(status.raftIndex))
    assert.ok(Number(status.dbSize) > 0)
    assert.ok(Number(status.dbSizeInUse) > 0 && Number(status.dbSizeInUse) <= Number(status.dbSize))
    assert.deepEqual(status.errors, [])
    assert.equal(status.isLearner, false)
    assert.equal(rev(status), r)
  })

  it('lists the one member with its name, URLs and ID; cluster RPCs carry revision 0', options, async () => {
    const { client, target } = daemon
    const list = await client.cluster.memberList({})
    assert.equal(list.members.length, 1)
    const [member] = list.members
    assert.equal(member?.ID, list.header.member_id)
    assert.equal(member?.name, target.name)
    assert.deepEqual(member?.peerURLs, [target.peerUrl])
    assert.deepEqual(member?.clientURLs, [target.clientUrl])
    assert.equal(member?.isLearner, false)
    assert.equal(list.header.revision, '0')
    assert.notEqual(list.header.cluster_id, '0')
    const status = await client.maintenance.status()
    assert.equal(list.header.cluster_id, status.header.cluster_id)
  })

  it('has no alarms; defragments; hashes the backend', options, async () => {
    const { client } = daemon
    const alarms = await client.maintenance.alarm({})
    assert.deepEqual(alarms.alarms, [])
    await client.put('m3/k').value('before defrag')
    await client.maintenance.defragment()
    assert.equal(await client.get('m3/k').string(), 'before defrag', 'data survives a defragment')
    const hash = await client.maintenance.hash()
    assert.equal(typeof hash.hash, 'number')
    assert.ok(rev(hash) > 0)
  })

  it('streams a snapshot whose last 32 bytes are the SHA-256 of the rest', options, async () => {
    const { client } = daemon
    await client.put('m4/k').value('in the snapshot')
    const stream = await withTimeout(client.maintenance.snapshot(), 5000, 'snapshot stream')
    const messages: ISnapshotResponse[] = []
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        stream.on('data', (message: ISnapshotResponse) => messages.push(message))
        stream.on('end', () => resolve())
        stream.on('error', reject)
      }),
      10_000,
      'the snapshot stream to end',
    )
    const bytes = Buffer.concat(messages.map((message) => message.blob))
    assert.ok(messages.length >= 2, 'data, then the checksum')
    assert.equal(messages.at(-1)?.blob.length, 32, 'the last message is the checksum')
    assert.equal(messages.at(-1)?.remaining_bytes, '0')
    assert.equal(bytes.length % 512, 32, 'etcdctl snapshot save requires size = 32 (mod 512)')
    const body = bytes.subarray(0, bytes.length - 32)
    assert.deepEqual(createHash('sha256').update(body).digest(), bytes.subarray(bytes.length - 32))
  })

  it('serves /health and /version over HTTP/1.1 on the client port', options, async () => {
    const { target } = daemon
    const health = await fetch(`${target.clientUrl}/health`, { signal: AbortSignal.timeout(5000) })
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { health: 'true' })
    const version = await fetch(`${target.clientUrl}/version`, { signal: AbortSignal.timeout(5000) })
    assert.equal(version.status, 200)
    assert.match(version.headers.get('content-type') ?? '', /^application\/json/)
    const body = (await version.json()) as Record<string, unknown>
    assert.match(String(body.etcdserver), /^3\.\d+\.\d+$/)
    assert.match(String(body.etcdcluster), /^3\.\d+\.0$/)
    const missing = await fetch(`${target.clientUrl}/no-such-path`, { signal: AbortSignal.timeout(5000) })
    assert.equal(missing.status, 404)
    await missing.arrayBuffer()
  })
})
