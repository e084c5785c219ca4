import { Hono } from 'hono'
import type { DataKind } from '../../storage/data-size.js'
import type { MetricStore } from '../../metrics/store/types.js'
import type { DeviceRegistry } from '../../devices.js'
import type { CredentialStore } from '../../security/credentials.js'

export interface StatusDeps {
  version: string
  /** When the hub started, ms since the epoch. */
  startedAt: number
  clock: () => number
  store: MetricStore
  devices: DeviceRegistry
  credentials: CredentialStore
  dataSize: () => Promise<{ byKind: Record<DataKind, number>; directoryBytes: number }>
  /** MQTT sessions now, and connections waiting for admission (hub/limits/admission.ts). */
  connections: () => { connected: number; admissionWaiting: number }
}

/** GET /v1/status: the hub's version and uptime, devices online and known, series, and data size by kind (docs/api.md). */
export function statusRoutes(deps: StatusDeps) {
  return new Hono().get('/', async (c) => {
    const now = deps.clock()
    const known = new Set([...deps.devices.list().map((d) => d.id), ...deps.credentials.listDevices().map((d) => d.id)])
    const stats = deps.store.stats()
    const size = await deps.dataSize()
    return c.json({
      version: deps.version,
      startedAt: deps.startedAt,
      uptimeSeconds: Math.max(0, Math.round((now - deps.startedAt) / 1000)),
      devices: { online: deps.devices.onlineCount(), total: known.size },
      connections: deps.connections(),
      series: stats.series,
      headSamples: stats.headSamples,
      dataBytes: size.byKind,
      dataDirectoryBytes: size.directoryBytes,
    })
  })
}
