import type { CallNode, Expr } from './ast.js'
import { checkDeadline, type EvalContext } from './context.js'
import { executionError } from './errors.js'
import { evalMatrixArg } from './matrix-arg.js'
import { histogramQuantile } from './histogram-quantile.js'
import { labelJoin, labelReplace } from './label-functions.js'
import { RANGE_FUNCTIONS } from './range-functions.js'
import { evalVectorSelector, firstAtOrAfter, lastAtOrBefore } from './selectors.js'
import { labelsKey, SeriesCollector, timeAt, withoutName, type Grid, type Labels, type StepSeries, type Value } from './values.js'

// Function calls: range functions over each step's window, element-wise math, and the few with their own rules.

const MATH: Record<string, (x: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sqrt: Math.sqrt,
  sgn: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
}

async function scalarArg(ctx: EvalContext, e: Expr, grid: Grid): Promise<Float64Array> {
  const v = await ctx.evaluate(ctx, e, grid)
  return v.type === 'scalar' ? v.vals : new Float64Array(grid.n).fill(NaN)
}

async function vectorArg(ctx: EvalContext, e: Expr, grid: Grid): Promise<StepSeries[]> {
  const v = await ctx.evaluate(ctx, e, grid)
  return v.type === 'vector' ? v.series : []
}

async function stringArg(ctx: EvalContext, e: Expr, grid: Grid): Promise<string> {
  const v = await ctx.evaluate(ctx, e, grid)
  return v.type === 'string' ? v.value : ''
}

/** Applies `f` to every present value, the metric name dropped; two inputs landing on one label set is an error. */
export function mapVector(series: StepSeries[], n: number, f: (v: number, i: number, s: StepSeries) => number | undefined, keepName = false): Value {
  const out = new SeriesCollector(n)
  for (const s of series) {
    const labels = keepName ? s.labels : withoutName(s.labels)
    const key = keepName ? s.key : labelsKey(labels)
    for (let i = 0; i < n; i++) {
      if (!s.has[i]) continue
      const v = f(s.vals[i], i, s)
      if (v === undefined) continue
      if (out.hasAt(key, i)) throw executionError('vector cannot contain metrics with the same labelset')
      out.add(labels, key, i, v)
    }
  }
  return { type: 'vector', series: out.series() }
}

/** Labels absent() and absent_over_time() give: the selector's equality matchers, a name used twice dropped. */
function absentLabels(e: Expr): Labels {
  while (e.kind === 'paren' || e.kind === 'invariant') e = e.expr
  const selector = e.kind === 'vector' ? e : e.kind === 'matrix' ? e.selector : undefined
  const out: Labels = {}
  const seen = new Set<string>()
  for (const m of selector?.matchers ?? []) {
    if (m.name === '__name__') continue
    if (m.type === '=' && !seen.has(m.name)) out[m.name] = m.value
    else delete out[m.name]
    seen.add(m.name)
  }
  return out
}

function absentWhere(n: number, labels: Labels, isAbsent: (i: number) => boolean): Value {
  const out = new SeriesCollector(n)
  const key = labelsKey(labels)
  for (let i = 0; i < n; i++) if (isAbsent(i)) out.add(labels, key, i, 1)
  return { type: 'vector', series: out.series() }
}

