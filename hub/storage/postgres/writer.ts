// Every write of the PostgreSQL store goes through one connection, in the order it was issued (as LevelDB applies
// them). Writes issued while a transaction runs are grouped into the next one: a group commit, one transaction for
// many `db.batch()` calls, each of which is still all-or-nothing and resolves only after COMMIT (so a batch is
// acked only once durable). A failed transaction fails every write in it; nothing of it is kept.
import pg from 'pg'
import { locate, quote, type KeyRange } from './keys.js'
import { PartitionWrites, type MadeParts } from './partition-writes.js'
import { partitionSpec } from './partitions.js'
import { createTable } from './schema.js'
import { rangeWhere } from './sql.js'

export type WriteOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer }

/**
 * One queued write: a batch of puts and deletes, or the clearing of a key range in one table. `fence`: the leader term
 * a leader-only write carries (docs/cluster.md, "One leader"); it commits only while that term is the current one.
 */
export type WriteItem = (
  | { kind: 'batch'; ops: WriteOp[] }
  | { kind: 'clear'; prefix: string; range: KeyRange; limit: number; reverse: boolean }
  /** Retention of day-partitioned tables (./partitions.ts): drops their partitions of days before `beforeDay`, then writes `ops`. */
  | { kind: 'drop'; prefixes: string[]; beforeDay: number; ops: WriteOp[] }
) & { fence?: number }

/** A leader-only write refused: a newer leader took over (its term is in outpost_leader). */
export class FencedWriteError extends Error {
  constructor(readonly term: number, readonly current: number | undefined) {
    super(`fenced: leader-only write of term ${term} refused, the current term is ${current ?? 'none'}`)
  }
}

interface Pending {
  item: WriteItem
  resolve: () => void
  reject: (err: Error) => void
}

/**
 * Retried once at once: two hubs creating one table or partition together (unique_violation on pg_type,
 * duplicate_table), a deadlock between them, or a row for a partition another hub dropped meanwhile (check_violation:
 * "no partition of relation found for row"; the known partitions are forgotten, so the retry makes it again).
 */
const RETRIED = new Set(['23505', '42P07', '40P01', '23514'])
/** How many queued writes one transaction takes at most. */
const MAX_GROUP = 512

export interface WriterOptions {
  config: pg.ClientConfig
  /** The tables known to exist, shared with the readers; the writer adds those it creates once committed. */
  tables: Map<string, string>
  /** Awaited before each transaction: explicit snapshots taken before a write must not see it (./snapshot.ts). */
  beforeWrite: () => Promise<void>
  /** The connection is closed after this long without writes (made again on the next one). */
  idleMs: number
}

export class Writer {
  private readonly queue: Pending[] = []
  private client?: pg.Client
  private running?: Promise<void>
  private closing = false
  private idleTimer?: NodeJS.Timeout
  private readonly partitions = new PartitionWrites()

  constructor(private readonly options: WriterOptions) {}

