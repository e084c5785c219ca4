import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'
import { endRevokedSession } from '../security/revocation.js'

/** With `--cluster`: revocations and command replies from the other hubs act here (docs/cluster.md). The link itself
 *  is made with the broker (its bus and retained store) and closed after it. */
export function clusterModule(hub: HubContext): HubModule {
  return {
    name: 'cluster',
    async start() {
      hub.cluster?.attach(hub.broker!.broker, {
        onRevoked: (id, from) => endRevokedSession(hub, id, `cluster:${from}`),
        onRemoteReply: (device, payload) => hub.remote.onReply(device, payload),
        // Only the leader's engine runs; it evaluates the batches the other hubs stored (docs/cluster.md).
        onForwardedBatch: (device, batch, shift, handover) => {
          if (hub.alertEngine?.running) void hub.alertEngine.onBatch(device, batch, shift, handover)
        },
        // A rule, silence or acknowledgement changed on another hub: re-read from the store (hub/alerts/config-sync.ts).
        onAlertConfig: () => void hub.alerts?.syncFromStore().catch(() => {}),
      })
    },
  }
}
