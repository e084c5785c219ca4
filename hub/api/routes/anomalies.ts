import { Hono } from 'hono'
import type { AnomalyService } from '../../anomaly/service.js'
import { parseSelectorParams, parseQueryParams, assertSeriesLimit, type QueryLimits } from '../../query/params.js'
import { badParameter } from '../../query/errors.js'
import { parseTime } from '../../query/time.js'
import type { MetricStore } from '../../store/types.js'
import type { QuerySeries } from '../../query/types.js'

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
    const to = params.has('to') ? parseTime(params.get('to')!, now, 'to') : now
    const from = params.has('from') ? parseTime(params.get('from')!, now, 'from') : to - DEFAULT_RANGE_MS
    if (from > to) throw badParameter('from', params.get('from') ?? '', 'must not be after to')
    const minScore = numberParam(params, 'minScore', 0, 1)
    const limit = numberParam(params, 'limit', 1, MAX_LIMIT) ?? 1000
    const { device, ...labels } = selector.labels ?? {}
    const events = await anomaly.events({ device, name: selector.name, labels, from, to, minScore, limit })
    return c.json({ from, to, events })
  })
}

function numberParam(params: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = params.get(name)
  if (raw === null) return undefined
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw badParameter(name, raw, `must be a number from ${min} to ${max}`)
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
