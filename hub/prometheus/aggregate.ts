import type { AggregateNode } from './ast.js'
import type { EvalContext } from './context.js'
import { executionError } from './errors.js'
import { quantileOf } from './range-functions.js'
import { formatValue } from './format.js'
import { labelsKey, SeriesCollector, type Grid, type Labels, type StepSeries, type Value } from './values.js'

// Aggregations (promql/engine.go `aggregation`, 2.42): per step, series grouped by `by` labels or by all labels
// but the `without` ones and the metric name; the same incremental formulas as Prometheus for avg and stddev.

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
  const input = await ctx.evaluate(ctx, node.expr, grid)
  const series = input.type === 'vector' ? input.series : []
  const param = node.param ? await ctx.evaluate(ctx, node.param, grid) : undefined
  const n = grid.n
  const op = node.op
  if (op === 'count_values') {
    const label = param?.type === 'string' ? param.value : ''
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw executionError(`invalid label name ${JSON.stringify(label)}`)
    return countValues(series, node, label, n)
  }
  const scalar = param?.type === 'scalar' ? param.vals : undefined
  // Each input series' group, computed once; per step the groups are slots in flat arrays (no allocation).
  const groupIndex = new Map<string, number>()
  const groups: StepSeries[] = []
  const groupOf = new Int32Array(series.length)
  series.forEach((s, k) => {
    const labels = groupLabels(s.labels, node)
    const key = labelsKey(labels)
    let g = groupIndex.get(key)
    if (g === undefined) {
      g = groups.length
      groupIndex.set(key, g)
      groups.push({ labels, key, vals: new Float64Array(n), has: new Uint8Array(n) })
    }
    groupOf[k] = g
  })
  if (op === 'topk' || op === 'bottomk') return selectK(series, groupOf, groups.length, op, scalar, n)
  const G = groups.length
  const acc: Acc = { value: new Float64Array(G), mean: new Float64Array(G), count: new Float64Array(G), seen: new Uint8Array(G), lists: op === 'quantile' ? groups.map(() => []) : [] }
  for (let i = 0; i < n; i++) {
    acc.seen.fill(0)
    for (let k = 0; k < series.length; k++) {
      const s = series[k]
      if (!s.has[i]) continue
      const v = s.vals[i]
      const g = groupOf[k]
      if (!acc.seen[g]) {
        acc.seen[g] = 1
        acc.value[g] = op === 'stddev' || op === 'stdvar' ? 0 : v
        acc.mean[g] = v
        acc.count[g] = 1
        if (op === 'quantile') acc.lists[g] = [v]
        continue
      }
      accumulate(op, acc, g, v)
    }
    for (let g = 0; g < G; g++) {
      if (!acc.seen[g]) continue
      groups[g].vals[i] = finish(op, acc, g, scalar?.[i])
      groups[g].has[i] = 1
    }
  }
  return { type: 'vector', series: groups.filter((g) => g.has.includes(1)) }
}

/** Per-group running state of one step, one slot per group. */
interface Acc {
  value: Float64Array
  mean: Float64Array
  count: Float64Array
  seen: Uint8Array
  lists: number[][]
}

/** topk and bottomk: the k largest (smallest) members of each group at each step, with their own labels. */
function selectK(series: StepSeries[], groupOf: Int32Array, G: number, op: string, scalar: Float64Array | undefined, n: number): Value {
  const out = new SeriesCollector(n)
  const members: Array<Array<{ s: StepSeries; v: number }>> = Array.from({ length: G }, () => [])
  for (let i = 0; i < n; i++) {
    const k = Math.trunc(scalar?.[i] ?? NaN)
    if (!(k >= 1)) continue
    for (const m of members) m.length = 0
    series.forEach((s, j) => s.has[i] && members[groupOf[j]].push({ s, v: s.vals[i] }))
    for (const m of members) {
      const chosen = m.sort((a, b) => (op === 'topk' ? descending(a.v, b.v) : ascending(a.v, b.v))).slice(0, k)
      for (const c of chosen) out.add(c.s.labels, c.s.key, i, c.v)
    }
  }
  return { type: 'vector', series: out.series() }
}

// NaN sorts below every number for topk and above for bottomk, as Prometheus's heaps do.
const descending = (a: number, b: number) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : b - a)
const ascending = (a: number, b: number) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b)

function accumulate(op: string, a: Acc, g: number, v: number): void {
  switch (op) {
    case 'sum':
      a.value[g] += v
      return
    case 'avg': {
      const count = ++a.count[g]
      const mean = a.mean[g]
      if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
        // An infinite mean stays as it is for a finite value or an infinity of its sign (Inf − Inf would be NaN).
        if (!Number.isFinite(v) && !Number.isNaN(v) && (mean > 0) === (v > 0)) return
        if (Number.isFinite(v)) return
      }
      a.mean[g] = mean + (v / count - mean / count)
      return
    }
    case 'max':
      if (a.value[g] < v || Number.isNaN(a.value[g])) a.value[g] = v
      return
    case 'min':
      if (a.value[g] > v || Number.isNaN(a.value[g])) a.value[g] = v
      return
    case 'count':
      a.count[g]++
      return
    case 'quantile':
      a.lists[g].push(v)
      return
    case 'stddev':
    case 'stdvar': {
      const count = ++a.count[g]
      const delta = v - a.mean[g]
      a.mean[g] += delta / count
      a.value[g] += delta * (v - a.mean[g])
      return
    }
  }
}

function finish(op: string, a: Acc, g: number, param: number | undefined): number {
  switch (op) {
    case 'avg':
      return a.mean[g]
    case 'count':
      return a.count[g]
    case 'group':
      return 1
    case 'stdvar':
      return a.value[g] / a.count[g]
    case 'stddev':
      return Math.sqrt(a.value[g] / a.count[g])
    case 'quantile':
      return quantileOf(param ?? NaN, a.lists[g])
    default:
      return a.value[g]
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
