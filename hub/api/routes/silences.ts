import { Hono } from 'hono'
import { actorOf } from '../actor.js'
import type { AlertService } from '../../alerts/service.js'
import { jsonBody } from './json-body.js'

/** `/v1/silences` CRUD (DESIGN §7): `{matchers, reason, expiresAt | duration}`; the author is the caller. */
export function silenceRoutes(alerts: AlertService) {
  return new Hono()
    .get('/', (c) => c.json({ silences: alerts.listSilences() }))
    .get('/:id', (c) => c.json(alerts.getSilence(c.req.param('id'))))
    .post('/', async (c) => c.json(await alerts.putSilence(await jsonBody(c), actorOf(c)), 201))
    .put('/:id', async (c) => c.json(await alerts.putSilence(await jsonBody(c), actorOf(c), c.req.param('id'))))
    .delete('/:id', async (c) => {
      await alerts.deleteSilence(c.req.param('id'))
      return c.body(null, 204)
    })
}
