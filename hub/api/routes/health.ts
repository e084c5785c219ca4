import { Hono } from 'hono'
import type { HealthStore } from '../../health/types.js'
import { parseCurrentParams, parseHistoryParams } from '../../health/params.js'
import { fleetHealth } from '../../health/summary.js'

const searchParams = (url: string) => new URL(url).searchParams

/** GET /v1/health (current status per device and check, plus a fleet summary) and /v1/health/history (DESIGN §7). */
export function healthRoutes(store: HealthStore, clock: () => number) {
  return new Hono()
    .get('/', (c) => {
      const { device } = parseCurrentParams(searchParams(c.req.url))
      return c.json(fleetHealth(store.current(device)))
    })
    .get('/history', async (c) => {
      const query = parseHistoryParams(searchParams(c.req.url), clock())
      const { rows, more } = await store.history(query)
      return c.json({ from: query.from, to: query.to, history: rows, more })
    })
}
