// Range-vector arguments: a matrix selector's raw samples, or a subquery's expression evaluated on its own grid.
import type { Expr, MatrixSelectorNode, SubqueryNode } from './ast.js'
import type { EvalContext } from './context.js'
import { PromError } from './errors.js'
import { readRaw, refTimes } from './selectors.js'
import { makeGrid, timeAt, type Grid, type RawSeries } from './values.js'

/** A range-vector argument: raw samples per series and, per step, the reference time its window ends at. */
export interface MatrixInput {
  series: RawSeries[]
  refs: Float64Array
  rangeMs: number
  /** The selector, when the argument is one (absent_over_time takes its labels from its matchers). */
  selector?: MatrixSelectorNode['selector']
}

export async function evalMatrixArg(ctx: EvalContext, e: Expr, grid: Grid): Promise<MatrixInput> {
  while (e.kind === 'paren' || e.kind === 'invariant') e = e.expr
  if (e.kind === 'matrix') {
    const refs = refTimes(ctx, e.selector, grid)
    const series = await readRaw(ctx, e.selector.matchers, Math.min(...refs) - e.rangeMs, Math.max(...refs))
    return { series, refs, rangeMs: e.rangeMs, selector: e.selector }
  }
  if (e.kind === 'subquery') return evalSubquery(ctx, e, grid)
  throw new PromError('bad_data', `expected a range vector, got a ${e.kind} expression`)
}

/**
 * A subquery: its expression evaluated at every multiple of its step from the first one at or after
 * (start − offset − range) to (end − offset) (promql/engine.go, SubqueryExpr), then used like stored samples.
 */
async function evalSubquery(ctx: EvalContext, e: SubqueryNode, grid: Grid): Promise<MatrixInput> {
  const refs = refTimes(ctx, e, grid)
  const step = e.stepMs || ctx.defaultSubqueryStepMs
  const lo = Math.min(...refs) - e.rangeMs
  let start = Math.floor(lo / step) * step
  if (start < lo) start += step
  const end = Math.max(...refs)
  const inner = makeGrid(start, end, step)
  if (inner.n > ctx.limits.maxPointsPerSeries * 10) {
    throw new PromError('execution', `subquery evaluates ${inner.n} steps: use a larger subquery step`)
  }
  const value = await ctx.evaluate(ctx, e.expr, inner)
  if (value.type !== 'vector') throw new PromError('bad_data', 'subquery is only allowed on instant vector')
  const series: RawSeries[] = value.series.map((s) => {
    const ts: number[] = []
    const vals: number[] = []
    for (let i = 0; i < inner.n; i++) {
      if (!s.has[i]) continue
      ts.push(timeAt(inner, i))
      vals.push(s.vals[i])
    }
    return { labels: s.labels, key: s.key, ts, vals }
  })
  return { series, refs, rangeMs: e.rangeMs }
}
