// The query engine's inputs and outputs (DESIGN §7, /v1/metrics/query and /v1/metrics/stats).
import type { Labels } from '../../../protocol/batch.js'

export const AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate', 'p50', 'p90', 'p95', 'p99'] as const
export type Aggregation = (typeof AGGREGATIONS)[number]

export function isAggregation(value: string): value is Aggregation {
  return (AGGREGATIONS as readonly string[]).includes(value)
}

export interface QuerySpec {
  /** Inclusive range, ms since epoch. */
  from: number
  to: number
  /** Bucket width in whole ms; buckets start at multiples of `step` since the Unix epoch. */
  step: number
  agg: Aggregation
  /** Label names to merge series by; absent: every series is its own output. `[]` merges everything. */
  groupBy?: string[]
}

export interface QuerySeries {
  labels: Labels
  /** [bucketStart, value], ascending by bucketStart. */
  points: Array<[number, number]>
}

export interface QueryResult {
  series: QuerySeries[]
}

/** Summary over every selected sample in a range; all but `count` are null when `count` is 0. */
export interface QueryStats {
  count: number
  sum: number | null
  mean: number | null
  min: number | null
  max: number | null
  p50: number | null
  p95: number | null
  p99: number | null
}

export const EMPTY_STATS: Readonly<QueryStats> = Object.freeze({
  count: 0,
  sum: null,
  mean: null,
  min: null,
  max: null,
  p50: null,
  p95: null,
  p99: null,
})

/** The quantile each percentile aggregation asks for. */
export const PERCENTILES = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 } as const
export type PercentileAggregation = keyof typeof PERCENTILES

export function isPercentile(agg: Aggregation): agg is PercentileAggregation {
  return Object.hasOwn(PERCENTILES, agg)
}
