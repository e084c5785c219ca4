import { Hono, type Context } from 'hono'
import { QueryError } from '../metrics/query/errors.js'
import type { MetricStore, SeriesInfo } from '../metrics/store/types.js'
import type { Matcher } from './ast.js'
import { instantQuery, rangeQuery, type PromEngineOptions } from './engine.js'
import { PromError } from './errors.js'
import { parseDurationParam, parseTimeParam, requestParams } from './params.js'
import { parsePromQL } from './parse.js'
import { ParseCache } from './parse-cache.js'
import { SeriesLabelCache } from './series-labels.js'
import { promLabels, selectSeries } from './selectors.js'
import type { EvalContext } from './context.js'

// Prometheus's HTTP API (/api/v1/…) over the hub's store, for Grafana's Prometheus data source and promtool.
// Every answer uses Prometheus's envelope; unknown parameters are ignored as Prometheus ignores them.

/** What /api/v1/status/buildinfo reports: the Prometheus version whose API and PromQL this follows. */
export const PROMETHEUS_COMPAT_VERSION = '2.42.0'

export interface PromApiDeps extends PromEngineOptions {
  clock: () => number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
}

function success(c: Context, data: unknown) {
  return c.json({ status: 'success', data })
}

const ENVELOPE_HEAD = Buffer.from('{"status":"success","data":')
const ENVELOPE_TAIL = Buffer.from('}')

/** The envelope around `data` already written as JSON text or UTF-8 chunks (engine.ts). */
function successJson(c: Context, data: string | Buffer[]) {
  if (typeof data === 'string') return c.body(`{"status":"success","data":${data}}`, 200, { 'content-type': 'application/json' })
  return c.body(Buffer.concat([ENVELOPE_HEAD, ...data, ENVELOPE_TAIL]), 200, { 'content-type': 'application/json' })
}

export function promErrorResponse(err: Error, c: Context, log: PromApiDeps['log']) {
  if (err instanceof PromError) return c.json({ status: 'error', errorType: err.type, error: err.message }, err.status)
  if (err instanceof QueryError) return c.json({ status: 'error', errorType: 'bad_data', error: err.message }, 400)
  log('error', 'Prometheus API request failed', { path: c.req.path, error: err.stack ?? err.message })
  return c.json({ status: 'error', errorType: 'internal', error: 'internal error' }, 500)
}

function queryParam(params: URLSearchParams): string {
  return params.get('query') ?? ''
}

/** Wraps parse errors as Prometheus does: `invalid parameter "query": …`. */
async function withQueryParam<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    if (err instanceof PromError && err.type === 'bad_data' && /parse error/.test(err.message)) {
      throw new PromError('bad_data', `invalid parameter "query": ${err.message}`)
    }
    throw err
  }
}

/** match[] selectors (each a vector selector), or undefined when none is given. */
function matchSets(params: URLSearchParams, required: boolean): Matcher[][] | undefined {
  const all = params.getAll('match[]')
  if (all.length === 0) {
    if (required) throw new PromError('bad_data', 'no match[] parameter provided')
    return undefined
  }
  return all.map((text) => {
    let e
    try {
      e = parsePromQL(text)
    } catch (err) {
      throw new PromError('bad_data', `invalid parameter "match[]": ${(err as Error).message}`)
    }
    if (e.kind !== 'vector') throw new PromError('bad_data', `invalid parameter "match[]": ${JSON.stringify(text)} is not a vector selector`)
    return e.matchers
  })
}

async function seriesFor(deps: PromApiDeps, sets: Matcher[][] | undefined): Promise<SeriesInfo[]> {
  if (!sets) return deps.store.series({})
  const ctx = { store: deps.store, limits: deps.limits } as EvalContext
  const byId = new Map<number, SeriesInfo>()
  for (const set of sets) for (const s of await selectSeries(ctx, set)) byId.set(s.id, s)
  return [...byId.values()]
}

