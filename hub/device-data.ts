import type { AlertService } from './alerts/service.js'
import type { AnomalyService } from './anomaly/service.js'
import type { AuditLog } from './audit/audit-log.js'
import type { DeviceRegistry } from './devices.js'
import type { HealthStore } from './health/types.js'
import type { LogStore } from './logs/index.js'
import type { CredentialStore } from './security/credentials.js'
import type { LevelMetricStore } from './metrics/store/index.js'
import type { TraceStore } from './traces/index.js'

export interface DeviceDataDeps {
  store: LevelMetricStore
  logs: LogStore
  traces: TraceStore
  health: HealthStore
  alerts: AlertService
  anomaly: AnomalyService
  devices: DeviceRegistry
  credentials: CredentialStore
  audit: AuditLog
  /** Ends the device's live MQTT session; true when it was connected. */
  endSession: (id: string) => Promise<boolean>
  /** Forgets the device's per-device limit counts. */
  forgetLimits: (id: string) => void
  clock: () => number
}

export interface PurgeSummary {
  series: number
  chunkRows: number
  headRows: number
  dedupMarks: number
  logs: number
  spans: number
  healthResults: number
  alerts: number
  /** Anomaly detection's series states (with their scores) and events. */
  anomalySeries: number
  anomalyEvents: number
  credentials: boolean
  wasConnected: boolean
}

/**
 * Erases every trace of a device (docs/security.md, "Deleting a device"): credentials first (so nothing new arrives),
 * then its samples, series, dedup marks, logs, spans, health results, alerts, anomaly states, scores and events,
 * registry record and presence history.
 * The audit log keeps the record of the purge itself.
 */
export async function purgeDevice(deps: DeviceDataDeps, id: string, by: string): Promise<PurgeSummary> {
  const credentials = await deps.credentials.purgeDevice(id)
  const wasConnected = await deps.endSession(id)
  const metrics = await deps.store.purgeDevice(id)
  const { records: logs } = await deps.logs.purgeDevice(id)
  const { spans } = await deps.traces.purgeDevice(id)
  const { results: healthResults } = await deps.health.purgeDevice(id)
  const { alerts } = await deps.alerts.purgeDevice(id, by)
  const { series: anomalySeries, events: anomalyEvents } = await deps.anomaly.purgeDevice(id)
  await deps.devices.purge(id)
  deps.forgetLimits(id)
  const summary: PurgeSummary = { ...metrics, logs, spans, healthResults, alerts, anomalySeries, anomalyEvents, credentials, wasConnected }
  await deps.audit.record({ actor: by, method: 'hub', route: 'device.purged', target: id, summary })
  return summary
}

/**
 * All of a device's data as NDJSON lines (GET /v1/devices/{id}/export): its record, then one line per series with
 * its samples, per log line, per span, per health result and per alert. Each line is `{"type": …, …}`.
 */
export async function* exportDevice(deps: DeviceDataDeps, id: string): AsyncGenerator<string> {
  const line = (type: string, body: object) => JSON.stringify({ type, ...body }) + '\n'
  yield line('device', { id, exportedAt: deps.clock(), record: deps.devices.get(id) ?? null })
  const series = await deps.store.series({ labels: { device: id } })
  for (let i = 0; i < series.length; i += 100) {
    const part = series.slice(i, i + 100)
    for (const { series: s, ts, values } of await deps.store.read(part, -8.64e15, 8.64e15)) {
      const points: Array<[number, number | string]> = []
      for (let k = 0; k < ts.length; k++) points.push([ts[k], Number.isFinite(values[k]) ? values[k] : String(values[k])])
      yield line('series', { name: s.name, metricType: s.type, labels: s.labels, ...(s.unit ? { unit: s.unit } : {}), points })
    }
  }
  for await (const log of deps.logs.exportDevice(id)) yield line('log', log)
  for await (const span of deps.traces.exportDevice(id)) yield line('span', span)
  for await (const result of deps.health.exportDevice(id)) yield line('health', result)
  for (const alert of await deps.alerts.listAlerts({ device: id, limit: Number.MAX_SAFE_INTEGER })) yield line('alert', alert)
}
