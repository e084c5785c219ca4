import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../agent/backoff.js'

describe('backoffDelay (exponential, full jitter)', () => {
  it('grows with attempts and stays within [base/2, cap]', () => {
    expect(backoffDelay(0, 100, 10_000, () => 0)).toBe(50)
    expect(backoffDelay(0, 100, 10_000, () => 1)).toBe(100)
    expect(backoffDelay(3, 100, 10_000, () => 1)).toBe(800)
    expect(backoffDelay(20, 100, 10_000, () => 1)).toBe(10_000)
    expect(backoffDelay(1000, 100, 10_000, () => 0.5)).toBeLessThanOrEqual(10_000)
  })

  it('spreads a fleet: delays for the same attempt differ', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, 100, 10_000)))
    expect(delays.size).toBeGreaterThan(25)
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(50)
      expect(d).toBeLessThanOrEqual(3200)
    }
  })
})
