import { describe, expect, it } from 'vitest'
import { bucketQuantile, parseLe } from '../../../../hub/metrics/query/bucket-quantile.js'
import { computeHistogramStats, runHistogramQuantile } from '../../../../hub/metrics/query/histogram.js'
import type { SeriesSamples } from '../../../../hub/metrics/store/types.js'
import type { Labels } from '../../../../protocol/batch.js'
import type { QuerySpec } from '../../../../hub/metrics/query/types.js'
import { MINUTE, SECOND, T } from './fixtures.js'

const BOUNDS = ['0.1', '0.25', '0.5', '1', '+Inf']

/** One `_bucket` series per bound; `counts[k]` are the cumulative counts of every bound at sample k. */
function histogram(labels: Labels, times: number[], counts: number[][]): SeriesSamples[] {
  return BOUNDS.map((le, b) => ({
    series: { id: b, name: 'latency_seconds_bucket', type: 'histogram' as const, labels: { ...labels, le } },
    ts: Float64Array.from(times, (offset) => T + offset),
    values: Float64Array.from(counts, (row) => row[b]),
  }))
}

const ZERO = [0, 0, 0, 0, 0]
// 100 observations: 10 <= 0.1, 20 in (0.1, 0.25], 40 in (0.25, 0.5], 28 in (0.5, 1], 2 above 1.
const FIRST = [10, 30, 70, 98, 100]

describe('bucketQuantile (Prometheus histogram_quantile)', () => {
  const buckets = FIRST.map((count, b) => ({ upperBound: parseLe(BOUNDS[b])!, count }))

  it('interpolates linearly inside the bucket that holds the rank', () => {
    // p50: rank 50 lies in (0.25, 0.5], 20 of its 40 observations in: 0.25 + 0.25 × 20/40.
    expect(bucketQuantile(0.5, buckets)).toBe(0.375)
    // p95: rank 95 lies in (0.5, 1], 25 of its 28 in.
    expect(bucketQuantile(0.95, buckets)).toBeCloseTo(0.5 + 0.5 * (25 / 28), 12)
    // p05: rank 5 in the lowest bucket, which starts at 0.
    expect(bucketQuantile(0.05, buckets)).toBeCloseTo(0.05, 12)
  })

  it('answers the highest finite bound for a rank in the +Inf bucket', () => {
    expect(bucketQuantile(0.99, buckets)).toBe(1)
  })

  it('is NaN without a +Inf bucket, with fewer than two buckets, or with no observations', () => {
    expect(bucketQuantile(0.5, buckets.slice(0, 4))).toBeNaN()
    expect(bucketQuantile(0.5, [{ upperBound: Infinity, count: 5 }])).toBeNaN()
    expect(bucketQuantile(0.5, buckets.map((b) => ({ ...b, count: 0 })))).toBeNaN()
  })

  it('sorts buckets, merges equal bounds and raises counts that fall to the running maximum', () => {
    const shuffled = [buckets[4], buckets[1], buckets[0], buckets[3], buckets[2]]
    expect(bucketQuantile(0.5, shuffled)).toBe(0.375)
    // le="1" and le="1.0" are the same bucket; a dip (60 after 70) is read as 70.
    const messy = [
      { upperBound: 0.5, count: 70 },
      { upperBound: 1, count: 30 },
      { upperBound: 1, count: 30 },
      { upperBound: 2, count: 60 },
      { upperBound: Infinity, count: 100 },
    ]
    expect(bucketQuantile(0.8, messy)).toBe(2)
  })

  it('returns a non-positive lowest bound as is', () => {
    expect(bucketQuantile(0.1, [{ upperBound: -1, count: 5 }, { upperBound: Infinity, count: 10 }])).toBe(-1)
  })

  it('reads le labels as Prometheus writes them', () => {
    expect(parseLe('+Inf')).toBe(Infinity)
    expect(parseLe('0.25')).toBe(0.25)
    expect(parseLe('1e3')).toBe(1000)
    expect(parseLe('fast')).toBeUndefined()
    expect(parseLe(undefined)).toBeUndefined()
  })
})

