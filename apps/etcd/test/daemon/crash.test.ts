// Crash safety: SIGKILL the daemon while writers stream puts; after a restart every put that was
// acknowledged is readable with its original revision. Then a torn record is left at the WAL's
// tail (a crash in the middle of a write): the next start repairs it and loses nothing
// acknowledged. Runs on the default (durable, LevelDB) backend.
import assert from 'node:assert/strict'
import { open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type EtcdTarget, startTarget } from '@etcd-ts/test-support'
import type { Etcd3 } from 'etcd3'
import { connect, kind, rev, targetAvailable } from './support.js'

const available = targetAvailable() && kind === 'etcd-ts'

const WRITERS = 8
/** Acknowledged puts to collect before the kill. */
const ACKED_BEFORE_KILL = 400
/** The WAL's sector size, the unit torn writes are detected in. */
const SECTOR = 512

describe('daemon crash safety (SIGKILL mid-stream, torn WAL tail)', { skip: !available }, () => {
  let target: EtcdTarget | undefined
  const server = (): EtcdTarget => {
    if (target === undefined) throw new Error('the server did not start')
    return target
  }
  before(
    async () => {
      target = await startTarget(kind)
    },
    { timeout: 60_000 },
  )
  after(
    async () => {
      await target?.dispose()
    },
    { timeout: 30_000 },
  )

  /** Every acknowledged put, key → [value, revision]; keys are unique, so the latest is the one acked. */
  const acknowledged = new Map<string, [string, number]>()

  const readBack = async (client: Etcd3): Promise<Map<string, [string, number]>> => {
    const all = await client.getAll().prefix('crash/').exec()
    return new Map(all.kvs.map((kv) => [kv.key.toString(), [kv.value.toString(), Number(kv.mod_revision)]]))
  }

  it('keeps every acknowledged put of a stream cut by SIGKILL, at its revision', { timeout: 120_000 }, async () => {
    const client = connect(server())
    let stop = false
    let sequence = 0
    let killed: () => void = () => {}
    const enough = new Promise<void>((resolve) => {
      killed = resolve
    })
    const writer = async (w: number) => {
      while (!stop) {
        const key = `crash/w${w}-${String(sequence++).padStart(6, '0')}`
        const value = `value-${key}`
        try {
          const response = await client.put(key).value(value)
          acknowledged.set(key, [value, rev(response)])
          if (acknowledged.size >= ACKED_BEFORE_KILL) killed()
        } catch {
          return // the daemon is gone: this put was never acknowledged
        }
      }
    }
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w))
    await enough
    server().kill('SIGKILL')
    stop = true
    await Promise.all(writers)
    client.close()
    const exit = await server().waitForExit(10_000)
    assert.equal(exit.signal, 'SIGKILL')
    assert.ok(acknowledged.size >= ACKED_BEFORE_KILL)

    await server().restart()
    const after = connect(server())
    try {
      const found = await readBack(after)
      for (const [key, [value, revision]] of acknowledged) {
        assert.deepEqual(found.get(key), [value, revision], `acknowledged put of ${key} at revision ${revision}`)
      }
      // Revisions are dense: nothing acknowledged shares a revision, and the counter continues.
      const revisions = [...acknowledged.values()].map(([, r]) => r)
      assert.equal(new Set(revisions).size, revisions.length)
      const last = Math.max(...[...found.values()].map(([, r]) => r))
      assert.equal(rev(await after.put('crash/next').value('n')), last + 1)
      acknowledged.set('crash/next', ['n', last + 1])
    } finally {
      after.close()
    }
  })

  it('repairs a torn record at the tail of the WAL and loses nothing acknowledged', { timeout: 120_000 }, async () => {
    server().kill('SIGKILL')
    await server().waitForExit(10_000)
    const walDir = join(server().dataDir, 'member', 'wal')
    const segments = (await readdir(walDir)).filter((name) => name.endsWith('.wal')).sort()
    const last = segments.at(-1)
    assert.ok(last !== undefined, `no WAL segment in ${walDir}`)
    const tornAt = await tearTail(join(walDir, last))
    assert.ok(tornAt > 0)

    await server().restart()
    // The repair kept the damaged segment aside, as etcd does.
    assert.ok((await readdir(walDir)).includes(`${last}.broken`), 'the torn segment is kept as .broken')
    const client = connect(server())
    try {
      const found = await readBack(client)
      for (const [key, [value, revision]] of acknowledged) {
        assert.deepEqual(found.get(key), [value, revision], `acknowledged put of ${key} after the repair`)
      }
      const lastRevision = Math.max(...[...acknowledged.values()].map(([, r]) => r))
      assert.equal(rev(await client.put('crash/after-repair').value('r')), lastRevision + 1)
    } finally {
      client.close()
    }
  })
})

/**
 * Writes a torn frame right after the last record of a (zero-preallocated) WAL segment: a length
 * word announcing a 4 KiB record, then one sector of garbage, then nothing — the zeros a crash
 * leaves when the later sectors of a write never reached the disk. Returns the frame's offset.
 */
async function tearTail(path: string): Promise<number> {
  const file = await open(path, 'r+')
  try {
    const { size } = await file.stat()
    const data = Buffer.alloc(size)
    await file.read(data, 0, size, 0)
    let end = size
    while (end > 0 && data[end - 1] === 0) end--
    // Frames are 8-byte aligned; the length words of the next frame start there.
    const offset = Math.ceil(end / 8) * 8
    const frame = Buffer.alloc(8 + SECTOR)
    frame.writeBigUInt64LE(4096n, 0)
    for (let i = 8; i < frame.length; i++) frame[i] = (i * 31 + 7) & 0xff || 1
    await file.write(frame, 0, frame.length, offset)
    await file.sync()
    return offset
  } finally {
    await file.close()
  }
}
