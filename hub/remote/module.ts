import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'

/** Remote agent configuration and commands: desired configurations are published again once the broker runs. */
export function remoteModule(hub: HubContext): HubModule {
  return {
    name: 'remote',
    async start() {
      await hub.remote.open()
      await hub.remote.attach(hub.broker!.broker)
    },
    stop: () => hub.remote.close(),
  }
}