export function prometheusApi(given: PromApiDeps): Hono {
  // One parse per distinct query text (dashboards repeat theirs), one label set per series; the result cache, when
  // given, is the caller's.
  const deps: PromApiDeps = { ...given, parsed: given.parsed ?? new ParseCache(), seriesLabels: given.seriesLabels ?? new SeriesLabelCache() }
  const app = new Hono()
  app.onError((err, c) => promErrorResponse(err, c, deps.log))
  app.notFound((c) => c.json({ status: 'error', errorType: 'not_found', error: `no route for ${c.req.method} ${c.req.path}` }, 404))
  const both = (path: string, handler: (c: Context, params: URLSearchParams) => Promise<Response>) =>
    app.on(['GET', 'POST'], path, async (c) => handler(c, await requestParams(c.req.raw)))

  both('/api/v1/query', async (c, params) => {
    const time = parseTimeParam(params, 'time', deps.clock())
    const timeout = parseDurationParam(params, 'timeout')
    return successJson(c, await withQueryParam(() => instantQuery(deps, queryParam(params), time, timeout)))
  })
  both('/api/v1/query_range', async (c, params) => {
    for (const p of ['start', 'end', 'step']) if (!params.get(p)) throw new PromError('bad_data', `invalid parameter ${JSON.stringify(p)}: cannot parse "" to a valid ${p === 'step' ? 'duration' : 'timestamp'}`)
    const start = parseTimeParam(params, 'start', 0)
    const end = parseTimeParam(params, 'end', 0)
    if (end < start) throw new PromError('bad_data', 'invalid parameter "end": end timestamp must not be before start time')
    const step = parseDurationParam(params, 'step')!
    if (!(step > 0)) throw new PromError('bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer')
    const max = deps.limits.maxPointsPerSeries
    if ((end - start) / step > max) {
      throw new PromError('bad_data', `exceeded maximum resolution of ${max.toLocaleString('en')} points per timeseries. Try decreasing the query resolution (?step=XX)`)
    }
    const timeout = parseDurationParam(params, 'timeout')
    return successJson(c, await withQueryParam(() => rangeQuery(deps, queryParam(params), start, end, step, timeout)))
  })
  both('/api/v1/series', async (c, params) => {
    const series = await seriesFor(deps, matchSets(params, true))
    return success(c, series.map(promLabels))
  })
  both('/api/v1/labels', async (c, params) => {
    const names = new Set<string>()
    for (const s of await seriesFor(deps, matchSets(params, false))) for (const k of Object.keys(promLabels(s))) names.add(k)
    return success(c, [...names].sort())
  })
  app.get('/api/v1/label/:name/values', async (c) => {
    const name = c.req.param('name')
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new PromError('bad_data', `invalid label name: ${JSON.stringify(name)}`)
    const params = new URL(c.req.url).searchParams
    const values = new Set<string>()
    if (name === '__name__' && !params.has('match[]')) for (const n of await deps.store.names()) values.add(n)
    else for (const s of await seriesFor(deps, matchSets(params, false))) {
      const v = promLabels(s)[name]
      if (v !== undefined && v !== '') values.add(v)
    }
    return success(c, [...values].sort())
  })
  app.get('/api/v1/metadata', async (c) => {
    const params = new URL(c.req.url).searchParams
    const only = params.get('metric')
    const limit = Number(params.get('limit') ?? '-1')
    const out: Record<string, Array<{ type: string; help: string; unit: string }>> = {}
    for (const s of await deps.store.series(only ? { name: only } : {})) {
      if (limit >= 0 && Object.keys(out).length >= limit && !(s.name in out)) continue
      out[s.name] ??= [{ type: s.type, help: '', unit: s.unit ?? '' }]
    }
    return success(c, out)
  })
  app.get('/api/v1/status/buildinfo', (c) =>
    success(c, { version: PROMETHEUS_COMPAT_VERSION, revision: 'outpost', branch: 'outpost', buildUser: 'outpost', buildDate: '', goVersion: '' }),
  )
  // Grafana asks for exemplars alongside range queries when a panel enables them: the hub stores none.
  both('/api/v1/query_exemplars', async (c) => success(c, []))
  return app
}

