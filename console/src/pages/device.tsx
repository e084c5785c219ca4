import { useEffect, useMemo, useState } from 'preact/hooks'
import { qs } from '../api.js'
import { useGet, useInterval, useLive } from '../app-context.js'
import { Badge, Card, Empty, ErrorBox, Loading } from '../components/common.js'
import { MetricChart, type MetricQuery } from '../components/metric-chart.js'
import { AlertList } from '../components/alert-list.js'
import { LogTable } from '../components/log-table.js'
import { fmtAgo, fmtBytes, fmtDuration, fmtTime } from '../format.js'
import { PRESETS, resolveRange, TimeRangePicker, type Preset, type TimeRange } from '../time-range.js'

interface Standard {
  title: string
  query: Omit<MetricQuery, 'params'>
  unit?: string
  /** Shown only when the device has data for it in the range (load, temperature). */
  optional?: boolean
}

// The charts every device gets (agent/collectors); any other metric of the device is picked from its names.
const STANDARD: Standard[] = [
  { title: 'CPU', query: { name: 'system_cpu_usage_ratio', agg: 'avg' }, unit: 'percent' },
  { title: 'Memory used', query: { name: 'system_memory_used_bytes', agg: 'avg' }, unit: 'bytes' },
  { title: 'Filesystem used', query: { name: 'system_filesystem_used_bytes', agg: 'max', groupBy: 'mount' }, unit: 'bytes' },
  { title: 'Network received', query: { name: 'system_network_receive_bytes_total', agg: 'rate', groupBy: 'interface' }, unit: 'bytes/s' },
  { title: 'Network sent', query: { name: 'system_network_transmit_bytes_total', agg: 'rate', groupBy: 'interface' }, unit: 'bytes/s' },
  { title: 'Load', query: { name: 'system_load_average', agg: 'avg' }, optional: true },
  { title: 'Temperature', query: { name: 'system_temperature_celsius', agg: 'max', groupBy: 'sensor' }, unit: 'celsius', optional: true },
]

