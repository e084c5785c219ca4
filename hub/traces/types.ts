import type { BatchStager } from '../storage/commit.js'
import type { StoredSpan } from './records.js'
import type { TraceSearch } from './search.js'
import type { OperationStats, TraceStatsQuery } from './stats.js'
import type { TraceSummary, TraceTree } from './tree.js'

export type { StoredSpan } from './records.js'

export interface TraceLookup extends TraceTree {
  /** True when the trace has more spans than maxSpansPerTrace and only part of them were read. */
  truncated: boolean
}

/**
 * The hub's trace store (DESIGN §6), what the API, device purge/export and the retention timer use. Implementations
 * must pass test/hub/traces/trace-store.case.ts. Spans join each batch's Commit (`stage`), so a batch's spans are
 * stored exactly once with its dedup mark (DESIGN §5).
 */
export interface TraceStore extends BatchStager {
  open(): Promise<void>
  /** Waits for work in flight; the database stays open (the hub owns it). */
  close(): Promise<void>
  /** The trace as a span tree, or undefined when no span of it is stored (GET /v1/traces/{traceId}). */
  getTrace(traceId: string): Promise<TraceLookup | undefined>
  /** Summaries of the matching traces, latest start first (GET /v1/traces). */
  search(query: TraceSearch): Promise<TraceSummary[]>
  /** Exact latency percentiles per service and operation (GET /v1/traces/stats). */
  stats(query: TraceStatsQuery): Promise<OperationStats[]>
  /** Deletes every span that started before `now - retentionMs`. */
  prune(now: number): Promise<{ spans: number }>
  /** Erases every span of `device` (docs/security.md, "Deleting a device"). */
  purgeDevice(device: string): Promise<{ spans: number }>
  /** Every stored span of `device` (GET /v1/devices/{id}/export). */
  exportDevice(device: string): AsyncIterable<StoredSpan>
}
