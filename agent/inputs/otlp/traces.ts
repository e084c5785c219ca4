import type { SpanEvent, SpanRecord, SpanStatus } from '../../../protocol/batch.js'
import { Collector, eachItem, withoutUndefined, type Conversion } from './convert-common.js'
import { asArray, asEnum, asId, asObject, asString, attributes, fail, nanosToMs } from './values.js'

// OTLP trace.proto enums, by number.
const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER']
const KIND_NAMES = [undefined, 'internal', 'server', 'client', 'producer', 'consumer']
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR']
const STATUSES: SpanStatus[] = ['unset', 'ok', 'error']

/** The attribute a span's status message is kept under (SpanRecord has no field for it; Jaeger's convention). */
export const STATUS_MESSAGE_ATTR = 'otel.status_description'

/** An ExportTraceServiceRequest (JSON mapping or decoded protobuf) as SpanRecords; see docs/otlp.md. */
export function convertTraces(request: Record<string, unknown>): Conversion<SpanRecord> {
  const out = new Collector<SpanRecord>()
  eachItem(request, 'Spans', 'spans', (item, path, origin) => out.take(() => convertSpan(item, path, origin.service)))
  return out.result()
}

function convertSpan(item: unknown, path: string, service: string | undefined): SpanRecord {
  const span = asObject(item, path)
  const start = nanosToMs(span.startTimeUnixNano, `${path}.startTimeUnixNano`) ?? fail(`${path}.startTimeUnixNano`, 'is required')
  const end = nanosToMs(span.endTimeUnixNano, `${path}.endTimeUnixNano`) ?? fail(`${path}.endTimeUnixNano`, 'is required')
  const kind = asEnum(span.kind, SPAN_KINDS, `${path}.kind`)
  if (kind >= SPAN_KINDS.length) fail(`${path}.kind`, 'is not a span kind', kind)
  const status = asObject(span.status, `${path}.status`)
  const code = asEnum(status.code, STATUS_CODES, `${path}.status.code`)
  if (code >= STATUS_CODES.length) fail(`${path}.status.code`, 'is not a status code', code)
  const attrs = attributes(span.attributes, `${path}.attributes`)
  const message = asString(status.message, `${path}.status.message`)
  if (message) attrs[STATUS_MESSAGE_ATTR] = message
  const events = asArray(span.events, `${path}.events`).map((e, k) => convertEvent(e, `${path}.events[${k}]`, start))
  return withoutUndefined<SpanRecord>({
    traceId: asId(span.traceId, 16, `${path}.traceId`) ?? fail(`${path}.traceId`, 'is required'),
    spanId: asId(span.spanId, 8, `${path}.spanId`) ?? fail(`${path}.spanId`, 'is required'),
    parentSpanId: asId(span.parentSpanId, 8, `${path}.parentSpanId`),
    name: asString(span.name, `${path}.name`),
    service,
    kind: KIND_NAMES[kind],
    start,
    end,
    status: STATUSES[code],
    attrs: Object.keys(attrs).length > 0 ? attrs : undefined,
    events: events.length > 0 ? events : undefined,
  })
}

function convertEvent(item: unknown, path: string, spanStart: number): SpanEvent {
  const event = asObject(item, path)
  const attrs = attributes(event.attributes, `${path}.attributes`)
  return withoutUndefined<SpanEvent>({
    ts: nanosToMs(event.timeUnixNano, `${path}.timeUnixNano`) ?? spanStart,
    name: asString(event.name, `${path}.name`),
    attrs: Object.keys(attrs).length > 0 ? attrs : undefined,
  })
}
