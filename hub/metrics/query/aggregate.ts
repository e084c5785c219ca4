/*
 * The query engine (DESIGN §7, GET /v1/metrics/query): pure functions over samples the store has read.
 *
 * Semantics (also in docs/query.md):
 * - Only samples with from <= ts <= to count. Buckets start at multiples of `step` since the Unix epoch, so the
 *   first bucket may start before `from` and the last may reach past `to`; each holds the samples of [start, start+step).
 * - A point [bucketStart, value] is emitted only for a bucket with samples; an output series without points is left out.
 * - Without groupBy every series is its own output, labelled with its labels (the metric name is not a label).
 *   With groupBy, series that agree on those labels merge into one output labelled with just those labels.
 * - avg, min, max, sum, count, p50, p90, p95, p99 pool every sample of the group in the bucket; percentiles
 *   interpolate linearly between the closest ranks (numpy's default).
 * - last: the latest sample of the group in the bucket; on equal timestamps the later series in group order wins.
 * - rate: per series, each sample's increase over the sample before it (a drop is a counter reset: the increase is
 *   the new value). The sample before may lie in an earlier bucket, so nothing is lost at bucket edges, or before
 *   `from` when the caller read it (see readRange). Increases are summed per bucket and over the group's series,
 *   then divided by the step in seconds. A bucket where no sample had one before it yields no point.
 * - Output series are sorted by labels (then metric name and series id); points ascend by time.
 */
import type { SeriesSamples } from '../store/types.js'
import { bucketStartOf, lowerBound, upperBound } from '../encoding/bounds.js'
import { badParameter } from './errors.js'
import { groupSeries } from './groups.js'
import { createReducer, type BucketReducer } from './reducers.js'
import { AGGREGATIONS, isAggregation, type QueryResult, type QuerySeries, type QuerySpec } from './types.js'

export { computeStats } from './stats.js'

export function runQuery(data: SeriesSamples[], spec: QuerySpec): QueryResult {
  assertValidSpec(spec)
  const reducer = createReducer(spec.agg, spec.step)
  const series: QuerySeries[] = []
  for (const group of groupSeries(data, spec.groupBy)) {
    const points = aggregateGroup(group.members, spec, reducer)
    if (points.length > 0) series.push({ labels: group.labels, points })
  }
  return { series }
}

/**
 * The range to read from the store for `spec`. For rate it starts one step early, so the first bucket's first
 * sample has the sample before it as a baseline; runQuery still emits points only for samples in [from, to].
 */
export function readRange(spec: QuerySpec): { from: number; to: number } {
  return { from: spec.agg === 'rate' ? spec.from - spec.step : spec.from, to: spec.to }
}

/** Walks the group's series side by side, one non-empty bucket at a time, with a cursor per series. */
function aggregateGroup(members: SeriesSamples[], spec: QuerySpec, reducer: BucketReducer): Array<[number, number]> {
  const cursors = members.map((samples) => lowerBound(samples.ts, spec.from))
  const ends = members.map((samples) => upperBound(samples.ts, spec.to))
  const points: Array<[number, number]> = []
  for (;;) {
    let earliest = Infinity
    for (let s = 0; s < members.length; s++) {
      if (cursors[s] < ends[s] && members[s].ts[cursors[s]] < earliest) earliest = members[s].ts[cursors[s]]
    }
    if (earliest === Infinity) return points
    const bucketStart = bucketStartOf(earliest, spec.step)
    const bucketEnd = bucketStart + spec.step
    reducer.reset()
    for (let s = 0; s < members.length; s++) {
      const { ts, values } = members[s]
      const start = cursors[s]
      let end = start
      while (end < ends[s] && ts[end] < bucketEnd) end++
      if (end > start) reducer.add(ts, values, start, end)
      cursors[s] = end
    }
    const value = reducer.result()
    if (value !== undefined) points.push([bucketStart, value])
  }
}

/** The parameter parser checks all of this already; runQuery is also called directly (alert rules, benchmarks). */
export function assertValidSpec(spec: QuerySpec): void {
  if (!Number.isFinite(spec.from)) throw badParameter('from', String(spec.from), 'must be a finite time')
  if (!Number.isFinite(spec.to)) throw badParameter('to', String(spec.to), 'must be a finite time')
  if (spec.from > spec.to) throw badParameter('from', String(spec.from), `must not be after to=${spec.to}`)
  if (!Number.isSafeInteger(spec.step) || spec.step <= 0) {
    throw badParameter('step', String(spec.step), 'must be a whole number of ms greater than 0')
  }
  if (!isAggregation(spec.agg)) throw badParameter('agg', String(spec.agg), `expected one of ${AGGREGATIONS.join(' ')}`)
}
