import type { Labels, MetricType, SeriesDef, WireMetrics, WireSeries } from './batch.js'
import { seriesKey } from './batch.js'

/** Accumulates samples and emits them column-wise, sorted by time so timestamp deltas stay small. */
export class MetricsBuilder {
  private readonly seriesIndex = new Map<string, number>()
  private readonly table: WireSeries[] = []
  private idx: number[] = []
  private ts: number[] = []
  private vals: number[] = []

  get size(): number {
    return this.idx.length
  }

  add(series: SeriesDef, ts: number, value: number): void {
    this.addRaw(series.name, series.type, series.labels, ts, value, series.unit)
  }

  addRaw(name: string, type: MetricType, labels: Labels, ts: number, value: number, unit?: string): void {
    const key = seriesKey(name, labels)
    let i = this.seriesIndex.get(key)
    if (i === undefined) {
      i = this.table.length
      this.seriesIndex.set(key, i)
      this.table.push(unit ? [name, type, labels, unit] : [name, type, labels])
    }
    this.idx.push(i)
    this.ts.push(Math.round(ts))
    this.vals.push(value)
  }

  /** Returns the accumulated samples and resets the builder. */
  build(): WireMetrics | undefined {
    const n = this.idx.length
    if (n === 0) return undefined
    const order = Array.from({ length: n }, (_, k) => k)
    order.sort((a, b) => this.ts[a] - this.ts[b] || this.idx[a] - this.idx[b])
    const wire: WireMetrics = { s: this.table.slice(), i: new Array(n), t: new Array(n), v: new Array(n) }
    let prev = 0
    for (let k = 0; k < n; k++) {
      const o = order[k]
      wire.i[k] = this.idx[o]
      wire.t[k] = this.ts[o] - prev
      prev = this.ts[o]
      wire.v[k] = this.vals[o]
    }
    this.seriesIndex.clear()
    this.table.length = 0
    this.idx = []
    this.ts = []
    this.vals = []
    return wire
  }
}
