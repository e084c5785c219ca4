import { spanEntry, type SpanEntry, type StoredSpan } from '../records.js'
import { entryMatches, type TraceSearch } from '../search.js'
import { OperationGroups, tooManySpans, type OperationStats, type TraceStatsQuery } from '../stats.js'
import type { DecodedSpanBlock } from './block-codec.js'
import type { StoredSpanBlock } from './seal.js'
import type { SpanBlockCache } from './span-cache.js'

/** What one read sees: the head and the blocks as they were when it started (a seal may land meanwhile). */
export interface SpanView {
  cache: SpanBlockCache
  head: readonly StoredSpan[]
  headByTrace: ReadonlyMap<string, readonly StoredSpan[]>
  blocks: readonly StoredSpanBlock[]
}

/** Up to `max` + 1 spans of the trace: the head's, then those of every block whose Bloom filter may hold its id. */
export async function readTrace(view: SpanView, traceId: string, max: number): Promise<{ spans: StoredSpan[]; truncated: boolean }> {
  const spans = [...(view.headByTrace.get(traceId) ?? [])]
  for (const block of view.blocks) {
    if (spans.length > max) break
    if (!block.bloom.mayHold(traceId)) continue
    const d = await view.cache.get(block.key)
    if (!d) continue
    const [from, to] = (await d.index()).rowsOf(traceId)
    for (let row = from; row < to && spans.length <= max; row++) spans.push(await d.span(row, traceId))
  }
  const truncated = spans.length > max
  if (truncated) spans.length = max
  return { spans, truncated }
}

type Filters = Omit<TraceSearch, 'limit'>

function matches(e: SpanEntry, q: Filters): boolean {
  return (q.service === undefined || e.v === q.service) && entryMatches(e, q)
}

/** Whether the block's summary allows a span matching `q`. */
function mayMatch(block: StoredSpanBlock, q: Filters): boolean {
  const s = block.summary
  if (s.maxStart < q.from || s.minStart > q.to) return false
  if (q.errorsOnly && s.errors === 0) return false
  if (q.minDurationMs !== undefined && s.maxDurationMs < q.minDurationMs) return false
  if (q.service !== undefined && !s.services.includes(q.service)) return false
  if (q.operation !== undefined) {
    if (q.service !== undefined) return s.ops.includes(`${q.service}\x00${q.operation}`)
    return s.ops.some((op) => op.slice(op.indexOf('\x00') + 1) === q.operation)
  }
  return true
}

/** Calls `fn` with the trace id and entry of every span of the block matching `q`. */
async function eachMatch(d: DecodedSpanBlock, q: Filters, fn: (traceId: string, e: SpanEntry) => void): Promise<void> {
  const index = await d.index()
  const cols = await d.filter()
  index.forEachRow((row, traceId) => {
    const e = cols.entry(row, traceId)
    if (matches(e, q)) fn(traceId, e)
  })
}

/**
 * Ids of up to `limit` matching traces, the one with the latest matching span first (as LevelTraceStore's reverse
 * walk of its time index). Blocks are read latest first and the walk stops once no unread block can beat the
 * `limit`-th trace found.
 */
export async function findTraceIds(view: SpanView, q: TraceSearch): Promise<string[]> {
  const latest = new Map<string, number>()
  const consider = (traceId: string, e: SpanEntry) => {
    const seen = latest.get(traceId)
    if (seen === undefined || e.st > seen) latest.set(traceId, e.st)
  }
  for (const span of view.head) {
    const e = spanEntry(span)
    if (matches(e, q)) consider(span.traceId, e)
  }
  const candidates = view.blocks.filter((b) => mayMatch(b, q)).sort((a, b) => b.summary.maxStart - a.summary.maxStart)
  let bar = -Infinity
  for (const block of candidates) {
    if (latest.size >= q.limit && block.summary.maxStart < bar) break
    const d = await view.cache.get(block.key)
    if (d) await eachMatch(d, q, consider)
    if (latest.size >= q.limit) bar = [...latest.values()].sort((a, b) => b - a)[q.limit - 1]
  }
  return [...latest]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
    .slice(0, q.limit)
    .map(([id]) => id)
}

/** Exact percentiles per service and operation over every span in range, read from the meta columns. */
export async function blockStats(view: SpanView, q: TraceStatsQuery, maxSpans: number): Promise<OperationStats[]> {
  const groups = new OperationGroups()
  let read = 0
  const add = (_: string, e: SpanEntry) => {
    if (++read > maxSpans) throw tooManySpans(maxSpans)
    groups.add(e)
  }
  for (const span of view.head) {
    const e = spanEntry(span)
    if (matches(e, q)) add(span.traceId, e)
  }
  for (const block of view.blocks) {
    if (!mayMatch(block, q)) continue
    const d = await view.cache.get(block.key)
    if (d) await eachMatch(d, q, add)
  }
  return groups.result()
}
