// backendFactory: `--backend` → the adapter, built unopened with the server's batching settings.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LevelBackend } from '@etcd-ts/backend-level'
import { MemoryBackend } from '@etcd-ts/backend-memory'
import { BACKEND_KINDS, type BackendKind, backendFactory } from '../src/backend-factory.js'

const OPTIONS = { path: '/tmp/etcd-ts-unused/member/snap/db', batchIntervalMs: 25, batchLimit: 7 }

describe('backendFactory', () => {
  it('offers level and memory, level first (the default)', () => {
    assert.deepEqual(BACKEND_KINDS, ['level', 'memory'])
  })

  it('makes a LevelBackend at the path the server gives, without opening it', () => {
    const backend = backendFactory('level')(OPTIONS)
    assert.ok(backend instanceof LevelBackend)
    assert.equal(backend.location, OPTIONS.path)
  })

  it('makes a MemoryBackend for memory, whatever the path', () => {
    assert.ok(backendFactory('memory')(OPTIONS) instanceof MemoryBackend)
  })

  it('makes a new backend on every call', () => {
    const factory = backendFactory('memory')
    assert.notEqual(factory(OPTIONS), factory(OPTIONS))
  })

  it('refuses another kind', () => {
    assert.throws(() => backendFactory('rocksdb' as BackendKind), RangeError)
  })
})
