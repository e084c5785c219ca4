import type { Labels, MetricType, SeriesDef, WireMetrics, WireSeries } from './batch.js'
import { seriesKey } from './batch.js'

/**
 * Accumulates samples and emits them column-wise, sorted by time so timestamp deltas stay small.
 * One instance is reused across builds; it holds no state outside its own samples.
 */
export class MetricsBuilder {
  private readonly seriesIndex = new Map<string, number>()
  /** Keys of frozen series defs (collectors that reuse their defs every tick): a lookup instead of a sort and join. */
  private readonly frozenKeys = new WeakMap<SeriesDef, string>()
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
    // A frozen def (and labels) cannot change, so its key can be kept; any other def is keyed afresh every time.
    let key = this.frozenKeys.get(series)
    if (key === undefined) {
      key = seriesKey(series.name, series.labels)
      if (Object.isFrozen(series) && Object.isFrozen(series.labels)) this.frozenKeys.set(series, key)
    }
    this.push(key, series.name, series.type, series.labels, ts, value, series.unit)
  }

  addRaw(name: string, type: MetricType, labels: Labels, ts: number, value: number, unit?: string): void {
    this.push(seriesKey(name, labels), name, type, labels, ts, value, unit)
  }

  private push(key: string, name: string, type: MetricType, labels: Labels, ts: number, value: number, unit?: string): void {
    let i = this.seriesIndex.get(key)
    if (i === undefined) {
      i = this.table.length
      this.seriesIndex.set(key, i)
      this.table.push(unit ? [name, type, labels, unit] : [name, type, labels])
    }
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
    this.table.length = 0
    this.idx = []
    this.ts = []
    this.vals = []
    this.ordered = true
    return wire
  }
}
