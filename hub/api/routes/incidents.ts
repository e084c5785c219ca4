import { Hono } from 'hono'
import { ApiError } from '../errors.js'
import type { AlertService } from '../../alerts/service.js'

/** `/v1/incidents?state=&rule=&limit=`: alerts of one rule grouped while they fire, newest first (DESIGN §7). */
export function incidentRoutes(alerts: AlertService) {
  return new Hono().get('/', async (c) => {
    const limit = Number(c.req.query('limit') ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new ApiError(400, 'bad_parameter', 'invalid limit: expected an integer 1-10000')
    const state = c.req.query('state')
    if (state !== undefined && state !== 'open' && state !== 'resolved') throw new ApiError(400, 'bad_parameter', `invalid state=${JSON.stringify(state)}: expected open or resolved`)
    return c.json({ incidents: await alerts.listIncidents({ limit, state, rule: c.req.query('rule') }) })
  })
}
