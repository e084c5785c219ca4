import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'

/** The audit log: opened (an old log is chained from its genesis marker), checkpointed on a period and at stop. */
export function auditModule(hub: HubContext): HubModule {
  return {
    name: 'audit',
    async start() {
      const { migrated } = await hub.audit.open()
      if (migrated > 0) hub.log('info', 'audit log chained from the genesis marker', { records: migrated })
    },
    stop: () => hub.space.writeAtStop('audit checkpoint', () => hub.audit.checkpoint()),
    periodic: [{ name: 'audit.checkpoint', everyMs: hub.settings.audit.checkpointInterval, run: () => hub.audit.checkpoint() }],
  }
}
