import { useEffect, useState } from 'preact/hooks'
import { useApp } from './app-context.js'
import { useRoute } from './router.js'
import { Fleet } from './pages/fleet.js'
import { Device } from './pages/device.js'
import { Alerts } from './pages/alerts.js'
import { Logs } from './pages/logs.js'
import { Traces } from './pages/traces.js'
import { Trace } from './pages/trace.js'
import { Health } from './pages/health.js'
import { Dashboards } from './pages/dashboards.js'
import { DashboardView } from './pages/dashboard.js'

const NAV = [
  ['fleet', 'Fleet'],
  ['alerts', 'Alerts'],
  ['logs', 'Logs'],
  ['traces', 'Traces'],
  ['health', 'Health'],
  ['dashboards', 'Dashboards'],
] as const

function Page() {
  const r = useRoute()
  switch (r.page) {
    case 'fleet':
      return <Fleet />
    case 'device':
      return r.arg ? <Device key={r.arg} id={r.arg} params={r.params} /> : <Fleet />
    case 'alerts':
      return <Alerts tab={r.arg} />
    case 'logs':
      return <Logs params={r.params} />
    case 'traces':
      return r.arg ? <Trace id={r.arg} /> : <Traces />
    case 'health':
      return <Health />
    case 'dashboards':
      return r.arg ? <DashboardView id={r.arg} /> : <Dashboards />
    default:
      return <div class="empty">No page “{r.page}”. <a href="#/fleet">Go to the fleet</a>.</div>
  }
}

export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const { name, role, live } = useApp()
  const r = useRoute()
  const active = r.page === 'device' ? 'fleet' : r.page
  const [connected, setConnected] = useState(live.connected)
  useEffect(() => {
    live.onStatus = setConnected
    setConnected(live.connected)
  }, [live])
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="#/fleet">
          <span class="logo">◆</span> Outpost
        </a>
        <nav>
          {NAV.map(([page, label]) => (
            <a key={page} href={`#/${page}`} class={active === page ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span class={`live-dot ${connected ? 'on' : ''}`} title={connected ? 'Live updates connected' : 'Live updates reconnecting'} />
          <span class="muted">
            {name} · {role}
          </span>
          <button class="btn small ghost" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main class="content">
        <Page />
      </main>
    </div>
  )
}
