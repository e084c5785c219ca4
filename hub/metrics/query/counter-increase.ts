// Counter increases, the building block of rate, histogram quantiles and histogram stats (docs/query.md).
import type { SeriesSamples } from '../store/types.js'
import { bucketStartOf, lowerBound, upperBound } from '../encoding/bounds.js'
import { EMPTY_STATS, type QueryStats } from './types.js'

/**
 * Increase of one counter series per step bucket, for samples with from <= ts <= to. Each sample is compared with
 * the sample before it (which may lie before `from`, when the caller read one step early); a drop is a counter
 * reset and the increase is the new value. Only buckets where at least one sample had a sample before it appear,
 * so "no data" (absent) and "no increase" (0) stay distinct.
 */
export function increasesByBucket(samples: SeriesSamples, from: number, to: number, step: number): Map<number, number> {
  const { ts, values } = samples
  const out = new Map<number, number>()
  const end = upperBound(ts, to)
  for (let i = Math.max(lowerBound(ts, from), 1); i < end; i++) {
    const bucket = bucketStartOf(ts[i], step)
    out.set(bucket, (out.get(bucket) ?? 0) + increaseAt(values, i))
  }
  return out
}

/**
 * Total increase of one counter series over [from, to], using only samples inside the range: the first is the
 * baseline. `compared` is false when fewer than two samples lie in the range (no increase is knowable).
 */
export function increaseInRange(samples: SeriesSamples, from: number, to: number): { increase: number; compared: boolean } {
  const { ts, values } = samples
  const start = lowerBound(ts, from)
  const end = upperBound(ts, to)
  let increase = 0
  for (let i = start + 1; i < end; i++) increase += increaseAt(values, i)
  return { increase, compared: end - start >= 2 }
}

/** Summed increaseInRange of every series; undefined when none had two samples in the range. */
export function totalIncrease(data: readonly SeriesSamples[], from: number, to: number): number | undefined {
  let increase = 0
  let compared = false
  for (const samples of data) {
    const result = increaseInRange(samples, from, to)
    increase += result.increase
    compared ||= result.compared
  }
  return compared ? increase : undefined
}

function increaseAt(values: Float64Array, i: number): number {
  const value = values[i]
  const previous = values[i - 1]
  return value >= previous ? value - previous : value
}

/**
 * Stats of a histogram or summary: count and sum are the increases of its `_count` and `_sum` over [from, to],
 * p50/p95/p99 come from `quantile`; min and max are not knowable from either and are null.
 */
export function countedStats(
  counts: SeriesSamples[],
  sums: SeriesSamples[],
  from: number,
  to: number,
  quantile: (q: number) => number | null,
): QueryStats {
  const count = totalIncrease(counts, from, to)
  const sum = totalIncrease(sums, from, to)
  if (count === undefined || count === 0) return { ...EMPTY_STATS }
  return {
    count,
    sum: sum ?? null,
    mean: sum === undefined ? null : sum / count,
    min: null,
    max: null,
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
  }
}
