import { describe, expect, it } from 'vitest'
import { ClockOffsets, type ClockJump } from '../../hub/clock.js'

const HOUR = 3_600_000

describe('ClockOffsets (one offset per clock a device has shown)', () => {
  it('keeps the old offset for batches made before a step and the new one after, and reports the step once', () => {
    const offsets = new ClockOffsets()
    const jumps: ClockJump[] = []
    const t = 1_800_000_000_000
    const observe = (received: number, at: number) => offsets.observe('d', received, at, (j) => jumps.push(j))
    expect(observe(t, t - 50)).toBe(50)
    expect(observe(t + 1_000, t + 1_000 - 20)).toBe(20) // smaller delay: a better estimate
    // The device's clock steps back an hour: its new batches read an hour more.
    expect(observe(t + 2_000, t + 2_000 - HOUR - 30)).toBe(HOUR + 30)
    expect(jumps).toEqual([{ at: t + 2_000, fromMs: 20, toMs: HOUR + 30 }])
    // A batch made before the step (its at read on the old clock) still gets the old offset, with no new jump.
    expect(observe(t + 3_000, t + 3_000 - 40)).toBe(20)
    expect(observe(t + 4_000, t + 4_000 - HOUR - 10)).toBe(HOUR + 10)
    expect(jumps).toHaveLength(1)
    // A day forward.
    expect(observe(t + 5_000, t + 5_000 + 24 * HOUR)).toBe(-24 * HOUR)
    expect(jumps).toHaveLength(2)
    expect(jumps[1]).toMatchObject({ fromMs: HOUR + 10, toMs: -24 * HOUR })
  })

  it('network delay within the jump threshold is not a jump', () => {
    const offsets = new ClockOffsets()
    let jumps = 0
    for (let i = 0; i < 100; i++) offsets.observe('d', 1_000_000 + i * 1_000, 1_000_000 + i * 1_000 - (i % 7) * 1_000, () => jumps++)
    expect(jumps).toBe(0)
  })
})
