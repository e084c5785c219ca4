import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'

/** Telemetry this recent means an ingest burst is under way (see compactionYields). */
const COMPACTION_IDLE_MS = 250

/**
 * Compacts closed time windows every compactInterval. Compaction is background work (DESIGN §6): it yields to a
 * burst of telemetry (a fleet's backlog after an outage) so the two cores go to storing and acking, and catches up
 * once the burst pauses. A head past compactDeferSamples, or put off for compactDeferMax, is compacted
 * regardless: a hub under steady load (telemetry always in the last 250 ms) still compacts, and no burst grows the
 * head without bound.
 */
export function compactionModule(hub: HubContext, lastTelemetryAt: () => number): HubModule {
  const { compactInterval, compactDeferSamples, compactDeferMax } = hub.settings
  const deferMaxMs = compactDeferMax ?? 10 * compactInterval
  let deferredSince: number | undefined

  const yields = (): boolean => {
    const now = performance.now()
    if (now - lastTelemetryAt() >= COMPACTION_IDLE_MS) return false
    if (hub.store.stats().headSamples >= compactDeferSamples) return false
    deferredSince ??= now
    return now - deferredSince < deferMaxMs
  }

  return {
    name: 'compaction',
    periodic: [
      {
        name: 'metrics.compact',
        everyMs: compactInterval,
        leaderOnly: true,
        run: async () => {
          if (yields()) {
            hub.metrics.compactionsDeferred.inc()
            return
          }
          deferredSince = undefined
          await hub.store.compact()
          hub.metrics.compactions.inc()
        },
      },
    ],
  }
}
