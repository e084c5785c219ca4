import type { FleetReport } from './fleet.js'

/** RFC 4180 field: quoted when it holds a comma, quote or line break; null as empty. */
function field(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

function table(title: string, header: string[], rows: unknown[][]): string {
  return [`# ${title}`, header.join(','), ...rows.map((r) => r.map(field).join(','))].join('\r\n')
}

/**
 * The fleet report as CSV (docs/reports.md): one table per section, each after a `# section` line, separated by an
 * empty line. Numbers are written as in the JSON report, so the two agree exactly.
 */
export function reportCsv(r: FleetReport): string {
  return (
    [
      table('report', ['from', 'to', 'generatedAt'], [[r.from, r.to, r.generatedAt]]),
      table('devices', ['device', 'site', 'onlineMs', 'observedMs', 'availability', 'samples', 'logs'], r.devices.map((d) => [d.device, d.site, d.onlineMs, d.observedMs, d.availability, d.samples, d.logs])),
      table('sites', ['site', 'devices', 'onlineMs', 'observedMs', 'availability'], r.sites.map((s) => [s.site, s.devices, s.onlineMs, s.observedMs, s.availability])),
      table('slos', ['id', 'objective', 'good', 'total', 'sli', 'met', 'errorBudgetRemaining'], r.slos.map((s) => [s.id, s.objective, s.good, s.total, s.sli, s.met, s.errorBudgetRemaining])),
      table('alerts by rule', ['rule', 'count'], r.alerts.byRule.map((a) => [a.rule, a.count])),
      table('alerts by severity', ['severity', 'count'], Object.entries(r.alerts.bySeverity)),
      table('incidents', ['count', 'acknowledged', 'resolved', 'mttaMs', 'mttrMs'], [[r.incidents.count, r.incidents.acknowledged, r.incidents.resolved, r.incidents.mttaMs, r.incidents.mttrMs]]),
      table('incident list', ['id', 'rule', 'startsAt', 'acknowledgedAt', 'endsAt', 'ttaMs', 'ttrMs'], r.incidents.list.map((i) => [i.id, i.rule, i.startsAt, i.acknowledgedAt, i.endsAt, i.ttaMs, i.ttrMs])),
      table('top errors', ['fingerprint', 'pattern', 'level', 'count', 'devices'], r.errors.map((e) => [e.fingerprint, e.pattern, e.level, e.count, e.devices])),
      table('volume', ['samples', 'logs'], [[r.volume.samples, r.volume.logs]]),
    ].join('\r\n\r\n') + '\r\n'
  )
}

/** Parses reportCsv's output back into its tables (tests, scripts): section → rows of header → value. */
export function parseReportCsv(text: string): Record<string, Array<Record<string, string>>> {
  const out: Record<string, Array<Record<string, string>>> = {}
  for (const block of text.trim().split(/\r\n\r\n/)) {
    const lines = splitRecords(block)
    const title = lines[0][0].replace(/^# /, '')
    const header = lines[1]
    out[title] = lines.slice(2).map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])))
  }
  return out
}

function splitRecords(block: string): string[][] {
  const records: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < block.length; i++) {
    const ch = block[i]
    if (quoted) {
      if (ch === '"' && block[i + 1] === '"') (cell += '"'), i++
      else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') row.push(cell), (cell = '')
    else if (ch === '\r' && block[i + 1] === '\n') {
      row.push(cell)
      records.push(row)
      ;(row = []), (cell = ''), i++
    } else cell += ch
  }
  row.push(cell)
  records.push(row)
  return records
}
