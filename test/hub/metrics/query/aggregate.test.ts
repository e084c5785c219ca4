import { describe, expect, it } from 'vitest'
import { runQuery } from '../../../../hub/metrics/query/aggregate.js'
import { QueryError } from '../../../../hub/metrics/query/errors.js'
import type { Aggregation, QuerySpec } from '../../../../hub/metrics/query/types.js'
import { MINUTE, SECOND, T, samples } from './fixtures.js'

// Two minute-buckets. Series a/cpu0: bucket T holds 1 2 6, bucket T+1m holds 10 20.
const a0 = samples({ device: 'a', cpu: '0' }, [
  [0, 1],
  [20 * SECOND, 2],
  [40 * SECOND, 6],
  [60 * SECOND, 10],
  [90 * SECOND, 20],
])
// a/cpu1: bucket T holds 3, bucket T+1m holds 30.
const a1 = samples({ device: 'a', cpu: '1' }, [
  [5 * SECOND, 3],
  [65 * SECOND, 30],
])
// b/cpu0: bucket T holds 4, bucket T+1m holds 8.
const b0 = samples({ device: 'b', cpu: '0' }, [
  [10 * SECOND, 4],
  [70 * SECOND, 8],
])

const twoMinutes = (agg: Aggregation, groupBy?: string[]): QuerySpec => ({
  from: T,
  to: T + 2 * MINUTE - 1,
  step: MINUTE,
  agg,
  ...(groupBy ? { groupBy } : {}),
})

describe('runQuery per series', () => {
  it.each<[Aggregation, number[], number[], number[]]>([
    // agg, a/cpu0, a/cpu1, b/cpu0 (one value per bucket)
    ['avg', [3, 15], [3, 30], [4, 8]],
    ['min', [1, 10], [3, 30], [4, 8]],
    ['max', [6, 20], [3, 30], [4, 8]],
    ['sum', [9, 30], [3, 30], [4, 8]],
    ['count', [3, 2], [1, 1], [1, 1]],
    ['last', [6, 20], [3, 30], [4, 8]],
  ])('%s', (agg, expectedA0, expectedA1, expectedB0) => {
    const result = runQuery([b0, a1, a0], twoMinutes(agg))
    expect(result.series).toEqual([
      { labels: { cpu: '0', device: 'a' }, points: [[T, expectedA0[0]], [T + MINUTE, expectedA0[1]]] },
      { labels: { cpu: '0', device: 'b' }, points: [[T, expectedB0[0]], [T + MINUTE, expectedB0[1]]] },
      { labels: { cpu: '1', device: 'a' }, points: [[T, expectedA1[0]], [T + MINUTE, expectedA1[1]]] },
    ])
  })

  it('keeps every label of the series and not the metric name', () => {
    const only = samples({ device: 'a', mount: '/' }, [[0, 1]], { name: 'system_filesystem_used_bytes' })
    expect(runQuery([only], twoMinutes('sum')).series[0].labels).toEqual({ device: 'a', mount: '/' })
  })
})

describe('runQuery with groupBy', () => {
  it('merges the series of one device, pooling their samples', () => {
    // Group a pools a/cpu0 and a/cpu1: bucket T holds 1 2 6 3, bucket T+1m holds 10 20 30.
    expect(runQuery([a0, b0, a1], twoMinutes('avg', ['device'])).series).toEqual([
      { labels: { device: 'a' }, points: [[T, 3], [T + MINUTE, 20]] },
      { labels: { device: 'b' }, points: [[T, 4], [T + MINUTE, 8]] },
    ])
    const sums = runQuery([a0, b0, a1], twoMinutes('sum', ['device'])).series.map((s) => s.points)
    expect(sums).toEqual([
      [[T, 12], [T + MINUTE, 60]],
      [[T, 4], [T + MINUTE, 8]],
    ])
    const counts = runQuery([a0, b0, a1], twoMinutes('count', ['device'])).series[0].points
    expect(counts).toEqual([[T, 4], [T + MINUTE, 3]])
    const minMax = [runQuery([a0, a1], twoMinutes('min', ['device'])), runQuery([a0, a1], twoMinutes('max', ['device']))]
    expect(minMax.map((r) => r.series[0].points)).toEqual([
      [[T, 1], [T + MINUTE, 10]],
      [[T, 6], [T + MINUTE, 30]],
    ])
  })

  it('takes the latest sample of the group for last', () => {
    // Bucket T: a/cpu0 at 40 s beats a/cpu1 at 5 s. Bucket T+1m: a/cpu0 at 90 s beats a/cpu1 at 65 s.
    expect(runQuery([a1, a0], twoMinutes('last', ['device'])).series[0].points).toEqual([
      [T, 6],
      [T + MINUTE, 20],
    ])
  })

  it('breaks a timestamp tie for last by series order (labels), later series winning', () => {
    const x0 = samples({ device: 'x', cpu: '0' }, [[30 * SECOND, 100]])
    const x1 = samples({ device: 'x', cpu: '1' }, [[30 * SECOND, 200]])
    expect(runQuery([x1, x0], twoMinutes('last', ['device'])).series[0].points).toEqual([[T, 200]])
    expect(runQuery([x0, x1], twoMinutes('last', ['device'])).series[0].points).toEqual([[T, 200]])
  })

  it('labels a group with just the groupBy labels it has', () => {
    const noDevice = samples({ cpu: '0' }, [[0, 7]])
    const result = runQuery([a0, noDevice], twoMinutes('count', ['device', 'region']))
    expect(result.series.map((s) => s.labels)).toEqual([{}, { device: 'a' }])
    expect(result.series[0].points).toEqual([[T, 1]])
  })

  it('merges everything with an empty groupBy', () => {
    expect(runQuery([a0, a1, b0], twoMinutes('sum', [])).series).toEqual([
      { labels: {}, points: [[T, 16], [T + MINUTE, 68]] },
    ])
  })
})

