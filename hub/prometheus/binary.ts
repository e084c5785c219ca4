import { COMPARISON_OPS, SET_OPS, type BinaryNode, type BinaryOp, type VectorMatching } from './ast.js'
import type { EvalContext } from './context.js'
import { executionError } from './errors.js'
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

/** The value of `l op r` for arithmetic (vectorElemBinop); a comparison's value is its left operand. */
function arith(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+': return l + r
    case '-': return l - r
    case '*': return l * r
    case '/': return l / r
    case '%': return l % r
    case '^': return goPow(l, r)
    case 'atan2': return Math.atan2(l, r)
    default: return l
  }
}

/** Whether a comparison holds; arithmetic always keeps its result. */
function holds(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case '==': return l === r
    case '!=': return l !== r
    case '>': return l > r
    case '<': return l < r
    case '>=': return l >= r
    case '<=': return l <= r
    default: return true
  }
}

const dropsName = (op: BinaryOp) => !COMPARISON_OPS.has(op) && !SET_OPS.has(op)

export async function evalBinary(ctx: EvalContext, e: BinaryNode, grid: Grid): Promise<Value> {
  const [lhs, rhs] = await Promise.all([ctx.evaluate(ctx, e.lhs, grid), ctx.evaluate(ctx, e.rhs, grid)])
  const n = grid.n
  if (lhs.type === 'scalar' && rhs.type === 'scalar') {
    const vals = new Float64Array(n)
    const comparison = COMPARISON_OPS.has(e.op)
    for (let i = 0; i < n; i++) {
      const l = lhs.vals[i]
      const r = rhs.vals[i]
      vals[i] = comparison ? (holds(e.op, l, r) ? 1 : 0) : arith(e.op, l, r)
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
      const l = swap ? scalar[i] : s.vals[i]
      const r = swap ? s.vals[i] : scalar[i]
      const keep = holds(e.op, l, r)
      // A comparison keeps the vector's value, whichever side it is on.
      let v = comparison ? s.vals[i] : arith(e.op, l, r)
      if (e.returnBool) v = keep ? 1 : 0
      else if (!keep) continue
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
  // Signatures as small integers, computed once per series; per step the "one" side is a slot per signature.
  const sigIds = new Map<string, number>()
  const sigId = (labels: Labels) => {
    const sig = signature(labels, m)
    let id = sigIds.get(sig)
    if (id === undefined) sigIds.set(sig, (id = sigIds.size))
    return id
  }
  const oneSig = Int32Array.from(one, (s) => sigId(s.labels))
  const manySig = Int32Array.from(many, (s) => sigId(s.labels))
  const oneAt = new Int32Array(sigIds.size)
  const usedAt = new Int32Array(sigIds.size)
  const lastPartner = new Int32Array(many.length).fill(-1)
  const lastResult: Array<{ labels: Labels; key: string } | undefined> = new Array(many.length)
  const inserted = new Map<number, Set<string>>()
  const out = new SeriesCollector(n)
  const comparison = COMPARISON_OPS.has(e.op)
  for (let i = 0; i < n; i++) {
    oneAt.fill(-1)
    usedAt.fill(0)
    inserted.clear()
    for (let k = 0; k < one.length; k++) {
      if (!one[k].has[i]) continue
      const dup = oneAt[oneSig[k]]
      if (dup >= 0) {
        throw executionError(
          `found duplicate series for the match group on the ${swap ? 'left' : 'right'} hand-side of the operation: [${describe(one[k].labels)}, ${describe(one[dup].labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        )
      }
      oneAt[oneSig[k]] = k
    }
    for (let k = 0; k < many.length; k++) {
      const ls = many[k]
      if (!ls.has[i]) continue
      const sig = manySig[k]
      const r = oneAt[sig]
      if (r < 0) continue
      const rs = one[r]
      const vl = swap ? rs.vals[i] : ls.vals[i]
      const vr = swap ? ls.vals[i] : rs.vals[i]
      const keep = holds(e.op, vl, vr)
      let v = comparison ? vl : arith(e.op, vl, vr)
      if (e.returnBool) v = keep ? 1 : 0
      else if (!keep) continue
      // A series usually meets the same partner at every step: remember the last pair's labels.
      let result = lastResult[k]
      if (!result || lastPartner[k] !== r) {
        const labels = resultLabels(ls.labels, rs.labels, e, m)
        result = lastResult[k] = { labels, key: labelsKey(labels) }
        lastPartner[k] = r
      }
      if (m.card === 'one-to-one') {
        if (usedAt[sig]) throw executionError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)')
        usedAt[sig] = 1
      } else {
        let keys = inserted.get(sig)
        if (!keys) inserted.set(sig, (keys = new Set()))
        else if (keys.has(result.key)) throw executionError('multiple matches for labels: grouping labels must ensure unique matches')
        keys.add(result.key)
      }
      out.add(result.labels, result.key, i, v)
    }
  }
  return { type: 'vector', series: out.series() }
}

function describe(labels: Labels): string {
  const { __name__: name, ...rest } = labels
  return `${name ?? ''}{${Object.keys(rest).sort().map((k) => `${k}=${JSON.stringify(rest[k])}`).join(', ')}}`
}
