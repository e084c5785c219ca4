import type { DecodedBatch } from '../../protocol/batch.js'
import type { AlertRecord, HistoryEvent } from '../alerts/types.js'
import type { EventBus } from './event-bus.js'

/** History steps a console shows; `notified` and `suppressed` are delivery details. */
const ALERT_STATES = new Set(['pending', 'firing', 'resolved', 'acknowledged'])
/** A batch from a crash loop can carry thousands of errors: a console needs to know, not to receive each one. */
const MAX_LOG_EVENTS_PER_BATCH = 20

export function publishAlertEvents(bus: EventBus, alerts: readonly AlertRecord[], events: readonly HistoryEvent[]): void {
  if (!bus.active) return
  const byId = new Map(alerts.map((a) => [a.id, a]))
  for (const e of events) {
    if (!ALERT_STATES.has(e.to)) continue
    const a = byId.get(e.alert)
    bus.publish({
      type: 'alert',
      alert: e.alert,
      rule: a?.rule ?? '',
      device: a?.device ?? '',
      severity: a?.severity ?? '',
      state: e.to,
      from: e.from,
      at: e.at,
      ...(e.by ? { by: e.by } : {}),
    })
  }
}

export function publishErrorLogs(bus: EventBus, device: string, batch: DecodedBatch): void {
  if (!bus.active || !batch.l) return
  let n = 0
  for (const l of batch.l) {
    if (l.level !== 'error' && l.level !== 'critical') continue
    if (n++ >= MAX_LOG_EVENTS_PER_BATCH) break
    bus.publish({ type: 'log', device, level: l.level, component: l.component, message: l.message.slice(0, 500), ts: l.ts })
  }
}

/** The agent's own buffer gauges (agent/self-metrics.ts), latest sample of the batch, or undefined. */
export function backlogOf(batch: DecodedBatch): { batches: number; bytes: number } | undefined {
  const m = batch.m
  if (!m) return undefined
  const pending = m.series.findIndex((s) => s.name === 'outpost_agent_batches_pending')
  if (pending < 0) return undefined
  const bytes = m.series.findIndex((s) => s.name === 'outpost_agent_buffer_bytes')
  const latest = (series: number) => {
    for (let k = m.index.length - 1; k >= 0; k--) if (m.index[k] === series) return m.values[k]
    return 0
  }
  return { batches: latest(pending), bytes: bytes < 0 ? 0 : latest(bytes) }
}
