import { decodeStored } from '../storage/stored-cbor.js'
import { escapeKeyPart, startRange, type TraceSublevel, type TraceSublevels } from './keys.js'
import type { SpanEntry } from './records.js'

/** GET /v1/traces: a trace is listed when one of its spans in [from, to] meets every filter given. */
export interface TraceSearch {
  from: number
  to: number
  service?: string
  /** The span's name. */
  operation?: string
  /** The span lasted at least this long. */
  minDurationMs?: number
  /** The span's status is error. */
  errorsOnly?: boolean
  limit: number
}

interface IndexChoice {
  sublevel: TraceSublevel
  prefix: string
}

/** The narrowest index the filters allow: service and operation, service, or every span by time. */
export function indexFor(subs: TraceSublevels, service: string | undefined, operation: string | undefined): IndexChoice {
  if (service !== undefined && operation !== undefined) {
    return { sublevel: subs.byOperation, prefix: `${escapeKeyPart(service)}\x00${escapeKeyPart(operation)}\x00` }
  }
  if (service !== undefined) return { sublevel: subs.byService, prefix: `${escapeKeyPart(service)}\x00` }
  return { sublevel: subs.byTime, prefix: '' }
}

export function entryMatches(entry: SpanEntry, q: Omit<TraceSearch, 'limit'>): boolean {
  // Keys hold whole ms; the entry's exact start settles the range's edges.
  if (entry.st < q.from || entry.st > q.to) return false
  if (q.operation !== undefined && entry.o !== q.operation) return false
  if (q.minDurationMs !== undefined && entry.d < q.minDurationMs) return false
  if (q.errorsOnly && entry.e !== 1) return false
  return true
}

/** Ids of up to `limit` matching traces, the one with the latest matching span first. */
export async function findTraceIds(subs: TraceSublevels, q: TraceSearch): Promise<string[]> {
  const { sublevel, prefix } = indexFor(subs, q.service, q.operation)
  const ids = new Set<string>()
  for await (const value of sublevel.values({ ...startRange(prefix, q.from, q.to), reverse: true })) {
    const entry = decodeStored<SpanEntry>(value)
    if (!entryMatches(entry, q)) continue
    ids.add(entry.t)
    if (ids.size >= q.limit) break
  }
  return [...ids]
}
