import type { BatchBody } from '../../split-body.js'
import type { DeltaTotals } from './delta-totals.js'
import { convertLogs } from './logs.js'
import { convertMetrics } from './metrics.js'
import type { OtlpSignal } from './proto.js'
import { convertTraces } from './traces.js'

/** One OTLP request converted to a batch body, with what was refused (OTLP partialSuccess). */
export interface SignalConversion {
  body: BatchBody
  /** Spans, log records or metric data points kept. */
  accepted: number
  rejected: number
  problems: string[]
  /** Call once `body` is durably buffered (metrics: makes delta totals current). */
  commit(): void
}

/** The partialSuccess field counting refusals, per signal (collector/*\/v1/*_service.proto). */
export const REJECTED_FIELD: Record<OtlpSignal, string> = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' }

/** State that lives as long as the listener: delta-temporality running totals. */
export interface SignalState {
  deltas: DeltaTotals
}

const nothingToCommit = () => {}

export function convertSignal(signal: OtlpSignal, request: Record<string, unknown>, now: number, state: SignalState): SignalConversion {
  if (signal === 'traces') {
    const { records, rejected, problems } = convertTraces(request)
    return { body: records.length > 0 ? { s: records } : {}, accepted: records.length, rejected, problems, commit: nothingToCommit }
  }
  if (signal === 'logs') {
    const { records, rejected, problems } = convertLogs(request, now)
    return { body: records.length > 0 ? { l: records } : {}, accepted: records.length, rejected, problems, commit: nothingToCommit }
  }
  const { metrics, points, rejected, problems, commit } = convertMetrics(request, now, state.deltas)
  return { body: metrics ? { m: metrics } : {}, accepted: points, rejected, problems, commit }
}
