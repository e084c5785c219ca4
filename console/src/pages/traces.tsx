import { useState } from 'preact/hooks'
import { qs } from '../api.js'
import { useGet } from '../app-context.js'
import { Badge, Card, Empty, ErrorBox, Loading } from '../components/common.js'
import { fmtDuration, fmtTime } from '../format.js'

export function Traces() {
  const [draft, setDraft] = useState({ service: '', operation: '', minDuration: '', errors: false, from: '-1h' })
  const [query, setQuery] = useState(draft)
  const res = useGet<{ traces: any[] }>(`/v1/traces${qs({ service: query.service, operation: query.operation, minDuration: query.minDuration, error: query.errors ? 'true' : undefined, from: query.from, limit: 100 })}`)
  const max = Math.max(1, ...(res.data?.traces ?? []).map((t) => t.durationMs))
  return (
    <div class="page traces">
      <div class="page-head">
        <h1>Traces</h1>
      </div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault()
          setQuery({ ...draft })
          res.reload()
        }}
      >
        <input type="search" aria-label="Service" placeholder="Service" value={draft.service} onInput={(e) => setDraft({ ...draft, service: e.currentTarget.value })} />
        <input type="search" aria-label="Operation" placeholder="Operation" value={draft.operation} onInput={(e) => setDraft({ ...draft, operation: e.currentTarget.value })} />
        <input type="search" aria-label="Min duration" placeholder="Min duration, e.g. 250ms" value={draft.minDuration} onInput={(e) => setDraft({ ...draft, minDuration: e.currentTarget.value })} />
        <label class="inline">
          <input type="checkbox" checked={draft.errors} onChange={(e) => setDraft({ ...draft, errors: e.currentTarget.checked })} /> Errors only
        </label>
        <select aria-label="Since" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })}>
          {['-15m', '-1h', '-6h', '-24h', '-7d'].map((f) => (
            <option key={f} value={f}>
              last {f.slice(1)}
            </option>
          ))}
        </select>
        <button class="btn primary">Search</button>
      </form>
      <Card>
        {res.error ? (
          <ErrorBox error={res.error} retry={res.reload} />
        ) : !res.data ? (
          <Loading />
        ) : res.data.traces.length === 0 ? (
          <Empty>No traces match</Empty>
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th>Trace</th>
                <th>Started</th>
                <th>Spans</th>
                <th class="bar-col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {res.data.traces.map((t) => (
                <tr key={t.traceId}>
                  <td>
                    <a class="strong" href={`#/traces/${t.traceId}`}>
                      {t.rootService ? `${t.rootService}: ` : ''}
                      {t.rootName}
                    </a>{' '}
                    {t.error && <Badge value="error" />}
                    <div class="muted small mono">
                      {t.traceId} · {t.devices.join(', ')}
                    </div>
                  </td>
                  <td class="muted">{fmtTime(t.start)}</td>
                  <td>{t.spanCount}</td>
                  <td class="bar-col">
                    <div class="dur-bar">
                      <span class={t.error ? 'err' : ''} style={{ width: `${Math.max(1, (t.durationMs / max) * 100)}%` }} />
                    </div>
                    <span class="small">{fmtDuration(t.durationMs)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  )
}
