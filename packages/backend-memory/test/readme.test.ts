// The example of README.md, run as written (keep the two in sync).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { Buckets } from '@etcd-ts/backend'
import { MemoryBackend } from '@etcd-ts/backend-memory'

it('README: put, read back, close', async () => {
  const backend = new MemoryBackend()
  await backend.open()
  const tx = backend.batchTx()
  tx.lock()
  tx.unsafeCreateBucket(Buckets.Meta)
  tx.unsafePut(Buckets.Meta, new Uint8Array([1]), new Uint8Array([2]))
  tx.unlock()
  assert.deepEqual(backend.readTx().unsafeGet(Buckets.Meta, new Uint8Array([1])), new Uint8Array([2]))
  await backend.close()
})
