import { afterEach, describe, expect, it, vi } from 'vitest'
import { BoundaryTimer } from '../../agent/boundary-timer.js'

describe('BoundaryTimer', () => {
  afterEach(() => vi.useRealTimers())

  it('fires on each boundary with the boundary as its time, whatever the jitter', async () => {
    vi.useFakeTimers({ now: 1_000_123 })
    const fired: number[] = []
    const t = new BoundaryTimer(500, (b) => fired.push(b))
    t.start()
    await vi.advanceTimersByTimeAsync(2_000)
    t.stop()
    expect(fired).toEqual([1_000_500, 1_001_000, 1_001_500, 1_002_000])
  })

  it('never fires a boundary twice when woken early, and skips boundaries missed in a stall', async () => {
    let skew = 0
    vi.useFakeTimers({ now: 10_000 })
    const fired: number[] = []
    const t = new BoundaryTimer(100, (b) => fired.push(b), () => Date.now() + skew)
    t.start()
    await vi.advanceTimersByTimeAsync(100)
    skew = -3 // the wall clock now reads 3 ms behind the timers: the next wake looks early
    await vi.advanceTimersByTimeAsync(110)
    expect(fired).toEqual([10_100, 10_200])
    skew = 250 // the clock leaps ahead as after a stall: the boundaries it passed are not made up
    await vi.advanceTimersByTimeAsync(300)
    t.stop()
    expect(fired.slice(0, 4)).toEqual([10_100, 10_200, 10_300, 10_600])
    const steps = fired.slice(1).map((b, i) => b - fired[i])
    expect(steps.every((s) => s > 0 && s % 100 === 0)).toBe(true)
  })

  it('follows the wall clock after it steps back by more than a step', async () => {
    let skew = 0
    vi.useFakeTimers({ now: 50_000 })
    const fired: number[] = []
    const t = new BoundaryTimer(1_000, (b) => fired.push(b), () => Date.now() + skew)
    t.start()
    await vi.advanceTimersByTimeAsync(1_000)
    skew = -3_600_000
    await vi.advanceTimersByTimeAsync(3_000)
    t.stop()
    expect(fired[0]).toBe(51_000)
    // After the step back the next ticks are an hour earlier, not an hour away.
    expect(fired.length).toBeGreaterThanOrEqual(3)
    expect(fired.at(-1)).toBeLessThan(51_000)
  })
})
