// The same entries, laid out across the backend's layers in different ways: what a reader sees
// must not depend on whether an entry is committed, unlocked but pending, or written in the
// locked transaction — nor on stale values and deleted keys underneath.
import type { Backend, ReadTx } from '@etcd-ts/backend'
import { concat, equal } from './bytes.js'
import type { Entry } from './model.js'

/** How entries are spread over the layers. */
export const LAYOUTS = ['committed', 'unlocked', 'locked', 'mixed-unlocked', 'mixed-locked'] as const
export type Layout = (typeof LAYOUTS)[number]

/** Readers that must all see the entries, and what to call when done reading. */
export interface Laid {
  readonly readers: readonly (readonly [name: string, reader: ReadTx])[]
  /** Unlocks the write transaction if the layout left it locked, and closes read transactions. */
  done(): void
}

const STALE = Uint8Array.of(0x5e, 0x5e)

/**
 * Writes `entries` into a new bucket `bucket` laid out as `layout`:
 *
 * - `committed`: written, then deleted decoys, each in a transaction committed by forceCommit().
 * - `unlocked`: the same, unlocked and not committed.
 * - `locked`: the same within the write transaction, still locked (read through it).
 * - `mixed-*`: committed, unlocked and locked layers at once: stale values committed and then
 *   overwritten above, decoy keys (between the real ones) committed and deleted above, or put
 *   and deleted in the same layer. `mixed-locked` reads through the locked transaction,
 *   `mixed-unlocked` unlocks it first.
 *
 * Decoys sit next to every key, so a range limit that counted deleted entries would show.
 */
export async function layOut(
  backend: Backend,
  bucket: string,
  entries: readonly Entry[],
  layout: Layout,
): Promise<Laid> {
  const keys = entries.map(([key]) => key)
  const decoy = (key: Uint8Array, tag: number) => concat(key, Uint8Array.of(0x00, tag, tag))
  const decoys = keys.map((key) => decoy(key, 0x5a)).filter((d) => !keys.some((key) => equal(key, d)))
  const decoys2 = keys.map((key) => decoy(key, 0x5b)).filter((d) => !keys.some((key) => equal(key, d)))
  const tx = backend.batchTx()
  const crts: { close(): void }[] = []
  const plain = (): Laid => {
    const crt = backend.concurrentReadTx()
    crts.push(crt)
    return {
      readers: [
        ['readTx', backend.readTx()],
        ['concurrentReadTx', crt],
      ],
      done: () => {
        for (const c of crts) c.close()
      },
    }
  }
  const throughTx = (): Laid => ({ readers: [['batchTx (locked)', tx]], done: () => tx.unlock() })

  if (layout === 'committed' || layout === 'unlocked' || layout === 'locked') {
    tx.lock()
    tx.unsafeCreateBucket(bucket)
    for (const [key, value] of entries) tx.unsafePut(bucket, key, value)
    for (const key of decoys) tx.unsafePut(bucket, key, STALE)
    if (layout !== 'locked') {
      tx.unlock()
      if (layout === 'committed') await backend.forceCommit()
      tx.lock()
    }
    for (const key of decoys) tx.unsafeDelete(bucket, key)
    if (layout === 'locked') return throughTx()
    tx.unlock()
    if (layout === 'committed') await backend.forceCommit()
    return plain()
  }

  // Committed: a third right, a third stale, every decoy.
  tx.lock()
  tx.unsafeCreateBucket(bucket)
  entries.forEach(([key, value], i) => {
    if (i % 3 === 0) tx.unsafePut(bucket, key, value)
    if (i % 3 === 1) tx.unsafePut(bucket, key, STALE)
  })
  for (const key of decoys) tx.unsafePut(bucket, key, STALE)
  tx.unlock()
  await backend.forceCommit()
  // Unlocked: fix the stale third, delete half the decoys, put the last third stale.
  tx.lock()
  entries.forEach(([key, value], i) => {
    if (i % 3 === 1) tx.unsafePut(bucket, key, value)
    if (i % 3 === 2) tx.unsafePut(bucket, key, STALE)
  })
  decoys.forEach((key, i) => {
    if (i % 2 === 0) tx.unsafeDelete(bucket, key)
  })
  tx.unlock()
  // Locked: fix the last third, delete the other decoys, put and delete new ones.
  tx.lock()
  entries.forEach(([key, value], i) => {
    if (i % 3 === 2) tx.unsafePut(bucket, key, value)
  })
  decoys.forEach((key, i) => {
    if (i % 2 === 1) tx.unsafeDelete(bucket, key)
  })
  for (const key of decoys2) tx.unsafePut(bucket, key, STALE)
  for (const key of decoys2) tx.unsafeDelete(bucket, key)
  if (layout === 'mixed-locked') return throughTx()
  tx.unlock()
  return plain()
}