export function Device({ id, params }: { id: string; params?: URLSearchParams }) {
  // `#/device/ID?range=7d` opens on a preset range (links, the bench).
  const initial = params?.get('range')
  const [range, setRange] = useState<TimeRange>({ preset: PRESETS.includes(initial as Preset) ? (initial as Preset) : '1h' })
  const [now, setNow] = useState(Date.now())
  const [extra, setExtra] = useState('')
  const live = range.preset !== 'custom'
  useInterval(() => setNow(Date.now()), live ? 10_000 : null)
  const { from, to } = resolveRange(range, now)
  const dev = useGet(`/v1/devices/${encodeURIComponent(id)}`)
  const chartCount = STANDARD.length
  // The charts go first: a browser opens six connections to the hub, and the cards below wait until every chart
  // has its answer (or 1.5 s have passed) rather than queue in front of them.
  const [loaded, setLoaded] = useState(0)
  const [waited, setWaited] = useState(false)
  useEffect(() => {
    const t = setTimeout(() => setWaited(true), 1500)
    return () => clearTimeout(t)
  }, [])
  const then = (path: string) => (waited || loaded >= chartCount ? path : null)
  const names = useGet<{ series: Array<{ name: string }> }>(then(`/v1/metrics/series${qs({ device: id })}`))
  const have = useMemo(() => new Set((names.data?.series ?? []).map((s) => s.name)), [names.data])
  const alerts = useGet<{ alerts: any[] }>(then(`/v1/alerts${qs({ device: id, limit: 50 })}`))
  const health = useGet<any>(then(`/v1/health${qs({ device: id })}`))
  const logs = useGet<{ logs: any[] }>(then(`/v1/logs${qs({ device: id, limit: 20, from: '-24h' })}`))
  const errors = useGet<{ errors: any[] }>(then(`/v1/logs/errors${qs({ device: id, from: '-24h', limit: 10 })}`))
  useLive((e) => 'device' in e && e.device === id, (e) => {
    dev.reload()
    if (e.type === 'alert') alerts.reload()
    if (e.type === 'log') (logs.reload(), errors.reload())
  })

  const charts = STANDARD
  const others = [...have].filter((n) => !STANDARD.some((c) => c.query.name === n)).sort()
  const zoom = (a: number, b: number) => setRange({ preset: 'custom', from: a, to: b })
  const d = dev.data
  const open = (alerts.data?.alerts ?? []).filter((a) => a.status !== 'resolved')

  return (
    <div class="page device">
      <div class="page-head">
        <div>
          <a class="muted small-link" href="#/fleet">
            ← Fleet
          </a>
          <h1 class="mono">{id}</h1>
        </div>
        <TimeRangePicker value={range} onChange={setRange} />
      </div>
      {dev.error ? (
        <ErrorBox error={dev.error} retry={dev.reload} />
      ) : !d ? (
        <Loading />
      ) : (
        // Keyed: an unkeyed div here would be matched with the charts' div below when it replaces Loading, and every
        // chart would mount again (and ask again).
        <div class="facts" key="facts">
          <Badge value={d.online ? 'online' : 'offline'} />
          <Fact label="Last seen" value={`${fmtAgo(d.lastSeen)} (${fmtTime(d.lastSeen)})`} />
          <Fact label="Agent" value={d.version ?? '–'} />
          <Fact label="Host" value={d.host ? `${d.host.hostname ?? ''} ${d.host.os ?? d.host.platform ?? ''} ${d.host.arch ?? ''}`.trim() : '–'} />
          <Fact label="Clock offset" value={d.clockOffsetMs === null ? '–' : `${d.clockOffsetMs >= 0 ? '+' : '−'}${fmtDuration(Math.abs(d.clockOffsetMs))}${d.clockCorrected ? ' (corrected)' : ''}`} />
          {d.clockJumps > 0 && d.lastClockJump && (
            <Fact
              label="Clock jumps"
              value={`${d.clockJumps} · last ${fmtAgo(d.lastClockJump.at)}: offset ${fmtOffset(d.lastClockJump.fromMs)} → ${fmtOffset(d.lastClockJump.toMs)}`}
            />
          )}
          <Fact label="Backlog" value={d.backlog ? `${d.backlog.batches} batches · ${fmtBytes(d.backlog.bytes)}` : '–'} />
          <Fact label="Samples" value={d.counters.samples.toLocaleString()} />
        </div>
      )}
      <div class="grid charts" key="charts">
        {charts.map((c) => (
          <MetricChart key={c.title} title={c.title} query={{ ...c.query, params: { device: id } }} unit={c.unit} from={from} to={to} onZoom={zoom} onLoaded={() => setLoaded((n) => n + 1)} optional={c.optional} />
        ))}
        {extra && <MetricChart key={extra} title={extra} query={{ name: extra, agg: 'avg', params: { device: id } }} from={from} to={to} onZoom={zoom} />}
      </div>
      <div class="row">
        <label class="inline">
          Other metric{' '}
          <select aria-label="Other metric" value={extra} onChange={(e) => setExtra(e.currentTarget.value)}>
            <option value="">Choose a metric…</option>
            {others.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        {names.error && <ErrorBox error={names.error} retry={names.reload} />}
      </div>
      <div class="grid two">
        <Card title={`Open alerts (${open.length})`}>{alerts.error ? <ErrorBox error={alerts.error} retry={alerts.reload} /> : !alerts.data ? <Loading /> : <AlertList alerts={open} onChange={alerts.reload} compact />}</Card>
        <Card title="Health checks">{health.error ? <ErrorBox error={health.error} retry={health.reload} /> : !health.data ? <Loading /> : <HealthChecks data={health.data} />}</Card>
      </div>
      <div class="grid two">
        <Card title="Recent logs" actions={<a href={`#/logs?device=${encodeURIComponent(id)}`}>All logs →</a>}>{logs.error ? <ErrorBox error={logs.error} retry={logs.reload} /> : !logs.data ? <Loading /> : <LogTable logs={logs.data.logs} compact />}</Card>
        <Card title="Errors (24 h)">
          {errors.error ? (
            <ErrorBox error={errors.error} retry={errors.reload} />
          ) : !errors.data ? (
            <Loading />
          ) : errors.data.errors.length === 0 ? (
            <Empty>No errors in the last 24 hours</Empty>
          ) : (
            <table class="table">
              <tbody>
                {errors.data.errors.map((e) => (
                  <tr key={e.fingerprint}>
                    <td class="num">{e.count}×</td>
                    <td>
                      <div class="mono wrap">{e.message}</div>
                      <div class="muted small">
                        {e.component ?? ''} · last {fmtAgo(e.lastSeen)}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </div>
  )
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div class="fact">
      <span class="fact-label">{label}</span>
      <span class="fact-value">{value}</span>
    </div>
  )
}

/** GET /v1/health?device= rows: current status per check. */
export function HealthChecks({ data }: { data: any }) {
  const rows: any[] = data.checks ?? data.devices?.flatMap((d: any) => (d.checks ?? []).map((c: any) => ({ ...c, device: d.device ?? d.id }))) ?? data.current ?? []
  if (rows.length === 0) return <Empty>No health checks reported</Empty>
  return (
    <table class="table">
      <tbody>
        {rows.map((c) => (
          <tr key={`${c.device}/${c.check}`}>
            <td class="mono">{c.check}</td>
            <td>
              <Badge value={c.status} />
            </td>
            <td class="muted">{c.latencyMs !== undefined ? fmtDuration(c.latencyMs) : ''}</td>
            <td class="muted small wrap">{c.message ?? ''}</td>
            <td class="muted">{fmtAgo(c.ts)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** A clock offset with its sign: +1h means the device's clock is an hour behind the hub's. */
function fmtOffset(ms: number): string {
  return `${ms >= 0 ? '+' : '−'}${fmtDuration(Math.abs(ms))}`
}
