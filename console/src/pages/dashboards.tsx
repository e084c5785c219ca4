import { useState } from 'preact/hooks'
import { canOperate } from '../api.js'
import { useApp, useGet } from '../app-context.js'
import { Badge, Card, Empty, ErrorBox, Loading } from '../components/common.js'
import { fmtTime } from '../format.js'
import { DashboardEditor } from './dashboard-editor.js'

export function Dashboards() {
  const { role } = useApp()
  const res = useGet<{ dashboards: any[] }>('/v1/dashboards')
  const [creating, setCreating] = useState(false)
  return (
    <div class="page dashboards">
      <div class="page-head">
        <h1>Dashboards</h1>
        {canOperate(role) && (
          <button class="btn primary" onClick={() => setCreating(true)}>
            New dashboard
          </button>
        )}
      </div>
      {creating && <DashboardEditor initial={{ id: '', title: '', panels: [] }} isNew onDone={(id) => (setCreating(false), id ? (location.hash = `#/dashboards/${encodeURIComponent(id)}`) : undefined)} />}
      {res.error ? (
        <ErrorBox error={res.error} retry={res.reload} />
      ) : !res.data ? (
        <Loading />
      ) : res.data.dashboards.length === 0 ? (
        <Empty>No dashboards yet. Provision them with --dashboards FILE (docs/console.md) or create one here.</Empty>
      ) : (
        <div class="grid tiles">
          {res.data.dashboards.map((d) => (
            <a key={d.id} class="card tile" href={`#/dashboards/${encodeURIComponent(d.id)}`}>
              <h2>{d.title}</h2>
              <p class="muted">{d.description ?? `${d.panels.length} panels`}</p>
              <div class="muted small">
                {d.provisioned && <Badge value="provisioned" tone="info" />} {d.panels.length} panels · saved {fmtTime(d.updatedAt)} by {d.updatedBy}
              </div>
            </a>
          ))}
        </div>
      )}
    </div>
  )
}