describe('runQuery buckets', () => {
  it('aligns buckets to multiples of step since the epoch, not to from', () => {
    // T = 4,285,714.28… × 7 min, so its 7-minute bucket starts at 4,285,714 × 420,000 = 1,799,999,880,000.
    const series = samples({ device: 'a' }, [[0, 1], [5 * MINUTE, 2], [5 * MINUTE + 1, 4]])
    const result = runQuery([series], { from: T, to: T + 10 * MINUTE, step: 7 * MINUTE, agg: 'sum' })
    expect(result.series[0].points).toEqual([
      [1_799_999_880_000, 1],
      [1_799_999_880_000 + 7 * MINUTE, 6],
    ])
  })

  it('counts samples at from and at to, and none outside', () => {
    const series = samples({ device: 'a' }, [
      [30 * SECOND - 1, 1000], // before from
      [30 * SECOND, 1], // at from
      [60 * SECOND - 1, 2], // last ms of the first bucket
      [60 * SECOND, 4], // first ms of the second bucket
      [150 * SECOND, 8], // at to
      [150 * SECOND + 1, 2000], // after to
    ])
    const result = runQuery([series], { from: T + 30 * SECOND, to: T + 150 * SECOND, step: MINUTE, agg: 'sum' })
    // The first bucket starts before from; it holds only the samples from `from` on.
    expect(result.series[0].points).toEqual([
      [T, 3],
      [T + MINUTE, 4],
      [T + 2 * MINUTE, 8],
    ])
  })

  it('emits no point for an empty bucket', () => {
    const series = samples({ device: 'a' }, [[0, 1], [3 * MINUTE, 2]])
    const result = runQuery([series], { from: T, to: T + 4 * MINUTE, step: MINUTE, agg: 'avg' })
    expect(result.series[0].points).toEqual([[T, 1], [T + 3 * MINUTE, 2]])
  })

  it('aligns buckets before 1970 too', () => {
    const series = { ...samples({}, []), ts: Float64Array.of(-1, 0), values: Float64Array.of(5, 7) }
    expect(runQuery([series], { from: -10, to: 10, step: 1000, agg: 'sum' }).series[0].points).toEqual([
      [-1000, 5],
      [0, 7],
    ])
  })
})

describe('runQuery percentiles', () => {
  // One bucket holding 15 20 35 40 50 (out of order in time). numpy's linear percentile at rank (n - 1) q:
  // p50 rank 2 -> 35; p90 rank 3.6 -> 40 + 0.6 × 10 = 46; p95 rank 3.8 -> 48; p99 rank 3.96 -> 49.6.
  const spread = samples({ device: 'a' }, [[0, 40], [SECOND, 15], [2 * SECOND, 50], [3 * SECOND, 20], [4 * SECOND, 35]])

  it.each<[Aggregation, number]>([
    ['p50', 35],
    ['p90', 46],
    ['p95', 48],
    ['p99', 49.6],
  ])('%s interpolates between the closest ranks', (agg, expected) => {
    const [point] = runQuery([spread], twoMinutes(agg)).series[0].points
    expect(point[0]).toBe(T)
    expect(point[1]).toBeCloseTo(expected, 9)
  })

  it('pools the samples of a group per bucket', () => {
    // Group a: bucket T holds 1 2 3 6 -> p50 rank 1.5 -> 2.5; bucket T+1m holds 10 20 30 -> p50 20, p90 rank 1.8 -> 28.
    expect(runQuery([a0, a1], twoMinutes('p50', ['device'])).series[0].points).toEqual([[T, 2.5], [T + MINUTE, 20]])
    const [, p90] = runQuery([a0, a1], twoMinutes('p90', ['device'])).series[0].points
    expect(p90[1]).toBeCloseTo(28, 9)
  })

  it('gives the only value of a one-sample bucket', () => {
    expect(runQuery([b0], twoMinutes('p99')).series[0].points).toEqual([[T, 4], [T + MINUTE, 8]])
  })
})

describe('runQuery edge cases', () => {
  it('returns no series for no data, and leaves out series without samples in range', () => {
    expect(runQuery([], twoMinutes('avg'))).toEqual({ series: [] })
    const later = samples({ device: 'late' }, [[10 * MINUTE, 1]])
    expect(runQuery([later, samples({ device: 'none' }, [])], twoMinutes('avg'))).toEqual({ series: [] })
  })

  it.each<[Partial<QuerySpec>, string]>([
    [{ step: 0 }, 'step'],
    [{ step: 1.5 }, 'step'],
    [{ from: T + 1, to: T }, 'from'],
    [{ to: Number.NaN }, 'to'],
    [{ agg: 'median' as Aggregation }, 'agg'],
  ])('rejects the spec %j', (override, param) => {
    expect(() => runQuery([a0], { ...twoMinutes('avg'), ...override })).toThrow(QueryError)
    try {
      runQuery([a0], { ...twoMinutes('avg'), ...override })
    } catch (error) {
      expect((error as QueryError).param).toBe(param)
    }
  })
})
