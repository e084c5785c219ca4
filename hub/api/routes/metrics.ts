import { Hono } from 'hono'
import type { MetricStore } from '../../metrics/store/types.js'
import { parseSelectorParams, parseQueryParams, parseStatsParams } from '../../metrics/query/params.js'
import { executeQuery, executeStats } from '../../metrics/query/execute.js'
import { assertSeriesLimit, type QueryLimits } from '../../metrics/query/params.js'
import type { AnomalyService } from '../../anomaly/service.js'
import { anomalyScoreQuery } from './anomalies.js'

const searchParams = (url: string) => new URL(url).searchParams

export function metricRoutes(store: MetricStore, limits: QueryLimits, clock: () => number, anomaly?: AnomalyService) {
  return new Hono()
    .get('/names', async (c) => c.json({ names: await store.names() }))
    .get('/series', async (c) => {
      const selector = parseSelectorParams(searchParams(c.req.url))
      const series = await store.series(selector)
      assertSeriesLimit(series.length, limits)
      return c.json({ series: series.map((s) => ({ name: s.name, type: s.type, unit: s.unit ?? null, labels: s.labels })) })
    })
    .get('/query', async (c) => {
      const params = searchParams(c.req.url)
      if (anomaly && params.get('agg') === 'anomaly_score') return c.json(await anomalyScoreQuery(store, anomaly, params, clock(), limits))
      const parsed = parseQueryParams(searchParams(c.req.url), clock(), limits)
      const { from, to, step, agg } = parsed.spec
      // Histogram and summary base names are resolved by the engine (docs/query.md).
      return c.json({ from, to, step, agg, ...(await executeQuery(store, parsed, limits)) })
    })
    .get('/stats', async (c) => {
      const parsed = parseStatsParams(searchParams(c.req.url), clock())
      return c.json({ from: parsed.from, to: parsed.to, ...(await executeStats(store, parsed, limits)) })
    })
}
