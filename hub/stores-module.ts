import type { HubContext } from './context.js'
import type { HubModule } from './lifecycle.js'
import { openStore } from './storage/open-store.js'

/** The database and the stores on it: opened first, closed last (after every module that writes stopped). */
export function storesModule(hub: HubContext): HubModule {
  return {
    name: 'stores',
    async start() {
      await openStore(hub.db)
      await hub.store.open()
      await hub.traces.open()
      await hub.logs.open()
      await hub.health.open()
      await hub.devices.open()
    },
    async stop() {
      hub.space.stop()
      await hub.store.close()
      await hub.traces.close()
      await hub.logs.close()
      await hub.db.close()
    },
  }
}
