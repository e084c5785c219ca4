import type { LogLevel } from '../../protocol/batch.js'
import type { BatchStager } from '../storage/commit.js'

/** One stored log record: the device's record plus the device id, its timestamp clock-corrected (DESIGN §5). */
export interface LogEntry {
  ts: number
  device: string
  level: LogLevel
  component: string | null
  message: string
  attrs: Record<string, unknown>
  traceId: string | null
  spanId: string | null
}

/** GET /v1/logs after parsing (docs/logs.md). All given filters must hold. */
export interface LogQuery {
  /** Inclusive; -Infinity / Infinity when not given. */
  from: number
  to: number
  device?: string
  /** Levels to return; undefined means every level. */
  levels?: readonly LogLevel[]
  component?: string
  /** Full-text words (already tokenized); every one must occur. */
  words?: readonly string[]
  limit: number
  /** Record id of the last entry of the previous page: the page continues below it. */
  after?: string
}

export interface LogPage {
  logs: LogEntry[]
  /** Record id to pass as the next page's cursor; null on the last page. */
  next: string | null
}

export interface ErrorQuery {
  from: number
  to: number
  device?: string
  limit: number
}

/** Errors and criticals grouped by fingerprint (docs/logs.md). */
export interface ErrorGroup {
  fingerprint: string
  /** The message with numbers, ids and quoted strings replaced by placeholders. */
  pattern: string
  /** A real message of the group: the latest one seen. */
  message: string
  component: string | null
  /** The highest level in the group. */
  level: 'error' | 'critical'
  count: number
  firstSeen: number
  lastSeen: number
  devices: string[]
}

export interface PruneResult {
  /** UTC days whose logs, index entries and error aggregates were deleted. */
  days: number
}

/** The record as stored and exported: optional fields are left out. */
export interface StoredLog {
  ts: number
  device: string
  level: LogLevel
  message: string
  component?: string
  attrs?: Record<string, unknown>
  traceId?: string
  spanId?: string
}

/**
 * The hub's log store (DESIGN §6), what the API, reports, device purge/export and the retention timer use.
 * Implementations must pass test/hub/logs/log-store.case.ts. Records join each batch's Commit (`stage`), so a
 * batch's logs are stored exactly once with its dedup mark (DESIGN §5).
 *
 * Order and cursors: every record has an id, `recordId(ts, dev, ep, seq, k)` (keys.ts), unique per record because
 * (dev, ep, seq) names one batch; results come newest first in descending id order, and `LogPage.next` is the id
 * of the last entry returned, which `LogQuery.after` continues below. The id is the API's cursor, so it is the
 * same whatever the store keeps on disk.
 */
export interface LogStore extends BatchStager {
  /** Logs older than this are deleted by whole UTC days. */
  readonly retentionMs: number
  open(): Promise<void>
  /** Waits for work in flight; the database stays open (the hub owns it). */
  close(): Promise<void>
  /** One page of matching logs, newest first (GET /v1/logs). */
  query(query: LogQuery): Promise<LogPage>
  /** Errors and criticals in range grouped by fingerprint, commonest first (GET /v1/logs/errors, reports). */
  errorSummary(query: ErrorQuery): Promise<ErrorGroup[]>
  /** Deletes the UTC days that ended more than `retentionMs` before `now`. */
  prune(now: number): Promise<PruneResult>
  /** Log lines stored per device with ts in [from, to] (reports' data volume). */
  countByDevice(from: number, to: number): Promise<Map<string, number>>
  /** Erases every log line of `device` and its error aggregates (docs/security.md, "Deleting a device"). */
  purgeDevice(device: string): Promise<{ records: number }>
  /** Every stored log line of `device`, oldest first (GET /v1/devices/{id}/export). */
  exportDevice(device: string): AsyncIterable<StoredLog>
}
