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

  it('batches stamped before a step that is found only at their append stay on the clock before it', () => {
    let mono = 0
    let offset = 0
    let nextSeq = 1
    const wall = () => 1_800_000_000_000 + mono + offset
    const steps = new ClockSteps(() => nextSeq, wall, undefined, () => mono)
    steps.check()
    const stampedOn = steps.clock // a collection starts, its samples on the first clock
    offset = -HOUR // the step comes while it runs
    steps.append(stampedOn, 2) // seqs 1 and 2
    nextSeq = 3
    steps.append(steps.clock, 1) // seq 3, stamped after the step
    nextSeq = 4
    expect(steps.steps).toBe(1)
    expect(steps.atFor(1)).toBe(wall() + HOUR)
    expect(steps.atFor(2)).toBe(wall() + HOUR)
    expect(steps.atFor(3)).toBe(wall())
  })
})
