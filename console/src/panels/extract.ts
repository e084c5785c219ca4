// Turning an API answer into what a panel shows (docs/console.md "Dashboards").

export interface PanelSpec {
  title: string
  type: 'graph' | 'stat' | 'gauge' | 'table' | 'heatmap' | 'histogram'
  query: string
  field?: string
  reduce?: 'last' | 'sum' | 'avg' | 'min' | 'max' | 'count'
  rate?: boolean
  unit?: string
  decimals?: number
  min?: number
  max?: number
  thresholds?: Array<{ value: number; color: string }>
  width?: number
  columns?: string[]
}

export interface SeriesAnswer {
  series: Array<{ labels: Record<string, string>; points: Array<[number, number | null]> }>
}

/** Adds from, to and step to a metrics query that names none (the dashboard's range). */
export function withRange(query: string, from: number, to: number, step: number): string {
  const [path, q = ''] = query.split('?')
  const p = new URLSearchParams(q)
  const ranged = path.startsWith('/v1/metrics/') || path.startsWith('/v1/logs') || path.startsWith('/v1/traces')
  if (ranged && !p.has('from')) p.set('from', String(from))
  if (ranged && !p.has('to') && !p.get('from')?.startsWith('-')) p.set('to', String(to))
  if (path === '/v1/metrics/query' && !p.has('step')) p.set('step', `${step}s`)
  const s = p.toString()
  return s ? `${path}?${s}` : path
}

/** `a.b`, `list[].x` (maps over the list), `list.length`. */
export function pick(data: unknown, field: string): unknown {
  let cur: unknown[] = [data]
  let mapped = false
  for (const part of field.split('.')) {
    const many = part.endsWith('[]')
    const key = many ? part.slice(0, -2) : part
    cur = cur.map((v) => (key === 'length' && Array.isArray(v) ? v.length : (v as any)?.[key]))
    if (many) {
      cur = cur.flatMap((v) => (Array.isArray(v) ? v : []))
      mapped = true
    }
  }
  return mapped ? cur : cur[0]
}

export function reduceValues(values: number[], how: PanelSpec['reduce'] = 'sum'): number | null {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x))
  if (how === 'count') return v.length
  if (v.length === 0) return how === 'sum' ? 0 : null
  switch (how) {
    case 'last':
      return v[v.length - 1]
    case 'avg':
      return v.reduce((a, b) => a + b, 0) / v.length
    case 'min':
      return Math.min(...v)
    case 'max':
      return Math.max(...v)
    default:
      return v.reduce((a, b) => a + b, 0)
  }
}

const lastOf = (points: Array<[number, number | null]>) => {
  for (let i = points.length - 1; i >= 0; i--) if (points[i][1] !== null) return points[i][1] as number
  return null
}

/** One number: the field (reduced when it maps over a list), or the series' last values reduced. */
export function singleValue(data: any, spec: PanelSpec): number | null {
  if (spec.field) {
    const v = pick(data, spec.field)
    if (Array.isArray(v)) return reduceValues(v.map(Number), spec.reduce)
    return typeof v === 'number' ? v : v === undefined || v === null ? null : Number(v)
  }
  if (Array.isArray(data?.series)) return reduceValues((data as SeriesAnswer).series.map((s) => lastOf(s.points)).filter((x): x is number => x !== null), spec.reduce)
  return null
}

export function seriesLabel(labels: Record<string, string>): string {
  const e = Object.entries(labels)
  return e.length === 0 ? 'all' : e.map(([, v]) => v).join(' ')
}

/** Rows for a table panel: the field's list of objects, or one row per series with its last value. */
export function tableRows(data: any, spec: PanelSpec): Array<Record<string, unknown>> {
  if (spec.field) {
    const v = pick(data, spec.field)
    return Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>) : { value: x })) : [{ value: v }]
  }
  if (Array.isArray(data?.series)) return (data as SeriesAnswer).series.map((s) => ({ series: seriesLabel(s.labels), value: lastOf(s.points) }))
  for (const v of Object.values(data ?? {})) if (Array.isArray(v)) return v as Array<Record<string, unknown>>
  return []
}

/** The last value of each series (a histogram of the fleet: how many devices at each CPU level). */
export function lastValues(data: any): number[] {
  return Array.isArray(data?.series) ? (data as SeriesAnswer).series.map((s) => lastOf(s.points)).filter((x): x is number => x !== null) : []
}

export function thresholdColor(v: number | null, spec: PanelSpec): string | undefined {
  if (v === null || !spec.thresholds?.length) return undefined
  let color: string | undefined
  for (const t of [...spec.thresholds].sort((a, b) => a.value - b.value)) if (v >= t.value) color = t.color
  return color
}
