// Issue 17: every delivery attempt of every queued notifier, for GET /v1/notifications. The newest `max` attempts
// are kept in the hub's LevelDB (a bounded log, not a growing one).
import type { Database } from '../../storage/db.js'
import { table } from '../../storage/keyspace.js'
import type { AttemptRecorder } from './channel.js'

export interface Attempt {
  seq: number
  at: number
  receiver: string
  kind: string
  alerts: string[]
  status: 'delivered' | 'retrying' | 'refused' | 'dropped'
  attempt: number
  error?: string
  nextAt?: number
}

export interface AttemptFilter {
  alert?: string
  receiver?: string
  status?: string
  limit: number
}

export class AttemptLog implements AttemptRecorder {
  private readonly sub
  private entries: Attempt[] = []
  private seq = 0
  private writes: Promise<unknown> = Promise.resolve()

  constructor(
    db: Database,
    private readonly clock: () => number,
    private readonly max = 10_000,
  ) {
    this.sub = table<'notification-attempts', Attempt>(db, 'notification-attempts')
  }

  async open(): Promise<void> {
    this.entries = await this.sub.values().all()
    this.seq = (this.entries.at(-1)?.seq ?? -1) + 1
  }

  record(a: Omit<Attempt, 'seq' | 'at'>): void {
    const entry: Attempt = { seq: this.seq++, at: this.clock(), ...a }
    this.entries.push(entry)
    const ops: Array<{ type: 'put'; key: string; value: Attempt } | { type: 'del'; key: string }> = [{ type: 'put', key: key(entry.seq), value: entry }]
    while (this.entries.length > this.max) ops.push({ type: 'del', key: key(this.entries.shift()!.seq) })
    // Recording never blocks or fails a delivery; writes go in order.
    this.writes = this.writes.then(() => this.sub.batch(ops)).catch(() => undefined)
  }

  /** Newest first. */
  list(f: AttemptFilter): Attempt[] {
    const out: Attempt[] = []
    for (let i = this.entries.length - 1; i >= 0 && out.length < f.limit; i--) {
      const e = this.entries[i]
      if (f.alert && !e.alerts.includes(f.alert)) continue
      if (f.receiver && e.receiver !== f.receiver) continue
      if (f.status && e.status !== f.status) continue
      out.push(e)
    }
    return out
  }

  flush(): Promise<unknown> {
    return this.writes
  }
}

const key = (seq: number) => String(seq).padStart(15, '0')
