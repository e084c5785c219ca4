import type { HealthResult, LogRecord, MetricType, SpanRecord } from '../../../protocol/batch.js'
import { seriesKey } from '../../../protocol/batch.js'
import { MetricsBuilder } from '../../../protocol/metrics-builder.js'
import type { BatchBody } from '../../split-body.js'
import { IngestError } from './errors.js'
import type { IngestRequest, RecordKind } from './schema.js'

export type RecordCounts = Record<RecordKind, number>

/**
 * Turns a validated ingest request into the data part of a batch (DESIGN §4): metrics column-wise through
 * MetricsBuilder, the other kinds record by record. Records without `ts` get `now`.
 * Throws IngestError when two metrics describe one series with different types or units.
 */
export function toBatchBody(request: IngestRequest, now: number): { body: BatchBody; counts: RecordCounts } {
  const body: BatchBody = {}
  const metrics = request.metrics ?? []
  if (metrics.length > 0) {
    const builder = new MetricsBuilder()
    // MetricsBuilder keeps the first type and unit it saw for a series; a later disagreement would be lost silently.
    const firstSeen = new Map<string, { type: MetricType; unit?: string; at: number }>()
    metrics.forEach((m, k) => {
      const labels = m.labels ?? {}
      const key = seriesKey(m.name, labels)
      const first = firstSeen.get(key)
      if (!first) firstSeen.set(key, { type: m.type, unit: m.unit, at: k })
      else if (first.type !== m.type) {
        throw new IngestError(400, 'invalid_field', `metrics[${k}].type: ${m.type} differs from ${first.type} given for the same series at metrics[${first.at}]`)
      } else if (first.unit !== m.unit) {
        throw new IngestError(400, 'invalid_field', `metrics[${k}].unit: ${describeUnit(m.unit)} differs from ${describeUnit(first.unit)} given for the same series at metrics[${first.at}]`)
      }
      builder.addRaw(m.name, m.type, labels, m.ts ?? now, m.value, m.unit)
    })
    body.m = builder.build()
  }
  if (request.logs?.length) {
    body.l = request.logs.map(
      (r): LogRecord => withoutUndefined({ ts: r.ts ?? now, level: r.level, message: r.message, component: r.component, attrs: r.attrs, traceId: r.traceId, spanId: r.spanId }),
    )
  }
  if (request.spans?.length) {
    body.s = request.spans.map(
      (r): SpanRecord =>
        withoutUndefined({
          traceId: r.traceId,
          spanId: r.spanId,
          parentSpanId: r.parentSpanId,
          name: r.name,
          service: r.service,
          kind: r.kind,
          start: r.start,
          end: r.end,
          status: r.status,
          attrs: r.attrs,
          events: r.events?.map((e) => withoutUndefined({ ts: e.ts, name: e.name, attrs: e.attrs })),
        }),
    )
  }
  if (request.health?.length) {
    body.h = request.health.map(
      (r): HealthResult => withoutUndefined({ check: r.check, kind: r.kind, status: r.status, ts: r.ts ?? now, latencyMs: r.latencyMs, message: r.message }),
    )
  }
  const counts: RecordCounts = { metrics: metrics.length, logs: body.l?.length ?? 0, spans: body.s?.length ?? 0, health: body.h?.length ?? 0 }
  return { body, counts }
}

const describeUnit = (unit: string | undefined) => (unit === undefined ? 'no unit' : `unit ${JSON.stringify(unit)}`)

/** Absent optional fields stay absent on the wire instead of travelling as CBOR `undefined`. */
function withoutUndefined<T extends object>(record: T): T {
  for (const key of Object.keys(record) as (keyof T)[]) if (record[key] === undefined) delete record[key]
  return record
}
