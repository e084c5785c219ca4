import { describe, expect, it } from 'vitest'
import { percentileOfSorted } from '../../../hub/metrics/query/percentile.js'
import { aggregate, SampleWindow, type WindowAgg } from '../../../hub/alerts/rules/windows.js'

// The straightforward definition each fast path must equal exactly: every sample in [from, to], windows in order.
function reference(windows: SampleWindow[], agg: WindowAgg, from: number, to: number): number | undefined {
  const inRange = windows.map((w) => w.ts.flatMap((t, i) => (t >= from && t <= to ? [{ t, v: w.values[i] }] : [])))
  const all = inRange.flat()
  if (all.length === 0) return undefined
  const vs = all.map((s) => s.v)
  switch (agg) {
    case 'avg':
      return vs.reduce((a, b) => a + b, 0) / vs.length
    case 'sum':
      return vs.reduce((a, b) => a + b, 0)
    case 'min':
      return Math.min(...vs)
    case 'max':
      return Math.max(...vs)
    case 'count':
      return vs.length
    case 'last':
      return all.reduce((a, b) => (b.t >= a.t ? b : a)).v
    case 'rate': {
      let increase = 0
      let compared = false
      for (const s of inRange) {
        for (let i = 1; i < s.length; i++) {
          increase += s[i].v >= s[i - 1].v ? s[i].v - s[i - 1].v : s[i].v
          compared = true
        }
      }
      return compared ? increase / ((to - from) / 1000) : undefined
    }
    default:
      return percentileOfSorted(Float64Array.from(vs).sort(), Number(agg.slice(1)) / 100)
  }
}

describe('window aggregates', () => {
  it('equal the plain definition (and the query engine percentile) for every aggregation, in and out of order', () => {
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const aggs: WindowAgg[] = ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate', 'p50', 'p90', 'p95', 'p99']
    for (let round = 0; round < 200; round++) {
      const windows = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => new SampleWindow())
      for (const w of windows) {
        // Whole-second times so ties between series (and duplicates within one) happen.
        for (let i = 0, n = Math.floor(rand() * 12); i < n; i++) w.push(Math.floor(rand() * 20) * 1000, Math.round(rand() * 1000) / 10)
      }
      const from = Math.floor(rand() * 10) * 1000
      const to = from + Math.floor(rand() * 12) * 1000
      for (const agg of aggs) expect(aggregate(windows, agg, from, to), `${agg} round ${round}`).toBe(reference(windows, agg, from, to))
    }
  })
})
