import type { HubContext } from '../context.js'
import { endDeviceSession } from './sessions.js'

/** Revokes a device's credentials and ends its live session at once (issue 7); both are in the audit log. */
export async function revokeDevice(hub: HubContext, id: string, by: string): Promise<void> {
  await hub.credentials.revokeDevice(id)
  const wasConnected = hub.broker ? await endDeviceSession(hub.broker, id) : false
  if (hub.devices.get(id)) {
    await hub.devices.applyStatus(id, { state: 'offline' })
    hub.events.publish({ type: 'device', device: id, online: false, at: hub.clock() })
  }
  await hub.audit.record({ actor: by, method: 'hub', route: 'device.session_ended', target: id, summary: { wasConnected } })
}
