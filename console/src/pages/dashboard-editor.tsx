import { useState } from 'preact/hooks'
import { useApp } from '../app-context.js'
import { ErrorBox } from '../components/common.js'

const EXAMPLE_PANEL = { title: 'CPU by device', type: 'graph', query: '/v1/metrics/query?name=system_cpu_usage_ratio&agg=avg&groupBy=device', unit: 'percent' }

/** The dashboard as JSON (the body of PUT /v1/dashboards/{id}); the hub's answer names any bad field. Operators and admins. */
export function DashboardEditor({ initial, isNew, onDone }: { initial: any; isNew?: boolean; onDone: (id?: string) => void }) {
  const { api } = useApp()
  const { updatedAt: _u, updatedBy: _b, provisioned: _p, ...body } = initial
  const [text, setText] = useState(JSON.stringify(isNew ? { id: 'my-dashboard', title: 'My dashboard', panels: [EXAMPLE_PANEL] } : body, null, 2))
  const [error, setError] = useState<Error | undefined>()
  const save = async () => {
    let parsed: any
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      return setError(new Error(`Not valid JSON: ${(err as Error).message}`))
    }
    try {
      await api.send('PUT', `/v1/dashboards/${encodeURIComponent(String(parsed.id ?? ''))}`, parsed)
      setError(undefined)
      onDone(parsed.id)
    } catch (err) {
      setError(err as Error)
    }
  }
  const remove = async () => {
    if (!confirm(`Delete dashboard “${initial.title}”?`)) return
    try {
      await api.send('DELETE', `/v1/dashboards/${encodeURIComponent(initial.id)}`)
      location.hash = '#/dashboards'
    } catch (err) {
      setError(err as Error)
    }
  }
  return (
    <section class="card editor">
      <header class="card-head">
        <h2>{isNew ? 'New dashboard' : 'Edit dashboard'}</h2>
        <div class="card-actions muted small">panel types: graph, stat, gauge, table, heatmap, histogram (docs/console.md)</div>
      </header>
      <div class="card-body">
        {initial.provisioned && <div class="notice info">Provisioned from --dashboards: the file's version returns when the hub restarts.</div>}
        {error && <ErrorBox error={error} />}
        <textarea class="mono code" rows={18} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} aria-label="Dashboard JSON" />
        <div class="row">
          <button class="btn primary" onClick={save}>
            Save
          </button>
          <button class="btn ghost" onClick={() => onDone()}>
            Cancel
          </button>
          {!isNew && (
            <button class="btn danger" onClick={remove}>
              Delete
            </button>
          )}
        </div>
      </div>
    </section>
  )
}
