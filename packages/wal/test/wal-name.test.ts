// Segment names (%016x-%016x.wal) and which files an open at a snapshot index reads.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseWalName, walName } from '../src/index.js'
import { selectWalNames, type WalName } from '../src/wal-name.js'

const names = (...specs: Array<[number, number]>): WalName[] =>
  specs.map(([seq, index]) => parseWalName(walName(seq, index)) as WalName)

describe('segment names', () => {
  it('are the sequence number and first index in 16 lowercase hex digits', () => {
    assert.equal(walName(0, 0), '0000000000000000-0000000000000000.wal')
    assert.equal(walName(1, 0x133), '0000000000000001-0000000000000133.wal')
    assert.equal(walName(2 ** 53 - 1, 255), '001fffffffffffff-00000000000000ff.wal')
    assert.throws(() => walName(-1, 0), RangeError)
    assert.throws(() => walName(0, 1.5), RangeError)
  })

  it('parse back; anything else is not a segment', () => {
    assert.deepEqual(parseWalName('0000000000000001-00000000000000FF.wal'), {
      name: '0000000000000001-00000000000000FF.wal',
      seq: 1,
      index: 255,
    })
    for (const name of [
      '0.tmp',
      '1-1.wal',
      '0000000000000000-0000000000000000.wal.broken',
      'ffffffffffffffff-0000000000000000.wal',
    ]) {
      assert.equal(parseWalName(name), undefined, name)
    }
  })
})

describe('selecting the files to read', () => {
  const all = names([0, 0], [1, 10], [2, 20], [3, 30])

  it('takes the last file starting at or before the index, and every later one', () => {
    assert.deepEqual(
      selectWalNames('/w', all, 0).map(({ seq }) => seq),
      [0, 1, 2, 3],
    )
    assert.deepEqual(
      selectWalNames('/w', all, 10).map(({ seq }) => seq),
      [1, 2, 3],
    )
    assert.deepEqual(
      selectWalNames('/w', all, 29).map(({ seq }) => seq),
      [2, 3],
    )
    assert.deepEqual(
      selectWalNames('/w', all, 1000).map(({ seq }) => seq),
      [3],
    )
  })

  it('fails with WAL_NOT_FOUND before the first file, WAL_SEQUENCE_GAP on a gap after the start', () => {
    assert.throws(() => selectWalNames('/w', names([4, 40]), 39), { code: 'WAL_NOT_FOUND', index: 39 })
    assert.throws(() => selectWalNames('/w', names([0, 0], [2, 20]), 0), { code: 'WAL_SEQUENCE_GAP' })
    assert.deepEqual(selectWalNames('/w', names([0, 0], [2, 20]), 25).length, 1, 'a gap before the start is fine')
  })
})
