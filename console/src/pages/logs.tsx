import { useState } from 'preact/hooks'
import { qs } from '../api.js'
import { useGet, useInterval } from '../app-context.js'
import { Card, ErrorBox, Loading } from '../components/common.js'
import { LogTable, type LogRow } from '../components/log-table.js'

const LEVELS = ['', 'debug', 'info', 'warning', 'error', 'critical']

/** GET /v1/logs: full-text q, level (a minimum), component and device; newest first; live tail re-asks every 3 s. */
export function Logs({ params }: { params: URLSearchParams }) {
  const [draft, setDraft] = useState({ q: params.get('q') ?? '', level: params.get('level') ?? '', component: params.get('component') ?? '', device: params.get('device') ?? '', from: '-24h' })
  const [query, setQuery] = useState(draft)
  const [tail, setTail] = useState(false)
  const res = useGet<{ logs: LogRow[]; next: string | null }>(`/v1/logs${qs({ ...query, limit: 200 })}`)
  useInterval(res.reload, tail ? 3000 : null)
  const field = (k: keyof typeof draft, label: string, placeholder = '') => (
    <input type="search" aria-label={label} placeholder={placeholder || label} value={draft[k]} onInput={(e) => setDraft({ ...draft, [k]: e.currentTarget.value })} />
  )
  return (
    <div class="page logs-page">
      <div class="page-head">
        <h1>Logs</h1>
        <label class="inline toggle">
          <input type="checkbox" checked={tail} onChange={(e) => setTail(e.currentTarget.checked)} /> Live tail
        </label>
      </div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault()
          setQuery({ ...draft })
          res.reload()
        }}
      >
        <input class="grow" type="search" name="q" aria-label="Search logs" placeholder="Search text (all words must appear)" value={draft.q} onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })} />
        <select aria-label="Level" value={draft.level} onChange={(e) => setDraft({ ...draft, level: e.currentTarget.value })}>
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {l ? `${l} and above` : 'Any level'}
            </option>
          ))}
        </select>
        {field('component', 'Component')}
        {field('device', 'Device')}
        <select aria-label="Since" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })}>
          {['-15m', '-1h', '-6h', '-24h', '-7d'].map((f) => (
            <option key={f} value={f}>
              last {f.slice(1)}
            </option>
          ))}
        </select>
        <button class="btn primary">Search</button>
      </form>
      <Card>{res.error ? <ErrorBox error={res.error} retry={res.reload} /> : !res.data ? <Loading /> : <LogTable logs={res.data.logs} />}</Card>
    </div>
  )
}
