import { describe, expect, it } from 'vitest'
import { ClockSteps } from '../../agent/clock-steps.js'
import { tempDir } from '../helpers/temp.js'
import { join } from 'node:path'

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

  it('across a restart: batches buffered before it stay on their clock, and a step made while stopped is found', async () => {
    const d = await tempDir()
    try {
      const file = join(d.dir, 'CLOCK-STEPS.json')
      let mono = 50_000
      let offset = 0
      let nextSeq = 1
      const wall = () => 1_800_000_000_000 + mono + offset
      const first = new ClockSteps(() => nextSeq, wall, undefined, () => mono)
      first.restore(file, 'boot-a')
      nextSeq = 11 // seqs 1-10 made on the real clock, then a step back while running
      mono += 5_000
      offset = -3_600_000
      first.check()
      nextSeq = 21
      // Stopped; the clock is stepped forward a day meanwhile; started again in the same boot.
      mono += 60_000
      offset = 24 * 3_600_000
      const second = new ClockSteps(() => nextSeq, wall, undefined, () => mono)
      second.restore(file, 'boot-a')
      const now = wall()
      expect(second.steps).toBe(1)
      expect(second.atFor(5)).toBe(now - 24 * 3_600_000)
      expect(second.atFor(15)).toBe(now - 25 * 3_600_000)
      expect(second.atFor(21)).toBe(now)
      // Another boot: the monotonic clock started again; the steps known are kept, none is made up.
      const third = new ClockSteps(() => nextSeq, wall, undefined, () => 1_000)
      third.restore(file, 'boot-b')
      expect(third.steps).toBe(0)
      expect(third.atFor(15)).toBe(wall() - 25 * 3_600_000)
    } finally {
      await d.cleanup()
    }
  })
})
