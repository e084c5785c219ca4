import { Hono } from 'hono'
import type { DeviceRecord, DeviceRegistry } from '../../devices.js'
import { ApiError } from '../errors.js'

function view(d: DeviceRecord) {
  return {
    id: d.id,
    online: d.online,
    lastSeen: d.lastSeen,
    firstSeen: d.firstSeen,
    version: d.version ?? null,
    host: d.host ?? null,
    epoch: d.epoch ?? null,
    clockOffsetMs: d.clockOffsetMs ?? null,
    clockCorrected: d.clockCorrected ?? false,
    counters: d.counters,
  }
}

export function deviceRoutes(devices: DeviceRegistry) {
  return new Hono()
    .get('/', (c) => c.json({ devices: devices.list().map(view) }))
    .get('/:id', (c) => {
      const d = devices.get(c.req.param('id'))
      if (!d) throw new ApiError(404, 'not_found', `device "${c.req.param('id')}" not found`)
      return c.json(view(d))
    })
}
