import { Hono } from 'hono'
import { z } from 'zod'
import type { DeviceRecord, DeviceRegistry } from '../../devices.js'
import type { CredentialStore } from '../../security/credentials.js'
import { ApiError } from '../errors.js'
import { actorOf } from '../actor.js'
import { asApiError, jsonBody } from './credential-body.js'
import { pageDevices, parseDeviceListQuery } from './device-list.js'
import type { RemoteService } from '../../remote/remote-service.js'
import { LABEL_NAME, MAX_LABELS } from '../../remote/device-labels.js'

type Credential = ReturnType<CredentialStore['listDevices']>[number]
type OpenAlerts = { firing: number; pending: number }
const NO_ALERTS: OpenAlerts = { firing: 0, pending: 0 }
type Rates = Map<string, { series: number; anomalous: number }>

function view(d: DeviceRecord | undefined, id: string, cred: Credential | undefined, openAlerts: OpenAlerts | undefined, remote: RemoteService, rates?: Rates) {
  const rate = rates?.get(id)
  const config = remote.configs.get(id)
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
    /** Steps of the device's clock the hub saw, and the latest ({ at, fromMs, toMs }) or null. */
    clockJumps: d?.clockJumps ?? 0,
    lastClockJump: d?.lastClockJump ?? null,
    counters: d?.counters ?? { batches: 0, samples: 0, duplicates: 0, rejected: 0, samplesOutOfWindow: 0 },
    /** Credential state: active, revoked, or null for a device seen without credentials (--insecure). */
    credentials: cred ? (cred.revokedAt !== undefined ? 'revoked' : 'active') : null,
    /** Pending and firing alerts of the device now. */
    openAlerts: openAlerts ?? NO_ALERTS,
    /** The agent's buffer backlog from its latest self-metrics, or null before any. */
    backlog: d?.backlog ?? null,
    labels: remote.labels.get(id),
    /** Remote configuration (docs/agent.md): the version asked for, the one the agent runs, its last refusal. */
    config: {
      desiredVersion: config?.desired?.version ?? null,
      appliedVersion: config?.applied?.version ?? null,
      error: config?.error ?? null,
      ignored: config?.ignored ?? [],
    },
    /** Share of the device's scored series in an anomaly now (docs/anomaly.md); null when none is scored. */
    anomalyRate: rate && rate.series > 0 ? rate.anomalous / rate.series : null,
    anomalousSeries: rate?.anomalous ?? 0,
  }
}

export const deviceAddBody = z.object({ id: z.string(), rotate: z.boolean().optional() }).strict()

/** Most devices in one bulk request (10,000 take about a second; docs/api.md). */
export const MAX_BULK_DEVICES = 50_000
const labelsField = z
  .record(z.string().regex(LABEL_NAME, 'label names match [A-Za-z_][A-Za-z0-9_.-]{0,63}'), z.string().max(256))
  .refine((l) => Object.keys(l).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`)
export const deviceBulkBody = z
  .object({ devices: z.array(z.object({ id: z.string(), labels: labelsField.optional(), rotate: z.boolean().optional() }).strict()).min(1).max(MAX_BULK_DEVICES) })
  .strict()

export interface DeviceRouteDeps {
  devices: DeviceRegistry
  credentials: CredentialStore
  /** Revocation acts on the live session at once (hub.ts). */
  revoke: (id: string, by: string) => Promise<void>
  /** Open alerts per device (alerts/service.ts). */
  openAlerts: () => Map<string, OpenAlerts>
  /** Erases all of a device's data (device-data.ts). */
  purge: (id: string, by: string) => Promise<object>
  /** The device's data as NDJSON lines (device-data.ts). */
  exportLines: (id: string) => AsyncGenerator<string>
  /** Per device, series scored for anomalies and how many are anomalous now (hub/anomaly/). */
  anomalyRates?: () => Rates
  remote: RemoteService
}

/** GET /v1/devices[/{id}], POST /v1/devices (new token, returned once), DELETE /v1/devices/{id} (revoke). */
export function deviceRoutes({ devices, credentials, revoke, openAlerts, purge, exportLines, anomalyRates, remote }: DeviceRouteDeps) {
  const all = () => {
    const creds = new Map(credentials.listDevices().map((x) => [x.id, x]))
    const open = openAlerts()
    const rates = anomalyRates?.()
    const ids = [...new Set([...devices.list().map((d) => d.id), ...creds.keys()])].sort()
    return ids.map((id) => view(devices.get(id), id, creds.get(id), open.get(id), remote, rates))
  }
  return new Hono()
    // Without parameters: every device by id, as before; q, state, label.K, sort, offset and limit page it (docs/console.md).
    .get('/', async (c) => {
      await Promise.all([devices.sync(), credentials.refresh()])
      return c.json(pageDevices(all(), parseDeviceListQuery(new URL(c.req.url).searchParams)))
    })
    .get('/:id', async (c) => {
      await Promise.all([devices.sync(), credentials.refresh()])
      const id = c.req.param('id')
      const cred = credentials.listDevices().find((x) => x.id === id)
      if (!devices.get(id) && !cred) throw new ApiError(404, 'not_found', `device "${id}" not found`)
      return c.json(view(devices.get(id), id, cred, openAlerts().get(id), remote, anomalyRates?.()))
    })
    .post('/', async (c) => {
      // `{id}` adds one device; `{devices: [{id, labels?, rotate?}…]}` adds a list at once, all or none (bulk).
      const raw: unknown = await c.req.json().catch(() => undefined)
      if (raw && typeof raw === 'object' && 'devices' in raw) {
        const body = await jsonBody(c, deviceBulkBody)
        const made = await credentials.addDevices(body.devices, actorOf(c)).catch(asApiError)
        await remote.labels.setMany(body.devices.filter((d) => d.labels).map((d) => [d.id, d.labels!]))
        return c.json({ devices: made }, 201)
      }
      const body = await jsonBody(c, deviceAddBody)
      const token = await credentials.addDevice(body.id, actorOf(c), body.rotate).catch(asApiError)
      return c.json({ id: body.id, token }, 201)
    })
    .get('/:id/export', (c) => {
      const id = c.req.param('id')
      if (!devices.get(id) && !credentials.isDevice(id)) throw new ApiError(404, 'not_found', `device "${id}" not found`)
      const lines = exportLines(id)
      const encoder = new TextEncoder()
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await lines.next()
          if (next.done) controller.close()
          else controller.enqueue(encoder.encode(next.value))
        },
        async cancel() {
          await lines.return(undefined)
        },
      })
      return c.body(body, 200, { 'content-type': 'application/x-ndjson', 'content-disposition': `attachment; filename="${id}.ndjson"` })
    })
    .delete('/:id', async (c) => {
      const id = c.req.param('id')
      const purgeParam = c.req.query('purge')
      if (purgeParam !== undefined && purgeParam !== 'true' && purgeParam !== 'false') throw new ApiError(400, 'bad_parameter', 'purge: must be true or false')
      if (purgeParam === 'true') {
        if (!devices.get(id) && !credentials.isDevice(id)) throw new ApiError(404, 'not_found', `device "${id}" not found`)
        return c.json({ id, purged: await purge(id, actorOf(c)) })
      }
      await revoke(id, actorOf(c)).catch(asApiError)
      return c.json({ id, credentials: 'revoked' })
    })
}
