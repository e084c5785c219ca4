import { Hono } from 'hono'
import type { MetricStore } from '../../store/types.js'
import { parseSelectorParams, parseQueryParams, parseStatsParams } from '../../query/params.js'
import { runQuery, computeStats, readRange } from '../../query/aggregate.js'
import { assertSeriesLimit, type QueryLimits } from '../../query/params.js'

const searchParams = (url: string) => new URL(url).searchParams

export function metricRoutes(store: MetricStore, limits: QueryLimits, clock: () => number) {
  return new Hono()
    .get('/names', async (c) => c.json({ names: await store.names() }))
    .get('/series', async (c) => {
      const selector = parseSelectorParams(searchParams(c.req.url))
      const series = await store.series(selector)
      assertSeriesLimit(series.length, limits)
      return c.json({ series: series.map((s) => ({ name: s.name, type: s.type, unit: s.unit ?? null, labels: s.labels })) })
    })
    .get('/query', async (c) => {
      const { selector, spec } = parseQueryParams(searchParams(c.req.url), clock(), limits)
      const series = await store.series(selector)
      assertSeriesLimit(series.length, limits)
      const range = readRange(spec) // rate reads one step earlier for its baseline
      const data = await store.read(series, range.from, range.to)
      return c.json({ from: spec.from, to: spec.to, step: spec.step, agg: spec.agg, ...runQuery(data, spec) })
    })
    .get('/stats', async (c) => {
      const { selector, from, to } = parseStatsParams(searchParams(c.req.url), clock())
      const series = await store.series(selector)
      assertSeriesLimit(series.length, limits)
      const data = await store.read(series, from, to)
      return c.json({ from, to, series: series.length, ...computeStats(data, from, to) })
    })
}
