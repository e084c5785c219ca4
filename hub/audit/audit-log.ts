import { decimalKey } from '../storage/time-keys.js'
import { chained, GENESIS_HASH, type ChainLink } from './chain.js'
import type { AuditSigner, Checkpoint } from './signer.js'
import type { AuditEntry, AuditQuery, AuditStore, StoredAuditEntry } from './types.js'

export type { AuditEntry, AuditQuery, StoredAuditEntry } from './types.js'

export interface AuditLogOptions {
  /** Signs checkpoints; without one no checkpoints are written (verification still checks the chain). */
  signer?: AuditSigner
  /** A signed checkpoint after this many records (default 1000); the hub also writes one periodically. */
  checkpointEvery?: number
}

/**
 * The audit log (DESIGN §6, §7 /v1/audit): records in an AuditStore, keys in time order, each record chained to the
 * one before by hash (chain.ts) and anchored by signed checkpoints (signer.ts); verify.ts walks the chain.
 */
export class AuditLog {
  private head: { seq: number; hash: string; key: string } = { seq: -1, hash: GENESIS_HASH, key: '' }
  private lastCheckpointSeq = -1
  private writing: Promise<unknown> = Promise.resolve()

  constructor(
    readonly store: AuditStore,
    private readonly clock: () => number = Date.now,
    readonly options: AuditLogOptions = {},
  ) {}

  /** Loads the chain's head; records written before the chain existed are chained from the genesis marker first. */
  async open(): Promise<{ migrated: number }> {
    let migrated = 0
    const last = await this.store.last()
    if (last && typeof last.record.hash !== 'string') migrated = await this.migrate()
    const tail = await this.store.last()
    if (tail) this.head = { seq: tail.record.seq!, hash: tail.record.hash!, key: tail.key }
    const cp = await this.store.lastCheckpoint()
    this.lastCheckpointSeq = cp?.seq ?? -1
    if (migrated > 0) await this.store.putMeta('migrated', { records: migrated, at: this.clock() })
    await this.checkpoint()
    return { migrated }
  }

  /** Rewrites unchained records (today's format without seq/prev/hash) in key order as a chain from genesis. */
  private async migrate(): Promise<number> {
    let prev = GENESIS_HASH
    let seq = 0
    const rows: Array<[string, StoredAuditEntry]> = []
    for await (const [key, value] of this.store.entries()) {
      const { seq: _s, prev: _p, hash: _h, ...entry } = value
      const record = chained(entry as AuditEntry, seq++, prev)
      prev = record.hash
      rows.push([key, record])
      if (rows.length >= 10_000) await this.store.replace(rows.splice(0))
    }
    await this.store.replace(rows)
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
      await this.store.put(key, full)
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
    await this.store.putCheckpoint(cp)
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
    for await (const entry of this.store.newestFirst(q.from, q.to)) {
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
