import { compareLabels, type Labels, type RawSeries, type Value } from './values.js'

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

// Answers are written as JSON text directly: a dashboard's matrix is 100 series × hundreds of points, and building
// arrays of [t, "v"] pairs for JSON.stringify costs more than evaluating the query. Range answers: series-text.ts.

const str = JSON.stringify
const point = (ms: number, v: number) => `[${formatTime(ms)},"${formatValue(v)}"]`

function sortedSeries<T extends { labels: Labels }>(series: T[]): T[] {
  return [...series].sort((a, b) => compareLabels(a.labels, b.labels))
}

/** An instant query's `data` as JSON at `time`; `order` sorts a vector by value as sort() and sort_desc() ask. */
export function instantResultJson(value: Value, time: number, order?: 'asc' | 'desc'): string {
  switch (value.type) {
    case 'scalar':
      return `{"resultType":"scalar","result":${point(time, value.vals[0])}}`
    case 'string':
      return `{"resultType":"string","result":[${formatTime(time)},${str(value.value)}]}`
    case 'matrix': {
      const parts = sortedSeries(value.series).map((s: RawSeries) => {
        const points = Array.from(s.ts, (ts, k) => point(ts, s.vals[k]))
        return `{"metric":${str(s.labels)},"values":[${points.join(',')}]}`
      })
      return `{"resultType":"matrix","result":[${parts.join(',')}]}`
    }
    case 'vector': {
      const present = sortedSeries(value.series.filter((s) => s.has[0]))
      if (order) {
        // Prometheus's vectorByValueHeap: NaN first ascending, last descending; stable otherwise.
        const asc = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b)
        present.sort((a, b) => (order === 'asc' ? asc(a.vals[0], b.vals[0]) : asc(b.vals[0], a.vals[0])))
      }
      const parts = present.map((s) => `{"metric":${str(s.labels)},"value":${point(time, s.vals[0])}}`)
      return `{"resultType":"vector","result":[${parts.join(',')}]}`
    }
  }
}
