import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManualClock } from '@etcd-ts/backend-conformance'

describe('ManualClock', () => {
  it('runs due timers in time order, ties in the order set, each at its due time', () => {
    const clock = new ManualClock(1000)
    const ran: string[] = []
    clock.setTimer(30, () => ran.push(`c@${clock.now()}`))
    clock.setTimer(10, () => ran.push(`a@${clock.now()}`))
    clock.setTimer(10, () => ran.push(`b@${clock.now()}`))
    clock.setTimer(31, () => ran.push('late'))
    clock.advance(30)
    assert.deepEqual(ran, ['a@1010', 'b@1010', 'c@1030'])
    assert.equal(clock.now(), 1030)
    assert.equal(clock.pendingTimers, 1)
  })

  it('runs timers set by callbacks when they fall due within the same advance', () => {
    const clock = new ManualClock()
    const ran: number[] = []
    const tick = () => {
      ran.push(clock.now())
      clock.setTimer(100, tick)
    }
    clock.setTimer(100, tick)
    clock.advance(350)
    assert.deepEqual(ran, [100, 200, 300])
    assert.equal(clock.now(), 350)
  })

  it('cancels, harmlessly twice or after running', () => {
    const clock = new ManualClock()
    let runs = 0
    const cancel = clock.setTimer(5, () => runs++)
    cancel()
    cancel()
    clock.advance(10)
    assert.equal(runs, 0)
    const ran = clock.setTimer(0, () => runs++)
    clock.advance(0)
    ran()
    assert.equal(runs, 1)
    assert.equal(clock.pendingTimers, 0)
  })

  it('refuses to go back in time', () => {
    const clock = new ManualClock()
    assert.throws(() => clock.advance(-1), RangeError)
    assert.throws(() => clock.advance(Number.NaN), RangeError)
  })
})
