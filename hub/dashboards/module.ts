import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'
import type { Dashboard } from './schema.js'

/** Console dashboards, with those of the `--dashboards` file (read at construction) provisioned at start. */
export function dashboardsModule(hub: HubContext, fromFile: Dashboard[] | undefined): HubModule {
  return {
    name: 'dashboards',
    async start() {
      await hub.dashboards.open()
      if (fromFile) await hub.dashboards.provision(fromFile)
    },
  }
}
