import type { FleetReport } from './fleet.js'

const esc = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const pct = (v: number | null, digits = 3) => (v === null ? '–' : `${(v * 100).toFixed(digits)} %`)
const iso = (ms: number | null) => (ms === null ? '–' : new Date(ms).toISOString().replace('.000Z', 'Z'))
const dur = (ms: number | null) => {
  if (ms === null) return '–'
  const s = Math.round(ms / 1000)
  return s < 120 ? `${s} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`
}

/** A horizontal bar chart as inline SVG: one bar per item, value in [0, max]. */
function bars(items: Array<{ label: string; value: number; text: string }>, max: number, color: string): string {
  const rowH = 22
  const labelW = 170
  const barW = 420
  const h = items.length * rowH + 8
  const rows = items.map((it, i) => {
    const w = max > 0 ? Math.max(0, Math.min(1, it.value / max)) * barW : 0
    const y = 4 + i * rowH
    return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${esc(it.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${color}"/><text x="${labelW + w + 6}" y="${y + 15}">${esc(it.text)}</text>`
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${labelW + barW + 120}" height="${h}" font-size="12" font-family="sans-serif">${rows.join('')}</svg>`
}

function tableHtml(header: string[], rows: unknown[][]): string {
  if (rows.length === 0) return '<p class="none">none</p>'
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
}

/** The fleet report as one printable, self-contained HTML page: no scripts, no external resources, charts as SVG. */
export function reportHtml(r: FleetReport): string {
  const availability = bars(
    r.devices.map((d) => ({ label: d.device, value: d.availability ?? 0, text: pct(d.availability) })),
    1,
    '#2b7a3d',
  )
  const sev = Object.entries(r.alerts.bySeverity)
  const severity = bars(sev.map(([s, n]) => ({ label: s, value: n, text: String(n) })), Math.max(1, ...sev.map(([, n]) => n)), '#b3461b')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Outpost fleet report ${esc(iso(r.from))} – ${esc(iso(r.to))}</title>
<style>
body{font:14px/1.4 sans-serif;margin:2em;color:#222}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left}th{background:#f2f2f2}
.kpi{display:inline-block;margin:0 2em .5em 0}.kpi b{display:block;font-size:1.4em}.none{color:#777}
@media print{body{margin:0}h2{break-after:avoid}table,svg{break-inside:avoid}}
</style></head><body>
<h1>Fleet report</h1>
<p>${esc(iso(r.from))} to ${esc(iso(r.to))} · generated ${esc(iso(r.generatedAt))}</p>
<div><span class="kpi"><b>${r.devices.length}</b>devices</span><span class="kpi"><b>${r.alerts.fired}</b>alerts fired</span><span class="kpi"><b>${r.incidents.count}</b>incidents</span><span class="kpi"><b>${esc(dur(r.incidents.mttaMs))}</b>MTTA</span><span class="kpi"><b>${esc(dur(r.incidents.mttrMs))}</b>MTTR</span><span class="kpi"><b>${r.volume.samples}</b>samples</span><span class="kpi"><b>${r.volume.logs}</b>log lines</span></div>
<h2>Availability per device</h2>${availability}
${tableHtml(['device', 'site', 'availability', 'online', 'observed', 'samples', 'logs'], r.devices.map((d) => [d.device, d.site, pct(d.availability), dur(d.onlineMs), dur(d.observedMs), d.samples, d.logs]))}
<h2>Availability per site</h2>
${tableHtml(['site', 'devices', 'availability', 'online', 'observed'], r.sites.map((s) => [s.site, s.devices, pct(s.availability), dur(s.onlineMs), dur(s.observedMs)]))}
<h2>SLO attainment</h2>
${tableHtml(['SLO', 'objective', 'SLI', 'met', 'error budget left', 'good', 'total'], r.slos.map((s) => [s.id, pct(s.objective), pct(s.sli), s.met === null ? '–' : s.met ? 'yes' : 'no', pct(s.errorBudgetRemaining, 1), s.good, s.total]))}
<h2>Alerts</h2>${severity}
${tableHtml(['rule', 'alerts fired'], r.alerts.byRule.map((a) => [a.rule, a.count]))}
<h2>Incidents</h2>
${tableHtml(['incident', 'rule', 'started', 'acknowledged', 'resolved', 'time to acknowledge', 'time to resolve'], r.incidents.list.map((i) => [i.id, i.rule, iso(i.startsAt), iso(i.acknowledgedAt), iso(i.endsAt), dur(i.ttaMs), dur(i.ttrMs)]))}
<h2>Top log errors</h2>
${tableHtml(['pattern', 'level', 'count', 'devices'], r.errors.map((e) => [e.pattern, e.level, e.count, e.devices]))}
</body></html>
`
}
