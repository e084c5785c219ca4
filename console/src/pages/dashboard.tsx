import { useState } from 'preact/hooks'
import { canOperate } from '../api.js'
import { useApp, useGet, useInterval } from '../app-context.js'
import { ErrorBox, Loading } from '../components/common.js'
import { Panel } from '../panels/panel.js'
import { resolveRange, TimeRangePicker, type TimeRange } from '../time-range.js'
import { DashboardEditor } from './dashboard-editor.js'

export function DashboardView({ id }: { id: string }) {
  const { role } = useApp()
  const res = useGet<any>(`/v1/dashboards/${encodeURIComponent(id)}`)
  const [range, setRange] = useState<TimeRange>({ preset: '1h' })
  const [tick, setTick] = useState(0)
  const [now, setNow] = useState(Date.now())
  const [editing, setEditing] = useState(false)
  useInterval(() => (setNow(Date.now()), setTick((t) => t + 1)), range.preset === 'custom' ? null : 10_000)
  if (res.error) return <div class="page"><ErrorBox error={res.error} retry={res.reload} /></div>
  if (!res.data) return <Loading />
  const d = res.data
  const { from, to } = resolveRange(range, now)
  return (
    <div class="page dashboard">
      <div class="page-head">
        <div>
          <a class="muted small-link" href="#/dashboards">
            ← Dashboards
          </a>
          <h1>{d.title}</h1>
          {d.description && <div class="muted">{d.description}</div>}
        </div>
        <div class="row">
          <TimeRangePicker value={range} onChange={setRange} />
          {canOperate(role) && (
            <button class="btn" onClick={() => setEditing(!editing)}>
              {editing ? 'Close editor' : 'Edit'}
            </button>
          )}
        </div>
      </div>
      {editing && <DashboardEditor initial={d} onDone={() => (setEditing(false), res.reload())} />}
      <div class="panels">
        {d.panels.map((p: any, i: number) => (
          <Panel key={`${i}-${p.title}-${p.query}`} spec={p} from={from} to={to} tick={tick} onZoom={(a, b) => setRange({ preset: 'custom', from: a, to: b })} />
        ))}
      </div>
    </div>
  )
}
