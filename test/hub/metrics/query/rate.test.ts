import { describe, expect, it } from 'vitest'
import { readRange, runQuery } from '../../../../hub/metrics/query/aggregate.js'
import type { QuerySpec } from '../../../../hub/metrics/query/types.js'
import { MINUTE, SECOND, T, samples } from './fixtures.js'

const rateSpec = (groupBy?: string[]): QuerySpec => ({
  from: T,
  to: T + 2 * MINUTE - 1,
  step: MINUTE,
  agg: 'rate',
  ...(groupBy ? { groupBy } : {}),
})

// A counter that resets between 60 s and 80 s.
const counter = samples({ device: 'a', interface: 'eth0' }, [
  [0, 100],
  [20 * SECOND, 110],
  [40 * SECOND, 130],
  [60 * SECOND, 150],
  [80 * SECOND, 5],
  [100 * SECOND, 25],
])

describe('rate', () => {
  it('sums increases per bucket, across a counter reset and across the bucket edge, per second of step', () => {
    // Bucket T: the first sample has nothing before it; +10 +20 = 30 over 60 s = 0.5/s.
    // Bucket T+1m: 150 vs 130 in the bucket before: +20; 5 after 150 is a reset: +5; then +20. 45 / 60 = 0.75/s.
    expect(runQuery([counter], rateSpec()).series).toEqual([
      { labels: { device: 'a', interface: 'eth0' }, points: [[T, 0.5], [T + MINUTE, 0.75]] },
    ])
  })

  it('divides by the step, not by the time between samples', () => {
    // Step 10 s: bucket T+20s: 110 - 100 = 10 over 10 s = 1/s; T+40s: 20 / 10 = 2; T+60s: 2; T+80s: reset, 5 / 10.
    const spec: QuerySpec = { from: T, to: T + 2 * MINUTE, step: 10 * SECOND, agg: 'rate' }
    expect(runQuery([counter], spec).series[0].points).toEqual([
      [T + 20 * SECOND, 1],
      [T + 40 * SECOND, 2],
      [T + 60 * SECOND, 2],
      [T + 80 * SECOND, 0.5],
      [T + 100 * SECOND, 2],
    ])
  })

  it('computes per series, then sums over the group', () => {
    // eth1 starts at 30 s (no increase in bucket T) and adds 60 in bucket T+1m: (45 + 60) / 60 = 1.75.
    const second = samples({ device: 'a', interface: 'eth1' }, [[30 * SECOND, 1000], [90 * SECOND, 1060]])
    expect(runQuery([second, counter], rateSpec(['device'])).series).toEqual([
      { labels: { device: 'a' }, points: [[T, 0.5], [T + MINUTE, 1.75]] },
    ])
    // Each series on its own: a reset is judged within a series, never between two of them.
    expect(runQuery([second, counter], rateSpec()).series.map((s) => s.points)).toEqual([
      [[T, 0.5], [T + MINUTE, 0.75]],
      [[T + MINUTE, 1]],
    ])
  })

  it('uses the sample before `from` as a baseline when the data holds it', () => {
    const withBaseline = samples({ device: 'a' }, [[-10 * SECOND, 90], [0, 100], [20 * SECOND, 110]])
    // Bucket T: +10 (from the baseline) +10 = 20 / 60 s; the baseline itself emits no bucket before T.
    expect(runQuery([withBaseline], rateSpec()).series[0].points).toEqual([[T, 20 / 60]])
  })

  it('emits no point for a series with a single sample', () => {
    expect(runQuery([samples({ device: 'a' }, [[0, 5]])], rateSpec())).toEqual({ series: [] })
  })

  it('reads one step early for rate only', () => {
    expect(readRange(rateSpec())).toEqual({ from: T - MINUTE, to: T + 2 * MINUTE - 1 })
    expect(readRange({ ...rateSpec(), agg: 'avg' })).toEqual({ from: T, to: T + 2 * MINUTE - 1 })
  })
})
