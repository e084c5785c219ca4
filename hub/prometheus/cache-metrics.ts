import { Counter, Gauge, type Registry } from 'prom-client'
import type { PromResultCache, ResultCacheStats } from './result-cache.js'

// The PromQL result cache on the hub's /metrics (docs/prometheus.md, "Result cache"), read from the cache when scraped.

const COUNTERS: Array<[keyof ResultCacheStats, string, string]> = [
  ['hits', 'outpost_hub_promql_cache_hits_total', 'PromQL range queries answered entirely from the result cache'],
  ['partialHits', 'outpost_hub_promql_cache_partial_hits_total', 'PromQL range queries whose older steps came from the result cache'],
  ['misses', 'outpost_hub_promql_cache_misses_total', 'PromQL range queries evaluated at every step (nothing cached for them)'],
  ['invalidations', 'outpost_hub_promql_cache_invalidations_total', 'Result cache entries dropped because data under them changed (backfill, deletion, relabelling)'],
  ['evictions', 'outpost_hub_promql_cache_evictions_total', 'Result cache entries dropped to stay within promql.resultCacheBytes'],
]

export function registerResultCacheMetrics(registry: Registry, cache: PromResultCache): void {
  for (const [field, name, help] of COUNTERS) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset()
        this.inc(cache.stats()[field])
      },
    })
  }
  new Gauge({ name: 'outpost_hub_promql_cache_bytes', help: 'Memory the PromQL result cache holds (approximate)', registers: [registry], collect() { this.set(cache.stats().bytes) } })
  new Gauge({ name: 'outpost_hub_promql_cache_entries', help: 'Queries the PromQL result cache holds', registers: [registry], collect() { this.set(cache.stats().entries) } })
}
