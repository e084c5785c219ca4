/*
 * avg, min, max, sum, count and last over rollups (issue 4, "Downsampling"): the same answers as runQuery over the
 * raw samples (aggregate.ts), from buckets of a width that divides the step, so every query bucket is a union of
 * whole rollup buckets. The store's rollups hold only samples within [from, to]. Sums, and so averages, are added
 * in another order than sample by sample and may differ from the raw answer in the last bits.
 */
import type { SeriesRollup } from '../store/types.js'
import { assertValidSpec } from './aggregate.js'
import { bucketStartOf } from '../encoding/bounds.js'
import { groupSeries } from './groups.js'
import type { Aggregation, QueryResult, QuerySeries, QuerySpec } from './types.js'

export type RollupAggregation = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'last'
const ROLLUP_AGGREGATIONS: readonly Aggregation[] = ['avg', 'min', 'max', 'sum', 'count', 'last']

/** Aggregations rollups answer exactly; rate and percentiles need the samples. */
export function isRollupAggregation(agg: Aggregation): agg is RollupAggregation {
  return ROLLUP_AGGREGATIONS.includes(agg)
}

export function runRollupQuery(data: SeriesRollup[], spec: QuerySpec): QueryResult {
  assertValidSpec(spec)
  const agg = spec.agg
  if (!isRollupAggregation(agg)) throw new Error(`rollups cannot answer agg=${agg}`)
  for (const { width } of data) {
    if (spec.step % width !== 0) throw new Error(`rollup width ${width} ms does not divide step ${spec.step} ms`)
  }
  const series: QuerySeries[] = []
  for (const group of groupSeries(data, spec.groupBy)) {
    const points = aggregateGroup(group.members, spec.step, agg)
    if (points.length > 0) series.push({ labels: group.labels, points })
  }
  return { series }
}

/** Walks the group's rollups side by side, one query bucket at a time, as aggregate.ts walks samples. */
function aggregateGroup(members: SeriesRollup[], step: number, agg: RollupAggregation): Array<[number, number]> {
  const cursors = members.map(() => 0)
  const points: Array<[number, number]> = []
  for (;;) {
    let earliest = Infinity
    for (let s = 0; s < members.length; s++) {
      const { start } = members[s].rollup
      if (cursors[s] < start.length && start[cursors[s]] < earliest) earliest = start[cursors[s]]
    }
    if (earliest === Infinity) return points
    const bucketStart = bucketStartOf(earliest, step)
    const bucketEnd = bucketStart + step
    let count = 0
    let sum = 0
    let min = Infinity
    let max = -Infinity
    let lastTs = -Infinity
    let last = 0
    for (let s = 0; s < members.length; s++) {
      const r = members[s].rollup
      let i = cursors[s]
      for (; i < r.start.length && r.start[i] < bucketEnd; i++) {
        count += r.count[i]
        sum += r.sum[i]
        if (r.min[i] < min) min = r.min[i]
        if (r.max[i] > max) max = r.max[i]
        // On equal times the later series in group order wins, as LastReducer does.
        if (r.lastTs[i] >= lastTs) {
          lastTs = r.lastTs[i]
          last = r.last[i]
        }
      }
      cursors[s] = i
    }
    if (count > 0) points.push([bucketStart, valueOf(agg, count, sum, min, max, last)])
  }
}

function valueOf(agg: RollupAggregation, count: number, sum: number, min: number, max: number, last: number): number {
  switch (agg) {
    case 'avg':
      return sum / count
    case 'min':
      return min
    case 'max':
      return max
    case 'sum':
      return sum
    case 'count':
      return count
    case 'last':
      return last
  }
}
