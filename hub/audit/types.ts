// The audit store's interface (DESIGN §6, §7 /v1/audit): the records, checkpoints and bookkeeping AuditLog
// (audit-log.ts) and verifyAudit (verify.ts) keep. They hold the logic (the hash chain, its head, when to checkpoint,
// the walk); storage is reached only through this. The LevelDB implementation is level-audit-store.ts; every
// implementation must pass test/hub/audit/audit-store.case.ts.
import type { ChainLink } from './chain.js'
import type { Checkpoint } from './signer.js'

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

/** A record as stored: one written before the chain existed lacks `seq`, `prev` and `hash`. */
export type AuditRow = AuditEntry & Partial<ChainLink>

/**
 * Audit records by key, `ts (15 digits) . seq (12 digits)`, so key order is time order; signed checkpoints by seq.
 * Records are written one at a time, each under a key above every stored one.
 */
export interface AuditStore {
  /** The record with the highest key, and that key; undefined when there is none. */
  last(): Promise<{ key: string; record: AuditRow } | undefined>
  /** Stores a record; durable when the promise resolves. */
  put(key: string, record: StoredAuditEntry): Promise<void>
  /** Every record with its key, in key order (the chain migration reads them). */
  entries(): AsyncIterable<[string, AuditRow]>
  /** Replaces the stored records of these keys in one write (the chain migration). */
  replace(records: ReadonlyArray<[string, StoredAuditEntry]>): Promise<void>
  /** Records whose key time lies in [from, to], newest first. */
  newestFirst(from: number, to: number): AsyncIterable<StoredAuditEntry>
  /**
   * The stored bytes of every record, in key order, in blocks of at most `size`: the record's JSON, its fields in the
   * order written (verify.ts hashes them without decoding). The next block is read while the caller works on one.
   */
  rawBlocks(size: number): AsyncIterable<Uint8Array[]>
  /** The key of the record at position `index` (0-based) in key order. */
  keyAt(index: number): Promise<string | undefined>
  putCheckpoint(checkpoint: Checkpoint): Promise<void>
  /** The checkpoint with the highest seq. */
  lastCheckpoint(): Promise<Checkpoint | undefined>
  /** Every checkpoint, by seq ascending. */
  checkpoints(): AsyncIterable<Checkpoint>
  /** Bookkeeping by name (`migrated`). */
  putMeta(name: string, value: unknown): Promise<void>
  getMeta(name: string): Promise<unknown>
}
