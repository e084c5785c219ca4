// GET /v1/metrics/stats (DESIGN §7): one summary over every selected sample in [from, to].
import type { SeriesSamples } from '../store/types.js'
import { lowerBound, upperBound } from '../encoding/bounds.js'
import { percentileOfSorted } from './percentile.js'
import type { QueryStats } from './types.js'

export function computeStats(data: SeriesSamples[], from: number, to: number): QueryStats {
  const ranges = data.map((samples) => [lowerBound(samples.ts, from), upperBound(samples.ts, to)] as const)
  let count = 0
  for (const [start, end] of ranges) count += Math.max(0, end - start)
  if (count === 0) return { count: 0, sum: null, mean: null, min: null, max: null, p50: null, p95: null, p99: null }

  // Exact percentiles need every value at once: one copy, sorted in place.
  const pooled = new Float64Array(count)
  let offset = 0
  let sum = 0
  for (let s = 0; s < data.length; s++) {
    const [start, end] = ranges[s]
    if (end <= start) continue
    const values = data[s].values
    for (let i = start; i < end; i++) sum += values[i]
    pooled.set(values.subarray(start, end), offset)
    offset += end - start
  }
  pooled.sort()
  return {
    count,
    sum,
    mean: sum / count,
    min: pooled[0],
    max: pooled[count - 1],
    p50: percentileOfSorted(pooled, 0.5),
    p95: percentileOfSorted(pooled, 0.95),
    p99: percentileOfSorted(pooled, 0.99),
  }
}
