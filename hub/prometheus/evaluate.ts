import type { Expr, MatrixSelectorNode, SubqueryNode } from './ast.js'
import { checkDeadline, type EvalContext } from './context.js'
import { PromError } from './errors.js'
import { evalAggregate } from './aggregate.js'
import { evalBinary } from './binary.js'
import { evalCall } from './calls.js'
import { evalMatrixArg } from './matrix-arg.js'
import { evalVectorSelector, firstAtOrAfter, lastAtOrBefore, readRaw, refTimes } from './selectors.js'
import { makeGrid, timeAt, withoutName, labelsKey, type Grid, type RawSeries, type Value } from './values.js'

// One function per node kind; every node is evaluated over the whole grid of steps at once.

export async function evaluate(ctx: EvalContext, e: Expr, grid: Grid): Promise<Value> {
  checkDeadline(ctx)
  switch (e.kind) {
    case 'number':
      return { type: 'scalar', vals: new Float64Array(grid.n).fill(e.value) }
    case 'string':
      return { type: 'string', value: e.value }
    case 'paren':
    case 'invariant':
      // `@` is resolved by the selectors and subqueries it modifies: their values already repeat at every step.
      return evaluate(ctx, e.expr, grid)
    case 'unary': {
      const v = await evaluate(ctx, e.expr, grid)
      if (e.op === '+') return v
      if (v.type === 'scalar') return { type: 'scalar', vals: v.vals.map((x) => -x) }
      if (v.type !== 'vector') throw new PromError('bad_data', 'unary minus on a non-numeric value')
      return {
        type: 'vector',
        series: v.series.map((s) => {
          const labels = withoutName(s.labels)
          return { labels, key: labelsKey(labels), vals: s.vals.map((x) => -x), has: s.has }
        }),
      }
    }
    case 'vector':
      return { type: 'vector', series: await evalVectorSelector(ctx, e, grid) }
    case 'matrix':
    case 'subquery': {
      // Only an instant query may answer a range vector: the samples in the window at its one time.
      const input = await evalMatrixArg(ctx, e, grid)
      const t = input.refs[0]
      const series: RawSeries[] = []
      for (const s of input.series) {
        const lo = firstAtOrAfter(s.ts, t - input.rangeMs)
        const hi = lastAtOrBefore(s.ts, t) + 1
        if (hi > lo) series.push({ labels: s.labels, key: s.key, ts: Array.from(s.ts).slice(lo, hi), vals: Array.from(s.vals).slice(lo, hi) })
      }
      return { type: 'matrix', series }
    }
    case 'call':
      return evalCall(ctx, e, grid)
    case 'aggregate':
      return evalAggregate(ctx, e, grid)
    case 'binary':
      return evalBinary(ctx, e, grid)
  }
}

