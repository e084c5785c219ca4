import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { useGet } from '../app-context.js'
import { Chart } from '../components/chart.js'
import { ErrorBox, Loading } from '../components/common.js'
import { fmtTime, fmtValue } from '../format.js'
import { stepFor } from '../time-range.js'
import { lastValues, seriesLabel, singleValue, tableRows, thresholdColor, withRange, type PanelSpec, type SeriesAnswer } from './extract.js'

const COLORS: Record<string, string> = { green: '#16a34a', yellow: '#ca8a04', orange: '#ea580c', red: '#dc2626', blue: '#2563eb', grey: '#6b7280' }
const colorOf = (name?: string) => (name ? (COLORS[name] ?? name) : undefined)

/** One dashboard panel: its query over the dashboard's range, drawn by type. */
export function Panel({ spec, from, to, tick, onZoom }: { spec: PanelSpec; from: number; to: number; tick: number; onZoom: (a: number, b: number) => void }) {
  const step = stepFor(from, to, spec.type === 'heatmap' ? 60 : 560)
  const stepMs = step * 1000
  const a = Math.floor(from / stepMs) * stepMs
  const b = Math.ceil(to / stepMs) * stepMs
  const res = useGet<any>(withRange(spec.query, a, b, step))
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      // A rate needs two answers: the second comes soon rather than at the next refresh.
      if (spec.rate) {
        const t = setTimeout(res.reload, 2000)
        return () => clearTimeout(t)
      }
      return
    }
    res.reload()
  }, [tick])
  const width = spec.width ?? (spec.type === 'graph' || spec.type === 'heatmap' || spec.type === 'table' ? 6 : 3)
  return (
    <section class={`card panel panel-${spec.type}`} style={{ gridColumn: `span ${width}` }}>
      <header class="card-head">
        <h2>{spec.title}</h2>
      </header>
      <div class="card-body">{res.error ? <ErrorBox error={res.error} retry={res.reload} /> : res.data === undefined ? <Loading /> : <Body spec={spec} data={res.data} from={a} to={b} onZoom={onZoom} />}</div>
    </section>
  )
}

function Body({ spec, data, from, to, onZoom }: { spec: PanelSpec; data: any; from: number; to: number; onZoom: (a: number, b: number) => void }) {
  switch (spec.type) {
    case 'graph':
      return <Graph spec={spec} data={data} from={from} to={to} onZoom={onZoom} />
    case 'stat':
      return <Stat spec={spec} data={data} />
    case 'gauge':
      return <Gauge spec={spec} data={data} />
    case 'table':
      return <Table spec={spec} data={data} />
    case 'heatmap':
      return <Heatmap spec={spec} data={data} from={from} to={to} />
    case 'histogram':
      return <Histogram spec={spec} data={data} />
  }
}

function Graph({ spec, data, from, to, onZoom }: { spec: PanelSpec; data: SeriesAnswer; from: number; to: number; onZoom: (a: number, b: number) => void }) {
  const series = useMemo(() => (data.series ?? []).map((s) => ({ label: seriesLabel(s.labels), points: s.points })), [data])
  if (series.length === 0) return <div class="empty small">No data in this range</div>
  return <Chart series={series} unit={spec.unit} from={from} to={to} onZoom={onZoom} height={200} />
}

/** A number; with `rate`, the change per second since the previous answer. */
function useShown(spec: PanelSpec, data: any): number | null {
  const v = singleValue(data, spec)
  const prev = useRef<{ v: number; at: number } | undefined>()
  const [rate, setRate] = useState<number | null>(null)
  useEffect(() => {
    if (!spec.rate || v === null) return
    const now = performance.now()
    if (prev.current && now > prev.current.at) setRate(Math.max(0, ((v - prev.current.v) / (now - prev.current.at)) * 1000))
    prev.current = { v, at: now }
  }, [data])
  return spec.rate ? rate : v
}

function Stat({ spec, data }: { spec: PanelSpec; data: any }) {
  const v = useShown(spec, data)
  return (
    <div class="stat-panel" style={{ color: colorOf(thresholdColor(v, spec)) }} data-value={v ?? ''}>
      {spec.rate && v === null ? <span class="muted small">measuring…</span> : fmtValue(v, spec.unit, spec.decimals)}
    </div>
  )
}

function Gauge({ spec, data }: { spec: PanelSpec; data: any }) {
  const v = useShown(spec, data)
  const min = spec.min ?? 0
  const max = spec.max ?? (spec.unit === 'percent' ? 1 : 100)
  const f = v === null ? 0 : Math.min(1, Math.max(0, (v - min) / (max - min)))
  const angle = Math.PI * (1 - f)
  const x = 60 + 48 * Math.cos(angle)
  const y = 60 - 48 * Math.sin(angle)
  return (
    <svg class="gauge" viewBox="0 0 120 72" role="img" aria-label={`${spec.title} ${fmtValue(v, spec.unit)}`}>
      <path d="M12 60 A48 48 0 0 1 108 60" fill="none" stroke="#e5e7eb" stroke-width="10" stroke-linecap="round" />
      {f > 0 && <path d={`M12 60 A48 48 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`} fill="none" stroke={colorOf(thresholdColor(v, spec)) ?? '#2563eb'} stroke-width="10" stroke-linecap="round" />}
      <text x="60" y="58" text-anchor="middle" font-size="15" font-weight="600" fill="#111827">
        {fmtValue(v, spec.unit, spec.decimals)}
      </text>
    </svg>
  )
}

