import type { AlertService } from '../alerts/service.js'
import type { DeviceRegistry } from '../devices.js'
import type { LogStore } from '../logs/index.js'
import type { SloService } from '../slo/service.js'
import type { MetricStore } from '../metrics/store/types.js'

/** The fleet report (docs/reports.md). Times in ms since the epoch, durations in ms, shares in [0, 1]. */
export interface FleetReport {
  from: number
  to: number
  generatedAt: number
  devices: DeviceRow[]
  sites: SiteRow[]
  slos: SloRow[]
  alerts: { fired: number; byRule: Array<{ rule: string; count: number }>; bySeverity: Record<'low' | 'medium' | 'high' | 'critical', number> }
  incidents: { count: number; acknowledged: number; resolved: number; mttaMs: number | null; mttrMs: number | null; list: IncidentRow[] }
  errors: Array<{ fingerprint: string; pattern: string; level: string; count: number; devices: number }>
  volume: { samples: number; logs: number }
}

export interface DeviceRow {
  device: string
  site: string
  onlineMs: number
  observedMs: number
  /** onlineMs / observedMs; null when the hub never saw the device in the range. */
  availability: number | null
  samples: number
  logs: number
}

export interface SiteRow {
  site: string
  devices: number
  onlineMs: number
  observedMs: number
  availability: number | null
}

export interface SloRow {
  id: string
  objective: number
  good: number
  total: number
  sli: number | null
  met: boolean | null
  errorBudgetRemaining: number | null
}

export interface IncidentRow {
  id: string
  rule: string
  startsAt: number
  acknowledgedAt: number | null
  endsAt: number | null
  /** Time to acknowledge: first acknowledgement of any of its alerts − start. */
  ttaMs: number | null
  /** Time to resolve: end − start. */
  ttrMs: number | null
}

export interface ReportDeps {
  store: MetricStore
  logs: LogStore
  devices: DeviceRegistry
  alerts: AlertService
  slos: SloService
  clock: () => number
}

const NO_SITE = '(none)'
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length)

/** Builds the fleet report over [from, to]. */
export async function fleetReport(deps: ReportDeps, from: number, to: number): Promise<FleetReport> {
  const logCounts = await deps.logs.countByDevice(from, to)
  const ids = [...new Set([...deps.devices.presence.devices(), ...deps.devices.list().map((d) => d.id)])].sort()
  const devices: DeviceRow[] = []
  for (const device of ids) {
    const series = await deps.store.series({ labels: { device } })
    // A device's site is the `site` label its series carry (the most common value).
    const siteVotes = new Map<string, number>()
    for (const s of series) if (s.labels.site) siteVotes.set(s.labels.site, (siteVotes.get(s.labels.site) ?? 0) + 1)
    const site = [...siteVotes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? NO_SITE
    let samples = 0
    for (let i = 0; i < series.length; i += 200) for (const r of await deps.store.read(series.slice(i, i + 200), from, to)) samples += r.ts.length
    const u = await deps.devices.presence.uptime(device, from, to)
    devices.push({ device, site, onlineMs: u.online, observedMs: u.observed, availability: u.observed > 0 ? u.online / u.observed : null, samples, logs: logCounts.get(device) ?? 0 })
  }
  const siteMap = new Map<string, SiteRow>()
  for (const d of devices) {
    const s = siteMap.get(d.site) ?? { site: d.site, devices: 0, onlineMs: 0, observedMs: 0, availability: null }
    s.devices++
    s.onlineMs += d.onlineMs
    s.observedMs += d.observedMs
    s.availability = s.observedMs > 0 ? s.onlineMs / s.observedMs : null
    siteMap.set(d.site, s)
  }

  const slos: SloRow[] = []
  for (const slo of deps.slos.list()) {
    const st = await deps.slos.status(slo, to, { from, to })
    slos.push({ id: slo.id, objective: slo.objective, good: st.good, total: st.total, sli: st.sli, met: st.met, errorBudgetRemaining: st.errorBudgetRemaining })
  }

  const alerts = (await deps.alerts.listAlerts({ from, to, limit: Number.MAX_SAFE_INTEGER })).filter((a) => a.startsAt !== null && a.startsAt >= from && a.startsAt <= to)
  const byRule = new Map<string, number>()
  const bySeverity = { low: 0, medium: 0, high: 0, critical: 0 }
  for (const a of alerts) {
    byRule.set(a.rule, (byRule.get(a.rule) ?? 0) + 1)
    bySeverity[a.severity]++
  }

  const ackOf = new Map<string, number>()
  for (const a of await deps.alerts.listAlerts({ limit: Number.MAX_SAFE_INTEGER })) if (a.acknowledged) ackOf.set(a.id, a.acknowledged.at)
  const incidents = (await deps.alerts.listIncidents({ limit: Number.MAX_SAFE_INTEGER })).filter((i) => i.startsAt >= from && i.startsAt <= to)
  const list: IncidentRow[] = incidents
    .map((i) => {
      const acks = i.alerts.map((id) => ackOf.get(id)).filter((t): t is number => t !== undefined)
      const acknowledgedAt = acks.length > 0 ? Math.min(...acks) : null
      return {
        id: i.id,
        rule: i.rule,
        startsAt: i.startsAt,
        acknowledgedAt,
        endsAt: i.endsAt,
        ttaMs: acknowledgedAt === null ? null : acknowledgedAt - i.startsAt,
        ttrMs: i.endsAt === null ? null : i.endsAt - i.startsAt,
      }
    })
    .sort((a, b) => a.startsAt - b.startsAt || a.id.localeCompare(b.id))
  const tta = list.flatMap((i) => (i.ttaMs === null ? [] : [i.ttaMs]))
  const ttr = list.flatMap((i) => (i.ttrMs === null ? [] : [i.ttrMs]))

  const errors = (await deps.logs.errorSummary({ from, to, limit: 10 })).map((g) => ({ fingerprint: g.fingerprint, pattern: g.pattern, level: g.level, count: g.count, devices: g.devices.length }))
  return {
    from,
    to,
    generatedAt: deps.clock(),
    devices,
    sites: [...siteMap.values()].sort((a, b) => a.site.localeCompare(b.site)),
    slos,
    alerts: { fired: alerts.length, byRule: [...byRule].map(([rule, count]) => ({ rule, count })).sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule)), bySeverity },
    incidents: { count: list.length, acknowledged: tta.length, resolved: ttr.length, mttaMs: mean(tta), mttrMs: mean(ttr), list },
    errors,
    volume: { samples: devices.reduce((n, d) => n + d.samples, 0), logs: devices.reduce((n, d) => n + d.logs, 0) },
  }
}
