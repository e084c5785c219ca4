/*
 * Percentiles and stats of Prometheus-style histograms (docs/query.md, "Histograms"): the `name_bucket{le}`
 * series are cumulative counters, so a step bucket's quantile comes from how much each `le` bucket grew in it,
 * like PromQL's histogram_quantile(q, sum by (le, …) (rate(name_bucket[step]))). Rate and increase differ by the
 * constant step, which cancels out of a quantile, so increases are used directly.
 */
import type { SeriesSamples } from '../store/types.js'
import { bucketQuantile, parseLe, type CumulativeBucket } from './bucket-quantile.js'
import { countedStats, increaseInRange, increasesByBucket } from './counter-increase.js'
import { groupSeries } from './groups.js'
import type { QueryResult, QuerySeries, QuerySpec, QueryStats } from './types.js'

export const LE_LABEL = 'le'

/**
 * One output series per group of `_bucket` series that agree on every label but `le` (or, with `groupBy`, on
 * those labels); a point per step bucket where the quantile is knowable (see bucketQuantile: NaN yields no point).
 * `data` should be read from `spec.from - spec.step`, so the first bucket's samples have a baseline.
 */
export function runHistogramQuantile(data: SeriesSamples[], spec: QuerySpec, q: number): QueryResult {
  const series: QuerySeries[] = []
  for (const group of groupSeries(withLe(data), groupingLabels(data, spec.groupBy))) {
    // le bound → step bucket → summed increase of the group's series with that bound.
    const byBound = new Map<number, Map<number, number>>()
    for (const member of group.members) {
      const bound = parseLe(member.series.labels[LE_LABEL])!
      let sums = byBound.get(bound)
      if (!sums) byBound.set(bound, (sums = new Map()))
      for (const [bucket, increase] of increasesByBucket(member, spec.from, spec.to, spec.step)) {
        sums.set(bucket, (sums.get(bucket) ?? 0) + increase)
      }
    }
    const stepBuckets = new Set<number>()
    for (const sums of byBound.values()) for (const bucket of sums.keys()) stepBuckets.add(bucket)
    const points: Array<[number, number]> = []
    for (const bucket of [...stepBuckets].sort((a, b) => a - b)) {
      // A bound with no sample in this step bucket is absent, as a series without samples is in PromQL.
      const cumulative: CumulativeBucket[] = []
      for (const [upperBound, sums] of byBound) {
        const count = sums.get(bucket)
        if (count !== undefined) cumulative.push({ upperBound, count })
      }
      const value = bucketQuantile(q, cumulative)
      if (!Number.isNaN(value)) points.push([bucket, value])
    }
    if (points.length > 0) series.push({ labels: group.labels, points })
  }
  return { series }
}

/**
 * Stats of a histogram over [from, to]: count and sum are the increases of `_count` and `_sum`, p50/p95/p99 come
 * from the increase of every `le` bucket over the range, all selected series pooled. min and max are not knowable
 * from buckets and are null. Only samples inside the range count, the first of each series being its baseline.
 */
export function computeHistogramStats(
  buckets: SeriesSamples[],
  sums: SeriesSamples[],
  counts: SeriesSamples[],
  from: number,
  to: number,
): QueryStats {
  let cumulative: CumulativeBucket[] | undefined
  // Buckets are read only when the histogram counted anything in the range.
  return countedStats(counts, sums, from, to, (q) => {
    cumulative ??= bucketIncreases(buckets, from, to)
    const value = bucketQuantile(q, cumulative)
    return Number.isNaN(value) ? null : value
  })
}

function bucketIncreases(buckets: SeriesSamples[], from: number, to: number): CumulativeBucket[] {
  const cumulative: CumulativeBucket[] = []
  for (const samples of withLe(buckets)) {
    const result = increaseInRange(samples, from, to)
    if (result.compared) cumulative.push({ upperBound: parseLe(samples.series.labels[LE_LABEL])!, count: result.increase })
  }
  return cumulative
}

/** Bucket series without a readable `le` cannot be placed and are left out, as Prometheus does. */
function withLe(data: SeriesSamples[]): SeriesSamples[] {
  return data.filter((samples) => parseLe(samples.series.labels[LE_LABEL]) !== undefined)
}

/** The labels that tell output series apart: `groupBy`, or else every label the series carry; never `le`. */
function groupingLabels(data: SeriesSamples[], groupBy: readonly string[] | undefined): string[] {
  if (groupBy !== undefined) return groupBy.filter((name) => name !== LE_LABEL)
  const names = new Set<string>()
  for (const samples of data) for (const name of Object.keys(samples.series.labels)) names.add(name)
  names.delete(LE_LABEL)
  return [...names]
}
