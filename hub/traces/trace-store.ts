import type { DecodedBatch } from '../../protocol/batch.js'
import type { Commit } from '../storage/commit.js'
import type { BatchOp, Database } from '../storage/db.js'
import type { IngestOptions } from '../storage/types.js'
import { decodeStored, encodeStored } from '../storage/stored-cbor.js'
import {
  openTraceSublevels,
  operationRowKey,
  serviceRowKey,
  spanKeyParts,
  spanRowKey,
  rowKeysOfTimeKey,
  startKey,
  timeRowKey,
  traceRange,
  type TraceSublevels,
} from './keys.js'
import { spanEntry, storedSpan, type SpanEntry, type StoredSpan } from './records.js'
import { findTraceIds, type TraceSearch } from './search.js'
import { operationStats, type OperationStats, type TraceStatsQuery } from './stats.js'
import { deviceSpans, purgeDeviceSpans } from './device-data.js'
import { buildTraceTree, summarizeTrace, type TraceSummary } from './tree.js'
import type { TraceLookup, TraceStore } from './types.js'

export interface TraceStoreOptions {
  /** Spans that started longer ago than this are deleted by prune(). */
  retentionMs: number
  /** Most spans one trace lookup returns (a runaway trace cannot exhaust the hub), default 10,000. */
  maxSpansPerTrace?: number
  /** Most spans one stats request may read, default 2,000,000. */
  maxStatsSpans?: number
  /** Spans deleted per atomic write while pruning, default 5,000. */
  pruneBatchSpans?: number
}

/**
 * The LevelDB trace store: spans by trace and by time (DESIGN §6). Staged into each batch's Commit (hub/storage/commit.ts), so a batch's spans commit in the same
 * atomic LevelDB batch as its metrics and dedup mark (DESIGN §5): a duplicate batch writes no span twice.
 */
export class LevelTraceStore implements TraceStore {
  private readonly subs: TraceSublevels
  private readonly maxSpansPerTrace: number
  private readonly maxStatsSpans: number
  private readonly pruneBatchSpans: number
  private pruning: Promise<unknown> = Promise.resolve()
  private isOpen = false

  constructor(
    private readonly db: Database,
    private readonly options: TraceStoreOptions,
  ) {
    if (!(options.retentionMs > 0)) throw new Error(`retentionMs must be positive, got ${options.retentionMs}`)
    this.subs = openTraceSublevels(db)
    this.maxSpansPerTrace = options.maxSpansPerTrace ?? 10_000
    this.maxStatsSpans = options.maxStatsSpans ?? 2_000_000
    this.pruneBatchSpans = options.pruneBatchSpans ?? 5_000
  }

  /** The database is the hub's; opening only allows prune() to run. */
  async open(): Promise<void> {
    this.isOpen = true
  }

  /** Waits for a prune in flight. */
  async close(): Promise<void> {
    this.isOpen = false
    await this.pruning
  }

  /**
   * Stages the batch's rows into its commit (DESIGN §5: stored with its metrics and dedup mark, or not at all): four
   * rows per span, the span under its trace and an entry in the time, service and operation indexes.
   */
  stage(commit: Commit, batch: DecodedBatch, options: IngestOptions): void {
    commit.stage(this.ops(batch, options))
  }

  private ops(batch: DecodedBatch, options: IngestOptions): BatchOp[] {
    if (!batch.s || batch.s.length === 0) return []
    const ops: BatchOp[] = []
    for (const record of batch.s) {
      const span = storedSpan(record, batch.dev, options.tsOffset ?? 0)
      const parts = spanKeyParts(span.traceId, span.spanId, span.service ?? '', span.name, span.start)
      // One encoding shared by the three index rows (cbor-x never writes over a value it returned).
      const entry = encodeStored(spanEntry(span))
      ops.push(
        { type: 'put', sublevel: this.subs.spans, key: spanRowKey(parts), value: encodeStored(span) },
        { type: 'put', sublevel: this.subs.byTime, key: timeRowKey(parts), value: entry },
        { type: 'put', sublevel: this.subs.byService, key: serviceRowKey(parts), value: entry },
        { type: 'put', sublevel: this.subs.byOperation, key: operationRowKey(parts), value: entry },
      )
    }
    return ops
  }

  /** The trace as a span tree, or undefined when no span of it is stored. */
  async getTrace(traceId: string): Promise<TraceLookup | undefined> {
    const { spans, truncated } = await this.readTrace(traceId, this.maxSpansPerTrace)
    if (spans.length === 0) return undefined
    return { ...buildTraceTree(traceId, spans), truncated }
  }

  /** Summaries of the matching traces, latest start first. */
  async search(q: TraceSearch): Promise<TraceSummary[]> {
    const ids = await findTraceIds(this.subs, q)
    const summaries: TraceSummary[] = []
    for (const id of ids) {
      const { spans } = await this.readTrace(id, this.maxSpansPerTrace)
      // Pruned between the index scan and this read: nothing to list.
      if (spans.length > 0) summaries.push(summarizeTrace(id, spans))
    }
    return summaries.sort((a, b) => b.start - a.start)
  }

  stats(q: TraceStatsQuery): Promise<OperationStats[]> {
    return operationStats(this.subs, q, this.maxStatsSpans)
  }

  /**
   * Deletes every span that started before `now - retentionMs`. The time index is ordered by start, so the spans
   * to delete are one key range at its head; each of its entries names the span's other three rows. Nothing else
   * is scanned, and each step is one atomic write, so an interrupted prune leaves no dangling index row.
   */
  prune(now: number): Promise<{ spans: number }> {
    if (!this.isOpen) return Promise.reject(new Error('trace store is not open'))
    const run = this.pruning.then(() => this.pruneBefore(now - this.options.retentionMs))
    this.pruning = run.catch(() => undefined)
    return run
  }

  /** Erases every span of `device` (purge.ts). */
  purgeDevice(device: string): Promise<{ spans: number }> {
    return purgeDeviceSpans(this.subs, device)
  }

  /** Every span of `device` (GET /v1/devices/{id}/export). */
  exportDevice(device: string): AsyncGenerator<StoredSpan> {
    return deviceSpans(this.subs, device)
  }

  private async pruneBefore(cutoff: number): Promise<{ spans: number }> {
    let deleted = 0
    for (;;) {
      const ops: BatchOp[] = []
      for await (const [timeKey, value] of this.subs.byTime.iterator({ lt: startKey(cutoff), limit: this.pruneBatchSpans })) {
        const entry = decodeStored<SpanEntry>(value)
        const rows = rowKeysOfTimeKey(timeKey, entry.v, entry.o)
        ops.push(
          { type: 'del', sublevel: this.subs.byTime, key: timeKey },
          { type: 'del', sublevel: this.subs.spans, key: rows.span },
          { type: 'del', sublevel: this.subs.byService, key: rows.service },
          { type: 'del', sublevel: this.subs.byOperation, key: rows.operation },
        )
      }
      if (ops.length === 0) return { spans: deleted }
      await this.db.batch(ops)
      deleted += ops.length / 4
    }
  }

  private async readTrace(traceId: string, max: number): Promise<{ spans: StoredSpan[]; truncated: boolean }> {
    const spans: StoredSpan[] = []
    for await (const value of this.subs.spans.values({ ...traceRange(traceId), limit: max + 1 })) {
      spans.push(decodeStored<StoredSpan>(value))
    }
    const truncated = spans.length > max
    if (truncated) spans.length = max
    return { spans, truncated }
  }
}
