import type { SeriesText } from './series-text.js'

// Range answers kept between requests, as VictoriaMetrics's rollup result cache keeps them: per query text, step
// and alignment, the answer's steps older than `now − offset` (docs/prometheus.md, "Result cache"). A dashboard
// refreshing every few seconds then evaluates only its newest steps. The store reports every change with the
// oldest sample time it touched (MetricStore.onChange): an entry whose steps such a sample may change goes, and an
// answer being computed while it happens is not kept. Memory is bounded (oldest-used entries go first).

export interface ResultCacheOptions {
  /** Text and offsets held, at most (approximate bytes). */
  maxBytes: number
  /** Steps newer than now − offsetMs are evaluated every time (samples still arriving). */
  offsetMs: number
}

/** One query's cached steps: times start + i × step for i < n, every series as text over those steps. */
export interface CachedRange {
  start: number
  step: number
  n: number
  /** Sorted by labels. */
  series: SeriesText[]
  byKey: Map<string, SeriesText>
  /** A sample at or before this time may change a cached step (the last step plus the query's look-ahead). */
  horizon: number
  bytes: number
}

/** A computation under way whose result may be kept: learns the oldest sample time changed meanwhile. */
export interface Fill {
  oldestChange: number
}

export interface ResultCacheStats {
  /** Answers entirely from cache; partly (only newer steps evaluated); not at all. */
  hits: number
  partialHits: number
  misses: number
  /** Entries dropped because data they depend on changed, and to stay within maxBytes. */
  invalidations: number
  evictions: number
  entries: number
  bytes: number
}

export function entryBytes(series: SeriesText[]): number {
  let bytes = 200
  for (const s of series) bytes += 100 + s.text.length + s.metric.length * 2 + s.key.length * 2 + s.starts.length * 8
  return bytes
}

export class PromResultCache {
  private readonly entries = new Map<string, CachedRange>()
  private readonly fills = new Set<Fill>()
  /** Newest horizon of any entry: writes after it (the usual case, new samples) change nothing cached. */
  private maxHorizon = -Infinity
  private bytes = 0
  private readonly counts = { hits: 0, partialHits: 0, misses: 0, invalidations: 0, evictions: 0 }

  constructor(readonly options: ResultCacheOptions) {}

  get(key: string): CachedRange | undefined {
    const entry = this.entries.get(key)
    if (entry) {
      this.entries.delete(key)
      this.entries.set(key, entry)
    }
    return entry
  }

  /** True while `entry` is the one cached under `key` (not invalidated or replaced meanwhile). */
  current(key: string, entry: CachedRange): boolean {
    return this.entries.get(key) === entry
  }

  begin(): Fill {
    const fill = { oldestChange: Infinity }
    this.fills.add(fill)
    return fill
  }

  end(fill: Fill): void {
    this.fills.delete(fill)
  }

  /** Keeps `entry` (new or grown) unless data it depends on changed while it was computed. */
  put(key: string, entry: CachedRange, fill: Fill): void {
    const old = this.entries.get(key)
    if (old) {
      this.entries.delete(key)
      this.bytes -= old.bytes
    }
    if (fill.oldestChange <= entry.horizon) return
    entry.bytes = entryBytes(entry.series)
    if (entry.bytes > this.options.maxBytes) return
    this.entries.set(key, entry)
    this.bytes += entry.bytes
    this.maxHorizon = Math.max(this.maxHorizon, entry.horizon)
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break
      this.entries.delete(k)
      this.bytes -= e.bytes
      this.counts.evictions++
    }
  }

  /** The store changed data at or after `oldestTs` (-Infinity: deleted or relabelled anything). */
  changed(oldestTs: number): void {
    for (const fill of this.fills) fill.oldestChange = Math.min(fill.oldestChange, oldestTs)
    if (oldestTs > this.maxHorizon) return
    let max = -Infinity
    for (const [k, e] of this.entries) {
      if (e.horizon >= oldestTs) {
        this.entries.delete(k)
        this.bytes -= e.bytes
        this.counts.invalidations++
      } else max = Math.max(max, e.horizon)
    }
    this.maxHorizon = max
  }

  count(kind: 'hits' | 'partialHits' | 'misses'): void {
    this.counts[kind]++
  }

  stats(): ResultCacheStats {
    return { ...this.counts, entries: this.entries.size, bytes: this.bytes }
  }
}

/** A cache fed by the store's change reports, or undefined when the store makes none (nothing could invalidate it). */
export function resultCacheFor(store: { onChange?(listener: (oldestTs: number) => void): () => void }, options: ResultCacheOptions): PromResultCache | undefined {
  if (!store.onChange || !(options.maxBytes > 0)) return undefined
  const cache = new PromResultCache(options)
  store.onChange((oldestTs) => cache.changed(oldestTs))
  return cache
}
