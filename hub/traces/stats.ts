import { QueryError } from '../metrics/query/errors.js'
import { percentileOfSorted } from '../metrics/query/percentile.js'
import { decodeStored } from '../storage/stored-cbor.js'
import { startRange } from './keys.js'
import type { SpanEntry } from './records.js'
import { entryMatches, indexFor } from './search.js'
import type { TraceSublevels } from './keys.js'

export interface TraceStatsQuery {
  from: number
  to: number
  service?: string
}

/** One row of GET /v1/traces/stats: latency percentiles in ms, interpolated as numpy's default (as /v1/metrics/stats). */
export interface OperationStats {
  service: string | null
  operation: string
  count: number
  errors: number
  errorRate: number
  p50: number
  p95: number
  p99: number
}

interface Group {
  service: string
  operation: string
  durations: number[]
  errors: number
}

/** Spans grouped by service and operation, durations kept to sort: the rows of GET /v1/traces/stats. */
export class OperationGroups {
  private readonly groups = new Map<string, Group>()

  add(entry: SpanEntry): void {
    const key = `${entry.v}\x00${entry.o}`
    let group = this.groups.get(key)
    if (!group) this.groups.set(key, (group = { service: entry.v, operation: entry.o, durations: [], errors: 0 }))
    group.durations.push(entry.d)
    group.errors += entry.e
  }

  result(): OperationStats[] {
    return [...this.groups.values()]
      .sort((a, b) => compare(a.service, b.service) || compare(a.operation, b.operation))
      .map((group) => {
        const sorted = Float64Array.from(group.durations).sort()
        const count = sorted.length
        return {
          service: group.service === '' ? null : group.service,
          operation: group.operation,
          count,
          errors: group.errors,
          errorRate: group.errors / count,
          p50: percentileOfSorted(sorted, 0.5),
          p95: percentileOfSorted(sorted, 0.95),
          p99: percentileOfSorted(sorted, 0.99),
        }
      })
  }
}

export function tooManySpans(maxSpans: number): QueryError {
  return new QueryError(
    'too_many_points',
    `the range holds more than ${maxSpans.toLocaleString('en-US')} spans, more than one stats request may read: ` +
      'shorten the range or give service=',
  )
}

/**
 * Exact percentiles over every span in range: the durations are read from the index rows (never the spans) and
 * sorted per operation. Memory is 8 bytes a span, so the spans one request may read are capped (`maxSpans`).
 */
export async function operationStats(subs: TraceSublevels, q: TraceStatsQuery, maxSpans: number): Promise<OperationStats[]> {
  const { sublevel, prefix } = indexFor(subs, q.service, undefined)
  const groups = new OperationGroups()
  let read = 0
  for await (const value of sublevel.values(startRange(prefix, q.from, q.to))) {
    const entry = decodeStored<SpanEntry>(value)
    if (!entryMatches(entry, q)) continue
    if (++read > maxSpans) throw tooManySpans(maxSpans)
    groups.add(entry)
  }
  return groups.result()
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
