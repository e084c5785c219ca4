// The parts a hub needs when other hubs share its PostgreSQL store (docs/cluster.md): the leader lock and the claims
// (slot and devices). A hub on LevelDB has neither: it is always the leader and the only writer.
import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'
import { DeviceClaims } from './claims.js'
import { PostgresLeader, soleLeader, type Leadership } from './leader.js'

type Log = (level: string, msg: string, extra?: Record<string, unknown>) => void

export interface SharedStoreParts {
  leadership: Leadership
  claims?: DeviceClaims
}

/** Hooks the claims call into the hub, set once the hub exists (the claims are made before the stores). */
export interface ClaimHooks {
  onTaken(device: string): Promise<void>
  beforeRelease(device: string): Promise<void>
}

/** For `--store postgres://…`: a leader lock and claims on that database; otherwise a sole leader. */
export function sharedStoreParts(storeUrl: string | undefined, log: Log, hooks: ClaimHooks): SharedStoreParts {
  if (!storeUrl || !/^postgres(ql)?:\/\//.test(storeUrl)) return { leadership: soleLeader() }
  return {
    leadership: new PostgresLeader({ url: storeUrl, log }),
    claims: new DeviceClaims({ url: storeUrl, log, onTaken: (d) => hooks.onTaken(d), beforeRelease: (d) => hooks.beforeRelease(d) }),
  }
}

/**
 * Right after the stores (which took the claims' slot as they opened, hub.ts): the leader lock; the lock and the
 * claims are let go before the stores close.
 */
export function sharedStoreModule(hub: HubContext, claims: DeviceClaims | undefined): HubModule {
  return {
    name: 'shared-store',
    async start() {
      await hub.leadership.start()
    },
    async stop() {
      await hub.leadership.stop()
      await claims?.stop()
    },
  }
}
