import { Hono } from 'hono'
import { z } from 'zod'
import type { DeviceRecord, DeviceRegistry } from '../../devices.js'
import type { CredentialStore } from '../../security/credentials.js'
import { ApiError } from '../errors.js'
import { actorOf } from '../actor.js'
import { asApiError, jsonBody } from './credential-body.js'
import { pageDevices, parseDeviceListQuery } from './device-list.js'

type Credential = ReturnType<CredentialStore['listDevices']>[number]
type OpenAlerts = { firing: number; pending: number }
const NO_ALERTS: OpenAlerts = { firing: 0, pending: 0 }

function view(d: DeviceRecord | undefined, id: string, cred: Credential | undefined, openAlerts: OpenAlerts | undefined) {
  return {
    id,
    online: d?.online ?? false,
    lastSeen: d?.lastSeen ?? null,
    firstSeen: d?.firstSeen ?? null,
    version: d?.version ?? null,
    host: d?.host ?? null,
    epoch: d?.epoch ?? null,
    clockOffsetMs: d?.clockOffsetMs ?? null,
    clockCorrected: d?.clockCorrected ?? false,
    counters: d?.counters ?? { batches: 0, samples: 0, duplicates: 0, rejected: 0, samplesOutOfWindow: 0 },
    /** Credential state: active, revoked, or null for a device seen without credentials (--insecure). */
    credentials: cred ? (cred.revokedAt !== undefined ? 'revoked' : 'active') : null,
    /** Pending and firing alerts of the device now. */
    openAlerts: openAlerts ?? NO_ALERTS,
    /** The agent's buffer backlog from its latest self-metrics, or null before any. */
    backlog: d?.backlog ?? null,
  }
}

export const deviceAddBody = z.object({ id: z.string(), rotate: z.boolean().optional() }).strict()

export interface DeviceRouteDeps {
  devices: DeviceRegistry
  credentials: CredentialStore
  /** Revocation acts on the live session at once (hub.ts). */
  revoke: (id: string, by: string) => Promise<void>
  /** Open alerts per device (alerts/service.ts). */
  openAlerts: () => Map<string, OpenAlerts>
}

/** GET /v1/devices[/{id}], POST /v1/devices (new token, returned once), DELETE /v1/devices/{id} (revoke). */
export function deviceRoutes({ devices, credentials, revoke, openAlerts }: DeviceRouteDeps) {
  const all = () => {
    const creds = new Map(credentials.listDevices().map((x) => [x.id, x]))
    const open = openAlerts()
    const ids = [...new Set([...devices.list().map((d) => d.id), ...creds.keys()])].sort()
    return ids.map((id) => view(devices.get(id), id, creds.get(id), open.get(id)))
  }
  return new Hono()
    // Without parameters: every device by id, as before; q, state, label.K, sort, offset and limit page it (docs/console.md).
    .get('/', (c) => c.json(pageDevices(all(), parseDeviceListQuery(new URL(c.req.url).searchParams))))
    .get('/:id', (c) => {
      const id = c.req.param('id')
      const cred = credentials.listDevices().find((x) => x.id === id)
      if (!devices.get(id) && !cred) throw new ApiError(404, 'not_found', `device "${id}" not found`)
      return c.json(view(devices.get(id), id, cred, openAlerts().get(id)))
    })
    .post('/', async (c) => {
      const body = await jsonBody(c, deviceAddBody)
      const token = await credentials.addDevice(body.id, actorOf(c), body.rotate).catch(asApiError)
      return c.json({ id: body.id, token }, 201)
    })
    .delete('/:id', async (c) => {
      const id = c.req.param('id')
      await revoke(id, actorOf(c)).catch(asApiError)
      return c.json({ id, credentials: 'revoked' })
    })
}
