// Prometheus-style summaries (docs/query.md, "Summaries"): the client computed its quantiles, one series per
// `quantile` label, beside `_sum` and `_count` counters. Quantiles of different series cannot be merged exactly.
import type { SeriesInfo, SeriesSamples } from '../store/types.js'
import { badParameter } from './errors.js'
import { countedStats } from './counter-increase.js'
import type { QueryStats } from './types.js'

export const QUANTILE_LABEL = 'quantile'

/** True when `series` hold a summary's quantile series (the base name of a summary). */
export function isSummary(series: readonly SeriesInfo[]): boolean {
  return series.some((info) => info.type === 'summary' && Object.hasOwn(info.labels, QUANTILE_LABEL))
}

/**
 * The series of quantile `q`, labelled without `quantile` (the agg names it). Throws bad_parameter naming the
 * quantiles the summary has when none matches.
 */
export function summaryQuantileSeries(series: readonly SeriesInfo[], q: number, agg: string, name: string): SeriesInfo[] {
  const quantiles = series.filter((info) => info.type === 'summary' && Object.hasOwn(info.labels, QUANTILE_LABEL))
  const matching = quantiles.filter((info) => Number(info.labels[QUANTILE_LABEL]) === q)
  if (matching.length === 0) {
    const present = [...new Set(quantiles.map((info) => Number(info.labels[QUANTILE_LABEL])))].sort((a, b) => a - b)
    throw badParameter(
      'agg',
      agg,
      `summary ${name} has no quantile="${q}" series; it has quantile ${present.join(', ')}` +
        ' (select one with label.quantile=… and another agg)',
    )
  }
  return matching.map((info) => {
    const labels = { ...info.labels }
    delete labels[QUANTILE_LABEL]
    return { ...info, labels }
  })
}

/**
 * Stats of a summary over [from, to]: count and sum are the increases of `_count` and `_sum`; p50/p95/p99 are the
 * mean of the summary's own quantile series over the range (null when it lacks that quantile); min and max are
 * not knowable and null.
 */
export function computeSummaryStats(
  quantiles: SeriesSamples[],
  sums: SeriesSamples[],
  counts: SeriesSamples[],
  from: number,
  to: number,
): QueryStats {
  const quantile = (q: number) => {
    let total = 0
    let n = 0
    for (const samples of quantiles) {
      if (Number(samples.series.labels[QUANTILE_LABEL]) !== q) continue
      for (let i = 0; i < samples.ts.length; i++) {
        if (samples.ts[i] < from || samples.ts[i] > to) continue
        total += samples.values[i]
        n++
      }
    }
    return n > 0 ? total / n : null
  }
  return countedStats(counts, sums, from, to, quantile)
}
