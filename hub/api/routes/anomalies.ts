import { Hono } from 'hono'
import type { AnomalyService } from '../../anomaly/service.js'
import { parseSelectorParams, parseQueryParams, assertSeriesLimit, type QueryLimits } from '../../metrics/query/params.js'
import { badParameter } from '../../metrics/query/errors.js'
import { parseTime } from '../../metrics/query/time.js'
import { readLimit, single } from '../../params.js'
import type { MetricStore } from '../../metrics/store/types.js'
import type { QuerySeries } from '../../metrics/query/types.js'

const DEFAULT_RANGE_MS = 86_400_000
const MAX_LIMIT = 10_000

/**
 * GET /v1/anomalies?device=&name=&label.K=&from=&to=&minScore=&limit= (docs/anomaly.md): anomaly events, newest
 * first, each with its series, start, end, maxScore, the value at the peak and the baseline's expected value and band.
 */
export function anomalyRoutes(anomaly: AnomalyService, clock: () => number) {
  return new Hono().get('/', async (c) => {
    const params = new URL(c.req.url).searchParams
    const selector = parseSelectorParams(params, ['from', 'to', 'minScore', 'limit'])
    const now = clock()
    const toInput = single(params, 'to')
    const fromInput = single(params, 'from')
    const to = toInput !== undefined ? parseTime(toInput, now, 'to') : now
    const from = fromInput !== undefined ? parseTime(fromInput, now, 'from') : to - DEFAULT_RANGE_MS
    if (from > to) throw badParameter('from', fromInput ?? '', 'must not be after to')
    const minScore = scoreParam(params, 'minScore')
    const limit = readLimit(params, 1000, MAX_LIMIT)
    const { device, ...labels } = selector.labels ?? {}
    const events = await anomaly.events({ device, name: selector.name, labels, from, to, minScore, limit })
    return c.json({ from, to, events })
  })
}

function scoreParam(params: URLSearchParams, name: string): number | undefined {
  const raw = single(params, name)
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw badParameter(name, raw, 'expected a score from 0 to 1')
  return n
}

/** `agg=anomaly_score` in /v1/metrics/query: each scored series' highest score per step (never merged by groupBy). */
export async function anomalyScoreQuery(store: MetricStore, anomaly: AnomalyService, params: URLSearchParams, now: number, limits: QueryLimits) {
  const copy = new URLSearchParams(params)
  copy.set('agg', 'max')
  const { selector, spec } = parseQueryParams(copy, now, limits)
  const series = await store.series(selector)
  assertSeriesLimit(series.length, limits)
  const out: QuerySeries[] = []
  for (const s of series) {
    const { ts, values } = await anomaly.scores(s.name, s.labels, spec.from, spec.to)
    if (ts.length === 0) continue
    const points: Array<[number, number]> = []
    for (let i = 0; i < ts.length; i++) {
      const bucket = Math.floor(ts[i] / spec.step) * spec.step
      const last = points[points.length - 1]
      if (last && last[0] === bucket) last[1] = Math.max(last[1], values[i])
      else points.push([bucket, values[i]])
    }
    out.push({ labels: { ...s.labels, __name__: s.name }, points })
  }
  return { from: spec.from, to: spec.to, step: spec.step, agg: 'anomaly_score', series: out }
}
