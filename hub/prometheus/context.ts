import type { MetricStore } from '../store/types.js'
import type { QueryLimits } from '../query/params.js'
import type { At } from './ast.js'
import { PromError } from './errors.js'

/** What every node's evaluation shares: the store, the hub's limits, the query's own range and its deadline. */
export interface EvalContext {
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
}

export function resolveAt(ctx: EvalContext, at: At): number {
  return at.kind === 'time' ? at.ms : at.kind === 'start' ? ctx.queryStart : ctx.queryEnd
}

export function checkDeadline(ctx: EvalContext): void {
  if (performance.now() > ctx.deadline) throw new PromError('timeout', 'query timed out in expression evaluation')
}
