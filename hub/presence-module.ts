import type { HubContext } from './context.js'
import type { HubModule } from './lifecycle.js'

/** The device registry keeps presence and counters in memory; it is written out every 5 s and at stop. */
export function presenceModule(hub: HubContext): HubModule {
  return {
    name: 'presence',
    stop: () => hub.space.writeAtStop('devices flush', () => hub.devices.flush()),
    periodic: [{ name: 'devices.flush', everyMs: 5_000, run: () => hub.devices.flush() }],
  }
}
