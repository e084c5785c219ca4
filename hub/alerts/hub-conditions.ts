// Conditions of the hub itself, shown among the alerts (GET /v1/alerts, the console) while they hold. They are not
// rules and not stored: the state they describe (a full disk) is the one a write to the alert store would fail on.
import type { StorageFull } from '../storage/space.js'
import type { AlertRecord } from './types.js'

/** The device an alert about the hub itself names. */
export const HUB_DEVICE = 'hub'

export interface HubConditionState {
  storageFull: StorageFull | undefined
}

/** The firing hub conditions, as alert records (rule `hub:<condition>`, id `hub:<condition>:<start time>`). */
export function hubConditionAlerts(state: HubConditionState): AlertRecord[] {
  const out: AlertRecord[] = []
  if (state.storageFull) {
    const { since, error } = state.storageFull
    out.push(condition('storage_full', since, error, {
      summary: 'Hub storage full: ingest paused, nothing acked',
      description: `Writes to the hub database fail for lack of disk space (${error}). Devices keep their data and send it again; ingest resumes by itself once the disk has room.`,
    }))
  }
  return out
}

function condition(name: string, since: number, value: string, annotations: Record<string, string>): AlertRecord {
  return {
    id: `hub:${name}:${since}`,
    rule: `hub:${name}`,
    key: name,
    device: HUB_DEVICE,
    severity: 'critical',
    state: 'firing',
    value,
    labels: { device: HUB_DEVICE },
    annotations,
    activeAt: since,
    fireAt: since,
    startsAt: since,
    endsAt: null,
    lastEvalTs: since,
    lastActive: true,
    clearingSince: null,
    notified: false,
    lastNotifiedAt: null,
    acknowledged: null,
    resolvedBy: null,
    incident: null,
    silencedBy: [],
    updatedAt: since,
  }
}
