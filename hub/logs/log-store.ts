import type { DecodedBatch, LogRecord } from '../../protocol/batch.js'
import type { Commit } from '../storage/commit.js'
import type { BatchOp, Database } from '../storage/db.js'
import type { IngestOptions } from '../storage/types.js'
import { encodeStored } from '../storage/stored-cbor.js'
import { fingerprintOf } from './fingerprint.js'
import { ErrorRows, ErrorSummary, isErrorLevel, mergeRow, type ErrorRow } from './error-rows.js'
import { clampTs, DAY_MS, dayKey, dayOf, EMPTY_VALUE, indexKey, openLogSublevels, recordId, term, tsKey, tsOfRecordId, type LogSublevels } from './keys.js'
import { scanErrorsOfDay, searchLogs, type StoredLog } from './search.js'
import { tokenize } from './tokenize.js'
import { deviceLogs, purgeDeviceLogs } from './device-data.js'
import type { ErrorGroup, ErrorQuery, LogPage, LogQuery, LogStore, PruneResult } from './types.js'

export interface LogStoreOptions {
  /** Logs older than this are deleted by whole UTC days (docs/logs.md); default 14 days. */
  retentionMs?: number
}

interface PendingError {
  day: number
  fingerprintId: string
  row: ErrorRow
}

/** What ops() prepared for a batch, applied to the in-memory state once the write committed. */
interface Pending {
  days: Set<number>
  errors: PendingError[]
}

/**
 * The LevelDB log store. DESIGN §6: logs by time with indexes on device, level, component and words. Joins the metric store's atomic
 * ingest write as a participant, so a batch's logs are stored exactly once with its dedup mark (DESIGN §5).
 */
export class LevelLogStore implements LogStore {
  readonly retentionMs: number
  private readonly subs: LogSublevels
  private readonly errors: ErrorRows
  /** UTC days that hold logs, ascending: queries visit only these. */
  private days: number[] = []
  private readonly pending = new WeakMap<DecodedBatch, Pending>()
  private pruning: Promise<unknown> = Promise.resolve()
  private isOpen = false

  constructor(db: Database, options: LogStoreOptions = {}) {
    const retentionMs = options.retentionMs ?? 14 * DAY_MS
    if (!(retentionMs > 0)) throw new Error(`log retention must be a positive duration, got ${retentionMs}`)
    this.retentionMs = retentionMs
    this.subs = openLogSublevels(db)
    this.errors = new ErrorRows(this.subs.errors)
  }

  async open(): Promise<void> {
    if (this.isOpen) return
    await this.errors.load()
    this.days = await this.storedDays()
    this.isOpen = true
  }

  /** Waits for a prune in flight. The database stays open: the hub owns it. */
  async close(): Promise<void> {
    this.isOpen = false
    await this.pruning
  }

  /** Stages the batch's rows into its commit (DESIGN §5: stored with its metrics and dedup mark, or not at all). */
  stage(commit: Commit, batch: DecodedBatch, options: IngestOptions): void {
    commit.stage(this.ops(batch, options))
    commit.onCommitted(() => this.committed(batch))
  }

  private ops(batch: DecodedBatch, options: IngestOptions): BatchOp[] {
    if (!batch.l || batch.l.length === 0) return []
    const ops: BatchOp[] = []
    const pending: Pending = { days: new Set(), errors: [] }
    const errorsOfBatch = new Map<string, PendingError>()
    batch.l.forEach((record, k) => {
      const ts = clampTs(record.ts + (options.tsOffset ?? 0))
      const day = dayOf(ts)
      const id = recordId(ts, batch.dev, batch.ep, batch.seq, k)
      pending.days.add(day)
      ops.push({ type: 'put', sublevel: this.subs.records, key: id, value: encodeStored(storedLog(record, ts, batch.dev)) })
      for (const t of indexTerms(record, batch.dev)) {
        ops.push({ type: 'put', sublevel: this.subs.index, key: indexKey(day, t, id), value: EMPTY_VALUE })
      }
      if (isErrorLevel(record.level)) this.addError(errorsOfBatch, day, batch.dev, record, ts)
    })
    for (const e of errorsOfBatch.values()) {
      ops.push(this.errors.putOp(e.day, e.fingerprintId, batch.dev, e.row))
      pending.errors.push(e)
    }
    this.pending.set(batch, pending)
    return ops
  }

  private committed(batch: DecodedBatch): void {
    const pending = this.pending.get(batch)
    if (!pending) return
    this.pending.delete(batch)
    for (const e of pending.errors) this.errors.apply(e.day, e.fingerprintId, batch.dev, e.row)
    const fresh = [...pending.days].filter((d) => !this.days.includes(d))
    if (fresh.length > 0) this.days = [...this.days, ...fresh].sort((a, b) => a - b)
  }

