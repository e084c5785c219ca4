import { compareLabels, timeAt, type Grid, type Labels, type RawSeries, type StepSeries, type Value } from './values.js'

// Prometheus's JSON value formats (web/api/v1, jsonutil): times as seconds (ms precision), values as strings in
// Go's strconv.FormatFloat(v, 'f', -1, 64), NaN and ±Inf spelled "NaN", "+Inf", "-Inf".

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  if (Object.is(v, -0)) return '-0'
  const s = String(v)
  const e = s.indexOf('e')
  if (e < 0) return s
  // Expand the exponent: 'f' format never uses one.
  const sign = s[0] === '-' ? '-' : ''
  const mantissa = s.slice(sign.length, e)
  const exp = Number(s.slice(e + 1))
  const [int, frac = ''] = mantissa.split('.')
  const digits = int + frac
  const point = int.length + exp
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}

export const formatTime = (ms: number) => ms / 1000

type PromPoint = [number, string]
export type PromResult =
  | { resultType: 'matrix'; result: Array<{ metric: Labels; values: PromPoint[] }> }
  | { resultType: 'vector'; result: Array<{ metric: Labels; value: PromPoint }> }
  | { resultType: 'scalar' | 'string'; result: PromPoint }

const byLabels = (a: { metric: Labels }, b: { metric: Labels }) => compareLabels(a.metric, b.metric)

/** A range query's answer: a matrix sorted by labels; a scalar becomes one series with no labels. */
export function rangeResult(value: Value, grid: Grid): PromResult {
  const series: StepSeries[] =
    value.type === 'scalar' ? [{ labels: {}, key: '', vals: value.vals, has: new Uint8Array(grid.n).fill(1) }] : value.type === 'vector' ? value.series : []
  const result = []
  for (const s of series) {
    const values: PromPoint[] = []
    for (let i = 0; i < grid.n; i++) if (s.has[i]) values.push([formatTime(timeAt(grid, i)), formatValue(s.vals[i])])
    if (values.length > 0) result.push({ metric: s.labels, values })
  }
  return { resultType: 'matrix', result: result.sort(byLabels) }
}

/** An instant query's answer at `time`; `order` sorts a vector by value as sort() and sort_desc() ask. */
export function instantResult(value: Value, time: number, order?: 'asc' | 'desc'): PromResult {
  const t = formatTime(time)
  switch (value.type) {
    case 'scalar':
      return { resultType: 'scalar', result: [t, formatValue(value.vals[0])] }
    case 'string':
      return { resultType: 'string', result: [t, value.value] }
    case 'matrix':
      return { resultType: 'matrix', result: value.series.map((s: RawSeries) => ({ metric: s.labels, values: Array.from(s.ts, (ts, k): PromPoint => [formatTime(ts), formatValue(s.vals[k])]) })).sort(byLabels) }
    case 'vector': {
      const present = value.series.filter((s) => s.has[0]).sort((a, b) => compareLabels(a.labels, b.labels))
      if (order) {
        // Prometheus's vectorByValueHeap: NaN first ascending, last descending; stable otherwise.
        const asc = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b)
        present.sort((a, b) => (order === 'asc' ? asc(a.vals[0], b.vals[0]) : asc(b.vals[0], a.vals[0])))
      }
      return { resultType: 'vector', result: present.map((s) => ({ metric: s.labels, value: [t, formatValue(s.vals[0])] as PromPoint })) }
    }
  }
}
