import { useEffect, useRef, useState } from 'preact/hooks'
import { qs } from '../api.js'
import { useApp, useLive } from '../app-context.js'
import { Badge, ErrorBox } from '../components/common.js'
import { fmtAgo, fmtBytes, fmtDuration } from '../format.js'

interface DeviceRow {
  id: string
  online: boolean
  lastSeen: number | null
  version: string | null
  clockOffsetMs: number | null
  openAlerts: { firing: number; pending: number }
  backlog: { batches: number; bytes: number } | null
}
interface Page {
  devices: DeviceRow[]
  total: number
  counts: { total: number; online: number; offline: number; alerting: number }
}

const ROW_H = 40
const PAGE = 200

/**
 * Every device, trouble first, as a virtualised list: only the rows on screen are in the DOM, and the hub sends
 * them a page at a time (GET /v1/devices?sort=trouble&offset=&limit=), so 10,000 devices scroll like 10.
 */
export function Fleet() {
  const { api } = useApp()
  const [filter, setFilter] = useState({ q: '', state: '', label: '' })
  const [pages, setPages] = useState<Map<number, DeviceRow[]>>(new Map())
  const [meta, setMeta] = useState<{ total: number; counts: Page['counts'] } | undefined>()
  const [error, setError] = useState<Error | undefined>()
  const [scroll, setScroll] = useState({ top: 0, height: 600 })
  const [gen, setGen] = useState(0)
  const box = useRef<HTMLDivElement>(null)
  const inflight = useRef(new Set<number>())

  const [lk, lv] = filter.label.includes('=') ? filter.label.split('=', 2) : ['', '']
  const base = { sort: 'trouble', q: filter.q, state: filter.state, ...(lk ? { [`label.${lk.trim()}`]: lv.trim() } : {}) }
  const key = JSON.stringify(base)

  // A new filter starts over; a live change (gen) re-asks for the pages on screen and keeps showing the old rows
  // until the new ones arrive, so the list never flashes empty.
  const epoch = useRef(0)
  const fetchedAt = useRef(new Map<number, number>())
  useEffect(() => {
    epoch.current++
    setPages(new Map())
    inflight.current.clear()
    fetchedAt.current.clear()
  }, [key])

  const first = Math.max(0, Math.floor(scroll.top / ROW_H) - 10)
  const last = Math.floor((scroll.top + scroll.height) / ROW_H) + 10
  useEffect(() => {
    const mine = epoch.current
    const g = gen
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) {
      if (fetchedAt.current.get(p) === g || inflight.current.has(p) || (meta && p * PAGE >= meta.total && p > 0)) continue
      inflight.current.add(p)
      // Not aborted when the view moves on (answers are small); an answer for an older filter is ignored.
      api.get<Page>(`/v1/devices${qs({ ...base, offset: p * PAGE, limit: PAGE })}`).then(
        (page) => {
          if (mine !== epoch.current) return
          inflight.current.delete(p)
          fetchedAt.current.set(p, g)
          setError(undefined)
          setMeta({ total: page.total, counts: page.counts })
          setPages((m) => new Map(m).set(p, page.devices))
        },
        (err: Error) => {
          if (mine !== epoch.current) return
          inflight.current.delete(p)
          setError(err)
        },
      )
    }
  }, [first, last, pages, key, gen])

  useLive((e) => e.type === 'device' || e.type === 'alert', () => setGen((g) => g + 1), 1000)

  useEffect(() => {
    const el = box.current
    if (!el) return
    const on = () => setScroll({ top: el.scrollTop, height: el.clientHeight })
    on()
    const ro = new ResizeObserver(on)
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  const rows: Array<{ i: number; d: DeviceRow }> = []
  const total = meta?.total ?? 0
  for (let i = first; i <= Math.min(last, total - 1); i++) {
    const d = pages.get(Math.floor(i / PAGE))?.[i % PAGE]
    if (d) rows.push({ i, d })
  }
  const c = meta?.counts
  const ready = meta !== undefined && (total === 0 || rows.length > 0)
  return (
    <div class="page fleet">
      <div class="page-head">
        <h1>Fleet</h1>
        <div class="stats">
          <Stat label="Devices" value={c?.total} />
          <Stat label="Online" value={c?.online} tone="ok" onClick={() => setFilter({ ...filter, state: 'online' })} />
          <Stat label="Offline" value={c?.offline} tone={c?.offline ? 'bad' : undefined} onClick={() => setFilter({ ...filter, state: 'offline' })} />
          <Stat label="With alerts" value={c?.alerting} tone={c?.alerting ? 'warn' : undefined} onClick={() => setFilter({ ...filter, state: 'alerting' })} />
        </div>
      </div>
      <div class="filters">
        <input type="search" placeholder="Filter by id" aria-label="Filter by id" value={filter.q} onInput={(e) => setFilter({ ...filter, q: e.currentTarget.value })} />
        <input type="search" placeholder="Label, e.g. arch=x64" aria-label="Filter by label" value={filter.label} onInput={(e) => setFilter({ ...filter, label: e.currentTarget.value })} />
        <select aria-label="State" value={filter.state} onChange={(e) => setFilter({ ...filter, state: e.currentTarget.value })}>
          <option value="">Any state</option>
          <option value="online">Online</option>
          <option value="offline">Offline</option>
          <option value="alerting">With alerts</option>
        </select>
        <span class="muted">{meta ? `${total.toLocaleString()} shown` : ''}</span>
      </div>
      {error && <ErrorBox error={error} retry={() => setGen((g) => g + 1)} />}
      <div class="table-head fleet-grid">
        <span>Device</span>
        <span>State</span>
        <span>Last seen</span>
        <span>Agent</span>
        <span>Open alerts</span>
        <span>Backlog</span>
        <span>Clock offset</span>
      </div>
      <div class="vlist" ref={box} onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })} data-ready={ready ? '1' : undefined} data-rows={rows.length}>
        <div style={{ height: `${total * ROW_H}px`, position: 'relative' }}>
          {rows.map(({ i, d }) => (
            <a key={d.id} class="vrow fleet-grid" href={`#/device/${encodeURIComponent(d.id)}`} style={{ top: `${i * ROW_H}px`, height: `${ROW_H}px` }}>
              <span class="mono strong">{d.id}</span>
              <span>
                <Badge value={d.online ? 'online' : 'offline'} />
              </span>
              <span class="muted">{fmtAgo(d.lastSeen)}</span>
              <span class="muted">{d.version ?? '–'}</span>
              <span>
                {d.openAlerts.firing > 0 && <Badge value={`${d.openAlerts.firing} firing`} tone="bad" />} {d.openAlerts.pending > 0 && <Badge value={`${d.openAlerts.pending} pending`} tone="warn" />}
                {d.openAlerts.firing + d.openAlerts.pending === 0 && <span class="muted">none</span>}
              </span>
              <span class={d.backlog?.batches ? 'warn-text' : 'muted'}>{d.backlog ? (d.backlog.batches ? `${d.backlog.batches} batches · ${fmtBytes(d.backlog.bytes)}` : 'none') : '–'}</span>
              <span class={Math.abs(d.clockOffsetMs ?? 0) > 2000 ? 'warn-text' : 'muted'}>{d.clockOffsetMs === null ? '–' : `${d.clockOffsetMs >= 0 ? '+' : '−'}${fmtDuration(Math.abs(d.clockOffsetMs))}`}</span>
            </a>
          ))}
        </div>
        {meta && total === 0 && <div class="empty">No device matches. Agents appear here when they first connect.</div>}
      </div>
    </div>
  )
}

function Stat({ label, value, tone, onClick }: { label: string; value?: number; tone?: string; onClick?: () => void }) {
  return (
    <button class={`stat ${tone ?? ''}`} onClick={onClick} disabled={!onClick}>
      <span class="stat-value">{value === undefined ? '…' : value.toLocaleString()}</span>
      <span class="stat-label">{label}</span>
    </button>
  )
}