  query(query: LogQuery): Promise<LogPage> {
    this.assertOpen()
    return searchLogs(this.subs, this.days, query)
  }

  /** Whole days come from the aggregates; days the range cuts are read from the level postings. */
  async errorSummary(query: ErrorQuery): Promise<ErrorGroup[]> {
    this.assertOpen()
    const summary = new ErrorSummary()
    for (const day of this.days) {
      const start = day * DAY_MS
      const end = start + DAY_MS - 1
      if (end < query.from || start > query.to) continue
      if (start >= query.from && end <= query.to) this.errors.addDay(day, summary, query.device)
      else await scanErrorsOfDay(this.subs, day, query, summary)
    }
    return summary.result(query.limit)
  }

  /**
   * Deletes every UTC day that ended more than the retention ago: records, postings and error rows, each a range
   * delete of the keys that start with those days (DESIGN §6: retention by time, never by rewriting).
   */
  prune(now: number): Promise<PruneResult> {
    this.assertOpen()
    const run = this.pruning.then(() => this.pruneDays(dayOf(now - this.retentionMs)))
    this.pruning = run.catch(() => undefined)
    return run
  }

  /** Log lines stored per device with ts in [from, to] (reports' data volume): a key-only range scan. */
  async countByDevice(from: number, to: number): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    for await (const key of this.subs.records.keys({ gte: tsKey(from), lt: tsKey(to + 1) })) {
      const dev = key.split('\x00')[1]
      out.set(dev, (out.get(dev) ?? 0) + 1)
    }
    return out
  }

  /** Erases every log line of `device` (purge.ts) and reloads the error aggregates. */
  async purgeDevice(device: string): Promise<{ records: number }> {
    const result = await purgeDeviceLogs(this.subs, device)
    await this.errors.load()
    return result
  }

  /** Every log line of `device`, oldest first (GET /v1/devices/{id}/export). */
  exportDevice(device: string): AsyncGenerator<StoredLog> {
    return deviceLogs(this.subs, device)
  }

  private async pruneDays(firstKept: number): Promise<PruneResult> {
    const expired = this.days.filter((d) => d < firstKept).length
    if (expired === 0) return { days: 0 }
    await this.subs.records.clear({ lt: tsKey(firstKept * DAY_MS) })
    await this.subs.index.clear({ lt: dayKey(firstKept) })
    await this.subs.errors.clear({ lt: dayKey(firstKept) })
    // A batch for an expired day committing during the deletes leaves rows behind; the next prune takes them.
    this.days = this.days.filter((d) => d >= firstKept)
    this.errors.dropBefore(firstKept)
    return { days: expired }
  }

  private addError(into: Map<string, PendingError>, day: number, dev: string, record: LogRecord, ts: number): void {
    const fingerprint = fingerprintOf(record.component, record.message)
    const row: ErrorRow = {
      pattern: fingerprint.pattern,
      sample: record.message,
      level: record.level === 'critical' ? 'critical' : 'error',
      count: 1,
      first: ts,
      last: ts,
    }
    if (record.component !== undefined) row.component = record.component
    const key = `${day}/${fingerprint.id}`
    const earlier = into.get(key)
    // The first error of a fingerprint in this batch starts from the stored row; later ones from the batch's.
    const merged = earlier ? mergeRow(earlier.row, row) : this.errors.merged(day, fingerprint.id, dev, row)
    into.set(key, { day, fingerprintId: fingerprint.id, row: merged })
  }

  /** Days present, found by seeking from day to day through the time-ordered records (one seek per day). */
  private async storedDays(): Promise<number[]> {
    const days: number[] = []
    const iterator = this.subs.records.keys()
    try {
      for (let key = await iterator.next(); key !== undefined; key = await iterator.next()) {
        const day = dayOf(tsOfRecordId(key))
        days.push(day)
        iterator.seek(tsKey((day + 1) * DAY_MS))
      }
    } finally {
      await iterator.close()
    }
    return days
  }

  private assertOpen(): void {
    if (!this.isOpen) throw new Error('log store is not open')
  }
}

function storedLog(record: LogRecord, ts: number, device: string): StoredLog {
  const log: StoredLog = { ts, device, level: record.level, message: record.message }
  if (record.component !== undefined) log.component = record.component
  if (record.attrs !== undefined) log.attrs = record.attrs
  if (record.traceId !== undefined) log.traceId = record.traceId
  if (record.spanId !== undefined) log.spanId = record.spanId
  return log
}

/** Postings of one record: device, level, component and the words of its message. */
function indexTerms(record: LogRecord, device: string): string[] {
  const terms = [term.device(device), term.level(record.level)]
  if (record.component !== undefined) terms.push(term.component(record.component))
  for (const word of tokenize(record.message)) terms.push(term.word(word))
  return terms
}
