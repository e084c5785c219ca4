// A PostgreSQL store that cannot be reached: the hub's StorageMonitor for that backend (space.ts is LevelDB's).
// A write that failed for a lost or refused connection marks the store down: ingest stores and acks nothing (the
// devices keep their buffers), /readyz answers unready, and a probe every second brings ingest back once a query
// succeeds. The failed commit itself was never acked (its outcome is exact: writer.ts asks txid_status).
import { StorageMonitor, type StorageMonitorOptions } from '../monitor.js'

/** SQLSTATE classes and codes of a server that is gone, going, or not taking connections. */
const DOWN_CODES = /^(08|57P0[123]$|53300$)/
const DOWN_MESSAGE = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection terminated|connection error|not queryable|terminating connection|the database system is (starting up|shutting down|in recovery mode)/i

/** True for an error (or one it wraps) saying the PostgreSQL server is unreachable. */
export function isStoreDown(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if ((typeof e.code === 'string' && DOWN_CODES.test(e.code)) || DOWN_MESSAGE.test(String(e.message ?? ''))) return true
    e = e.cause as typeof e
  }
  return false
}

export interface StoreOutageOptions extends StorageMonitorOptions {
  /** Answers once the store takes queries again; throws while it does not. */
  probe: () => Promise<void>
}

export class StoreOutage extends StorageMonitor {
  constructor(private readonly outage: StoreOutageOptions) {
    super(outage, {
      down: 'store unreachable: ingest paused, nothing acked; devices keep their data until it returns',
      atStop: 'write at stop failed: store unreachable',
      back: 'store reachable again: ingest resumed',
    })
  }

  protected isTrouble(err: unknown): boolean {
    return isStoreDown(err)
  }

  protected override describe(err: unknown): string {
    return `PostgreSQL unreachable: ${super.describe(err)}`
  }

  protected async recover(): Promise<Record<string, unknown>> {
    await this.outage.probe()
    return {}
  }
}
