import { Hono } from 'hono'
import { encodeCursor, parseErrorParams, parseLogParams, type LogStore } from '../../logs/index.js'

const searchParams = (url: string) => new URL(url).searchParams

/** GET /v1/logs and /v1/logs/errors (DESIGN §7, docs/logs.md). */
export function logRoutes(logs: LogStore, clock: () => number) {
  return new Hono()
    .get('/', async (c) => {
      const page = await logs.query(parseLogParams(searchParams(c.req.url), clock()))
      return c.json({ logs: page.logs, next: page.next === null ? null : encodeCursor(page.next) })
    })
    .get('/errors', async (c) => {
      const query = parseErrorParams(searchParams(c.req.url), clock())
      return c.json({ errors: await logs.errorSummary(query) })
    })
}
