/*
 * Answers /v1/metrics/query and /stats from a store: decides how the asked name is stored (docs/query.md,
 * "Histograms and summaries") and hands the samples to the pure functions of this folder.
 *
 * - A name with series of its own is queried as they are, except that a percentile agg on a summary's base name
 *   picks the summary's quantile series.
 * - A name without series of its own whose `name_bucket` series are of type histogram is a histogram's base name:
 *   percentiles come from the buckets; other aggs are refused (query name_bucket, name_sum or name_count).
 */
import type { MetricStore, SeriesInfo, SeriesSelector } from '../store/types.js'
import { readRange, runQuery } from './aggregate.js'
import { badParameter } from './errors.js'
import { computeHistogramStats, runHistogramQuantile } from './histogram.js'
import { assertSeriesLimit, DEFAULT_QUERY_LIMITS, type ParsedQuery, type ParsedStats, type QueryLimits } from './params.js'
import { isRollupAggregation, runRollupQuery } from './rollup-aggregate.js'
import { computeStats } from './stats.js'
import { computeSummaryStats, isSummary, summaryQuantileSeries } from './summary.js'
import { isPercentile, PERCENTILES, type QueryResult, type QueryStats } from './types.js'

/** The part of a store the query engine reads. */
export type SampleSource = Pick<MetricStore, 'series' | 'read' | 'readRollups'>

/** How a metric name is stored. */
export type MetricKind =
  | { kind: 'plain'; series: SeriesInfo[] }
  | { kind: 'summary'; series: SeriesInfo[] }
  | { kind: 'histogram'; buckets: SeriesInfo[] }

export interface StatsAnswer extends QueryStats {
  /** Series read. */
  series: number
  /** Set when the name is a histogram's or summary's base name. */
  type?: 'histogram' | 'summary'
}

export async function resolveMetric(store: SampleSource, selector: SeriesSelector): Promise<MetricKind> {
  const series = await store.series(selector)
  if (series.length > 0) return isSummary(series) ? { kind: 'summary', series } : { kind: 'plain', series }
  if (selector.name === undefined) return { kind: 'plain', series }
  const buckets = (await store.series({ ...selector, name: `${selector.name}_bucket` })).filter((s) => s.type === 'histogram')
  return buckets.length > 0 ? { kind: 'histogram', buckets } : { kind: 'plain', series }
}

export async function executeQuery(
  store: SampleSource,
  { selector, spec }: ParsedQuery,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
): Promise<QueryResult> {
  const metric = await resolveMetric(store, selector)
  const agg = spec.agg
  if (metric.kind === 'histogram') {
    if (!isPercentile(agg)) {
      throw badParameter(
        'agg',
        agg,
        `${selector.name} is a histogram: use agg=p50, p90, p95 or p99, or query ${selector.name}_bucket, ` +
          `${selector.name}_sum or ${selector.name}_count`,
      )
    }
    assertSeriesLimit(metric.buckets.length, limits)
    // Bucket increases need the sample before the first bucket's first sample, as rate does.
    const data = await store.read(metric.buckets, spec.from - spec.step, spec.to)
    return runHistogramQuantile(data, spec, PERCENTILES[agg])
  }
  let series = metric.series
  let effective = spec
  if (metric.kind === 'summary' && isPercentile(agg)) {
    series = summaryQuantileSeries(series, PERCENTILES[agg], agg, selector.name ?? '')
    effective = { ...spec, agg: 'avg' }
  }
  assertSeriesLimit(series.length, limits)
  if (isRollupAggregation(effective.agg) && store.readRollups) {
    // Coarse steps fold stored rollups instead of samples, with the same answers (rollup-aggregate.ts).
    const rollups = await store.readRollups(series, effective.from, effective.to, effective.step)
    if (rollups) return runRollupQuery(rollups, effective)
  }
  const range = readRange(effective)
  return runQuery(await store.read(series, range.from, range.to), effective)
}

export async function executeStats(
  store: SampleSource,
  { selector, from, to }: ParsedStats,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
): Promise<StatsAnswer> {
  const metric = await resolveMetric(store, selector)
  if (metric.kind === 'plain') {
    assertSeriesLimit(metric.series.length, limits)
    return { series: metric.series.length, ...computeStats(await store.read(metric.series, from, to), from, to) }
  }
  const type = metric.kind
  const parts = await Promise.all([
    type === 'histogram' ? metric.buckets : metric.series,
    store.series({ ...selector, name: `${selector.name}_sum` }),
    store.series({ ...selector, name: `${selector.name}_count` }),
  ])
  const [main, sums, counts] = parts.map((list) => list.filter((s) => s.type === type))
  const total = main.length + sums.length + counts.length
  assertSeriesLimit(total, limits)
  const [mainData, sumData, countData] = await Promise.all([main, sums, counts].map((list) => store.read(list, from, to)))
  const compute = type === 'histogram' ? computeHistogramStats : computeSummaryStats
  return { series: total, type, ...compute(mainData, sumData, countData, from, to) }
}
