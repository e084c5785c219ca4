import { useState } from 'preact/hooks'
import { qs } from '../api.js'
import { useGet, useInterval, useLive } from '../app-context.js'
import { AlertList, type AlertRow } from '../components/alert-list.js'
import { Badge, Card, Empty, ErrorBox, Loading } from '../components/common.js'
import { fmtAgo, fmtTime } from '../format.js'

const TABS = [
  ['open', 'Alerts'],
  ['rules', 'Rules'],
  ['incidents', 'Incidents'],
  ['silences', 'Silences'],
] as const
const STATES = ['', 'firing', 'pending', 'acknowledged', 'silenced', 'resolved']

export function Alerts({ tab }: { tab?: string }) {
  const current = tab?.startsWith('alert/') ? 'history' : (tab ?? 'open')
  return (
    <div class="page alerts">
      <div class="page-head">
        <h1>Alerts</h1>
        <nav class="tabs">
          {TABS.map(([id, label]) => (
            <a key={id} href={`#/alerts/${id}`} class={current === id ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
      </div>
      {current === 'open' && <AlertsTab />}
      {current === 'rules' && <RulesTab />}
      {current === 'incidents' && <IncidentsTab />}
      {current === 'silences' && <SilencesTab />}
      {current === 'history' && <History id={tab!.slice(6)} />}
    </div>
  )
}

function AlertsTab() {
  const [state, setState] = useState('')
  const res = useGet<{ alerts: AlertRow[] }>(`/v1/alerts${qs({ state, limit: 500 })}`)
  useLive((e) => e.type === 'alert', res.reload)
  // A change whose event the stream lost (one CI run in two missed a firing alert here) still shows within 10 s.
  useInterval(res.reload, 10_000)
  // Without a filter: what needs attention (not resolved) first; resolved ones on the "resolved" filter.
  const rows = (res.data?.alerts ?? []).filter((a) => state || a.status !== 'resolved')
  return (
    <Card
      title={state ? `${state[0].toUpperCase()}${state.slice(1)} alerts` : 'Open alerts'}
      actions={
        <select aria-label="Alert state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {s || 'Open (firing, pending, acknowledged, silenced)'}
            </option>
          ))}
        </select>
      }
    >
      {res.error ? <ErrorBox error={res.error} retry={res.reload} /> : !res.data ? <Loading /> : <AlertList alerts={rows} onChange={res.reload} />}
    </Card>
  )
}

function RulesTab() {
  const rules = useGet<{ rules: any[] }>('/v1/rules')
  const open = useGet<{ alerts: AlertRow[] }>('/v1/alerts?limit=1000')
  useLive((e) => e.type === 'alert', open.reload)
  const byRule = new Map<string, AlertRow[]>()
  for (const a of open.data?.alerts ?? []) if (a.status !== 'resolved') byRule.set(a.rule, [...(byRule.get(a.rule) ?? []), a])
  if (rules.error) return <ErrorBox error={rules.error} retry={rules.reload} />
  if (!rules.data) return <Loading />
  return (
    <Card title={`Rules (${rules.data.rules.length})`}>
      {rules.data.rules.length === 0 ? (
        <Empty>No rules. Add them with --rules FILE or POST /v1/rules (docs/alerts.md).</Empty>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>Rule</th>
              <th>Kind</th>
              <th>Severity</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {rules.data.rules.map((r) => {
              const a = byRule.get(r.id) ?? []
              const firing = a.filter((x) => x.status !== 'pending').length
              return (
                <tr key={r.id}>
                  <td>
                    <div class="mono strong">{r.id}</div>
                    <div class="muted small">{r.annotations?.summary ?? r.metric ?? ''}</div>
                  </td>
                  <td>{r.kind}</td>
                  <td>
                    <Badge value={r.severity ?? 'info'} />
                  </td>
                  <td>{r.enabled === false ? <Badge value="disabled" tone="muted" /> : firing ? <Badge value={`${firing} firing`} tone="bad" /> : a.length ? <Badge value={`${a.length} pending`} tone="warn" /> : <Badge value="ok" />}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </Card>
  )
}

function IncidentsTab() {
  const res = useGet<{ incidents: any[] }>('/v1/incidents?limit=100')
  useLive((e) => e.type === 'alert', res.reload)
  if (res.error) return <ErrorBox error={res.error} retry={res.reload} />
  if (!res.data) return <Loading />
  return (
    <Card title="Incidents">
      {res.data.incidents.length === 0 ? (
        <Empty>No incidents</Empty>
      ) : (
        <table class="table">
          <tbody>
            {res.data.incidents.map((i) => (
              <tr key={i.id}>
                <td>
                  <Badge value={i.state === 'open' ? 'firing' : 'resolved'} />
                </td>
                <td class="mono">{i.rule}</td>
                <td>{(i.alerts ?? []).length} alerts</td>
                <td class="muted">
                  {fmtTime(i.startsAt)}
                  {i.endsAt ? ` → ${fmtTime(i.endsAt)}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  )
}

function SilencesTab() {
  const res = useGet<{ silences: any[] }>('/v1/silences')
  if (res.error) return <ErrorBox error={res.error} retry={res.reload} />
  if (!res.data) return <Loading />
  return (
    <Card title="Silences">
      {res.data.silences.length === 0 ? (
        <Empty>No silences</Empty>
      ) : (
        <table class="table">
          <tbody>
            {res.data.silences.map((s) => (
              <tr key={s.id}>
                <td>
                  <Badge value={s.active ? 'active' : 'expired'} tone={s.active ? 'info' : 'muted'} />
                </td>
                <td class="mono">
                  {Object.entries(s.matchers)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ')}
                </td>
                <td class="muted">{s.reason ?? ''}</td>
                <td class="muted">
                  by {s.author} · until {fmtTime(s.expiresAt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  )
}

function History({ id }: { id: string }) {
  const res = useGet<AlertRow & { history: any[] }>(`/v1/alerts/${encodeURIComponent(id)}`)
  useLive((e) => e.type === 'alert' && e.alert === id, res.reload)
  if (res.error) return <ErrorBox error={res.error} retry={res.reload} />
  if (!res.data) return <Loading />
  const a = res.data
  return (
    <div class="grid">
      <Card title={`${a.rule} on ${a.device}`}>
        <AlertList alerts={[a]} onChange={res.reload} />
      </Card>
      <Card title="History">
        <table class="table">
          <tbody>
            {a.history.map((h, i) => (
              <tr key={i}>
                <td class="muted mono small">{fmtTime(h.at)}</td>
                <td>
                  {h.from ?? 'new'} → <Badge value={h.to} />
                </td>
                <td class="muted">{h.by ? `by ${h.by}` : ''}</td>
                <td class="muted">{h.value !== undefined && h.value !== null ? `value ${h.value}` : ''}</td>
                <td class="muted">{h.note ?? fmtAgo(h.at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  )
}
