import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'

/**
 * Anomaly states, scores and events: one atomic write per checkpoint, run inside the alert engine's order of steps;
 * a last checkpoint at stop, after the engine stopped. Scores older than metric retention are pruned hourly.
 */
export function anomalyModule(hub: HubContext): HubModule {
  const { checkpoint, } = hub.settings.anomaly
  return {
    name: 'anomaly',
    stop: () => hub.space.writeAtStop('anomaly checkpoint', () => hub.anomaly.checkpoint()),
    periodic: [
      { name: 'anomaly.checkpoint', everyMs: checkpoint, run: () => hub.alertEngine!.run(() => hub.anomaly.checkpoint()), leaderOnly: true },
      { name: 'anomaly.prune', everyMs: 3_600_000, run: () => hub.anomaly.prune(hub.clock() - hub.settings.retention.metrics), leaderOnly: true },
    ],
  }
}
