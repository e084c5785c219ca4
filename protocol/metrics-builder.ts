import type { Labels, MetricType, SeriesDef, WireMetrics, WireSeries } from './batch.js'
import { seriesKey } from './batch.js'

/**
 * Accumulates samples and emits them column-wise, sorted by time so timestamp deltas stay small.
 * One instance is reused across builds; it holds no state outside its own samples.
 */
export class MetricsBuilder {
  private readonly seriesIndex = new Map<string, number>()
  /** Table index of each frozen series def (collectors that reuse their defs every tick): one identity lookup
   *  instead of building the series key for every sample. Cleared with the table. */
  private readonly frozenIndex = new Map<SeriesDef, number>()
  private readonly table: WireSeries[] = []
  private idx: number[] = []
  private ts: number[] = []
  private vals: number[] = []
  /** Samples so far are in (ts, series) order: build() then needs no sort (backfills and single ticks). */
  private ordered = true

  get size(): number {
    return this.idx.length
  }

  add(series: SeriesDef, ts: number, value: number): void {
    // A frozen def (and labels) cannot change, so its index can be kept; any other def is keyed afresh every time.
    let i = this.frozenIndex.get(series)
    if (i === undefined) {
      i = this.indexOf(series.name, series.type, series.labels, series.unit)
      if (Object.isFrozen(series) && Object.isFrozen(series.labels)) this.frozenIndex.set(series, i)
    }
    this.push(i, ts, value)
  }

  addRaw(name: string, type: MetricType, labels: Labels, ts: number, value: number, unit?: string): void {
    this.push(this.indexOf(name, type, labels, unit), ts, value)
  }

  private indexOf(name: string, type: MetricType, labels: Labels, unit?: string): number {
    const key = seriesKey(name, labels)
    let i = this.seriesIndex.get(key)
    if (i === undefined) {
      i = this.table.length
      this.seriesIndex.set(key, i)
      this.table.push(unit ? [name, type, labels, unit] : [name, type, labels])
    }
    return i
  }

  private push(i: number, ts: number, value: number): void {
    const t = Math.round(ts)
    const n = this.idx.length
    if (n > 0 && this.ordered) {
      const prevT = this.ts[n - 1]
      if (t < prevT || (t === prevT && i < this.idx[n - 1])) this.ordered = false
    }
    this.idx.push(i)
    this.ts.push(t)
    this.vals.push(value)
  }

  /** Returns the accumulated samples and resets the builder. */
  build(): WireMetrics | undefined {
    const n = this.idx.length
    if (n === 0) return undefined
    let wire: WireMetrics
    if (this.ordered) {
      const t = this.ts
      for (let k = n - 1; k > 0; k--) t[k] -= t[k - 1]
      wire = { s: this.table.slice(), i: this.idx, t, v: this.vals }
    } else {
      const order = Array.from({ length: n }, (_, k) => k)
      order.sort((a, b) => this.ts[a] - this.ts[b] || this.idx[a] - this.idx[b])
      wire = { s: this.table.slice(), i: new Array(n), t: new Array(n), v: new Array(n) }
      let prev = 0
      for (let k = 0; k < n; k++) {
        const o = order[k]
        wire.i[k] = this.idx[o]
        wire.t[k] = this.ts[o] - prev
        prev = this.ts[o]
        wire.v[k] = this.vals[o]
      }
    }
    this.seriesIndex.clear()
    this.frozenIndex.clear()
    this.table.length = 0
    this.idx = []
    this.ts = []
    this.vals = []
    this.ordered = true
    return wire
  }
}
