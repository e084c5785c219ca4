import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import { decimalKey } from '../storage/time-keys.js'

export interface AuditEntry {
  at: number
  actor: string
  /** HTTP method, or `mqtt` / `hub` for security events that are not API calls. */
  method: string
  /** The route pattern (`/v1/devices/:id`) or the event's name (`device.disconnected`). */
  route: string
  target?: string
  status?: number
  /** Request body with secrets removed, shortened. */
  summary?: unknown
}

export interface AuditQuery {
  from: number
  to: number
  actor?: string
  limit: number
}

/** The audit log (DESIGN §6, §7 /v1/audit): one LevelDB sublevel, keys in time order. */
export class AuditLog {
  private readonly table
  private seq = 0

  constructor(
    db: Database,
    private readonly clock: () => number = Date.now,
  ) {
    this.table = table<'audit', AuditEntry>(db, 'audit')
  }

  async record(entry: Omit<AuditEntry, 'at'>): Promise<AuditEntry> {
    const at = this.clock()
    const full: AuditEntry = { at, ...entry }
    // Time first, then a per-process counter: keys sort by time, and two entries in one ms never collide.
    this.seq = (this.seq + 1) % 1_000_000
    await this.table.put(`${decimalKey(at, 15)}.${decimalKey(this.seq, 6)}.${process.pid}`, full)
    return full
  }

  /** Newest first. */
  async query(q: AuditQuery): Promise<AuditEntry[]> {
    const out: AuditEntry[] = []
    const range = { gte: decimalKey(q.from, 15), lt: decimalKey(q.to + 1, 15), reverse: true }
    for await (const entry of this.table.values(range)) {
      if (q.actor !== undefined && entry.actor !== q.actor) continue
      out.push(entry)
      if (out.length >= q.limit) break
    }
    return out
  }
}

const SECRET_KEY = /token|secret|password|passwd|key|authorization|credential/i
const MAX_SUMMARY_CHARS = 1000

/** A body fit for the audit log: secret-looking fields replaced, long values shortened. */
export function summarizeBody(body: unknown, depth = 0): unknown {
  if (depth > 4) return '…'
  if (typeof body === 'string') return body.length > 200 ? body.slice(0, 200) + '…' : body
  if (Array.isArray(body)) return body.slice(0, 20).map((v) => summarizeBody(v, depth + 1))
  if (body && typeof body === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(body).slice(0, 50)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : summarizeBody(v, depth + 1)
    const text = JSON.stringify(out)
    return text.length > MAX_SUMMARY_CHARS ? text.slice(0, MAX_SUMMARY_CHARS) + '…' : out
  }
  return body
}
