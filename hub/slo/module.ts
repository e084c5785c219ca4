import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'
import type { Slo } from './schema.js'

/** SLOs (their burn-rate alerts run in the alert engine), with those of the `--slos` file provisioned at start. */
export function sloModule(hub: HubContext, fromFile: Slo[] | undefined): HubModule {
  return {
    name: 'slo',
    async start() {
      await hub.slos.open(hub.alerts)
      if (fromFile) await hub.slos.provision(fromFile)
    },
  }
}
