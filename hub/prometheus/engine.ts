import type { MetricStore } from '../metrics/store/types.js'
import type { QueryLimits } from '../metrics/query/params.js'
import type { Expr } from './ast.js'
import type { EvalContext } from './context.js'
import { PromError } from './errors.js'
import { evaluate } from './evaluate.js'
import { instantResultJson } from './format.js'
import { parsePromQL } from './parse.js'
import type { ParseCache } from './parse-cache.js'
import { rangeAnswer } from './range-answer.js'
import type { PromResultCache } from './result-cache.js'
import type { SeriesLabelCache } from './series-labels.js'
import { typeOf } from './typecheck.js'
import { makeGrid } from './values.js'

// The PromQL engine's entry points: parse, check limits, evaluate over the step grid, and the answer's `data` as
// JSON text (format.ts).

export interface PromEngineOptions {
  store: MetricStore
  limits: QueryLimits
  /** Longest a query may run (Prometheus's --query.timeout, 2 m); a request's `timeout` may only shorten it. */
  timeoutMs?: number
  lookbackMs?: number
  /** Samples and step points one query may hold (default 20 million, about 0.5 GB). */
  maxSamples?: number
  /** Parsed queries by text (parse-cache.ts); without it every request parses. */
  parsed?: ParseCache
  /** Older steps of range answers kept between requests (result-cache.ts); without it every step is evaluated. */
  resultCache?: PromResultCache
  /** The hub's clock, for the result cache's cutoff (default Date.now). */
  clock?: () => number
  /** Series' label sets kept between requests (series-labels.ts). */
  seriesLabels?: SeriesLabelCache
}

const DEFAULT_TIMEOUT_MS = 120_000
const LOOKBACK_MS = 5 * 60_000
const DEFAULT_MAX_SAMPLES = 20_000_000

function context(opts: PromEngineOptions, start: number, end: number, timeoutMs?: number): EvalContext {
  const timeout = Math.min(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, timeoutMs ?? Infinity)
  return {
    evaluate,
    store: opts.store,
    limits: opts.limits,
    queryStart: start,
    queryEnd: end,
    lookbackMs: opts.lookbackMs ?? LOOKBACK_MS,
    defaultSubqueryStepMs: 60_000,
    deadline: performance.now() + timeout,
    maxSamples: opts.maxSamples ?? DEFAULT_MAX_SAMPLES,
    loaded: 0,
    seriesLabels: opts.seriesLabels,
  }
}

function sortOrder(e: Expr): 'asc' | 'desc' | undefined {
  while (e.kind === 'paren') e = e.expr
  if (e.kind === 'call' && (e.func === 'sort' || e.func === 'sort_desc')) return e.func === 'sort' ? 'asc' : 'desc'
  return undefined
}

const parse = (opts: PromEngineOptions, query: string) => (opts.parsed ? opts.parsed.parse(query) : parsePromQL(query))

export async function instantQuery(opts: PromEngineOptions, query: string, time: number, timeoutMs?: number): Promise<string> {
  const expr = parse(opts, query)
  const grid = makeGrid(time, time, 0)
  const value = await evaluate(context(opts, time, time, timeoutMs), expr, grid)
  return instantResultJson(value, time, sortOrder(expr))
}

/** The answer's `data` as UTF-8 JSON in chunks (range-answer.ts). */
export async function rangeQuery(opts: PromEngineOptions, query: string, start: number, end: number, step: number, timeoutMs?: number): Promise<Buffer[]> {
  const expr = parse(opts, query)
  const type = typeOf(expr)
  if (type !== 'scalar' && type !== 'vector') {
    throw new PromError('bad_data', `invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`)
  }
  const ctx = context(opts, start, end, timeoutMs)
  const now = (opts.clock ?? Date.now)()
  return rangeAnswer({ query, expr, start, end, step, now, evaluate: (grid) => evaluate(ctx, expr, grid) }, opts.resultCache)
}
