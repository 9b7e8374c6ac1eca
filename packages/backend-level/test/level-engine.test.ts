// LevelEngine directly: reads, views and iterators, and the reference counting that keeps a
// replaced generation open exactly as long as something reads it.
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { LevelEngine } from '@etcd-ts/backend-level'
import { b, withTempDir } from './helpers.js'

const ALL = { gte: new Uint8Array(0), lt: Uint8Array.of(0xff) }

async function* entriesOf(...pairs: [number, number][]): AsyncGenerator<readonly [Uint8Array, Uint8Array]> {
  for (const [key, value] of pairs) yield [b(key), b(value)]
}

async function collect(iterable: AsyncIterable<readonly [Uint8Array, Uint8Array]>): Promise<number[][]> {
  const out: number[][] = []
  for await (const [key, value] of iterable) out.push([...key, ...value])
  return out
}

async function withEngine(body: (engine: LevelEngine, location: string) => Promise<void>): Promise<void> {
  await withTempDir(async (location) => {
    const engine = new LevelEngine({ location })
    await engine.open()
    try {
      await body(engine, location)
    } finally {
      await engine.close()
    }
  })
}

describe('LevelEngine', () => {
  it('writes atomically, reads back plain Uint8Arrays, and iterates ranges in order', async () => {
    await withEngine(async (engine) => {
      assert.equal(engine.durable, true)
      await engine.write({ puts: [], deletes: [] })
      await engine.write({
        puts: [
          [b(3), b(30)],
          [b(1), b(10)],
          [b(2), b(20)],
        ],
        deletes: [],
      })
      await engine.write({ puts: [[b(4), b(40)]], deletes: [b(2), b(9)] })
      const value = engine.get(b(1))
      assert.equal(Object.getPrototypeOf(value), Uint8Array.prototype, 'not a Buffer')
      assert.deepEqual(value, b(10))
      assert.equal(engine.get(b(2)), undefined)
      assert.deepEqual(await collect(engine.entries(ALL)), [
        [1, 10],
        [3, 30],
        [4, 40],
      ])
      assert.deepEqual(await collect(engine.entries({ gte: b(2), lt: b(4) })), [[3, 30]])
      assert.deepEqual(await collect(engine.entries({ gte: b(4), lt: b(4) })), [])
    })
  })

  it('a view sees its moment for gets and iteration; release is idempotent; foreign views are refused', async () => {
    await withEngine(async (engine) => {
      await engine.write({ puts: [[b(1), b(1)]], deletes: [] })
      const view = engine.view()
      await engine.write({
        puts: [
          [b(1), b(2)],
          [b(5), b(5)],
        ],
        deletes: [],
      })
      assert.deepEqual(engine.get(b(1), view), b(1))
      assert.equal(engine.get(b(5), view), undefined)
      assert.deepEqual(await collect(engine.entries(ALL, view)), [[1, 1]])
      assert.deepEqual(engine.get(b(1)), b(2))
      view.release()
      view.release()
      assert.throws(() => engine.get(b(1), view), TypeError)
      assert.throws(() => engine.get(b(1), { release() {} }), TypeError)
    })
  })

  it('many iterations stopped early release everything: a replace removes the old generation at once', async () => {
    await withEngine(async (engine, location) => {
      const pairs: [number, number][] = Array.from({ length: 200 }, (_, i) => [i, i])
      await engine.replace(entriesOf(...pairs))
      for (let i = 0; i < 50; i++) {
        const view = engine.view()
        for await (const _ of engine.entries(ALL, view)) break
        for await (const _ of engine.entries(ALL)) break
        view.release()
      }
      await engine.replace(entriesOf([7, 7]))
      assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-3'])
    })
  })

  it('an iteration in progress across a replace goes on in the old contents, then lets them go', async () => {
    await withTempDir(async (location) => {
      const engine = new LevelEngine({ location })
      await engine.open()
      await engine.replace(
        (async function* () {
          for (let i = 0; i < 3000; i++) yield [b(i >> 8, i & 0xff), b(1)] as const
        })(),
      )
      const live = engine.entries(ALL)[Symbol.asyncIterator]()
      const view = engine.view()
      const viewed = engine.entries(ALL, view)[Symbol.asyncIterator]()
      assert.equal((await live.next()).done, false)
      assert.equal((await viewed.next()).done, false)
      view.release()
      await engine.replace(entriesOf([1, 1]))
      assert.deepEqual(await collect(engine.entries(ALL)), [[1, 1]])
      assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-2', 'gen-3'], 'gen-2 still read')
      let rest = 0
      for (let next = await live.next(); next.done !== true; next = await live.next()) rest++
      for (let next = await viewed.next(); next.done !== true; next = await viewed.next()) rest++
      assert.equal(rest, 2 * 2999, 'both read the 3000 old entries to the end')
      await engine.close()
      assert.deepEqual((await readdir(location)).sort(), ['GENERATION', 'gen-3'])
    })
  })

  it('reads and writes after close fail; open and close are idempotent and it reopens', async () => {
    await withTempDir(async (location) => {
      const engine = new LevelEngine({ location })
      await Promise.all([engine.open(), engine.open()])
      await engine.write({ puts: [[b(1), b(1)]], deletes: [] })
      await Promise.all([engine.close(), engine.close()])
      assert.throws(() => engine.get(b(1)))
      await assert.rejects(engine.write({ puts: [[b(2), b(2)]], deletes: [] }))
      await engine.open()
      assert.deepEqual(engine.get(b(1)), b(1))
      await engine.close()
    })
  })
})
