import type { Database } from '../storage/db.js'
import { parseOptions } from '../../kit/options.js'
import { table } from '../storage/keyspace.js'
import { z } from 'zod'
import { durationMs } from '../alerts/rule-schema.js'
import { webhookNotifierPlugin, type WebhookNotifier } from '../alerts/notifiers/webhook/index.js'
import type { NotifierContext } from '../alerts/notifiers/types.js'
import { AlertConfigError } from '../alerts/rule-schema.js'
import { reportCsv } from './csv.js'
import { fleetReport, type ReportDeps } from './fleet.js'
import { reportHtml } from './html.js'

const positive = durationMs.refine((n) => n > 0, 'must be greater than 0')
const scheduleSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must match [A-Za-z0-9._-]{1,64}'),
    /** A report is made at every multiple of `every` since the epoch (UTC), e.g. 1d: at midnight UTC. */
    every: positive,
    /** The range each report covers, ending at its run time (default: `every`). */
    range: positive.optional(),
    format: z.enum(['json', 'csv', 'html']).default('json'),
    /** Delivered through the webhook notifier (its options: url, headers, timeout, backoff…). */
    webhook: z.record(z.string(), z.unknown()),
  })
  .strict()
export type ReportSchedule = z.output<typeof scheduleSchema>

/** Checks `reports:` of the hub YAML; throws naming the index and key. */
export function parseReportSchedules(raw: unknown[]): ReportSchedule[] {
  return raw.map((item, i) => {
    const parsed = scheduleSchema.safeParse(item)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const unknown = issue.code === 'unrecognized_keys' ? [issue.keys[0]] : []
      throw new AlertConfigError(`reports[${i}].${[...issue.path.map(String), ...unknown].join('.')}: ${issue.message}`)
    }
    try {
      parseOptions(webhookNotifierPlugin.options, { kind: 'webhook', name: `report-${parsed.data.name}`, ...parsed.data.webhook }, 'notifiers.webhook')
    } catch (err) {
      throw new AlertConfigError(`reports[${i}].webhook: ${(err as Error).message.replace(/^notifiers\.webhook\./, '')}`)
    }
    return parsed.data
  })
}

/**
 * Scheduled fleet reports (`reports:` in the hub YAML, docs/reports.md): at each multiple of `every`, the report over
 * the `range` before it is posted through a webhook notifier (a durable queue with retries) as
 * `{report, from, to, format, content}`. The last period sent is kept in the database: a restart neither repeats a
 * report nor sends one for periods it slept through.
 */
export class ReportScheduler {
  private readonly state
  private readonly targets: Array<{ schedule: ReportSchedule; notifier: WebhookNotifier; last?: number }> = []

  constructor(
    db: Database,
    schedules: ReportSchedule[],
    private readonly deps: ReportDeps,
    ctx: NotifierContext,
  ) {
    this.state = table<'report-schedule', number>(db, 'report-schedule')
    for (const schedule of schedules) {
      const opts = parseOptions(webhookNotifierPlugin.options, { kind: 'webhook', name: `report-${schedule.name}`, ...schedule.webhook })
      this.targets.push({ schedule, notifier: webhookNotifierPlugin.create(opts, ctx) as WebhookNotifier })
    }
  }

  /** The shortest period, so the hub checks often enough. */
  get checkEveryMs(): number {
    return Math.min(60_000, ...this.targets.map((t) => t.schedule.every))
  }

  async start(): Promise<void> {
    const now = this.deps.clock()
    for (const t of this.targets) {
      await t.notifier.start()
      t.last = (await this.state.get(t.schedule.name)) ?? periodStart(now, t.schedule.every)
      await this.state.put(t.schedule.name, t.last)
    }
  }

  /** Sends the reports whose period ended since the last check. */
  async tick(): Promise<number> {
    let sent = 0
    const now = this.deps.clock()
    for (const t of this.targets) {
      const due = periodStart(now, t.schedule.every)
      if (t.last !== undefined && due <= t.last) continue
      const from = due - (t.schedule.range ?? t.schedule.every)
      const report = await fleetReport(this.deps, from, due)
      const content = t.schedule.format === 'csv' ? reportCsv(report) : t.schedule.format === 'html' ? reportHtml(report) : report
      await t.notifier.send({ report: t.schedule.name, from, to: due, format: t.schedule.format, content })
      t.last = due
      await this.state.put(t.schedule.name, due)
      sent++
    }
    return sent
  }

  async stop(): Promise<void> {
    for (const t of this.targets) await t.notifier.stop()
  }
}

function periodStart(now: number, every: number): number {
  return Math.floor(now / every) * every
}
