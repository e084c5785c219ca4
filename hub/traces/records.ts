import type { SpanRecord } from '../../protocol/batch.js'

/** A span as the hub keeps it: times already clock-corrected (DESIGN §5), plus the device that sent it. */
export interface StoredSpan extends SpanRecord {
  device: string
}

/** What the index rows hold about a span: enough to filter and to compute stats without reading the span. */
export interface SpanEntry {
  /** trace id */
  t: string
  /** service ('' when the span has none) */
  v: string
  /** operation: the span's name */
  o: string
  /** start, ms */
  st: number
  /** duration, ms */
  d: number
  /** 1 when the span's status is error */
  e: 0 | 1
}

/** The span with `tsOffset` added to every timestamp it carries (its start, end and event times). */
export function storedSpan(span: SpanRecord, device: string, tsOffset: number): StoredSpan {
  const stored: StoredSpan = { ...span, device, start: span.start + tsOffset, end: span.end + tsOffset }
  if (span.events) stored.events = span.events.map((event) => ({ ...event, ts: event.ts + tsOffset }))
  return stored
}

export function spanEntry(span: StoredSpan): SpanEntry {
  return { t: span.traceId, v: span.service ?? '', o: span.name, st: span.start, d: spanDurationMs(span), e: span.status === 'error' ? 1 : 0 }
}

/** A span ending before it starts (a clock step on the device) counts as taking no time. */
export function spanDurationMs(span: { start: number; end: number }): number {
  return Math.max(0, span.end - span.start)
}
