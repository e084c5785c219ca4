import { percentileOfSorted } from '../../query/percentile.js'

// Per-series sample windows kept in memory for windowed rules; refilled from live samples after a restart.

/** Timestamps ascending with their values; out-of-order samples are inserted in place. */
export class SampleWindow {
  ts: number[] = []
  values: number[] = []

  push(t: number, v: number): void {
    const n = this.ts.length
    if (n === 0 || t >= this.ts[n - 1]) {
      this.ts.push(t)
      this.values.push(v)
      return
    }
    let i = n - 1
    while (i > 0 && this.ts[i - 1] > t) i--
    this.ts.splice(i, 0, t)
    this.values.splice(i, 0, v)
  }

  /** Drops samples older than `from`. */
  prune(from: number): void {
    let i = 0
    while (i < this.ts.length && this.ts[i] < from) i++
    if (i > 0) {
      this.ts.splice(0, i)
      this.values.splice(0, i)
    }
  }

  get latest(): number {
    return this.ts.length ? this.ts[this.ts.length - 1] : -Infinity
  }
}

export type WindowAgg = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'last' | 'rate' | 'p50' | 'p90' | 'p95' | 'p99'

/** Aggregates the samples of a group's series in [from, to] as /v1/metrics/query would over one step. */
export function aggregate(windows: Iterable<SampleWindow>, agg: WindowAgg, from: number, to: number): number | undefined {
  let count = 0
  let sum = 0
  let min = Infinity
  let max = -Infinity
  let lastTs = -Infinity
  let last = 0
  let rate = 0
  let rated = false
  const percentile = agg.charCodeAt(0) === 112 // 'p'
  const all: number[] | undefined = percentile ? [] : undefined
  for (const w of windows) {
    let firstTs = NaN
    let seriesLast = NaN
    let prev = 0
    let increase = 0
    for (let i = 0; i < w.ts.length; i++) {
      const t = w.ts[i]
      if (t < from || t > to) continue
      const v = w.values[i]
      count++
      sum += v
      if (v < min) min = v
      if (v > max) max = v
      if (t >= lastTs) {
        lastTs = t
        last = v
      }
      if (all) all.push(v)
      if (Number.isNaN(firstTs)) firstTs = t
      // A counter that went down was reset: count from zero (as the query engine does).
      else increase += v >= prev ? v - prev : v
      prev = v
      seriesLast = t
    }
    if (agg === 'rate' && !Number.isNaN(firstTs)) {
      const span = (seriesLast - firstTs) / 1000
      if (span > 0) {
        rate += increase / span
        rated = true
      }
    }
  }
  if (count === 0) return undefined
  switch (agg) {
    case 'avg':
      return sum / count
    case 'sum':
      return sum
    case 'min':
      return min
    case 'max':
      return max
    case 'count':
      return count
    case 'last':
      return last
    case 'rate':
      return rated ? rate : undefined
    default:
      return percentileOf(all!, Number(agg.slice(1)) / 100)
  }
}

/** Percentile `q` in [0, 1], interpolated as the query engine's. */
function percentileOf(values: number[], q: number): number {
  return percentileOfSorted(Float64Array.from(values).sort(), q)
}
