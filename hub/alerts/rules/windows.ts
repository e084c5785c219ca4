import { percentileOfSorted } from '../../metrics/query/percentile.js'
import { lowerBound, upperBound } from '../../metrics/encoding/bounds.js'

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

/**
 * Aggregates the samples of a group's series in [from, to] as /v1/metrics/query would over one step. Windows are
 * visited in order and samples in ascending time, so sums (float order) and ties of `last` come out as they always did.
 * `scratch` holds percentile values between calls (reused, so a percentile allocates only when it outgrows it).
 */
export function aggregate(windows: readonly SampleWindow[], agg: WindowAgg, from: number, to: number, scratch = new Scratch()): number | undefined {
  let count = 0
  let sum = 0
  let min = Infinity
  let max = -Infinity
  let lastTs = -Infinity
  let last = 0
  switch (agg) {
    case 'rate':
      return rateOf(windows, from, to)
    case 'avg':
    case 'sum':
      for (const w of windows) {
        const { values } = w
        for (let i = lowerBound(w.ts, from), end = upperBound(w.ts, to); i < end; i++, count++) sum += values[i]
      }
      return count === 0 ? undefined : agg === 'sum' ? sum : sum / count
    case 'min':
    case 'max':
      for (const w of windows) {
        const { values } = w
        for (let i = lowerBound(w.ts, from), end = upperBound(w.ts, to); i < end; i++, count++) {
          const v = values[i]
          if (v < min) min = v
          if (v > max) max = v
        }
      }
      return count === 0 ? undefined : agg === 'min' ? min : max
    case 'count':
      for (const w of windows) count += Math.max(0, upperBound(w.ts, to) - lowerBound(w.ts, from))
      return count === 0 ? undefined : count
    case 'last':
      for (const w of windows) {
        const end = upperBound(w.ts, to)
        // The latest sample of this window in range; a later window wins a tie, as it always did.
        if (end > 0 && w.ts[end - 1] >= from && w.ts[end - 1] >= lastTs) {
          lastTs = w.ts[end - 1]
          last = w.values[end - 1]
          count++
        }
      }
      return count === 0 ? undefined : last
    default: {
      scratch.clear()
      for (const w of windows) scratch.append(w.values, lowerBound(w.ts, from), upperBound(w.ts, to))
      if (scratch.length === 0) return undefined
      // The query engine's interpolation (hub/metrics/query/percentile.ts) over the same values, so the figures agree exactly.
      return percentileOfSorted(scratch.sorted(), Number(agg.slice(1)) / 100)
    }
  }
}

/** Per second over the window, as the query engine divides by the step. */
function rateOf(windows: readonly SampleWindow[], from: number, to: number): number | undefined {
  let increase = 0
  let compared = false
  for (const w of windows) {
    const { values } = w
    const end = upperBound(w.ts, to)
    // A series' first sample is only a baseline; a counter that went down was reset (docs/query.md "rate").
    for (let i = lowerBound(w.ts, from) + 1; i < end; i++) {
      const v = values[i]
      const prev = values[i - 1]
      increase += v >= prev ? v - prev : v
      compared = true
    }
  }
  return compared ? increase / ((to - from) / 1000) : undefined
}

/** A growable Float64Array reused from call to call for percentile values. */
export class Scratch {
  private buffer = new Float64Array(64)
  private count = 0

  get length(): number {
    return this.count
  }

  clear(): void {
    this.count = 0
  }

  append(values: number[], start: number, end: number): void {
    const needed = this.count + Math.max(0, end - start)
    if (needed > this.buffer.length) {
      const grown = new Float64Array(Math.max(needed, this.buffer.length * 2))
      grown.set(this.buffer.subarray(0, this.count))
      this.buffer = grown
    }
    for (let i = start; i < end; i++) this.buffer[this.count++] = values[i]
  }

  /** The values, sorted in place (numeric order, as Float64Array sorts); overwritten by the next clear/append. */
  sorted(): Float64Array {
    return this.buffer.subarray(0, this.count).sort()
  }
}
