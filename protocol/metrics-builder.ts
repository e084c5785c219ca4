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
  // Columns in typed arrays kept across builds: a long backfill appends without regrowing JS arrays every batch.
  private idx = new Uint32Array(256)
  private ts = new Float64Array(256)
  private vals = new Float64Array(256)
  private n = 0
  /** Samples so far are in (ts, series) order: build() then needs no sort (backfills and single ticks). */
  private ordered = true

  get size(): number {
    return this.n
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
    const n = this.n
    if (n === this.idx.length) this.grow()
    if (n > 0 && this.ordered) {
      const prevT = this.ts[n - 1]
      if (t < prevT || (t === prevT && i < this.idx[n - 1])) this.ordered = false
    }
    this.idx[n] = i
    this.ts[n] = t
    this.vals[n] = value
    this.n = n + 1
  }

  private grow(): void {
    const size = this.idx.length * 2
    const idx = new Uint32Array(size)
    const ts = new Float64Array(size)
    const vals = new Float64Array(size)
    idx.set(this.idx)
    ts.set(this.ts)
    vals.set(this.vals)
    this.idx = idx
    this.ts = ts
    this.vals = vals
  }

  /** Returns the accumulated samples and resets the builder. */
  build(): WireMetrics | undefined {
    const n = this.n
    if (n === 0) return undefined
    const wire: WireMetrics = { s: this.table.slice(), i: new Array(n), t: new Array(n), v: new Array(n) }
    let order: number[] | undefined
    if (!this.ordered) {
      order = Array.from({ length: n }, (_, k) => k)
      order.sort((a, b) => this.ts[a] - this.ts[b] || this.idx[a] - this.idx[b])
    }
    let prev = 0
    for (let k = 0; k < n; k++) {
      const o = order ? order[k] : k
      wire.i[k] = this.idx[o]
      wire.t[k] = this.ts[o] - prev
      prev = this.ts[o]
      wire.v[k] = this.vals[o]
    }
    this.seriesIndex.clear()
    this.frozenIndex.clear()
    this.table.length = 0
    this.n = 0
    this.ordered = true
    return wire
  }
}
