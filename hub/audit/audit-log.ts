import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import { decimalKey } from '../storage/time-keys.js'
import { chained, GENESIS_HASH, type ChainLink } from './chain.js'
import type { AuditSigner, Checkpoint } from './signer.js'

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

export type StoredAuditEntry = AuditEntry & ChainLink

export interface AuditLogOptions {
  /** Signs checkpoints; without one no checkpoints are written (verification still checks the chain). */
  signer?: AuditSigner
  /** A signed checkpoint after this many records (default 1000); the hub also writes one periodically. */
  checkpointEvery?: number
}

/**
 * The audit log (DESIGN §6, §7 /v1/audit): one LevelDB sublevel, keys in time order, each record chained to the one
 * before by hash (chain.ts) and anchored by signed checkpoints (signer.ts); verify.ts walks the chain.
 */
export class AuditLog {
  readonly table
  /** The same records as stored bytes, for verification without decoding (verify.ts). */
  readonly rawTable
  readonly checkpoints
  private readonly meta
  private head: { seq: number; hash: string; key: string } = { seq: -1, hash: GENESIS_HASH, key: '' }
  private lastCheckpointSeq = -1
  private writing: Promise<unknown> = Promise.resolve()

  constructor(
    db: Database,
    private readonly clock: () => number = Date.now,
    readonly options: AuditLogOptions = {},
  ) {
    this.table = table<'audit', StoredAuditEntry>(db, 'audit')
    this.rawTable = table<'audit', Uint8Array>(db, 'audit', 'view')
    this.checkpoints = table<'audit-checkpoints', Checkpoint>(db, 'audit-checkpoints')
    this.meta = table<'audit-meta', unknown>(db, 'audit-meta')
  }

  /** Loads the chain's head; records written before the chain existed are chained from the genesis marker first. */
  async open(): Promise<{ migrated: number }> {
    let migrated = 0
    const [last] = await this.table.iterator({ reverse: true, limit: 1 }).all()
    if (last && typeof (last[1] as Partial<ChainLink>).hash !== 'string') migrated = await this.migrate()
    const [tail] = await this.table.iterator({ reverse: true, limit: 1 }).all()
    if (tail) this.head = { seq: tail[1].seq, hash: tail[1].hash, key: tail[0] }
    const [cp] = await this.checkpoints.values({ reverse: true, limit: 1 }).all()
    this.lastCheckpointSeq = cp?.seq ?? -1
    if (migrated > 0) await this.meta.put('migrated', { records: migrated, at: this.clock() })
    await this.checkpoint()
    return { migrated }
  }

  /** Rewrites unchained records (today's format without seq/prev/hash) in key order as a chain from genesis. */
  private async migrate(): Promise<number> {
    let prev = GENESIS_HASH
    let seq = 0
    let ops: Array<{ type: 'put'; key: string; value: StoredAuditEntry }> = []
    for await (const [key, value] of this.table.iterator()) {
      const { seq: _s, prev: _p, hash: _h, ...entry } = value as Partial<StoredAuditEntry> & AuditEntry
      const record = chained(entry as AuditEntry, seq++, prev)
      prev = record.hash
      ops.push({ type: 'put', key, value: record })
      if (ops.length >= 10_000) await this.table.batch(ops.splice(0))
    }
    if (ops.length > 0) await this.table.batch(ops)
    return seq
  }

  /** Appends one record to the chain; records are written one at a time, in order. */
  record(entry: Omit<AuditEntry, 'at'>): Promise<AuditEntry> {
    const p = this.writing.then(async () => {
      const at = this.clock()
      const full = chained<AuditEntry>({ at, ...entry }, this.head.seq + 1, this.head.hash)
      // Keys sort by time; a clock that steps back must not put a record before its predecessor.
      let key = auditKey(at, full.seq)
      if (key <= this.head.key) key = auditKey(Number(this.head.key.slice(0, 15)) + 1, full.seq)
      await this.table.put(key, full)
      this.head = { seq: full.seq, hash: full.hash, key }
      const every = this.options.checkpointEvery ?? 1000
      if (full.seq - this.lastCheckpointSeq >= every) await this.writeCheckpoint()
      return full
    })
    this.writing = p.catch(() => {})
    return p
  }

  /** Writes a signed checkpoint of the chain's head when records were added since the last one. */
  checkpoint(): Promise<Checkpoint | undefined> {
    const p = this.writing.then(() => this.writeCheckpoint())
    this.writing = p.catch(() => {})
    return p
  }

  private async writeCheckpoint(): Promise<Checkpoint | undefined> {
    const signer = this.options.signer
    if (!signer || this.head.seq <= this.lastCheckpointSeq) return undefined
    const cp = signer.sign({ seq: this.head.seq, hash: this.head.hash, at: this.clock() })
    await this.checkpoints.put(decimalKey(cp.seq, 12), cp)
    this.lastCheckpointSeq = cp.seq
    return cp
  }

  /** Waits for the records queued so far. */
  async idle(): Promise<void> {
    await this.writing
  }

  /** Newest first. */
  async query(q: AuditQuery): Promise<StoredAuditEntry[]> {
    const out: StoredAuditEntry[] = []
    const range = { gte: decimalKey(q.from, 15), lt: decimalKey(q.to + 1, 15), reverse: true }
    for await (const entry of this.table.values(range)) {
      if (q.actor !== undefined && entry.actor !== q.actor) continue
      out.push(entry)
      if (out.length >= q.limit) break
    }
    return out
  }
}

function auditKey(at: number, seq: number): string {
  return `${decimalKey(at, 15)}.${decimalKey(seq, 12)}`
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
