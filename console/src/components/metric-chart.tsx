import { useEffect, useMemo } from 'preact/hooks'
import { qs } from '../api.js'
import { useGet } from '../app-context.js'
import { stepFor } from '../time-range.js'
import { Chart, type ChartSeries } from './chart.js'
import { Card, ErrorBox, Loading } from './common.js'

export interface MetricQuery {
  name: string
  agg?: string
  groupBy?: string
  params?: Record<string, string>
}

interface QueryAnswer {
  series: Array<{ labels: Record<string, string>; points: Array<[number, number | null]> }>
}

function labelOf(labels: Record<string, string>, fallback: string): string {
  const parts = Object.entries(labels).filter(([k]) => k !== 'device' || Object.keys(labels).length === 1)
  return parts.length ? parts.map(([k, v]) => (k === 'device' || k === 'mount' || k === 'interface' ? v : `${k}=${v}`)).join(' ') : fallback
}

/** One chart of GET /v1/metrics/query over the range, its step chosen from the chart's width. */
export function MetricChart({ title, query, unit, from, to, onZoom, onLoaded, optional, width = 560 }: { optional?: boolean; title: string; query: MetricQuery; unit?: string; from: number; to: number; onZoom?: (from: number, to: number) => void; onLoaded?: () => void; width?: number }) {
  const step = stepFor(from, to, width)
  // Snap the range to the step, so a live refresh asks for the same buckets and the answer is stable.
  const stepMs = step * 1000
  const a = Math.floor(from / stepMs) * stepMs
  const b = Math.ceil(to / stepMs) * stepMs
  const path = `/v1/metrics/query${qs({ name: query.name, from: a, to: b, step: `${step}s`, agg: query.agg, groupBy: query.groupBy, ...query.params })}`
  const res = useGet<QueryAnswer>(path)
  const answered = res.data !== undefined || res.error !== undefined
  useEffect(() => {
    if (answered) onLoaded?.()
  }, [answered])
  const series: ChartSeries[] = useMemo(() => (res.data?.series ?? []).map((s) => ({ label: labelOf(s.labels, query.name), points: s.points })), [res.data])
  // An optional chart (load, temperature) is asked for at once, beside the others, and shown only if it has data.
  if (optional && res.data && series.length === 0) return null
  return (
    <Card title={title} class="chart-card">
      {res.error ? <ErrorBox error={res.error} retry={res.reload} /> : !res.data ? <Loading /> : series.length === 0 ? <div class="empty small">No data in this range</div> : <Chart series={series} unit={unit} from={a} to={b} onZoom={onZoom} />}
    </Card>
  )
}
