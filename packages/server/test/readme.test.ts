// The README's example, run as written (only the data dir differs).
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { it } from 'node:test'
import { KVClient } from '@etcd-ts/api'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { startEtcd } from '@etcd-ts/server'
import { makeTempDir, removeDir } from '@etcd-ts/test-support'
import * as grpc from '@grpc/grpc-js'

it('runs the README example', { timeout: 30_000 }, async () => {
  const dir = await makeTempDir('server-readme')
  try {
    // --- README example ---
    const etcd = await startEtcd({
      name: 'example',
      dataDir: join(dir, 'example.etcd'),
      listenClientUrls: ['http://127.0.0.1:0'], // 0: any free port
      backend: () => new MemoryBackend(), // or LevelBackend from @etcd-ts/backend-level
    })
    const endpoint = (etcd.clientUrls[0] as string).slice('http://'.length)
    const kv = new KVClient(endpoint, grpc.credentials.createInsecure())
    const put = await new Promise<{ header?: { revision: number } }>((resolve, reject) =>
      kv.Put({ key: Buffer.from('foo'), value: Buffer.from('bar') }, (error, response) =>
        error ? reject(error) : resolve(response as { header?: { revision: number } }),
      ),
    )
    const range = await new Promise<{ kvs: { value: Uint8Array }[] }>((resolve, reject) =>
      kv.Range({ key: Buffer.from('foo') }, (error, response) =>
        error ? reject(error) : resolve(response as { kvs: { value: Uint8Array }[] }),
      ),
    )
    kv.close()
    await etcd.close()
    // --- end ---
    assert.equal(put.header?.revision, 2)
    assert.equal(Buffer.from(range.kvs[0]?.value ?? []).toString(), 'bar')
  } finally {
    await removeDir(dir)
  }
})
