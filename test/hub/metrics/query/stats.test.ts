import { describe, expect, it } from 'vitest'
import { computeStats } from '../../../../hub/metrics/query/aggregate.js'
import { MINUTE, T, samples } from './fixtures.js'

describe('computeStats', () => {
  it('summarises every selected sample in the range', () => {
    const first = samples({ device: 'a' }, [[-1, 1000], [0, 3], [MINUTE, 1], [2 * MINUTE, 4], [3 * MINUTE, 2]])
    const second = samples({ device: 'b' }, [[30_000, 10], [5 * MINUTE + 1, -1000]])
    const stats = computeStats([first, second], T, T + 5 * MINUTE)
    // In range: 1 2 3 4 10. p50 rank 2 -> 3; p95 rank 3.8 -> 4 + 0.8 × 6 = 8.8; p99 rank 3.96 -> 9.76.
    expect(stats).toMatchObject({ count: 5, sum: 20, mean: 4, min: 1, max: 10, p50: 3 })
    expect(stats.p95).toBeCloseTo(8.8, 9)
    expect(stats.p99).toBeCloseTo(9.76, 9)
  })

  it('includes the edges of the range', () => {
    const edges = samples({}, [[0, 1], [MINUTE, 2]])
    expect(computeStats([edges], T, T + MINUTE).count).toBe(2)
    expect(computeStats([edges], T + 1, T + MINUTE - 1).count).toBe(0)
  })

  it('gives nulls for no samples', () => {
    const empty = { count: 0, sum: null, mean: null, min: null, max: null, p50: null, p95: null, p99: null }
    expect(computeStats([], T, T + MINUTE)).toEqual(empty)
    expect(computeStats([samples({}, [[10 * MINUTE, 1]])], T, T + MINUTE)).toEqual(empty)
  })
})