export async function evalCall(ctx: EvalContext, e: CallNode, grid: Grid): Promise<Value> {
  const { func, args } = e
  const n = grid.n
  if (func in RANGE_FUNCTIONS || func === 'absent_over_time') {
    const param = func === 'quantile_over_time' ? await scalarArg(ctx, args[0], grid) : undefined
    const input = await evalMatrixArg(ctx, args[args.length - 1], grid)
    if (func === 'absent_over_time') {
      return absentWhere(n, absentLabels(args[0]), (i) =>
        input.series.every((s) => lastAtOrBefore(s.ts, input.refs[i]) < firstAtOrAfter(s.ts, input.refs[i] - input.rangeMs)),
      )
    }
    const fn = RANGE_FUNCTIONS[func]
    const out = new SeriesCollector(n)
    for (const s of input.series) {
      // last_over_time keeps the metric name in Prometheus 2.42; every other range function drops it.
      const labels = func === 'last_over_time' ? s.labels : withoutName(s.labels)
      const key = func === 'last_over_time' ? s.key : labelsKey(labels)
      for (let i = 0; i < n; i++) {
        const rangeEnd = input.refs[i]
        const rangeStart = rangeEnd - input.rangeMs
        const lo = firstAtOrAfter(s.ts, rangeStart)
        const hi = lastAtOrBefore(s.ts, rangeEnd) + 1
        if (hi <= lo) continue
        const v = fn({ ts: s.ts, vals: s.vals, lo, hi, rangeStart, rangeEnd, rangeMs: input.rangeMs, param: param?.[i] })
        if (v === undefined) continue
        if (out.hasAt(key, i)) throw executionError('vector cannot contain metrics with the same labelset')
        out.add(labels, key, i, v)
      }
      checkDeadline(ctx)
    }
    return { type: 'vector', series: out.series() }
  }
  if (func in MATH) return mapVector(await vectorArg(ctx, args[0], grid), n, MATH[func])
  switch (func) {
    case 'time':
      return { type: 'scalar', vals: Float64Array.from({ length: n }, (_, i) => timeAt(grid, i) / 1000) }
    case 'vector': {
      const vals = await scalarArg(ctx, args[0], grid)
      return { type: 'vector', series: [{ labels: {}, key: '', vals, has: new Uint8Array(n).fill(1) }] }
    }
    case 'scalar': {
      const series = await vectorArg(ctx, args[0], grid)
      const vals = new Float64Array(n).fill(NaN)
      for (let i = 0; i < n; i++) {
        const present = series.filter((s) => s.has[i])
        if (present.length === 1) vals[i] = present[0].vals[i]
      }
      return { type: 'scalar', vals }
    }
    case 'absent': {
      const series = await vectorArg(ctx, args[0], grid)
      return absentWhere(n, absentLabels(args[0]), (i) => series.every((s) => !s.has[i]))
    }
    case 'timestamp': {
      let arg = args[0]
      while (arg.kind === 'paren' || arg.kind === 'invariant') arg = arg.expr
      const series = arg.kind === 'vector' ? await evalVectorSelector(ctx, arg, grid, true) : await vectorArg(ctx, args[0], grid)
      // A selector's sample keeps its own time; any other value is stamped with the step's time.
      return mapVector(series, n, (_v, i, s) => (s.sampleTs ? s.sampleTs[i] : timeAt(grid, i)) / 1000)
    }
    case 'round': {
      const series = await vectorArg(ctx, args[0], grid)
      const to = args[1] ? await scalarArg(ctx, args[1], grid) : new Float64Array(n).fill(1)
      return mapVector(series, n, (v, i) => Math.floor(v * (1 / to[i]) + 0.5) / (1 / to[i]))
    }
    case 'clamp': {
      const series = await vectorArg(ctx, args[0], grid)
      const min = await scalarArg(ctx, args[1], grid)
      const max = await scalarArg(ctx, args[2], grid)
      return mapVector(series, n, (v, i) => (max[i] < min[i] ? undefined : goMax(min[i], goMin(max[i], v))))
    }
    case 'clamp_min':
    case 'clamp_max': {
      const series = await vectorArg(ctx, args[0], grid)
      const bound = await scalarArg(ctx, args[1], grid)
      return mapVector(series, n, (v, i) => (func === 'clamp_min' ? goMax(bound[i], v) : goMin(bound[i], v)))
    }
    case 'sort':
    case 'sort_desc':
      // Order only shows in an instant query's answer (api.ts sorts it); the values pass through.
      return { type: 'vector', series: await vectorArg(ctx, args[0], grid) }
    case 'histogram_quantile':
      return histogramQuantile(await scalarArg(ctx, args[0], grid), await vectorArg(ctx, args[1], grid), n)
    case 'label_replace': {
      const [dst, replacement, src, regex] = await Promise.all(args.slice(1).map((a) => stringArg(ctx, a, grid)))
      return labelReplace(await vectorArg(ctx, args[0], grid), n, dst, replacement, src, regex)
    }
    case 'label_join': {
      const strings = await Promise.all(args.slice(1).map((a) => stringArg(ctx, a, grid)))
      return labelJoin(await vectorArg(ctx, args[0], grid), n, strings[0], strings[1], strings.slice(2))
    }
  }
  throw executionError(`function ${JSON.stringify(func)} is not implemented`)
}

/** Go's math.Max and math.Min: NaN wins. */
function goMax(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)
}
function goMin(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)
}
