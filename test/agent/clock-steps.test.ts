import { describe, expect, it } from 'vitest'
import { ClockSteps } from '../../agent/clock-steps.js'

const HOUR = 3_600_000

describe('ClockSteps (agent wall clock against the monotonic clock)', () => {
  it('reads each batch at on the clock that stamped it, across a step back and a step forward', () => {
    let mono = 1_000
    let offset = 0
    let nextSeq = 1
    const wall = () => 1_800_000_000_000 + mono + offset
    const steps = new ClockSteps(() => nextSeq, wall, undefined, () => mono)
    steps.check()
    nextSeq = 11 // seqs 1-10 made on the first clock
    mono += 5_000
    offset = -HOUR
    steps.check() // before appending seq 11
    nextSeq = 21
    mono += 5_000
    offset = 24 * HOUR
    steps.check()
    nextSeq = 31
    const now = wall()
    expect(steps.steps).toBe(2)
    expect(steps.atFor(5)).toBe(now - 24 * HOUR) // the first clock: real time
    expect(steps.atFor(15)).toBe(now - 25 * HOUR) // the clock an hour behind
    expect(steps.atFor(15)).toBe(1_800_000_000_000 + mono - HOUR)
    expect(steps.atFor(25)).toBe(now)
  })

  it('time passing and small drift are not steps', () => {
    let mono = 0
    let drift = 0
    const steps = new ClockSteps(() => 1, () => 1_800_000_000_000 + mono + drift, undefined, () => mono)
    for (let i = 0; i < 100; i++) {
      mono += 60_000
      drift += 10
      steps.check()
    }
    expect(steps.steps).toBe(0)
    expect(steps.atFor(1)).toBe(1_800_000_000_000 + mono + drift)
  })
})
