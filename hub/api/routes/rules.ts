import { Hono } from 'hono'
import type { AlertService } from '../../alerts/service.js'
import { jsonBody } from './json-body.js'

/** `/v1/rules` CRUD (DESIGN §7, §10); validation errors name the field. */
export function ruleRoutes(alerts: AlertService) {
  return new Hono()
    .get('/', (c) => c.json({ rules: alerts.listRules() }))
    .get('/:id', (c) => c.json(alerts.getRule(c.req.param('id'))))
    .post('/', async (c) => c.json(await alerts.putRule(await jsonBody(c), 'create'), 201))
    .put('/:id', async (c) => c.json(await alerts.putRule(await jsonBody(c), 'replace', c.req.param('id'))))
    .delete('/:id', async (c) => {
      await alerts.deleteRule(c.req.param('id'))
      return c.body(null, 204)
    })
}
