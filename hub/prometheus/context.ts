import type { MetricStore } from '../metrics/store/types.js'
import type { QueryLimits } from '../metrics/query/params.js'
import type { At, Expr } from './ast.js'
import { PromError } from './errors.js'
import type { SeriesLabelCache } from './series-labels.js'
import type { Grid, Value } from './values.js'

/** Evaluates a node; handed down in the context so the node evaluators need not import the dispatcher back. */
export type Evaluate = (ctx: EvalContext, expr: Expr, grid: Grid) => Promise<Value>

/** What every node's evaluation shares: the store, the hub's limits, the query's own range and its deadline. */
export interface EvalContext {
  /** evaluate.ts's dispatcher, for nodes that evaluate their operands (aggregations, binary operators, calls). */
  evaluate: Evaluate
  store: MetricStore
  limits: QueryLimits
  /** The query's start and end, ms: what `@ start()` and `@ end()` mean at any depth. */
  queryStart: number
  queryEnd: number
  /** Prometheus's 5-minute lookback for instant vector selectors. */
  lookbackMs: number
  /** A subquery without a step uses this (Prometheus: the global evaluation interval, 1 m by default). */
  defaultSubqueryStepMs: number
  /** performance.now() past which the query fails with 503 timeout. */
  deadline: number
  /** Samples and step points a query may hold (Prometheus's --query.max-samples); `loaded` counts them. */
  maxSamples: number
  loaded: number
  /** Series' label sets and keys kept between requests (series-labels.ts); without it each read builds them. */
  seriesLabels?: SeriesLabelCache
}

/** Counts `n` more samples held by the query; past the limit it fails as Prometheus does (422 execution). */
export function chargeSamples(ctx: EvalContext, n: number): void {
  ctx.loaded += n
  if (ctx.loaded > ctx.maxSamples) {
    throw new PromError('execution', `query processing would load too many samples into memory in query execution (limit ${ctx.maxSamples.toLocaleString('en')})`)
  }
}

export function resolveAt(ctx: EvalContext, at: At): number {
  return at.kind === 'time' ? at.ms : at.kind === 'start' ? ctx.queryStart : ctx.queryEnd
}

export function checkDeadline(ctx: EvalContext): void {
  if (performance.now() > ctx.deadline) throw new PromError('timeout', 'query timed out in expression evaluation')
}
