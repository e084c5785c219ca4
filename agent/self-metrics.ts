// The agent's own health (DESIGN §8), declared once in the agent's Telemetry table (./telemetry.ts): the same
// figures go to the local listener's `/metrics` and, as `outpost_agent_*` samples, to the hub with every tick.
import type { BufferStats } from './buffer/types.js'
import type { Telemetry } from './telemetry.js'
import type { UplinkCounters } from './uplink.js'

export interface AgentReadings {
  buffer: () => BufferStats
  uplink: () => { counters: UplinkCounters; connected: boolean }
  /** Batches refused before they reached the buffer (a collector produced data the hub would reject). */
  invalidBatches: () => number
  /** Spans by trace sampling decision (agent/sampling/); omitted: no sampler, no series. */
  sampled?: () => Record<string, number>
}

export function declareAgentMetrics(t: Telemetry, r: AgentReadings): void {
  t.read({ name: 'outpost_agent_buffer_bytes', help: 'Bytes of batches held in the buffer', type: 'gauge', unit: 'bytes' }, () => r.buffer().bytes)
  t.read({ name: 'outpost_agent_batches_pending', help: 'Batches waiting for the hub ack', type: 'gauge' }, () => r.buffer().pending)
  t.read({ name: 'outpost_agent_connected', help: '1 while connected to the hub', type: 'gauge' }, () => (r.uplink().connected ? 1 : 0))
  const uplink = (name: string, help: string, read: (c: UplinkCounters) => number, unit?: string) =>
    t.read({ name, help, type: 'counter', unit }, () => read(r.uplink().counters))
  uplink('outpost_agent_batches_sent_total', 'Batches sent (first sends)', (c) => c.sent)
  uplink('outpost_agent_batches_resent_total', 'Batches sent again after a timeout or reconnect', (c) => c.resent)
  uplink('outpost_agent_batches_replayed_total', 'Batches sent as replayed backlog (marked hist)', (c) => c.replayed)
  uplink('outpost_agent_bytes_sent_total', 'Encoded bytes of batches sent (first sends)', (c) => c.bytesSent, 'bytes')
  uplink('outpost_agent_batches_acked_total', 'Batches the hub acked', (c) => c.acked)
  uplink('outpost_agent_errors_total', 'Uplink errors', (c) => c.errors)
  t.read({ name: 'outpost_agent_dropped_batches_total', help: 'Batches dropped, by reason', type: 'counter', labelNames: ['reason'] }, () => {
    const dropped: Record<string, number> = { buffer_full: 0, disk_full: 0, ...r.buffer().droppedBatches, invalid: r.invalidBatches() }
    return Object.entries(dropped).map(([reason, n]) => [{ reason }, n])
  })
  // Trace sampling decisions, spans by decision (docs/agent.md): kept, kept_error, kept_slow, dropped_probability, dropped_rate.
  const sampled = r.sampled
  if (sampled) {
    t.read({ name: 'outpost_agent_spans_sampled_total', help: 'Spans by trace sampling decision (docs/agent.md)', type: 'counter', labelNames: ['decision'] }, () =>
      Object.entries(sampled()).map(([decision, n]) => [{ decision }, n]),
    )
  }
}
