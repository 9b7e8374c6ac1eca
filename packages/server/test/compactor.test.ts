import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Compactor, parseGoDuration, parsePeriodicRetention } from '../src/compactor.js'
import { SILENT_LOGGER } from '../src/config.js'

/** A manual clock: timers fire when `advance` passes them. */
class ManualClock {
  #now = 0
  #timers: { at: number; run: () => void; live: boolean }[] = []
  now(): number {
    return this.#now
  }
  setTimer(ms: number, run: () => void): () => void {
    const timer = { at: this.#now + ms, run, live: true }
    this.#timers.push(timer)
    return () => {
      timer.live = false
    }
  }
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms
    for (;;) {
      const next = this.#timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0]
      if (next === undefined) break
      this.#now = next.at
      next.live = false
      next.run()
      await new Promise((r) => setImmediate(r))
    }
    this.#now = end
  }
}

describe('Go durations', () => {
  it('parse as Go does', () => {
    assert.equal(parseGoDuration('300ms'), 300)
    assert.equal(parseGoDuration('1h30m'), 5_400_000)
    assert.equal(parseGoDuration('1.5s'), 1500)
    assert.equal(parseGoDuration('0'), 0)
    assert.throws(() => parseGoDuration('5'), RangeError)
    assert.throws(() => parseGoDuration('1x'), RangeError)
    assert.throws(() => parseGoDuration(''), RangeError)
  })

  it('periodic retention takes bare hours', () => {
    assert.equal(parsePeriodicRetention('2'), 7_200_000)
    assert.equal(parsePeriodicRetention('30m'), 1_800_000)
  })
})

describe('Compactor', () => {
  function setup(mode: 'periodic' | 'revision', retention: string) {
    const clock = new ManualClock()
    let revision = 1
    const compacted: number[] = []
    const compactor = new Compactor(
      { mode, retention },
      {
        clock,
        logger: SILENT_LOGGER,
        revision: () => revision,
        compact: async (rev) => {
          compacted.push(rev)
        },
      },
    )
    return { clock, compactor, compacted, setRevision: (r: number) => (revision = r) }
  }

  it('revision mode compacts to current - retention every 5 minutes, once per revision', async () => {
    const { clock, compactor, compacted, setRevision } = setup('revision', '10')
    compactor.resume()
    setRevision(5)
    await clock.advance(300_000)
    assert.deepEqual(compacted, []) // 5 - 10 <= 0
    setRevision(50)
    await clock.advance(300_000)
    assert.deepEqual(compacted, [40])
    await clock.advance(300_000)
    assert.deepEqual(compacted, [40]) // unchanged revision: not again
    compactor.pause()
    setRevision(100)
    await clock.advance(600_000)
    assert.deepEqual(compacted, [40])
    compactor.stop()
  })

  it('periodic mode compacts to the revision of one period ago', async () => {
    const { clock, compactor, compacted, setRevision } = setup('periodic', '10m')
    setRevision(10)
    compactor.resume() // sample 10 at t=0, then every 1 min
    for (let minute = 1; minute <= 10; minute++) {
      setRevision(10 + minute * 10)
      await clock.advance(60_000)
    }
    assert.deepEqual(compacted, [10])
    compactor.stop()
  })

  it('retention 0 never compacts', async () => {
    const { clock, compactor, compacted, setRevision } = setup('periodic', '0')
    compactor.resume()
    setRevision(1000)
    await clock.advance(10 * 3_600_000)
    assert.deepEqual(compacted, [])
  })
})
