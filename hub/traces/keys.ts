import type { Database } from '../storage/db.js'
import { table, type Prefix } from '../storage/keyspace.js'
import { hexKey, MS_53 } from '../storage/time-keys.js'

// DESIGN §6: spans by trace and by time. All sublevels are prefixed `t-` so they never meet the hub's other tables.
// Every key part that comes from a device is escaped (escapeKeyPart) so the `\x00` separator stays unambiguous.

function binarySublevel(db: Database, name: Prefix) {
  return table<Prefix, Uint8Array>(db, name)
}
export type TraceSublevel = ReturnType<typeof binarySublevel>

export interface TraceSublevels {
  /** `${traceId}\x00${spanId}` → CBOR StoredSpan: one trace is one contiguous key range. */
  spans: TraceSublevel
  /** `${start}\x00${traceId}\x00${spanId}` → CBOR SpanEntry: every span by start time (search, stats, retention). */
  byTime: TraceSublevel
  /** `${service}\x00${start}\x00${traceId}\x00${spanId}` → SpanEntry: search and stats by service. */
  byService: TraceSublevel
  /** `${service}\x00${operation}\x00${start}\x00${traceId}\x00${spanId}` → SpanEntry: by service and operation. */
  byOperation: TraceSublevel
}

export function openTraceSublevels(db: Database): TraceSublevels {
  return {
    spans: binarySublevel(db, 't-span'),
    byTime: binarySublevel(db, 't-time'),
    byService: binarySublevel(db, 't-svc'),
    byOperation: binarySublevel(db, 't-op'),
  }
}

/** `%` → `%25`, NUL → `%00`: a device's id or name can then never contain the separator. */
export function escapeKeyPart(part: string): string {
  if (!part.includes('%') && !part.includes('\x00')) return part
  return part.replace(/%/g, '%25').replace(/\x00/g, '%00')
}

// Start times are ms since epoch, possibly negative (a device clock before 1970) or fractional; the key holds the
// whole ms, clamped to the safe integer range and shifted by 2^53 into 14 hex digits, so key order is time order.

export function startKey(start: number): string {
  const whole = Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, Math.floor(start)))
  return hexKey(whole, MS_53)
}

/** The key parts a span is filed under, escaped once and shared by its four rows. */
export interface SpanKeyParts {
  traceId: string
  spanId: string
  service: string
  operation: string
  start: string
}

export function spanKeyParts(traceId: string, spanId: string, service: string, operation: string, start: number): SpanKeyParts {
  return {
    traceId: escapeKeyPart(traceId),
    spanId: escapeKeyPart(spanId),
    service: escapeKeyPart(service),
    operation: escapeKeyPart(operation),
    start: startKey(start),
  }
}

export function spanRowKey(p: SpanKeyParts): string {
  return `${p.traceId}\x00${p.spanId}`
}

export function timeRowKey(p: SpanKeyParts): string {
  return `${p.start}\x00${p.traceId}\x00${p.spanId}`
}

export function serviceRowKey(p: SpanKeyParts): string {
  return `${p.service}\x00${p.start}\x00${p.traceId}\x00${p.spanId}`
}

export function operationRowKey(p: SpanKeyParts): string {
  return `${p.service}\x00${p.operation}\x00${p.start}\x00${p.traceId}\x00${p.spanId}`
}

/** Every span row of one trace. */
export function traceRange(traceId: string): { gte: string; lt: string } {
  const id = escapeKeyPart(traceId)
  return { gte: `${id}\x00`, lt: `${id}\x01` }
}

/** Index rows whose start lies in [from, to] (whole ms), under an optional escaped prefix such as `${service}\x00`. */
export function startRange(prefix: string, from: number, to: number): { gte: string; lt: string } {
  return { gte: `${prefix}${startKey(from)}`, lt: `${prefix}${startKey(to)}\x01` }
}

/** The other three rows of the span a time-index key files, given the service and operation its entry names. */
export function rowKeysOfTimeKey(timeKey: string, service: string, operation: string): { span: string; service: string; operation: string } {
  // A time key is `${start}\x00${traceId}\x00${spanId}`: the span key follows the start, and the service and
  // operation keys are the time key under their prefixes.
  const svc = escapeKeyPart(service)
  return {
    span: timeKey.slice(timeKey.indexOf('\x00') + 1),
    service: `${svc}\x00${timeKey}`,
    operation: `${svc}\x00${escapeKeyPart(operation)}\x00${timeKey}`,
  }
}
