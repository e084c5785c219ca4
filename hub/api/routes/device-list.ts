import type { DeviceRecord } from '../../devices.js'
import { ApiError } from '../errors.js'

/** One device as /v1/devices shows it (views.ts builds it); the fields the list filters and sorts on. */
export interface ListedDevice {
  id: string
  online: boolean
  host: Record<string, unknown> | null
  /** Labels given by an admin (PUT …/labels, bulk provisioning). */
  labels?: Record<string, string>
  openAlerts: { firing: number; pending: number }
  backlog: DeviceRecord['backlog'] | null
  counters: { samples: number }
}

export interface DeviceListQuery {
  /** Case-insensitive substring of the id. */
  q?: string
  state?: 'online' | 'offline' | 'alerting'
  /** `label.K=V`: the device's label K, or else its host field K (os, arch, …), equal to V. */
  labels: Array<[string, string]>
  sort: 'id' | 'trouble'
  offset: number
  limit?: number
}

const STATES = ['online', 'offline', 'alerting'] as const

export function parseDeviceListQuery(params: URLSearchParams): DeviceListQuery {
  const state = params.get('state') ?? undefined
  if (state !== undefined && !STATES.includes(state as never)) {
    throw new ApiError(400, 'bad_parameter', `invalid state=${JSON.stringify(state)}: expected one of ${STATES.join(', ')}`)
  }
  const sort = params.get('sort') ?? 'id'
  if (sort !== 'id' && sort !== 'trouble') throw new ApiError(400, 'bad_parameter', `invalid sort=${JSON.stringify(sort)}: expected id or trouble`)
  const int = (name: string, min: number, max: number) => {
    const raw = params.get(name)
    if (raw === null) return undefined
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, 'bad_parameter', `invalid ${name}: expected an integer ${min}-${max}`)
    return n
  }
  const labels: Array<[string, string]> = []
  for (const [k, v] of params) if (k.startsWith('label.') && k.length > 6) labels.push([k.slice(6), v])
  return { q: params.get('q')?.toLowerCase() || undefined, state: state as DeviceListQuery['state'], labels, sort, offset: int('offset', 0, 10_000_000) ?? 0, limit: int('limit', 1, 10_000) }
}

const alerting = (d: ListedDevice) => d.openAlerts.firing + d.openAlerts.pending > 0

/** Trouble first: firing alerts, then offline, then pending alerts, then a buffer backlog; ties by id. */
function troubleRank(d: ListedDevice): number {
  if (d.openAlerts.firing > 0) return 0
  if (!d.online) return 1
  if (d.openAlerts.pending > 0) return 2
  if ((d.backlog?.batches ?? 0) > 0) return 3
  return 4
}

/** Filters, counts (over the whole fleet, not the page), sorts and pages the device list. */
export function pageDevices<T extends ListedDevice>(all: T[], query: DeviceListQuery) {
  const counts = { total: all.length, online: 0, offline: 0, alerting: 0, samples: 0, backlogBatches: 0 }
  for (const d of all) {
    counts.samples += d.counters.samples
    counts.backlogBatches += d.backlog?.batches ?? 0
    if (d.online) counts.online++
    else counts.offline++
    if (alerting(d)) counts.alerting++
  }
  const matching = all.filter(
    (d) =>
      (!query.q || d.id.toLowerCase().includes(query.q)) &&
      (!query.state || (query.state === 'alerting' ? alerting(d) : d.online === (query.state === 'online'))) &&
      query.labels.every(([k, v]) => (d.labels && k in d.labels ? d.labels[k] === v : d.host !== null && String(d.host[k]) === v)),
  )
  if (query.sort === 'trouble') {
    const rank = new Map(matching.map((d) => [d, troubleRank(d)]))
    matching.sort((a, b) => rank.get(a)! - rank.get(b)! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }
  const end = query.limit === undefined ? undefined : query.offset + query.limit
  return { devices: matching.slice(query.offset, end), total: matching.length, offset: query.offset, counts }
}
