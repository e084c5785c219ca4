import { Hono } from 'hono'
import type { DashboardStore } from '../../dashboards/store.js'
import { actorOf } from '../actor.js'
import { jsonBody } from './json-body.js'

/** `GET/PUT/DELETE /v1/dashboards[/{id}]` (DESIGN §7, docs/console.md); validation errors name the field. */
export function dashboardRoutes(dashboards: DashboardStore) {
  return new Hono()
    .get('/', (c) => c.json({ dashboards: dashboards.list() }))
    .get('/:id', (c) => c.json(dashboards.get(c.req.param('id'))))
    .put('/:id', async (c) => {
      const { dashboard, created } = await dashboards.put(c.req.param('id'), await jsonBody(c), actorOf(c))
      return c.json(dashboard, created ? 201 : 200)
    })
    .delete('/:id', async (c) => {
      await dashboards.delete(c.req.param('id'))
      return c.body(null, 204)
    })
}
