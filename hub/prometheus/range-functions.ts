// Functions over a range window (promql/functions.go, Prometheus 2.42): each gets the window's samples
// ts[lo..hi), vals[lo..hi) and answers a number, or undefined for no output at this step.

export interface Window {
  ts: ArrayLike<number>
  vals: ArrayLike<number>
  lo: number
  hi: number
  /** The window's bounds [rangeStart, rangeEnd] in ms, for extrapolation. */
  rangeStart: number
  rangeEnd: number
  rangeMs: number
  /** quantile_over_time's φ at this step. */
  param?: number
}

type RangeFunction = (w: Window) => number | undefined

/** rate, increase and delta: Prometheus's extrapolatedRate. */
function extrapolatedRate(isCounter: boolean, isRate: boolean): RangeFunction {
  return ({ ts, vals, lo, hi, rangeStart, rangeEnd, rangeMs }) => {
    const n = hi - lo
    if (n < 2) return undefined
    const first = vals[lo]
    let result = vals[hi - 1] - first
    if (isCounter) {
      let prev = first
      for (let k = lo + 1; k < hi; k++) {
        if (vals[k] < prev) result += prev
        prev = vals[k]
      }
    }
    let durationToStart = (ts[lo] - rangeStart) / 1000
    const durationToEnd = (rangeEnd - ts[hi - 1]) / 1000
    const sampledInterval = (ts[hi - 1] - ts[lo]) / 1000
    const averageBetween = sampledInterval / (n - 1)
    if (isCounter && result > 0 && first >= 0) {
      // A counter cannot have been below zero: extrapolate no further back than its zero point.
      const durationToZero = sampledInterval * (first / result)
      if (durationToZero < durationToStart) durationToStart = durationToZero
    }
    const threshold = averageBetween * 1.1
    let extrapolateTo = sampledInterval
    extrapolateTo += durationToStart < threshold ? durationToStart : averageBetween / 2
    extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetween / 2
    let factor = extrapolateTo / sampledInterval
    if (isRate) factor /= rangeMs / 1000
    return result * factor
  }
}

/** irate and idelta: the last two samples. */
function instantValue(isRate: boolean): RangeFunction {
  return ({ ts, vals, lo, hi }) => {
    if (hi - lo < 2) return undefined
    const last = vals[hi - 1]
    const prev = vals[hi - 2]
    let result = isRate && last < prev ? last : last - prev
    const interval = ts[hi - 1] - ts[hi - 2]
    if (interval === 0) return undefined
    if (isRate) result /= interval / 1000
    return result
  }
}

function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc
  else c += inc - t + sum
  return [t, c]
}

/** Least-squares slope with x in seconds from `interceptMs` (Prometheus's linearRegression). */
function slope(w: Window): number | undefined {
  const { ts, vals, lo, hi } = w
  if (hi - lo < 2) return undefined
  const interceptMs = ts[lo]
  let n = 0
  let sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0
  let constY = true
  for (let k = lo; k < hi; k++) {
    if (constY && k > lo && vals[k] !== vals[lo]) constY = false
    n++
    const x = (ts[k] - interceptMs) / 1000
    ;[sumX, cX] = kahanInc(x, sumX, cX)
    ;[sumY, cY] = kahanInc(vals[k], sumY, cY)
    ;[sumXY, cXY] = kahanInc(x * vals[k], sumXY, cXY)
    ;[sumX2, cX2] = kahanInc(x * x, sumX2, cX2)
  }
  if (constY) return Number.isFinite(vals[lo]) ? 0 : NaN
  sumX += cX
  sumY += cY
  sumXY += cXY
  sumX2 += cX2
  const covXY = sumXY - (sumX * sumY) / n
  const varX = sumX2 - (sumX * sumX) / n
  return covXY / varX
}

function variance({ vals, lo, hi }: Window): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0
  for (let k = lo; k < hi; k++) {
    count++
    const delta = vals[k] - (mean + cMean)
    ;[mean, cMean] = kahanInc(delta / count, mean, cMean)
    ;[aux, cAux] = kahanInc(delta * (vals[k] - (mean + cMean)), aux, cAux)
  }
  return (aux + cAux) / count
}

/**
 * Prometheus's quantile over values (promql/quantile.go `quantile`): rank φ(n−1), linear between neighbours, NaN
 * sorted first as Go's sort.Float64s sorts it. Only the two values around the rank are needed, so they are
 * selected (quickselect, linear time) among the non-NaN values rather than sorting them all.
 */
