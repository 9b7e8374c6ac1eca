// The example of README.md (and of src/index.ts), run as written (keep the three in sync).
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { Lessor } from '@etcd-ts/lease'
import { flush, ManualClock } from './helpers.js'

it('README: grant, attach, renew, expire, revoke', async () => {
  const clock = new ManualClock()

  const backend = new MemoryBackend()
  await backend.open()
  const lessor = new Lessor({}, { backend, clock }) // clock: now() and setTimer(ms, fn)
  await lessor.start()
  lessor.promote(1000) // this member leads: leases expire from now on
  const lease = lessor.grant(0x694d67ed2bfbea03n, 10) // { id, ttlSeconds: 10, expiresAtMs: now + 10 000, ... }
  lessor.attach(lease.id, [new TextEncoder().encode('a')]) // mvcc does this for put --lease
  clock.advance(4000)
  const ttl = await lessor.renew(lease.id) // 10: a full TTL from now again
  const status = lessor.timeToLive(lease.id, { keys: true }) // { ttlSeconds: 10, grantedTtlSeconds: 10, keys: [a] }

  // The server's loop (in a cluster it proposes LeaseRevoke through raft instead).
  const revoker = (async () => {
    for await (const expired of lessor.expiredLeases()) {
      for (const { id } of expired) lessor.revoke(id)
    }
  })()

  assert.equal(lease.ttlSeconds, 10)
  assert.equal(lease.expiresAtMs, 10_000)
  assert.equal(ttl, 10)
  assert.deepEqual(status, {
    id: lease.id,
    ttlSeconds: 10,
    grantedTtlSeconds: 10,
    keys: [new TextEncoder().encode('a')],
  })
  clock.advance(10_000) // 14 000: expired, reported, revoked
  await flush()
  assert.equal(lessor.lookup(lease.id), undefined)
  lessor.stop()
  await revoker
  await backend.close()
})

it('README.md and src/index.ts show this example as written', async () => {
  const { readFile } = await import('node:fs/promises')
  const source = await readFile(new URL('./readme.test.ts', import.meta.url), 'utf8')
  const lines = (code: string) =>
    code
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, '').trim())
      .filter((line) => line !== '' && !line.startsWith('import '))
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  const example = /## Example[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  const index = await readFile(new URL('../src/index.ts', import.meta.url), 'utf8')
  const docExample = /@example\n \* ```ts\n([\s\S]*?) \* ```/.exec(index)?.[1] ?? ''
  assert.ok(lines(example).length > 10)
  assert.deepEqual(lines(docExample), lines(example))
  for (const line of lines(example)) assert.ok(source.includes(line), `README line not in the test: ${line}`)
})
