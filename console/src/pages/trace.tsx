import { useMemo, useState } from 'preact/hooks'
import { qs } from '../api.js'
import { useGet } from '../app-context.js'
import { Badge, Card, Empty, ErrorBox, Loading } from '../components/common.js'
import { LogTable, type LogRow } from '../components/log-table.js'
import { fmtDuration, fmtTime } from '../format.js'

interface SpanNode {
  spanId: string
  name: string
  service: string | null
  kind: string | null
  device: string
  start: number
  end: number
  durationMs: number
  status: string
  attributes: Record<string, unknown>
  events: Array<{ ts: number; name: string; attrs?: Record<string, unknown> }>
  children: SpanNode[]
}

function flatten(roots: SpanNode[]): Array<{ span: SpanNode; depth: number }> {
  const out: Array<{ span: SpanNode; depth: number }> = []
  const walk = (s: SpanNode, depth: number) => {
    out.push({ span: s, depth })
    for (const c of s.children) walk(c, depth + 1)
  }
  for (const r of roots) walk(r, 0)
  return out
}

/** One trace as a waterfall (GET /v1/traces/{id}); a span's attributes and events; the logs carrying its trace id. */
export function Trace({ id }: { id: string }) {
  const res = useGet<any>(`/v1/traces/${encodeURIComponent(id)}`)
  const [selected, setSelected] = useState<string | undefined>()
  const rows = useMemo(() => (res.data ? flatten(res.data.roots) : []), [res.data])
  const t0 = res.data?.start ?? 0
  const total = Math.max(0.001, res.data?.durationMs ?? 1)
  // Logs have no trace-id filter in the API: ask for the trace's devices around its time, keep the matching lines.
  const logPath = res.data ? `/v1/logs${qs({ device: res.data.devices.length === 1 ? res.data.devices[0] : undefined, from: Math.floor(t0 - 60_000), to: Math.ceil(t0 + total + 60_000), limit: 1000 })}` : null
  const logs = useGet<{ logs: LogRow[] }>(logPath)
  const traceLogs = (logs.data?.logs ?? []).filter((l) => l.traceId === id)
  const span = rows.find((r) => r.span.spanId === selected)?.span ?? rows[0]?.span
  if (res.error)
    return (
      <div class="page">
        <div>
          <a class="muted small-link" href="#/traces">
            ← Traces
          </a>
          <h1>Trace {id}</h1>
        </div>
        <ErrorBox error={res.error} retry={res.reload} />
      </div>
    )
  if (!res.data) return <Loading />
  return (
    <div class="page trace">
      <div class="page-head">
        <div>
          <a class="muted small-link" href="#/traces">
            ← Traces
          </a>
          <h1>
            {res.data.rootService ? `${res.data.rootService}: ` : ''}
            {res.data.rootName} {res.data.error && <Badge value="error" />}
          </h1>
          <div class="muted mono small">
            {id} · {fmtTime(t0)} · {fmtDuration(total)} · {res.data.spanCount} spans · {res.data.devices.join(', ')}
          </div>
        </div>
      </div>
      <Card title="Waterfall">
        <div class="waterfall" data-spans={rows.length}>
          {rows.map(({ span: s, depth }) => (
            <button key={s.spanId} class={`wf-row ${s.spanId === span?.spanId ? 'selected' : ''}`} onClick={() => setSelected(s.spanId)}>
              <span class="wf-name" style={{ paddingLeft: `${depth * 16 + 6}px` }}>
                <span class="muted">{s.service ?? ''}</span> {s.name}
              </span>
              <span class="wf-track">
                <span class={`wf-bar ${s.status === 'error' ? 'err' : ''}`} style={{ left: `${((s.start - t0) / total) * 100}%`, width: `${Math.max(0.4, (s.durationMs / total) * 100)}%` }} />
              </span>
              <span class="wf-dur small">{fmtDuration(s.durationMs)}</span>
            </button>
          ))}
        </div>
      </Card>
      <div class="grid two">
        <Card title={span ? `Span: ${span.name}` : 'Span'}>
          {span && (
            <table class="table kv">
              <tbody>
                {Object.entries({ service: span.service, kind: span.kind, device: span.device, status: span.status, start: fmtTime(span.start), duration: fmtDuration(span.durationMs), spanId: span.spanId, ...span.attributes }).map(([k, v]) => (
                  <tr key={k}>
                    <th class="mono">{k}</th>
                    <td class="mono wrap">{v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v)}</td>
                  </tr>
                ))}
                {span.events.map((e, i) => (
                  <tr key={`e${i}`}>
                    <th class="mono">event +{fmtDuration(e.ts - span.start)}</th>
                    <td class="mono wrap">
                      {e.name} {e.attrs ? JSON.stringify(e.attrs) : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title={`Logs of this trace (${traceLogs.length})`}>{logs.error ? <ErrorBox error={logs.error} retry={logs.reload} /> : !logs.data ? <Loading /> : traceLogs.length === 0 ? <Empty>No log line carries this trace id</Empty> : <LogTable logs={traceLogs} compact />}</Card>
      </div>
    </div>
  )
}
