import { COMPARISON_OPS, SET_OPS, type BinaryNode, type BinaryOp, type VectorMatching } from './ast.js'
import type { EvalContext } from './context.js'
import { executionError } from './errors.js'
import { evaluate } from './evaluate.js'
import { labelsKey, SeriesCollector, withoutName, type Grid, type Labels, type StepSeries, type Value } from './values.js'

// Binary operators (promql/engine.go VectorBinop, VectorscalarBinop, And/Or/Unless, 2.42): matching by
// signature per step, the metric name dropped by arithmetic and by `bool`, group_left/right copying labels
// from the "one" side.

/** Go's math.Pow where it differs from JavaScript's `**`. */
function goPow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1
  return x ** y
}

/** The value of `l op r` and whether a comparison keeps it (vectorElemBinop). */
function apply(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+': return [l + r, true]
    case '-': return [l - r, true]
    case '*': return [l * r, true]
    case '/': return [l / r, true]
    case '%': return [l % r, true]
    case '^': return [goPow(l, r), true]
    case 'atan2': return [Math.atan2(l, r), true]
    case '==': return [l, l === r]
    case '!=': return [l, l !== r]
    case '>': return [l, l > r]
    case '<': return [l, l < r]
    case '>=': return [l, l >= r]
    case '<=': return [l, l <= r]
  }
  throw executionError(`operator ${op} not allowed here`)
}

const dropsName = (op: BinaryOp) => !COMPARISON_OPS.has(op) && !SET_OPS.has(op)

export async function evalBinary(ctx: EvalContext, e: BinaryNode, grid: Grid): Promise<Value> {
  const [lhs, rhs] = await Promise.all([evaluate(ctx, e.lhs, grid), evaluate(ctx, e.rhs, grid)])
  const n = grid.n
  if (lhs.type === 'scalar' && rhs.type === 'scalar') {
    const vals = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const [v, keep] = apply(e.op, lhs.vals[i], rhs.vals[i])
      vals[i] = COMPARISON_OPS.has(e.op) ? (keep ? 1 : 0) : v
    }
    return { type: 'scalar', vals }
  }
  if (lhs.type === 'vector' && rhs.type === 'scalar') return vectorScalar(e, lhs.series, rhs.vals, false, n)
  if (lhs.type === 'scalar' && rhs.type === 'vector') return vectorScalar(e, rhs.series, lhs.vals, true, n)
  if (lhs.type !== 'vector' || rhs.type !== 'vector') throw executionError('binary expression must contain only scalar and instant vector types')
  const matching: VectorMatching = e.matching ?? { card: 'one-to-one', on: false, labels: [], include: [] }
  if (SET_OPS.has(e.op)) return setOp(e.op, lhs.series, rhs.series, matching, n)
  return vectorVector(e, lhs.series, rhs.series, matching, n)
}

function vectorScalar(e: BinaryNode, series: StepSeries[], scalar: Float64Array, swap: boolean, n: number): Value {
  const out = new SeriesCollector(n)
  const comparison = COMPARISON_OPS.has(e.op)
  const drop = dropsName(e.op) || e.returnBool
  for (const s of series) {
    const labels = drop ? withoutName(s.labels) : s.labels
    const key = drop ? labelsKey(labels) : s.key
    for (let i = 0; i < n; i++) {
      if (!s.has[i]) continue
      const [l, r] = swap ? [scalar[i], s.vals[i]] : [s.vals[i], scalar[i]]
      let [v, keep] = apply(e.op, l, r)
      // A comparison keeps the vector's value, whichever side it is on.
      if (comparison && swap) v = s.vals[i]
      if (e.returnBool) {
        v = keep ? 1 : 0
        keep = true
      }
      if (!keep) continue
      if (out.hasAt(key, i)) throw executionError('vector cannot contain metrics with the same labelset')
      out.add(labels, key, i, v)
    }
  }
  return { type: 'vector', series: out.series() }
}

/** The matching signature: the `on` labels, or every label but the `ignoring` ones and the metric name. */
function signature(labels: Labels, m: VectorMatching): string {
  const picked: Labels = {}
  if (m.on) {
    for (const l of m.labels) if (l in labels) picked[l] = labels[l]
  } else {
    for (const [k, v] of Object.entries(labels)) if (k !== '__name__' && !m.labels.includes(k)) picked[k] = v
  }
  return labelsKey(picked)
}

