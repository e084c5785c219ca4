import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'
import { ReportScheduler, type ReportSchedule } from './schedule.js'

/** Scheduled fleet reports (`reports:`, checked at construction); none configured, nothing runs. */
export function reportsModule(hub: HubContext, schedules: ReportSchedule[]): HubModule {
  if (schedules.length === 0) return { name: 'reports' }
  const scheduler = () => hub.reportScheduler!
  return {
    name: 'reports',
    async start() {
      const { store, logs, devices, alerts, slos, clock, log } = hub
      const deps = { store, logs, devices, alerts, slos, clock }
      hub.reportScheduler = new ReportScheduler(hub.db, schedules, deps, { broker: hub.broker!.broker, db: hub.db, clock, log })
      await hub.reportScheduler.start()
    },
    stop: () => scheduler().stop(),
    // The period is the scheduler's, known once it exists: read at the first schedule, after start.
    get periodic() {
      return hub.reportScheduler ? [{ name: 'reports.tick', everyMs: scheduler().checkEveryMs, run: () => scheduler().tick(), leaderOnly: true }] : []
    },
  }
}
