import { Hono } from 'hono'
import { ApiError } from '../errors.js'
import { parseTraceId, parseTraceSearchParams, parseTraceStatsParams, type TraceStore } from '../../traces/index.js'

const searchParams = (url: string) => new URL(url).searchParams

/** GET /v1/traces, /v1/traces/stats and /v1/traces/{traceId} (DESIGN §7, docs/traces.md). */
export function traceRoutes(traces: TraceStore, clock: () => number) {
  return new Hono()
    .get('/', async (c) => {
      const search = parseTraceSearchParams(searchParams(c.req.url), clock())
      return c.json({ from: search.from, to: search.to, traces: await traces.search(search) })
    })
    .get('/stats', async (c) => {
      const query = parseTraceStatsParams(searchParams(c.req.url), clock())
      return c.json({ from: query.from, to: query.to, operations: await traces.stats(query) })
    })
    .get('/:traceId', async (c) => {
      const traceId = parseTraceId(c.req.param('traceId'), searchParams(c.req.url))
      const trace = await traces.getTrace(traceId)
      if (!trace) throw new ApiError(404, 'not_found', `no trace ${JSON.stringify(traceId)} is stored`)
      return c.json(trace)
    })
}