function cell(v: unknown, key: string, spec: PanelSpec): string {
  if (typeof v === 'number') return key === 'value' ? fmtValue(v, spec.unit, spec.decimals) : /At$|Seen$|^ts$/.test(key) ? fmtTime(v) : fmtValue(v)
  if (v === null || v === undefined) return '–'
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

function Table({ spec, data }: { spec: PanelSpec; data: any }) {
  const rows = tableRows(data, spec).slice(0, 200)
  if (rows.length === 0) return <div class="empty small">Nothing to show</div>
  const cols = spec.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => !['labels', 'annotations', 'history'].includes(k)).slice(0, 7)
  return (
    <div class="table-scroll">
      <table class="table">
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {cols.map((c) => (
                <td key={c} class="small">
                  {cell(r[c], c, spec)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Series as rows, time as columns, colour by value (light → dark, or threshold colours when set). */
function Heatmap({ spec, data, from, to }: { spec: PanelSpec; data: SeriesAnswer; from: number; to: number }) {
  const rows = (data.series ?? []).slice(0, 60)
  if (rows.length === 0) return <div class="empty small">No data in this range</div>
  let lo = Infinity
  let hi = -Infinity
  for (const s of rows) for (const [, v] of s.points) if (v !== null) (lo = Math.min(lo, v)), (hi = Math.max(hi, v))
  const min = spec.min ?? lo
  const max = spec.max ?? hi
  // Columns span the whole range (a device that reported only lately shows gaps first), one per step.
  const stepMs = (data as any).step ?? Math.max(1, ...rows.map((s) => (s.points.length > 1 ? s.points[1][0] - s.points[0][0] : 0)))
  const cols = Math.min(240, Math.max(1, Math.round((to - from) / stepMs)))
  return (
    <div class="heatmap" data-rows={rows.length}>
      {rows.map((s) => {
        const cells: Array<number | null> = new Array(cols).fill(null)
        for (const [t, v] of s.points) {
          const i = Math.floor((t - from) / stepMs)
          if (i >= 0 && i < cols) cells[i] = v
        }
        return (
          <div class="hm-row" key={seriesLabel(s.labels)}>
            <span class="hm-label mono small" title={seriesLabel(s.labels)}>
              {seriesLabel(s.labels)}
            </span>
            <span class="hm-cells" style={{ gridTemplateColumns: `repeat(${cols}, 1fr)` }}>
              {cells.map((v, i) => {
                const f = v === null || max <= min ? 0 : Math.min(1, Math.max(0, (v - min) / (max - min)))
                const bg = v === null ? '#f3f4f6' : (colorOf(thresholdColor(v, spec)) ?? `hsl(${Math.round(140 - f * 140)} 70% ${Math.round(62 - f * 14)}%)`)
                return <span key={i} style={{ background: bg }} title={`${fmtTime(from + i * stepMs)} ${fmtValue(v, spec.unit)}`} />
              })}
            </span>
          </div>
        )
      })}
      <div class="hm-row small muted">
        <span />
        <span class="hm-axis">
          <span>{fmtTime(from, false)}</span>
          <span class="hm-scale">
            {fmtValue(min, spec.unit)} <span class="hm-legend" /> {fmtValue(max, spec.unit)}
          </span>
          <span>{fmtTime(to, false)}</span>
        </span>
      </div>
    </div>
  )
}

function Histogram({ spec, data }: { spec: PanelSpec; data: any }) {
  const values = lastValues(data)
  if (values.length === 0) return <div class="empty small">No data in this range</div>
  const lo = spec.min ?? Math.min(...values)
  const hi = spec.max ?? Math.max(...values)
  const n = 10
  const width = hi > lo ? (hi - lo) / n : 1
  const counts = new Array(n).fill(0)
  for (const v of values) counts[Math.min(n - 1, Math.max(0, Math.floor((v - lo) / width)))]++
  const top = Math.max(...counts)
  return (
    <div class="histogram">
      {counts.map((c, i) => (
        <div class="hist-bar" key={i} title={`${fmtValue(lo + i * width, spec.unit)} – ${fmtValue(lo + (i + 1) * width, spec.unit)}: ${c}`}>
          <span style={{ height: `${top ? (c / top) * 100 : 0}%` }} />
          <em>{c || ''}</em>
        </div>
      ))}
      <div class="hist-axis small muted">
        <span>{fmtValue(lo, spec.unit)}</span>
        <span>{fmtValue(hi, spec.unit)}</span>
      </div>
    </div>
  )
}
