import type { HubContext } from './context.js'
import type { HubModule, Periodic } from './lifecycle.js'

/**
 * Retention of metrics, logs, spans and health history (alerts and anomaly scores prune in their own modules).
 * Leader-only in a cluster (docs/cluster.md). Each pass deletes only what expired since the last one, so a pass with nothing to delete costs little.
 */
export function retentionModule(hub: HubContext): HubModule {
  const { clock } = hub
  const { compactInterval: every, retention } = hub.settings
  const periodic: Periodic[] = [
    { name: 'traces.prune', everyMs: 60_000, run: () => hub.traces.prune(clock()), leaderOnly: true },
    // Logs are deleted by whole UTC days.
    { name: 'logs.prune', everyMs: every, run: () => hub.logs.prune(clock()), leaderOnly: true },
    // Metric retention deletes whole rows; it scans chunk keys only when the cutoff enters a new window.
    { name: 'metrics.prune', everyMs: every, run: () => hub.store.prune(clock(), retention.metrics), leaderOnly: true },
    { name: 'health.prune', everyMs: 3_600_000, run: () => hub.health.prune(clock()), leaderOnly: true },
    // Retention per label selector (e.g. site=lab keeps 7 d): metric series matching it lose chunks sooner.
    ...retention.selectors.map((sel) => ({
      name: 'metrics.pruneSelected',
      everyMs: every * 10,
      run: () => hub.store.pruneSelected(clock(), sel.match, sel.metrics),
      leaderOnly: true,
    })),
  ]
  return { name: 'retention', periodic }
}
