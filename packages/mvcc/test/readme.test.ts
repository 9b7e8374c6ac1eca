// The example of README.md, run as written (keep the two in sync).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { EventType, KVStore, WatchableStore } from '@etcd-ts/mvcc'

it('README: a transaction, a range, and the watch event it produced', async () => {
  const enc = (s: string) => new TextEncoder().encode(s)
  const backend = new MemoryBackend()
  await backend.open()
  const kv = new KVStore(backend)
  await kv.open()
  const store = new WatchableStore(kv)
  const stream = store.newWatchStream()
  stream.watch(0n, enc('foo'), undefined, 0)

  const txn = kv.write()
  txn.put(enc('foo'), enc('bar'))
  txn.put(enc('baz'), enc('qux'))
  txn.end()

  const [kvFoo] = kv.range(enc('foo'), undefined).kvs
  assert.deepEqual(kvFoo, {
    key: enc('foo'),
    value: enc('bar'),
    createRevision: 2,
    modRevision: 2,
    version: 1,
    lease: 0n,
  })
  for await (const response of stream.responses()) {
    assert.equal(response.watchId, 0n)
    assert.equal(response.revision, 2)
    assert.deepEqual(
      response.events.map((e) => [e.type, new TextDecoder().decode(e.kv.key)]),
      [[EventType.PUT, 'foo']],
    )
    break
  }
  stream.close()
  await store.close()
  await kv.close()
  await backend.close()
})
