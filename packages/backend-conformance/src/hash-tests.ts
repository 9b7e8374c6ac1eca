import assert from 'node:assert/strict'
import { describe } from 'node:test'
import { bytes, equal, revision, text, u64be } from './bytes.js'
import { crc32c } from './crc32c.js'
import { inTx, type Suite, writeContent } from './harness.js'
import { type Content, Model, referenceHash } from './model.js'

/** A fixed store: etcd's buckets with typical entries, an empty bucket, edge keys and values. */
const FIXED: Content = Model.of([
  [
    'key',
    [
      [revision(2), text('foo=bar')],
      [revision(3), text('foo=baz')],
      [revision(3, 1), bytes()],
    ],
  ],
  [
    'meta',
    [
      [text('consistent_index'), u64be(42)],
      [text('term'), u64be(3)],
      [text('finishedCompactRev'), revision(2)],
    ],
  ],
  ['lease', [[u64be(0x1234), bytes(8, 1, 16, 60)]]],
  ['members', [[text('8e9e05c52164694d'), text('{"id":10276657743932975437,"peerURLs":["http://localhost:2380"]}')]]],
  ['alarm', []],
  [
    'x',
    [
      [bytes(), bytes()],
      [bytes(0x00), bytes(0xff)],
      [text('a'), bytes(1)],
      [text('a\0'), bytes(2)],
      [text('ab'), bytes(3)],
      [bytes(0xff), bytes(0x00)],
    ],
  ],
]).content()

/**
 * The hash of FIXED, computed once with the suite's own CRC-32C over the documented byte order
 * and written here: every adapter, now and later, must give exactly this.
 */
const FIXED_HASH = 0xcb2a1865
/** The same, leaving out meta/consistent_index and meta/term (as etcd's Hash RPC does). */
const FIXED_HASH_IGNORING = 0x47f4e593

const IGNORED = [text('consistent_index'), text('term')]
const ignoreIndexAndTerm = (bucket: string, key: Uint8Array) =>
  bucket === 'meta' && IGNORED.some((ignored) => equal(ignored, key))

export function hashTests(suite: Suite): void {
  describe('hash', () => {
    suite.test("the suite's CRC-32C and reference hash are right", async () => {
      assert.equal(crc32c(text('123456789')), 0xe3069283, 'the CRC-32C check value (RFC 3720)')
      assert.equal(crc32c(text('56789'), crc32c(text('1234'))), 0xe3069283, 'chained')
      assert.equal(referenceHash(FIXED), FIXED_HASH)
      assert.equal(referenceHash(FIXED, ignoreIndexAndTerm), FIXED_HASH_IGNORING)
      assert.equal(referenceHash([]), 0)
    })

    suite.test('a fixed content hashes to a fixed CRC-32C value', async (f) => {
      const backend = await f.open()
      writeContent(backend, FIXED)
      assert.equal(await backend.hash(), FIXED_HASH, 'with writes pending: hash() commits them first')
      assert.equal(await backend.hash(), FIXED_HASH, 'again')
    })

    suite.test('ignore leaves entries out, bucket names stay in', async (f) => {
      const backend = await f.open()
      writeContent(backend, FIXED)
      const asked: string[] = []
      const hash = await backend.hash((bucket, key) => {
        asked.push(`${bucket}/${new TextDecoder().decode(key)}`)
        return ignoreIndexAndTerm(bucket, key)
      })
      assert.equal(hash, FIXED_HASH_IGNORING)
      assert.ok(asked.includes('meta/consistent_index') && asked.includes('key/\0\0\0\0\0\0\0\x02_\0\0\0\0\0\0\0\0'))
      assert.equal(
        await backend.hash(() => true),
        referenceHash(FIXED, () => true),
        'all left out: the names remain',
      )
      assert.equal(await backend.hash(() => false), FIXED_HASH)
    })

    suite.test('depends on contents only: not on write order, overwrites, deletes or commit timing', async (f) => {
      const a = await f.open({ options: { batchIntervalMs: 100 } })
      for (const [bucket, entries] of FIXED) {
        writeContent(a, [[bucket, entries]])
        await a.forceCommit()
      }
      const b = await f.open({ options: { batchIntervalMs: 100, batchLimit: 3 } })
      inTx(b, (tx) => {
        tx.unsafeCreateBucket('gone')
        tx.unsafePut('gone', text('k'), text('v'))
        for (const [bucket, entries] of [...FIXED].reverse()) {
          tx.unsafeCreateBucket(bucket)
          for (const [key] of entries) tx.unsafePut(bucket, key, text('old'))
          tx.unsafePut(bucket, text('deleted'), text('deleted'))
        }
      })
      f.clock.advance(100)
      for (const [bucket, entries] of FIXED) {
        inTx(b, (tx) => {
          tx.unsafeDelete(bucket, text('deleted'))
          for (const [key, value] of [...entries].reverse()) tx.unsafePut(bucket, key, value)
        })
        f.clock.advance(50)
      }
      inTx(b, (tx) => tx.unsafeDeleteBucket('gone'))
      assert.equal(await a.hash(), FIXED_HASH, 'in order, one commit per bucket')
      assert.equal(await b.hash(), FIXED_HASH, 'out of order, overwritten, deleted, committed at random points')
    })
  })
}
