// Process crashes while committing: a child commits batches in a loop and reports each one whose
// forceCommit() resolved; we SIGKILL it at different moments (before its first commit, right
// after a report, a little later, mid-commit), reopen the store, and check that every reported
// batch is there intact, that every batch is all-or-nothing, and that the store opens cleanly
// and takes writes. Rounds continue on the same store, so recovery is itself recovered from.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { bytesEqual } from '@etcd-ts/backend'
import { LevelBackend } from '@etcd-ts/backend-level'
import { BUCKET, batchEntries, markerKey } from './fixtures/batches.js'
import { seededRandom, startFixture, withTempDir } from './helpers.js'

/** When to kill: after the report of the `after`-th batch of the round (-1: on "open"), `delayMs` later. */
const ROUNDS: readonly { after: number; delayMs: number }[] = [
  { after: -1, delayMs: 0 },
  { after: 0, delayMs: 0 },
  { after: 5, delayMs: 0 },
  { after: 12, delayMs: 1 },
  { after: 30, delayMs: 3 },
  { after: 3, delayMs: 7 },
]

/** Checks the store and returns the number of batches in it (0 .. n-1, all complete). */
async function checkStore(location: string, reported: number): Promise<number> {
  const backend = new LevelBackend({ location })
  await backend.open()
  try {
    const tx = backend.readTx()
    if (!tx.hasBucket(BUCKET)) {
      assert.equal(reported, 0, 'the bucket exists once a batch was reported')
      return 0
    }
    let present = 0
    while (tx.unsafeGet(BUCKET, markerKey(present)) !== undefined) present++
    assert.ok(present >= reported, `batches reported committed: ${reported}, found: ${present}`)
    assert.ok(present <= reported + 1, `at most the batch in flight is there unreported (${present} > ${reported} + 1)`)
    for (let n = 0; n <= present; n++) {
      // Batches 0 .. present-1 complete; batch `present` (never reported) entirely absent.
      for (const [key, value] of batchEntries(n)) {
        const found = tx.unsafeGet(BUCKET, key)
        if (n < present) {
          assert.ok(found !== undefined && bytesEqual(found, value), `batch ${n} intact`)
        } else {
          assert.equal(found, undefined, `batch ${n} all or nothing`)
        }
      }
    }
    const all = await tx.unsafeRange(BUCKET, new Uint8Array(0), Uint8Array.of(0xff))
    assert.equal(all.keys.length, present * batchEntries(0).length, 'nothing else in the bucket')
    return present
  } finally {
    await backend.close()
  }
}

it('every batch reported committed survives SIGKILL, at several moments, round after round', {
  timeout: 60_000,
}, async (t) => {
  await withTempDir(async (location) => {
    const random = seededRandom(42)
    let committed = 0
    for (const [round, { after, delayMs }] of ROUNDS.entries()) {
      const child = startFixture('commit-loop', [location, String(committed)])
      let reported = committed
      try {
        if (after < 0) await child.waitForLine(/^open /)
        else await child.waitForLine(new RegExp(`^committed ${committed + after}$`))
        if (delayMs > 0) await delay(Math.ceil(random() * delayMs))
        await child.kill()
        const { signal } = await child.exited
        assert.equal(signal, 'SIGKILL', `round ${round}: killed, not exited: ${child.stderr()}`)
        for (const line of child.lines()) {
          const match = /^committed (\d+)$/.exec(line)
          if (match !== null) reported = Number(match[1]) + 1
        }
      } finally {
        await child.kill()
      }
      const present = await checkStore(location, reported)
      t.diagnostic(
        `round ${round}: killed after ${reported - committed} reported commits, found ${present - committed}`,
      )
      committed = present
    }
    assert.ok(committed >= 50, `enough batches went through (${committed})`)
    // The store goes on after its last crash.
    const backend = new LevelBackend({ location })
    await backend.open()
    const tx = backend.batchTx()
    tx.lock()
    for (const [key, value] of batchEntries(committed)) tx.unsafePut(BUCKET, key, value)
    tx.unlock()
    await backend.close()
    assert.equal(await checkStore(location, committed + 1), committed + 1)
  })
})
