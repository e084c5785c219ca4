import type { AggregateNode } from './ast.js'
import type { EvalContext } from './context.js'
import { executionError } from './errors.js'
import { evaluate } from './evaluate.js'
import { quantileOf } from './range-functions.js'
import { formatValue } from './format.js'
import { labelsKey, SeriesCollector, type Grid, type Labels, type StepSeries, type Value } from './values.js'

// Aggregations (promql/engine.go `aggregation`, 2.42): per step, series grouped by `by` labels or by all labels
// but the `without` ones and the metric name; the same incremental formulas as Prometheus for avg and stddev.

interface Group {
  labels: Labels
  key: string
  value: number
  mean: number
  count: number
  values: number[]
  members: Array<{ s: StepSeries; v: number }>
}

function groupLabels(labels: Labels, node: AggregateNode): Labels {
  const out: Labels = {}
  if (node.without) {
    for (const [k, v] of Object.entries(labels)) if (k !== '__name__' && !node.grouping.includes(k)) out[k] = v
  } else {
    for (const k of node.grouping) if (k in labels) out[k] = labels[k]
  }
  return out
}

export async function evalAggregate(ctx: EvalContext, node: AggregateNode, grid: Grid): Promise<Value> {
  const input = await evaluate(ctx, node.expr, grid)
  const series = input.type === 'vector' ? input.series : []
  const param = node.param ? await evaluate(ctx, node.param, grid) : undefined
  const n = grid.n
  const op = node.op
  if (op === 'count_values') {
    const label = param?.type === 'string' ? param.value : ''
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw executionError(`invalid label name ${JSON.stringify(label)}`)
    return countValues(series, node, label, n)
  }
  const scalar = param?.type === 'scalar' ? param.vals : undefined
  // Each input series' group, computed once.
  const groupOf = new Map<StepSeries, { labels: Labels; key: string }>()
  for (const s of series) {
    const labels = groupLabels(s.labels, node)
    groupOf.set(s, { labels, key: labelsKey(labels) })
  }
  const out = new SeriesCollector(n)
  for (let i = 0; i < n; i++) {
    const groups = new Map<string, Group>()
    for (const s of series) {
      if (!s.has[i]) continue
      const v = s.vals[i]
      const gk = groupOf.get(s)!
      const g = groups.get(gk.key)
      if (!g) {
        groups.set(gk.key, { labels: gk.labels, key: gk.key, value: op === 'stddev' || op === 'stdvar' ? 0 : v, mean: v, count: 1, values: [v], members: [{ s, v }] })
        continue
      }
      accumulate(op, g, v)
      if (op === 'quantile') g.values.push(v)
      if (op === 'topk' || op === 'bottomk') g.members.push({ s, v })
    }
    for (const g of groups.values()) {
      if (op === 'topk' || op === 'bottomk') {
        const k = Math.trunc(scalar?.[i] ?? NaN)
        if (!(k >= 1)) continue
        const sorted = g.members.sort((a, b) => (op === 'topk' ? descending(a.v, b.v) : ascending(a.v, b.v))).slice(0, k)
        for (const m of sorted) out.add(m.s.labels, m.s.key, i, m.v)
        continue
      }
      out.add(g.labels, g.key, i, finish(op, g, scalar?.[i]))
    }
  }
  return { type: 'vector', series: out.series() }
}

// NaN sorts below every number for topk and above for bottomk, as Prometheus's heaps do.
const descending = (a: number, b: number) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : b - a)
const ascending = (a: number, b: number) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b)

function accumulate(op: string, g: Group, v: number): void {
  switch (op) {
    case 'sum':
      g.value += v
      return
    case 'avg':
      g.count++
      if (!Number.isFinite(g.mean) && !Number.isNaN(g.mean)) {
        // An infinite mean stays as it is for a finite value or an infinity of its sign (Inf − Inf would be NaN).
        if (!Number.isFinite(v) && !Number.isNaN(v) && (g.mean > 0) === (v > 0)) return
        if (Number.isFinite(v)) return
      }
      g.mean += v / g.count - g.mean / g.count
      return
    case 'max':
      if (g.value < v || Number.isNaN(g.value)) g.value = v
      return
    case 'min':
      if (g.value > v || Number.isNaN(g.value)) g.value = v
      return
    case 'count':
      g.count++
      return
    case 'stddev':
    case 'stdvar': {
      g.count++
      const delta = v - g.mean
      g.mean += delta / g.count
      g.value += delta * (v - g.mean)
      return
    }
  }
}

function finish(op: string, g: Group, param: number | undefined): number {
  switch (op) {
    case 'avg':
      return g.mean
    case 'count':
      return g.count
    case 'group':
      return 1
    case 'stdvar':
      return g.value / g.count
    case 'stddev':
      return Math.sqrt(g.value / g.count)
    case 'quantile':
      return quantileOf(param ?? NaN, g.values)
    default:
      return g.value
  }
}

function countValues(series: StepSeries[], node: AggregateNode, label: string, n: number): Value {
  const out = new SeriesCollector(n)
  for (let i = 0; i < n; i++) {
    const counts = new Map<string, { labels: Labels; count: number }>()
    for (const s of series) {
      if (!s.has[i]) continue
      const labels = { ...groupLabels(s.labels, { ...node, grouping: node.without ? [...node.grouping, label] : node.grouping }), [label]: formatValue(s.vals[i]) }
      const key = labelsKey(labels)
      const c = counts.get(key)
      if (c) c.count++
      else counts.set(key, { labels, count: 1 })
    }
    for (const [key, c] of counts) out.add(c.labels, key, i, c.count)
  }
  return { type: 'vector', series: out.series() }
}