function setOp(op: BinaryOp, lhs: StepSeries[], rhs: StepSeries[], m: VectorMatching, n: number): Value {
  const lsig = lhs.map((s) => signature(s.labels, m))
  const rsig = rhs.map((s) => signature(s.labels, m))
  const out = new SeriesCollector(n)
  for (let i = 0; i < n; i++) {
    const right = new Set<string>()
    rhs.forEach((s, k) => s.has[i] && right.add(rsig[k]))
    const left = new Set<string>()
    lhs.forEach((s, k) => {
      if (!s.has[i]) return
      left.add(lsig[k])
      const inRight = right.has(lsig[k])
      if (op === 'or' || (op === 'and' && inRight) || (op === 'unless' && !inRight)) out.add(s.labels, s.key, i, s.vals[i])
    })
    if (op === 'or') rhs.forEach((s, k) => s.has[i] && !left.has(rsig[k]) && out.add(s.labels, s.key, i, s.vals[i]))
  }
  return { type: 'vector', series: out.series() }
}

/** resultMetric: the "many" side's labels, matching labels kept or dropped for one-to-one, group_x labels copied. */
function resultLabels(l: Labels, r: Labels, e: BinaryNode, m: VectorMatching): Labels {
  let out: Labels = { ...l }
  if (dropsName(e.op) || e.returnBool) delete out.__name__
  if (m.card === 'one-to-one') {
    if (m.on) {
      const kept: Labels = {}
      for (const k of m.labels) if (k in out) kept[k] = out[k]
      out = kept
    } else for (const k of m.labels) delete out[k]
  }
  for (const k of m.include) {
    if (r[k] !== undefined && r[k] !== '') out[k] = r[k]
    else delete out[k]
  }
  return out
}

function vectorVector(e: BinaryNode, lhsIn: StepSeries[], rhsIn: StepSeries[], m: VectorMatching, n: number): Value {
  // One-to-many is many-to-one with the sides swapped; values are swapped back for the operator.
  const swap = m.card === 'one-to-many'
  const [many, one] = swap ? [rhsIn, lhsIn] : [lhsIn, rhsIn]
  const manySig = many.map((s) => signature(s.labels, m))
  const oneSig = one.map((s) => signature(s.labels, m))
  const resultCache = new Map<string, { labels: Labels; key: string }>()
  const out = new SeriesCollector(n)
  for (let i = 0; i < n; i++) {
    const oneBySig = new Map<string, StepSeries>()
    one.forEach((s, k) => {
      if (!s.has[i]) return
      const dup = oneBySig.get(oneSig[k])
      if (dup) {
        throw executionError(
          `found duplicate series for the match group on the ${swap ? 'left' : 'right'} hand-side of the operation: [${describe(s.labels)}, ${describe(dup.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        )
      }
      oneBySig.set(oneSig[k], s)
    })
    const matched = new Map<string, Set<string>>()
    many.forEach((ls, k) => {
      if (!ls.has[i]) return
      const rs = oneBySig.get(manySig[k])
      if (!rs) return
      const [vl, vr] = swap ? [rs.vals[i], ls.vals[i]] : [ls.vals[i], rs.vals[i]]
      let [v, keep] = apply(e.op, vl, vr)
      if (e.returnBool) {
        v = keep ? 1 : 0
        keep = true
      }
      if (!keep) return
      const cacheKey = `${ls.key}\u0002${rs.key}`
      let result = resultCache.get(cacheKey)
      if (!result) {
        const labels = resultLabels(ls.labels, rs.labels, e, m)
        result = { labels, key: labelsKey(labels) }
        resultCache.set(cacheKey, result)
      }
      let inserted = matched.get(manySig[k])
      if (m.card === 'one-to-one') {
        if (inserted) throw executionError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)')
        matched.set(manySig[k], new Set())
      } else {
        if (!inserted) matched.set(manySig[k], (inserted = new Set()))
        else if (inserted.has(result.key)) throw executionError('multiple matches for labels: grouping labels must ensure unique matches')
        inserted.add(result.key)
      }
      out.add(result.labels, result.key, i, v)
    })
  }
  return { type: 'vector', series: out.series() }
}

function describe(labels: Labels): string {
  const { __name__: name, ...rest } = labels
  return `${name ?? ''}{${Object.keys(rest).sort().map((k) => `${k}=${JSON.stringify(rest[k])}`).join(', ')}}`
}
