import type { SpanRecord } from '../../../protocol/batch.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'
import type { StoredSpan } from '../records.js'

// A head row: one stored batch's spans with the batch's clock correction, written with its dedup mark (DESIGN §5).
// It is on the ack path, so it is the cheapest exact layout: CBOR of one array per field (encoding columns of
// strings runs about a third faster than the records), decoded only at start.
//
//   [offset, traceId[], spanId[], parent[], name[], service[], kind[], start[], end[], status[], attrs[], events[]]
//   (null where a record has none)

type HeadRow = [
  number, string[], string[], Array<string | null>, string[], Array<string | null>, Array<string | null>, number[], number[],
  Array<SpanRecord['status'] | null>, Array<SpanRecord['attrs'] | null>, Array<SpanRecord['events'] | null>,
]

export function encodeSpanHeadRow(spans: readonly SpanRecord[], offset: number): Uint8Array {
  const n = spans.length
  const row: HeadRow = [offset, new Array(n), new Array(n), new Array(n), new Array(n), new Array(n), new Array(n), new Array(n), new Array(n), new Array(n), new Array(n), new Array(n)]
  for (let i = 0; i < n; i++) {
    const s = spans[i]
    row[1][i] = s.traceId
    row[2][i] = s.spanId
    row[3][i] = s.parentSpanId ?? null
    row[4][i] = s.name
    row[5][i] = s.service ?? null
    row[6][i] = s.kind ?? null
    row[7][i] = s.start
    row[8][i] = s.end
    row[9][i] = s.status ?? null
    row[10][i] = s.attrs ?? null
    row[11][i] = s.events ?? null
  }
  return encodeStored(row)
}

/** The row's spans as headSpans made them when the batch was stored. */
export function decodeSpanHeadRow(bytes: Uint8Array, dev: string): StoredSpan[] {
  const [offset, traceId, spanId, parent, name, service, kind, start, end, status, attrs, events] = decodeStored<HeadRow>(bytes)
  const records: SpanRecord[] = traceId.map((t, i) => {
    const r: SpanRecord = { traceId: t, spanId: spanId[i], name: name[i], start: start[i], end: end[i] }
    if (parent[i] !== null) r.parentSpanId = parent[i]!
    if (service[i] !== null) r.service = service[i]!
    if (kind[i] !== null) r.kind = kind[i]!
    if (status[i] !== null) r.status = status[i]!
    if (attrs[i] !== null) r.attrs = attrs[i]!
    if (events[i] !== null) r.events = events[i]!
    return r
  })
  return headSpans(records, dev, offset)
}
/** The batch's spans as stored: clock-corrected, with the device, and no key whose value is undefined. */
export function headSpans(records: readonly SpanRecord[], dev: string, offset: number): StoredSpan[] {
  // Built field by field (no spread, no delete): objects of one shape, several times faster on the ack path.
  const out: StoredSpan[] = new Array(records.length)
  for (let i = 0; i < records.length; i++) {
    const r = records[i]
    const span: StoredSpan = { traceId: r.traceId, spanId: r.spanId, name: r.name, start: r.start + offset, end: r.end + offset, device: dev }
    if (r.parentSpanId !== undefined) span.parentSpanId = r.parentSpanId
    if (r.service !== undefined) span.service = r.service
    if (r.kind !== undefined) span.kind = r.kind
    if (r.status !== undefined) span.status = r.status
    if (r.attrs !== undefined) span.attrs = r.attrs
    if (r.events !== undefined) span.events = offset === 0 ? r.events : r.events.map((e) => ({ ...e, ts: e.ts + offset }))
    out[i] = span
  }
  return out
}

/** The span without keys whose value is undefined (a record may carry `service: undefined`). */
export function withoutUndefined(span: StoredSpan): StoredSpan {
  for (const key of Object.keys(span) as Array<keyof StoredSpan>) if (span[key] === undefined) delete span[key]
  return span
}
