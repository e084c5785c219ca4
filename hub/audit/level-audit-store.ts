// The audit log in LevelDB: tables `audit` (key `ts (15 digits) . seq (12 digits)`, JSON), `audit-checkpoints`
// (key seq, 12 digits) and `audit-meta` (key name) — docs/storage.md.
import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import { decimalKey } from '../storage/time-keys.js'
import type { Checkpoint } from './signer.js'
import type { AuditRow, AuditStore, StoredAuditEntry } from './types.js'

export class LevelAuditStore implements AuditStore {
  /** The tables themselves, for tools that bulk-load or tamper on purpose (bench, tests); the hub uses the methods. */
  readonly records
  /** The same records as stored bytes. */
  readonly raw
  readonly checkpointTable
  private readonly meta

  constructor(db: Database) {
    this.records = table<'audit', StoredAuditEntry>(db, 'audit')
    this.raw = table<'audit', Uint8Array>(db, 'audit', 'view')
    this.checkpointTable = table<'audit-checkpoints', Checkpoint>(db, 'audit-checkpoints')
    this.meta = table<'audit-meta', unknown>(db, 'audit-meta')
  }

  async last(): Promise<{ key: string; record: AuditRow } | undefined> {
    const [last] = await this.records.iterator({ reverse: true, limit: 1 }).all()
    return last && { key: last[0], record: last[1] }
  }

  put(key: string, record: StoredAuditEntry): Promise<void> {
    return this.records.put(key, record)
  }

  entries(): AsyncIterable<[string, AuditRow]> {
    return this.records.iterator()
  }

  async replace(records: ReadonlyArray<[string, StoredAuditEntry]>): Promise<void> {
    if (records.length > 0) await this.records.batch(records.map(([key, value]) => ({ type: 'put' as const, key, value })))
  }

  newestFirst(from: number, to: number): AsyncIterable<StoredAuditEntry> {
    return this.records.values({ gte: decimalKey(from, 15), lt: decimalKey(to + 1, 15), reverse: true })
  }

  async *rawBlocks(size: number): AsyncIterable<Uint8Array[]> {
    const it = this.raw.values()
    // The next block is read (in LevelDB's thread) while the caller works on this one.
    let next = it.nextv(size)
    try {
      for (;;) {
        const values = await next
        if (values.length === 0) return
        next = it.nextv(size)
        yield values
      }
    } finally {
      await next.catch(() => undefined)
      await it.close()
    }
  }

  async keyAt(index: number): Promise<string | undefined> {
    let i = 0
    for await (const key of this.raw.keys()) if (i++ === index) return key
    return undefined
  }

  async putCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.checkpointTable.put(decimalKey(checkpoint.seq, 12), checkpoint)
  }

  async lastCheckpoint(): Promise<Checkpoint | undefined> {
    const [cp] = await this.checkpointTable.values({ reverse: true, limit: 1 }).all()
    return cp
  }

  checkpoints(): AsyncIterable<Checkpoint> {
    return this.checkpointTable.values()
  }

  putMeta(name: string, value: unknown): Promise<void> {
    return this.meta.put(name, value)
  }

  getMeta(name: string): Promise<unknown> {
    return this.meta.get(name)
  }
}