export function quantileOf(q: number, values: ArrayLike<number>, lo = 0, hi = values.length): number {
  const n = hi - lo
  if (n <= 0 || Number.isNaN(q)) return NaN
  if (q < 0) return -Infinity
  if (q > 1) return Infinity
  const finite = new Float64Array(n)
  let m = 0
  for (let k = lo; k < hi; k++) if (!Number.isNaN(values[k])) finite[m++] = values[k]
  const nans = n - m
  const rank = q * (n - 1)
  const lower = Math.max(0, Math.floor(rank))
  const upper = Math.min(n - 1, lower + 1)
  const weight = rank - Math.floor(rank)
  // The k-th value in sorted order (NaN first); selecting `lower` first leaves every later value after it.
  const at = (k: number, from: number) => (k < nans ? NaN : kthSmallest(finite, m, k - nans, from))
  const a = at(lower, 0)
  const b = upper === lower ? a : at(upper, lower < nans ? 0 : lower - nans + 1)
  return a * (1 - weight) + b * weight
}

/**
 * The k-th smallest of values[0, m) (k from 0), as a numeric sort would place it (−0 before +0), moving values
 * within values[from, m) only; values before `from` are already the smallest, in place (quickselect, Hoare).
 */
function kthSmallest(values: Float64Array, m: number, k: number, from: number): number {
  if (k < from) return values[k]
  let left = from
  let right = m - 1
  while (right > left) {
    const pivot = values[(left + right) >>> 1]
    let i = left
    let j = right
    while (i <= j) {
      while (values[i] < pivot) i++
      while (values[j] > pivot) j--
      if (i <= j) {
        const t = values[i]
        values[i] = values[j]
        values[j] = t
        i++
        j--
      }
    }
    if (k <= j) right = j
    else if (k >= i) left = i
    else break
  }
  const v = values[k]
  if (v !== 0) return v
  // Zeros compare equal: the k-th is −0 when fewer than k + 1 values are below +0 (negatives and −0s).
  let below = 0
  for (let i = 0; i < m; i++) if (values[i] < 0 || Object.is(values[i], -0)) below++
  return k < below ? -0 : 0
}

function avgOverTime({ vals, lo, hi }: Window): number {
  let mean = 0, count = 0, c = 0
  for (let k = lo; k < hi; k++) {
    count++
    if (!Number.isFinite(mean) && Number.isFinite(vals[k])) continue
    if (!Number.isFinite(mean) || !Number.isFinite(vals[k])) {
      mean = mean + vals[k]
      continue
    }
    ;[mean, c] = kahanInc(vals[k] / count - mean / count, mean, c)
  }
  return Number.isFinite(mean) ? mean + c : mean
}

const nonEmpty = (f: (w: Window) => number): RangeFunction => (w) => (w.hi > w.lo ? f(w) : undefined)

export const RANGE_FUNCTIONS: Record<string, RangeFunction> = {
  rate: extrapolatedRate(true, true),
  increase: extrapolatedRate(true, false),
  delta: extrapolatedRate(false, false),
  irate: instantValue(true),
  idelta: instantValue(false),
  deriv: slope,
  resets: nonEmpty(({ vals, lo, hi }) => {
    let n = 0
    for (let k = lo + 1; k < hi; k++) if (vals[k] < vals[k - 1]) n++
    return n
  }),
  changes: nonEmpty(({ vals, lo, hi }) => {
    let n = 0
    for (let k = lo + 1; k < hi; k++) if (vals[k] !== vals[k - 1] && !(Number.isNaN(vals[k]) && Number.isNaN(vals[k - 1]))) n++
    return n
  }),
  avg_over_time: nonEmpty(avgOverTime),
  sum_over_time: nonEmpty(({ vals, lo, hi }) => {
    let sum = 0, c = 0
    for (let k = lo; k < hi; k++) [sum, c] = kahanInc(vals[k], sum, c)
    return Number.isFinite(sum) ? sum + c : sum
  }),
  count_over_time: nonEmpty(({ lo, hi }) => hi - lo),
  min_over_time: nonEmpty(({ vals, lo, hi }) => {
    let min = vals[lo]
    for (let k = lo; k < hi; k++) if (vals[k] < min || Number.isNaN(min)) min = vals[k]
    return min
  }),
  max_over_time: nonEmpty(({ vals, lo, hi }) => {
    let max = vals[lo]
    for (let k = lo; k < hi; k++) if (vals[k] > max || Number.isNaN(max)) max = vals[k]
    return max
  }),
  last_over_time: nonEmpty(({ vals, hi }) => vals[hi - 1]),
  present_over_time: nonEmpty(() => 1),
  stdvar_over_time: nonEmpty(variance),
  stddev_over_time: nonEmpty((w) => Math.sqrt(variance(w))),
  quantile_over_time: nonEmpty((w) => quantileOf(w.param ?? NaN, w.vals, w.lo, w.hi)),
}
