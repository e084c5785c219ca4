import { Hono } from 'hono'
import type { SloService } from '../../slo/service.js'
import { jsonBody } from './json-body.js'

/** `/v1/slos` CRUD (docs/slo.md): each SLO with its status (SLI, error budget remaining, burn rates) at request time. */
export function sloRoutes(slos: SloService) {
  return new Hono()
    .get('/', async (c) => c.json({ slos: await Promise.all(slos.list().map(async (s) => ({ ...s, status: await slos.status(s) }))) }))
    .get('/:id', async (c) => {
      const slo = slos.get(c.req.param('id'))
      return c.json({ ...slo, status: await slos.status(slo) })
    })
    .post('/', async (c) => c.json(await slos.put(await jsonBody(c), 'create'), 201))
    .put('/:id', async (c) => c.json(await slos.put(await jsonBody(c), 'replace', c.req.param('id'))))
    .delete('/:id', async (c) => {
      await slos.delete(c.req.param('id'))
      return c.body(null, 204)
    })
}
