import type { LogLevel } from '../../protocol/batch.js'
import { decodeStored, encodeStored } from '../storage/stored-cbor.js'
import { errorRowKey, parseDayKey, SEP, type LogSublevel } from './keys.js'
import type { BatchOp } from '../storage/db.js'
import type { ErrorGroup } from './types.js'

// Error aggregates are kept at ingest rather than computed at query time: a summary over 14 days then reads a
// few rows per fingerprint and device instead of every error record. Rows are per (UTC day, fingerprint,
// device): days let retention drop them with the logs and let a query add up whole days; devices make each row
// written by one device only, and the metric store ingests one batch per device at a time, so the read-modify-
// write against the in-memory copy never loses an update. The copy is loaded at open, so it survives restarts.

export type ErrorLevel = 'error' | 'critical'

export interface ErrorRow {
  pattern: string
  component?: string
  /** The latest message seen. */
  sample: string
  level: ErrorLevel
  count: number
  first: number
  last: number
}

export function isErrorLevel(level: LogLevel): level is ErrorLevel {
  return level === 'error' || level === 'critical'
}

/** `${fingerprint id}\0${dev}` → row, per day. */
type DayRows = Map<string, ErrorRow>

export function mergeRow(into: ErrorRow | undefined, add: ErrorRow): ErrorRow {
  if (!into) return { ...add }
  const newer = add.last >= into.last
  return {
    pattern: into.pattern,
    component: into.component,
    sample: newer ? add.sample : into.sample,
    level: into.level === 'critical' || add.level === 'critical' ? 'critical' : 'error',
    count: into.count + add.count,
    first: Math.min(into.first, add.first),
    last: Math.max(into.last, add.last),
  }
}

/** The in-memory copy of the `l-err` sublevel. */
export class ErrorRows {
  private readonly days = new Map<number, DayRows>()

  constructor(private readonly sublevel: LogSublevel) {}

  async load(): Promise<void> {
    this.days.clear()
    for await (const [key, bytes] of this.sublevel.iterator()) {
      this.rowsOf(parseDayKey(key)).set(key.slice(9), decodeStored<ErrorRow>(bytes))
    }
  }

  /** The stored row merged with `add`, for a write that has not happened yet. */
  merged(day: number, fingerprintId: string, dev: string, add: ErrorRow): ErrorRow {
    return mergeRow(this.days.get(day)?.get(`${fingerprintId}${SEP}${dev}`), add)
  }

  putOp(day: number, fingerprintId: string, dev: string, row: ErrorRow): BatchOp {
    return { type: 'put', sublevel: this.sublevel, key: errorRowKey(day, fingerprintId, dev), value: encodeStored(row) }
  }

  /** After the write committed. */
  apply(day: number, fingerprintId: string, dev: string, row: ErrorRow): void {
    this.rowsOf(day).set(`${fingerprintId}${SEP}${dev}`, row)
  }

  dropBefore(day: number): void {
    for (const d of this.days.keys()) if (d < day) this.days.delete(d)
  }

  /** Adds every row of `day` (optionally one device's) to the summary. */
  addDay(day: number, summary: ErrorSummary, device?: string): void {
    for (const [key, row] of this.days.get(day) ?? []) {
      const [fingerprintId, dev] = key.split(SEP)
      if (device === undefined || dev === device) summary.add(fingerprintId, dev, row)
    }
  }

  private rowsOf(day: number): DayRows {
    let rows = this.days.get(day)
    if (!rows) this.days.set(day, (rows = new Map()))
    return rows
  }
}

/** Adds rows up by fingerprint. */
export class ErrorSummary {
  private readonly groups = new Map<string, { row: ErrorRow; devices: Set<string> }>()

  add(fingerprintId: string, dev: string, row: ErrorRow): void {
    const group = this.groups.get(fingerprintId)
    if (group) {
      group.row = mergeRow(group.row, row)
      group.devices.add(dev)
    } else this.groups.set(fingerprintId, { row: { ...row }, devices: new Set([dev]) })
  }

  /** Commonest first; ties by the latest occurrence. */
  result(limit: number): ErrorGroup[] {
    return [...this.groups]
      .map(([fingerprint, { row, devices }]) => ({
        fingerprint,
        pattern: row.pattern,
        message: row.sample,
        component: row.component ?? null,
        level: row.level,
        count: row.count,
        firstSeen: row.first,
        lastSeen: row.last,
        devices: [...devices].sort(),
      }))
      .sort((a, b) => b.count - a.count || b.lastSeen - a.lastSeen || (a.fingerprint < b.fingerprint ? -1 : 1))
      .slice(0, limit)
  }
}
