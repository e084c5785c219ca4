import type { SeriesDef } from '../protocol/batch.js'
import type { BufferStats } from './buffer/types.js'
import type { UplinkCounters } from './uplink.js'
import type { MetricSink } from './collectors/types.js'

const gauge = (name: string, unit?: string, labels: Record<string, string> = {}): SeriesDef => ({ name, type: 'gauge', labels, unit })
const counter = (name: string, labels: Record<string, string> = {}): SeriesDef => ({ name, type: 'counter', labels })

/** The agent's own health as `outpost_agent_*` samples (DESIGN §8). */
export function emitAgentMetrics(sink: MetricSink, now: number, buffer: BufferStats, uplink: UplinkCounters, connected: boolean, sampled?: Record<string, number>): void {
  sink.add(gauge('outpost_agent_buffer_bytes', 'bytes'), now, buffer.bytes)
  sink.add(gauge('outpost_agent_batches_pending'), now, buffer.pending)
  sink.add(gauge('outpost_agent_connected'), now, connected ? 1 : 0)
  sink.add(counter('outpost_agent_batches_sent_total'), now, uplink.sent)
  sink.add(counter('outpost_agent_batches_resent_total'), now, uplink.resent)
  sink.add(counter('outpost_agent_batches_replayed_total'), now, uplink.replayed)
  sink.add({ name: 'outpost_agent_bytes_sent_total', type: 'counter', labels: {}, unit: 'bytes' }, now, uplink.bytesSent)
  sink.add(counter('outpost_agent_batches_acked_total'), now, uplink.acked)
  sink.add(counter('outpost_agent_errors_total'), now, uplink.errors)
  const reasons = { buffer_full: 0, ...buffer.droppedBatches }
  for (const [reason, n] of Object.entries(reasons)) sink.add(counter('outpost_agent_dropped_batches_total', { reason }), now, n)
  // Trace sampling decisions, spans by decision (docs/agent.md): kept, kept_error, kept_slow, dropped_probability, dropped_rate.
  for (const [decision, n] of Object.entries(sampled ?? {})) sink.add(counter('outpost_agent_spans_sampled_total', { decision }), now, n)
}
