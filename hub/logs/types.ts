import type { LogLevel } from '../../protocol/batch.js'

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
