import { HEALTH_STATUSES, type HealthStatus } from '../../protocol/batch.js'
import type { CurrentHealth } from './keys.js'

/** Worst first: a device is as healthy as its worst check. `unknown` ranks below `degraded`: it says nothing is known
 *  to be wrong, only that a check could not tell. */
const SEVERITY: Record<HealthStatus, number> = { unhealthy: 3, degraded: 2, unknown: 1, healthy: 0 }

export interface DeviceHealth {
  device: string
  status: HealthStatus
  checks: Array<Omit<CurrentHealth, 'device'>>
}

export interface FleetSummary {
  devices: number
  checks: number
  /** Checks per status. */
  statuses: Record<HealthStatus, number>
  /** Devices with at least one unhealthy check, sorted. */
  unhealthyDevices: string[]
}

/** Groups current rows (sorted by device) per device and counts them for GET /v1/health. */
export function fleetHealth(rows: CurrentHealth[]): { summary: FleetSummary; devices: DeviceHealth[] } {
  const statuses = Object.fromEntries(HEALTH_STATUSES.map((s) => [s, 0])) as Record<HealthStatus, number>
  const devices: DeviceHealth[] = []
  for (const { device, ...check } of rows) {
    statuses[check.status]++
    let entry = devices.at(-1)
    if (entry?.device !== device) {
      entry = { device, status: 'healthy', checks: [] }
      devices.push(entry)
    }
    entry.checks.push(check)
    if (SEVERITY[check.status] > SEVERITY[entry.status]) entry.status = check.status
  }
  const unhealthyDevices = devices.filter((d) => d.status === 'unhealthy').map((d) => d.device)
  return { summary: { devices: devices.length, checks: rows.length, statuses, unhealthyDevices }, devices }
}
