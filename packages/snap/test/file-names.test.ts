import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dbFileName, parseSnapshotFileName, snapshotFileName } from '@etcd-ts/snap'

describe('file names', () => {
  it('names snapshot files %016x-%016x.snap by (term, index), as etcd does', () => {
    // etcd 3.4.23 with --snapshot-count=20 wrote this name for its snapshot at index 21, term 2.
    assert.equal(snapshotFileName(2, 21), '0000000000000002-0000000000000015.snap')
    assert.equal(snapshotFileName(0, 0), '0000000000000000-0000000000000000.snap')
    assert.equal(snapshotFileName(0xabc, Number.MAX_SAFE_INTEGER), '0000000000000abc-001fffffffffffff.snap')
  })

  it('names backend snapshots %016x.snap.db by index', () => {
    assert.equal(dbFileName(21), '0000000000000015.snap.db')
  })

  it('sorts names in (term, index) order', () => {
    const pairs = [
      [1, 255],
      [2, 9],
      [2, 16],
      [1, 1],
      [16, 0],
    ] as const
    const byName = pairs.map(([term, index]) => snapshotFileName(term, index)).sort()
    const byValue = [...pairs]
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map(([term, index]) => snapshotFileName(term, index))
    assert.deepEqual(byName, byValue)
  })

  it('parses snapshot names back, rejecting anything else', () => {
    assert.deepEqual(parseSnapshotFileName('0000000000000002-0000000000000015.snap'), { term: 2, index: 21 })
    assert.deepEqual(parseSnapshotFileName('2-F.snap'), { term: 2, index: 15 })
    for (const name of [
      '0000000000000002-0000000000000015.snap.broken',
      '0000000000000015.snap.db',
      'x-1.snap',
      '1-ffffffffffffffff.snap', // above 2^53 - 1
      '00000000000000002-0000000000000015.snap', // 17 digits
    ]) {
      assert.equal(parseSnapshotFileName(name), undefined, name)
    }
  })

  it('rejects indexes and terms that are not safe non-negative integers', () => {
    for (const bad of [-1, 1.5, 2 ** 53, Number.NaN, '1' as unknown as number]) {
      assert.throws(() => snapshotFileName(bad, 1), RangeError)
      assert.throws(() => snapshotFileName(1, bad), RangeError)
      assert.throws(() => dbFileName(bad), RangeError)
    }
  })
})
