// The suite's reference implementations, checked against the standard CRC-32C check value and
// against @etcd-ts/backend's own snapshot codec: if these disagree, the suite is wrong.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeSnapshot, encodeSnapshot, type SnapshotRecord } from '@etcd-ts/backend'
import { bytes, concat, equal, pseudoRandomBytes, text } from '../src/bytes.js'
import { crc32c } from '../src/crc32c.js'
import { type Content, Model, referenceHash, referenceSnapshot } from '../src/model.js'

const CONTENT: Content = Model.of([
  ['b', [[bytes(), bytes()]]],
  [
    'a',
    [
      [text('k2'), pseudoRandomBytes(200_000, 1)],
      [text('k1'), text('v')],
    ],
  ],
  ['empty', []],
]).content()

async function* recordsOf(content: Content): AsyncGenerator<SnapshotRecord> {
  for (const [bucket, entries] of content) {
    yield { kind: 'bucket', bucket }
    for (const [key, value] of entries) yield { kind: 'entry', key, value }
  }
}

describe('reference implementations', () => {
  it('crc32c gives the RFC 3720 check value and chains', () => {
    assert.equal(crc32c(text('123456789')), 0xe3069283)
    assert.equal(crc32c(text('789'), crc32c(text('123456'))), 0xe3069283)
    assert.equal(crc32c(bytes()), 0)
  })

  it('referenceHash covers bucket names, then keys and values, in order', () => {
    const stream = concat(
      text('a'),
      text('k1'),
      text('v'),
      text('k2'),
      pseudoRandomBytes(200_000, 1),
      text('b'),
      text('empty'),
    )
    assert.equal(referenceHash(CONTENT), crc32c(stream))
  })

  it('referenceSnapshot is what @etcd-ts/backend encodes and decodes', async () => {
    const encoded: Uint8Array[] = []
    for await (const chunk of encodeSnapshot(recordsOf(CONTENT))) encoded.push(chunk)
    assert.ok(equal(concat(...encoded), referenceSnapshot(CONTENT)))
    const decoded: string[] = []
    async function* stream() {
      yield referenceSnapshot(CONTENT)
    }
    for await (const record of decodeSnapshot(stream())) {
      decoded.push(record.kind === 'bucket' ? record.bucket : `${record.key.length}:${record.value.length}`)
    }
    assert.deepEqual(decoded, ['a', '2:1', '2:200000', 'b', '0:0', 'empty'])
  })

  it('Model orders keys bytewise and ranges like the contract says', () => {
    const model = Model.of([
      [
        'r',
        [
          [text('b'), text('2')],
          [bytes(), text('0')],
          [text('a'), text('1')],
          [text('a\0'), text('3')],
        ],
      ],
    ])
    const keys = (entries: readonly (readonly [Uint8Array, Uint8Array])[]) => entries.map(([key]) => [...key])
    assert.deepEqual(keys(model.entries('r')), [[], [0x61], [0x61, 0], [0x62]])
    assert.deepEqual(keys(model.range('r', text('a'))), [[0x61]])
    assert.deepEqual(keys(model.range('r', text('a'), bytes(), 5)), [[0x61]])
    assert.deepEqual(keys(model.range('r', text('a'), text('b'))), [[0x61], [0x61, 0]])
    assert.deepEqual(keys(model.range('r', bytes(), text('z'), 2)), [[], [0x61]])
    assert.deepEqual(keys(model.range('r', text('b'), text('a'))), [])
  })
})
