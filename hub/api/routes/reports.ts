import { Hono } from 'hono'
import { badParameter } from '../../metrics/query/errors.js'
import { parseTime } from '../../metrics/query/time.js'
import { reportCsv } from '../../reports/csv.js'
import { fleetReport, type ReportDeps } from '../../reports/fleet.js'
import { reportHtml } from '../../reports/html.js'

const PARAMS = new Set(['from', 'to', 'format'])
const FORMATS = ['json', 'csv', 'html'] as const

/** GET /v1/reports/fleet?from=&to=&format=json|csv|html (docs/reports.md). Default: the last 30 days, JSON. */
export function reportRoutes(deps: ReportDeps) {
  return new Hono().get('/fleet', async (c) => {
    const params = new URL(c.req.url).searchParams
    for (const key of params.keys()) if (!PARAMS.has(key)) throw badParameter(key, params.get(key) ?? '', 'unknown parameter')
    const now = deps.clock()
    const from = params.has('from') ? parseTime(params.get('from')!, now, 'from') : now - 30 * 86_400_000
    const to = params.has('to') ? parseTime(params.get('to')!, now, 'to') : now
    if (from > to) throw badParameter('from', params.get('from') ?? String(from), 'must not be after to')
    const format = params.get('format') ?? 'json'
    if (!(FORMATS as readonly string[]).includes(format)) throw badParameter('format', format, 'expected json, csv or html')
    const report = await fleetReport(deps, from, to)
    if (format === 'csv') return c.body(reportCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8' })
    if (format === 'html') return c.html(reportHtml(report))
    return c.json(report)
  })
}
