import { useState } from 'preact/hooks'
import { qs } from '../api.js'
import { useGet, useInterval } from '../app-context.js'
import { Badge, Card, Empty, ErrorBox, Loading } from '../components/common.js'
import { fmtAgo, fmtDuration, fmtTime } from '../format.js'

/** GET /v1/health: current status per device and check, fleet summary; a check's history on click. */
export function Health() {
  const res = useGet<any>('/v1/health')
  const [pick, setPick] = useState<{ device: string; check: string } | undefined>()
  useInterval(res.reload, 15_000)
  if (res.error) return <div class="page"><ErrorBox error={res.error} retry={res.reload} /></div>
  if (!res.data) return <Loading />
  const rows: any[] = (res.data.devices ?? []).flatMap((d: any) => d.checks.map((c: any) => ({ ...c, device: d.device })))
  const s = res.data.summary ?? { devices: 0, checks: 0, statuses: {} }
  const summary: Record<string, number> = { devices: s.devices, checks: s.checks, ...s.statuses }
  return (
    <div class="page health">
      <div class="page-head">
        <h1>Health</h1>
        <div class="stats">
          {Object.entries(summary)
            .filter(([, v]) => typeof v === 'number')
            .map(([k, v]) => (
              <div key={k} class={`stat ${k === 'unhealthy' && (v as number) > 0 ? 'bad' : k === 'degraded' && (v as number) > 0 ? 'warn' : ''}`}>
                <span class="stat-value">{String(v)}</span>
                <span class="stat-label">{k}</span>
              </div>
            ))}
        </div>
      </div>
      <Card title="Checks">
        {rows.length === 0 ? (
          <Empty>No health checks reported. Agents run them from their YAML (docs/health.md).</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th>Device</th>
                <th>Check</th>
                <th>Status</th>
                <th>Latency</th>
                <th>Message</th>
                <th>Reported</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={`${c.device}/${c.check}`} class="clickable" onClick={() => setPick({ device: c.device, check: c.check })}>
                  <td>
                    <a href={`#/device/${encodeURIComponent(c.device)}`}>{c.device}</a>
                  </td>
                  <td class="mono">{c.check}</td>
                  <td>
                    <Badge value={c.status} />
                  </td>
                  <td class="muted">{c.latencyMs !== undefined && c.latencyMs !== null ? fmtDuration(c.latencyMs) : ''}</td>
                  <td class="muted small wrap">{c.message ?? ''}</td>
                  <td class="muted">{fmtAgo(c.ts)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {pick && <CheckHistory {...pick} />}
    </div>
  )
}

function CheckHistory({ device, check }: { device: string; check: string }) {
  const res = useGet<any>(`/v1/health/history${qs({ device, check, from: '-24h', limit: 200 })}`)
  const rows: any[] = res.data?.history ?? res.data?.results ?? []
  return (
    <Card title={`History of ${check} on ${device} (24 h)`}>
      {res.error ? (
        <ErrorBox error={res.error} retry={res.reload} />
      ) : !res.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No history</Empty>
      ) : (
        <div class="history-strip">
          {rows
            .slice()
            .reverse()
            .map((h, i) => (
              <span key={i} class={`tick ${h.status}`} title={`${fmtTime(h.ts)} ${h.status} ${h.message ?? ''}`} />
            ))}
        </div>
      )}
    </Card>
  )
}
