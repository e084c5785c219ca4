import { Hono } from 'hono'
import { ApiError } from '../errors.js'
import { actorOf } from '../actor.js'
import type { AlertFilter, AlertService } from '../../alerts/service.js'
import type { AlertStatus } from '../../alerts/types.js'
import { parseTime } from '../../metrics/query/time.js'

const STATES: readonly AlertStatus[] = ['pending', 'firing', 'acknowledged', 'silenced', 'resolved']

function parseFilter(params: URLSearchParams, now: number): AlertFilter {
  const state = params.get('state') ?? undefined
  if (state !== undefined && !STATES.includes(state as AlertStatus)) {
    throw new ApiError(400, 'bad_parameter', `invalid state=${JSON.stringify(state)}: expected one of ${STATES.join(', ')}`)
  }
  const limit = Number(params.get('limit') ?? 100)
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new ApiError(400, 'bad_parameter', 'invalid limit: expected an integer 1-10000')
  const from = params.get('from')
  const to = params.get('to')
  return {
    state: state as AlertStatus | undefined,
    rule: params.get('rule') ?? undefined,
    device: params.get('device') ?? undefined,
    severity: params.get('severity') ?? undefined,
    from: from === null ? undefined : parseTime(from, now, 'from'),
    to: to === null ? undefined : parseTime(to, now, 'to'),
    limit,
  }
}

/** `/v1/alerts` with filters, one alert with its history, ack and resolve (DESIGN §7). */
export function alertRoutes(alerts: AlertService, clock: () => number) {
  return new Hono()
    .get('/', async (c) => c.json({ alerts: await alerts.listAlerts(parseFilter(new URL(c.req.url).searchParams, clock())) }))
    .get('/:id', async (c) => c.json(await alerts.getAlert(c.req.param('id'))))
    .post('/:id/ack', async (c) => c.json(await alerts.ack(c.req.param('id'), actorOf(c))))
    .post('/:id/resolve', async (c) => c.json(await alerts.resolve(c.req.param('id'), actorOf(c))))
}
