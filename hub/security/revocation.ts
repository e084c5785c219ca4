import type { HubContext } from '../context.js'
import { CredentialError } from './credentials.js'
import { endDeviceSession } from './sessions.js'

/** Revokes a device's credentials and ends its live session at once (issue 7); both are in the audit log. In a
 *  cluster the other hubs are told, and end the device's session there too (docs/cluster.md). */
export async function revokeDevice(hub: HubContext, id: string, by: string): Promise<void> {
  await hub.credentials.revokeDevice(id)
  await hub.cluster?.announceRevocation(id)
  await endRevokedSession(hub, id, by)
}

/** A revoked device's session ends here: at once on the revoking hub, on the others when its notice arrives. */
export async function endRevokedSession(hub: HubContext, id: string, by: string): Promise<void> {
  // Another hub's revocation is applied to this hub's credentials too (each hub checks devices itself).
  await hub.credentials.revokeDevice(id).catch((err) => {
    if (!(err instanceof CredentialError)) throw err
  })
  const wasConnected = hub.broker ? await endDeviceSession(hub.broker, id) : false
  if (hub.devices.get(id)) {
    await hub.devices.applyStatus(id, { state: 'offline' })
    hub.events.publish({ type: 'device', device: id, online: false, at: hub.clock() })
  }
  await hub.audit.record({ actor: by, method: 'hub', route: 'device.session_ended', target: id, summary: { wasConnected } })
}
