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
  let increase = 0
  let compared = false
  const percentile = agg.charCodeAt(0) === 112 // 'p'
  const all: number[] | undefined = percentile ? [] : undefined
  for (const w of windows) {
    let first = true
    let prev = 0
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
      // A series' first sample is only a baseline; a counter that went down was reset (docs/query.md "rate").
      if (first) first = false
      else {
        increase += v >= prev ? v - prev : v
        compared = true
      }
      prev = v
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
      // Per second over the window, as the query engine divides by the step.
      return compared ? increase / ((to - from) / 1000) : undefined
    default:
      return percentileOf(all!, Number(agg.slice(1)) / 100)
  }
}

/** Percentile `q` in [0, 1], interpolated as the query engine's. */
function percentileOf(values: number[], q: number): number {
  return percentileOfSorted(Float64Array.from(values).sort(), q)
}
