import { Hono } from 'hono'
import { ApiError } from '../errors.js'
import type { AlertService } from '../../alerts/service.js'

/** `/v1/incidents`: alerts of one rule grouped while they fire, newest first (DESIGN §7). */
export function incidentRoutes(alerts: AlertService) {
  return new Hono().get('/', async (c) => {
    const limit = Number(c.req.query('limit') ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new ApiError(400, 'bad_parameter', 'invalid limit: expected an integer 1-10000')
    return c.json({ incidents: await alerts.listIncidents(limit) })
  })
}
