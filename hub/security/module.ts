import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'

/** API tokens (the admin token is generated on a first start) and device credentials. */
export function securityModule(hub: HubContext): HubModule {
  return {
    name: 'security',
    async start() {
      hub.generatedAdminToken = await hub.auth.init(hub.settings.adminToken)
      await hub.credentials.open()
    },
  }
}
