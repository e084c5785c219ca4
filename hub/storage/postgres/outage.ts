// A PostgreSQL store that cannot be reached: the hub's StorageMonitor for that backend (space.ts is LevelDB's).
// A write that failed for a lost or refused connection marks the store down: ingest stores and acks nothing (the
// devices keep their buffers), /readyz answers unready, and a probe every second brings ingest back once a query
// succeeds. The failed commit itself was never acked (its outcome is exact: writer.ts asks txid_status).
import type { StorageFull, StorageMonitor } from '../space.js'

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

export interface StoreOutageOptions {
  /** Answers once the store takes queries again; throws while it does not. */
  probe: () => Promise<void>
  clock: () => number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
  checkEveryMs?: number
  onChange?: (down: StorageFull | undefined) => void
}

export class StoreOutage implements StorageMonitor {
  private state: StorageFull | undefined
  private timer?: NodeJS.Timeout
  private checking = false
  readonly counters = { episodes: 0, recovered: 0 }

  constructor(private readonly options: StoreOutageOptions) {}

  get full(): StorageFull | undefined {
    return this.state
  }

  noteError(err: unknown): boolean {
    if (!isStoreDown(err)) return false
    if (this.state) return true
    const error = `PostgreSQL unreachable: ${err instanceof Error ? err.message : String(err)}`
    this.state = { since: this.options.clock(), error }
    this.counters.episodes++
    this.options.log('error', 'store unreachable: ingest paused, nothing acked; devices keep their data until it returns', { error })
    this.options.onChange?.(this.state)
    this.timer = setInterval(() => void this.check(), this.options.checkEveryMs ?? 1_000)
    this.timer.unref()
    return true
  }

  async writeAtStop(what: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write()
    } catch (err) {
      if (!this.full && !isStoreDown(err)) throw err
      this.options.log('warning', 'write at stop failed: store unreachable', { write: what, error: (err as Error).message })
    }
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private async check(): Promise<void> {
    if (this.checking || !this.state) return
    this.checking = true
    try {
      await this.options.probe()
      const downMs = this.options.clock() - this.state.since
      this.state = undefined
      this.counters.recovered++
      this.stop()
      this.options.log('info', 'store reachable again: ingest resumed', { downMs })
      this.options.onChange?.(undefined)
    } catch {
      // still down: next tick
    } finally {
      this.checking = false
    }
  }
}