  submit(item: WriteItem): Promise<void> {
    clearTimeout(this.idleTimer)
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      this.running ??= this.drain().finally(() => {
        this.running = undefined
        this.idleTimer = setTimeout(() => this.dropIdle(), this.options.idleMs).unref()
      })
    })
  }

  /** Waits for every write queued so far, then closes the connection. */
  private dropIdle(): void {
    if (this.running || !this.client) return
    this.client.end().catch(() => {})
    this.client = undefined
  }

  async close(): Promise<void> {
    this.closing = true
    clearTimeout(this.idleTimer)
    while (this.running) await this.running
    await this.client?.end().catch(() => {})
    this.client = undefined
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // Writes of one fence (most have none) share a transaction; a fenced write never fails an unfenced one.
      const fence = this.queue[0].item.fence
      let n = 0
      while (n < this.queue.length && n < MAX_GROUP && this.queue[n].item.fence === fence) n++
      const group = this.queue.splice(0, n)
      try {
        await this.options.beforeWrite()
        await this.runWithRetry(group.map((p) => p.item))
        for (const p of group) p.resolve()
      } catch (err) {
        for (const p of group) p.reject(err as Error)
      }
    }
  }

  private async runWithRetry(items: WriteItem[]): Promise<void> {
    try {
      await this.run(items)
    } catch (err) {
      const code = (err as { code?: string }).code ?? ''
      if (!RETRIED.has(code)) throw err
      if (code === '23514') this.partitions.forget()
      await this.run(items)
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client
    const client = new pg.Client(this.options.config)
    client.on('error', () => {
      // A lost connection: dropped here, a new one is made for the next transaction.
      if (this.client === client) this.client = undefined
    })
    await client.connect()
    this.client = client
    return client
  }

  private async run(items: WriteItem[]): Promise<void> {
    const client = await this.connection()
    const created = new Map<string, string>()
    const madeParts: MadeParts = []
    let xid: string | undefined
    try {
      await client.query('BEGIN')
      const fence = items[0]?.fence
      if (fence !== undefined) {
        // FOR SHARE: a new leader's increment of the term waits for this transaction, so the check holds to COMMIT.
        const { rows } = await client.query<{ term: string }>('SELECT term FROM outpost_leader FOR SHARE')
        const current = rows[0] === undefined ? undefined : Number(rows[0].term)
        if (current !== fence) throw new FencedWriteError(fence, current)
      }
      xid = (await client.query<{ x: string }>({ name: 'xid', text: 'SELECT txid_current()::text AS x' })).rows[0].x
      let segment: WriteOp[] = []
      for (const item of items) {
        if (item.kind === 'batch') {
          for (const op of item.ops) segment.push(op)
          continue
        }
        await this.applyOps(client, segment, created, madeParts)
        segment = []
        if (item.kind === 'clear') await this.applyClear(client, item, created)
        else {
          await this.applyDrop(client, item, created)
          await this.applyOps(client, item.ops, created, madeParts)
        }
      }
      await this.applyOps(client, segment, created, madeParts)
    } catch (err) {
      if (this.client === client) {
        await client.query('ROLLBACK').catch(() => {})
        // A connection that failed mid-transaction may be unusable: start afresh.
        if (!(err as { code?: string }).code) {
          this.client = undefined
          client.end().catch(() => {})
        }
      }
      throw err
    }
    try {
      await client.query('COMMIT')
    } catch (err) {
      // The connection went with the COMMIT: it may or may not have happened. Ask the server once it answers, so a
      // batch is never reported failed (not acked, sent again, stored twice) when it is in fact stored.
      if (this.client === client) this.client = undefined
      client.end().catch(() => {})
      if (!(await this.committed(xid!, err as Error))) throw err
    }
    for (const [prefix, name] of created) this.options.tables.set(prefix, name)
    this.partitions.committed(madeParts)
  }

  /** Whether transaction `xid` committed, asked on new connections until the server answers (or the store closes). */
  private async committed(xid: string, cause: Error): Promise<boolean> {
    for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
      if (this.closing) throw cause
      const client = new pg.Client(this.options.config)
      client.on('error', () => {})
      try {
        await client.connect()
        const status = (await client.query<{ s: string | null }>('SELECT txid_status($1::bigint) AS s', [xid])).rows[0].s
        if (status === 'committed') return true
        if (status === 'aborted' || status === null) return false
      } catch {
        // not reachable yet
      } finally {
        client.end().catch(() => {})
      }
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }

  private async table(client: pg.Client, prefix: string, created: Map<string, string>): Promise<string> {
    const known = this.options.tables.get(prefix) ?? created.get(prefix)
    if (known) return known
    const name = await createTable(client, prefix)
    created.set(prefix, name)
    return name
  }

  /** Puts and deletes in one statement each per table; the last write of a key wins, as in LevelDB. */
  private async applyOps(client: pg.Client, ops: WriteOp[], created: Map<string, string>, madeParts: MadeParts): Promise<void> {
    if (ops.length === 0) return
    const last = new Map<string, Map<string, WriteOp & { inner: Buffer }>>()
    for (const op of ops) {
      const { prefix, key } = locate(op.key)
      let byKey = last.get(prefix)
      if (!byKey) last.set(prefix, (byKey = new Map()))
      const id = key.toString('latin1')
      byKey.delete(id) // re-inserted: statement rows keep the order of the last writes
      byKey.set(id, { ...op, inner: key })
    }
    for (const [prefix, byKey] of [...last].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const name = await this.table(client, prefix, created)
      const spec = partitionSpec(prefix)
      if (spec) {
        await this.partitions.apply(client, name, spec.dayOf, [...byKey.values()], madeParts)
        continue
      }
      const putKeys: Buffer[] = []
      const putValues: Buffer[] = []
      const delKeys: Buffer[] = []
      for (const op of byKey.values()) {
        if (op.type === 'put') {
          putKeys.push(op.inner)
          putValues.push(op.value)
        } else delKeys.push(op.inner)
      }
      if (delKeys.length > 0) {
        await client.query({ name: `del:${name}`, text: `DELETE FROM ${quote(name)} WHERE k = ANY($1::bytea[])`, values: [delKeys] })
      }
      if (putKeys.length > 0) {
        await client.query({
          name: `put:${name}`,
          text: `INSERT INTO ${quote(name)} (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[]) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`,
          values: [putKeys, putValues],
        })
      }
    }
  }

  /** Drops the partitions of days before `beforeDay` of each table: retention without a DELETE. */
  private async applyDrop(client: pg.Client, item: Extract<WriteItem, { kind: 'drop' }>, created: Map<string, string>): Promise<void> {
    for (const prefix of [...item.prefixes].sort()) {
      const name = this.options.tables.get(prefix) ?? created.get(prefix)
      if (!name || !partitionSpec(prefix)) continue
      await this.partitions.dropBefore(client, name, item.beforeDay)
    }
  }

  private async applyClear(client: pg.Client, item: Extract<WriteItem, { kind: 'clear' }>, created: Map<string, string>): Promise<void> {
    const name = this.options.tables.get(item.prefix) ?? created.get(item.prefix)
    if (!name) return // never written: nothing to clear
    const spec = partitionSpec(item.prefix)
    if (spec?.firstKey && item.limit < 0) {
      // Whole days inside the range are dropped; the DELETE below then finds only rows of days it cuts.
      await this.partitions.dropInside(client, name, spec, item.range)
    }
    const { where, values } = rangeWhere(item.range)
    if (item.limit < 0) {
      await client.query(`DELETE FROM ${quote(name)}${where}`, values)
      return
    }
    const order = item.reverse ? 'DESC' : 'ASC'
    await client.query(`DELETE FROM ${quote(name)} WHERE k IN (SELECT k FROM ${quote(name)}${where} ORDER BY k ${order} LIMIT ${item.limit})`, values)
  }
}