describe('runHistogramQuantile', () => {
  const spec = (groupBy?: string[]): QuerySpec => ({ from: T, to: T + 2 * MINUTE - 1, step: MINUTE, agg: 'p50', ...(groupBy ? { groupBy } : {}) })

  it('takes each step bucket from the increase of every le bucket, across a counter reset', () => {
    // Baseline zeros at T, FIRST at T+30s (bucket T). The process restarts: at T+70s the counts are small again
    // (a reset: the increase is the new value), then grow by 10 per bound up to T+100s.
    const data = histogram(
      { device: 'a' },
      [0, 30 * SECOND, 70 * SECOND, 100 * SECOND],
      [ZERO, FIRST, [0, 0, 4, 6, 6], [0, 10, 20, 26, 26]],
    )
    const result = runHistogramQuantile(data, spec(), 0.5)
    // Bucket T+1m: increases 0, 10, 20, 26, 26 (reset: 0,0,4,6,6 then +0,+10,+16,+20,+20).
    // p50: rank 13 lies in (0.25, 0.5], 3 of its 10 in: 0.25 + 0.25 × 3/10.
    expect(result.series).toEqual([{ labels: { device: 'a' }, points: [[T, 0.375], [T + MINUTE, 0.25 + 0.25 * 0.3]] }])
  })

  it('merges devices by le when grouped, and keeps them apart otherwise', () => {
    const a = histogram({ device: 'a' }, [0, 30 * SECOND], [ZERO, FIRST])
    // Device b saw 100 observations, all in (1, +Inf).
    const b = histogram({ device: 'b' }, [0, 30 * SECOND], [ZERO, [0, 0, 0, 0, 100]]).map((s) => ({ ...s, series: { ...s.series, id: s.series.id + 10 } }))
    const apart = runHistogramQuantile([...a, ...b], spec(), 0.5)
    expect(apart.series).toEqual([
      { labels: { device: 'a' }, points: [[T, 0.375]] },
      { labels: { device: 'b' }, points: [[T, 1]] },
    ])
    // Together: 200 observations, cumulative 10 30 70 98 200; rank 100 falls in +Inf: the highest finite bound.
    // p25: rank 50 in (0.25, 0.5]: 0.25 + 0.25 × 20/40.
    const merged = runHistogramQuantile([...a, ...b], spec([]), 0.25)
    expect(merged.series).toEqual([{ labels: {}, points: [[T, 0.375]] }])
    expect(runHistogramQuantile([...a, ...b], spec([]), 0.5).series[0].points).toEqual([[T, 1]])
  })

  it('yields no point for a step bucket without observations or without a baseline', () => {
    const data = histogram({ device: 'a' }, [30 * SECOND, 90 * SECOND], [FIRST, FIRST])
    // Bucket T: the first sample is only a baseline; bucket T+1m: nothing was observed.
    expect(runHistogramQuantile(data, spec(), 0.5).series).toEqual([])
  })
})

describe('computeHistogramStats', () => {
  it('counts from _count, sums from _sum, percentiles from buckets, min and max unknown', () => {
    const buckets = histogram({ device: 'a' }, [0, 30 * SECOND], [ZERO, FIRST])
    const counter = (name: string, values: number[]): SeriesSamples => ({
      series: { id: 100, name, type: 'histogram', labels: { device: 'a' } },
      ts: Float64Array.from([T, T + 30 * SECOND]),
      values: Float64Array.from(values),
    })
    const stats = computeHistogramStats(buckets, [counter('latency_seconds_sum', [1, 43.5])], [counter('latency_seconds_count', [0, 100])], T, T + MINUTE)
    expect(stats).toEqual({
      count: 100,
      sum: 42.5,
      mean: 0.425,
      min: null,
      max: null,
      p50: 0.375,
      p95: expect.closeTo(0.5 + 0.5 * (25 / 28), 12),
      p99: 1,
    })
    // With the baseline outside the range, nothing is knowable.
    expect(computeHistogramStats(buckets, [], [counter('c', [0, 100])], T + SECOND, T + MINUTE).count).toBe(0)
  })
})
