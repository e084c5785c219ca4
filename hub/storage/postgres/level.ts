// The hub's database on PostgreSQL: an abstract-level implementation, so every store's code, cache and format is the
// same as on the embedded LevelDB (DESIGN §6, docs/storage.md "PostgreSQL backend"). One table per sublevel
// (./keys.ts), keys and values bytea in LevelDB's byte order; one `db.batch()` is atomic and is acked only after
// COMMIT (group commit in ./writer.ts); explicit snapshots are REPEATABLE READ transactions (./snapshot.ts).
import { AbstractIterator, AbstractLevel } from 'abstract-level'
import pg from 'pg'
import { MergedCursor, type Entry, type Query } from './cursor.js'
import { clipRange, locate, quote, ROOT_PREFIX, singleTable, type KeyRange } from './keys.js'
import { partitionSpec } from './partitions.js'
import { listTables, openSchema } from './schema.js'
import { PgSnapshot } from './snapshot.js'
import { Writer } from './writer.js'

/** PostgreSQL's undefined_table: a table nobody wrote yet reads as empty. */
const UNDEFINED_TABLE = '42P01'

export interface PostgresLevelOptions {
  /** Connections for reads (default 10); one for the writer. */
  poolSize?: number
  /**
   * Connections for explicit snapshots (default 32), one per open snapshot: a snapshot taken while all are in use
   * waits for one, and writes wait for it (a write issued after a snapshot must not be in it).
   */
  snapshotPoolSize?: number
  /** How long a pooled connection may sit idle before it is closed (default 10 s). */
  idleMs?: number
  /** A PostgreSQL schema to keep the tables in (made when missing); default `public`. Tests give each store its own. */
  schema?: string
  /** The leader term the write being issued must carry, if it is leader-only work (hub/cluster/leader.ts). */
  fence?: () => number | undefined
}

type Client = Pick<pg.ClientBase, 'query'>

export class PostgresLevel extends AbstractLevel<Buffer, string, any> {
  readonly url: string
  private pool?: pg.Pool
  /** Snapshots hold a connection each until closed: apart, so open snapshots never starve the plain reads. */
  private snapshotPool?: pg.Pool
  private writer?: Writer
  /** Tables known to exist, prefix → name; filled at open, by the writer, and by reads that find one. */
  readonly tables = new Map<string, string>()
  /** Snapshots being established: a write waits for them so they do not see it. */
  private readonly establishing = new Set<Promise<unknown>>()

  /** `options` also takes abstract-level's database options (keyEncoding, valueEncoding…). */
  constructor(url: string, private readonly pgOptions: PostgresLevelOptions & Record<string, unknown> = {}) {
    const { poolSize: _poolSize, snapshotPoolSize: _snapshotPoolSize, idleMs: _idleMs, schema: _schema, ...levelOptions } = pgOptions
    super(
      // A store is made on first use (createIfMissing) and never refused for existing (errorIfExists): not offered.
      { encodings: { buffer: true }, explicitSnapshots: true, implicitSnapshots: false, seek: true, permanence: true, createIfMissing: false, errorIfExists: false, has: false, getSync: false } as any,
      levelOptions as any,
    )
    this.url = url
  }

  private get config(): pg.ClientConfig {
    const schema = this.pgOptions.schema
    return { connectionString: this.url, application_name: 'outpost-hub', ...(schema ? { options: `-c search_path=${schema}` } : {}) }
  }

  async _open(): Promise<void> {
    const idleTimeoutMillis = this.pgOptions.idleMs ?? 10_000
    const pool = new pg.Pool({ ...this.config, max: this.pgOptions.poolSize ?? 10, idleTimeoutMillis })
    pool.on('error', () => {}) // an idle client lost: the pool makes a new one on demand
    try {
      const client = await pool.connect()
      try {
        if (this.pgOptions.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(this.pgOptions.schema)}`)
        const tables = await openSchema(client)
        this.tables.clear()
        for (const [prefix, name] of tables) this.tables.set(prefix, name)
      } finally {
        client.release()
      }
    } catch (err) {
      await pool.end().catch(() => {})
      throw err
    }
    this.pool = pool
    this.snapshotPool = new pg.Pool({ ...this.config, max: this.pgOptions.snapshotPoolSize ?? 32, idleTimeoutMillis })
    this.snapshotPool.on('error', () => {})
    this.writer = new Writer({ config: this.config, tables: this.tables, beforeWrite: () => this.snapshotsEstablished(), idleMs: idleTimeoutMillis })
  }

  async _close(): Promise<void> {
    await this.writer?.close()
    await this.pool?.end()
    await this.snapshotPool?.end()
    this.writer = undefined
    this.pool = undefined
    this.snapshotPool = undefined
  }

  async _get(key: Buffer, options: any): Promise<Buffer | undefined> {
    return (await this._getMany([key], options))[0]
  }

  async _getMany(keys: Buffer[], options: any): Promise<Array<Buffer | undefined>> {
    const byTable = new Map<string, Array<{ index: number; key: Buffer }>>()
    keys.forEach((full, index) => {
      const { prefix, key } = locate(full)
      const list = byTable.get(prefix) ?? []
      list.push({ index, key })
      byTable.set(prefix, list)
    })
    const out: Array<Buffer | undefined> = new Array(keys.length).fill(undefined)
    const query = this.reader(options.snapshot)
    await Promise.all(
      [...byTable].map(async ([prefix, wanted]) => {
        const keys = wanted.map((w) => w.key)
        const spec = partitionSpec(prefix)
        // A day-partitioned table is asked only in the partitions of the keys' days.
        const rows = spec
          ? await query(prefix, (t) => `SELECT k, v FROM ${quote(t)} WHERE k = ANY($1::bytea[]) AND p = ANY($2::bigint[])`, [keys, [...new Set(keys.map(spec.dayOf))]])
          : await query(prefix, (t) => `SELECT k, v FROM ${quote(t)} WHERE k = ANY($1::bytea[])`, [keys])
        if (!rows) return
        const found = new Map(rows.map((r) => [r.k.toString('latin1'), r.v]))
        for (const w of wanted) out[w.index] = found.get(w.key.toString('latin1'))
      }),
    )
    return out
  }

  async _put(key: Buffer, value: Buffer): Promise<void> {
    await this.requireWriter().submit({ kind: 'batch', ops: [{ type: 'put', key, value }], fence: this.pgOptions.fence?.() })
  }

  async _del(key: Buffer): Promise<void> {
    await this.requireWriter().submit({ kind: 'batch', ops: [{ type: 'del', key }], fence: this.pgOptions.fence?.() })
  }

  async _batch(operations: any[]): Promise<void> {
    const ops = operations.map((op) => (op.type === 'put' ? { type: 'put' as const, key: op.key, value: op.value } : { type: 'del' as const, key: op.key }))
    await this.requireWriter().submit({ kind: 'batch', ops, fence: this.pgOptions.fence?.() })
  }

  async _clear(options: any): Promise<void> {
    const range = rangeOf(options)
    const one = singleTable(range)
    const prefixes = one !== undefined ? [one] : [ROOT_PREFIX, ...(await this.allPrefixes())]
    const writer = this.requireWriter()
    const fence = this.pgOptions.fence?.()
    if (options.snapshot || (options.limit >= 0 && prefixes.length > 1)) {
      // What a snapshot holds, or a limited clear over several tables: delete the keys an iterator finds, a page at a time.
      const it = new MergedCursor(this.reader(options.snapshot), prefixes, range, options.reverse, false)
      for (let left = options.limit >= 0 ? options.limit : Infinity; left > 0; ) {
        const entries = await it.next(Math.min(left, 1024))
        if (entries.length === 0) return
        await writer.submit({ kind: 'batch', ops: entries.map(([key]) => ({ type: 'del', key })), fence })
        left -= entries.length
      }
      return
    }
    await Promise.all(
      prefixes.map((prefix) => {
        const inner = clipRange(range, prefix)
        return inner ? writer.submit({ kind: 'clear', prefix, range: inner, limit: options.limit, reverse: options.reverse, fence }) : undefined
      }),
    )
  }

  _iterator(options: any): any {
    return new PgIterator(this, options)
  }

  _snapshot(options: any): any {
    if (!this.snapshotPool) throw new Error('PostgreSQL store is not open')
    const snapshot = new PgSnapshot(options, this.snapshotPool)
    const ready = snapshot.ready.catch(() => {})
    this.establishing.add(ready)
    void ready.finally(() => this.establishing.delete(ready))
    return snapshot
  }

  /**
   * Retention of day-partitioned tables (./partitions.ts): drops, in one transaction, every partition of a day before
   * `beforeDay` of the tables of `prefixes`, and writes `ops` (root keys, stored bytes) in the same transaction.
   */
  async dropDaysBefore(prefixes: string[], beforeDay: number, ops: Array<{ key: Buffer; value: Buffer }> = []): Promise<void> {
    await this.allPrefixes() // tables another hub made
    await this.requireWriter().submit({ kind: 'drop', prefixes, beforeDay, ops: ops.map((op) => ({ type: 'put', ...op })), fence: this.pgOptions.fence?.() })
  }

  /** Rows in the table of `prefix` (0 when it does not exist): what `outpost migrate` verifies. */
  async countTable(prefix: string): Promise<number> {
    const rows = await this.reader()(prefix, (t) => `SELECT count(*)::text AS k FROM ${quote(t)}`, [])
    return rows ? Number(rows[0].k) : 0
  }

  /** Resolves once the server answers a query (the outage probe). */
  async ping(): Promise<void> {
    await this.requirePool().query('SELECT 1')
  }

  /**
   * Bytes of the tables whose keys fall in [start, end) (root keys, `!name!` bounds), as classic-level's
   * approximateSize answers for LevelDB: what /v1/status shows per kind of data.
   */
  async approximateSize(start: string, end: string): Promise<number> {
    const lo = Buffer.from(start, 'latin1')
    const hi = Buffer.from(end, 'latin1')
    const names = [...this.tables].filter(([prefix]) => {
      const first = Buffer.from(`!${prefix}!`, 'latin1')
      return Buffer.compare(first, lo) >= 0 && Buffer.compare(first, hi) < 0
    })
    if (names.length === 0) return 0
    // pg_partition_tree: a plain table is its own tree; a partitioned one is its partitions.
    const rows = await this.requirePool().query<{ n: string }>(
      'SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0)::text AS n FROM unnest($1::text[]) AS n, pg_partition_tree(quote_ident(n)::regclass) AS t',
      [names.map(([, name]) => name)],
    )
    return Number(rows.rows[0].n)
  }

  /** The prefixes a root range may span: the tables known, refreshed from the store (another hub may have made some). */
  async allPrefixes(): Promise<string[]> {
    const listed = await listTables(this.requirePool())
    for (const [prefix, name] of listed) this.tables.set(prefix, name)
    return [...listed.keys()].filter((p) => p !== ROOT_PREFIX).sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')))
  }

  /** A read on the snapshot's transaction, or on any pooled connection. */
  reader(snapshot?: PgSnapshot): Query {
    const read: Query = async (prefix, text, values) => {
      const client: Client = snapshot ? await snapshot.ready : this.requirePool()
      const name = this.tables.get(prefix) ?? (await this.findTable(client, prefix))
      if (!name) return undefined
      try {
        const result = await client.query<{ k: Buffer; v?: Buffer }>(text(name), values)
        return result.rows
      } catch (err) {
        if ((err as { code?: string }).code === UNDEFINED_TABLE) return undefined
        throw err
      }
    }
    // A snapshot is one connection: its reads go one after another (pg deprecates queries issued while one runs).
    return snapshot ? (prefix, text, values) => snapshot.serial(() => read(prefix, text, values)) : read
  }

  private async findTable(client: Client, prefix: string): Promise<string | undefined> {
    const rows = await client.query<{ name: string }>('SELECT name FROM outpost_tables WHERE prefix = $1', [prefix])
    const name = rows.rows[0]?.name
    if (name) this.tables.set(prefix, name)
    return name
  }

  private async snapshotsEstablished(): Promise<void> {
    if (this.establishing.size > 0) await Promise.all([...this.establishing])
  }

  private requirePool(): pg.Pool {
    if (!this.pool) throw new Error('PostgreSQL store is not open')
    return this.pool
  }

  private requireWriter(): Writer {
    if (!this.writer) throw new Error('PostgreSQL store is not open')
    return this.writer
  }
}

function rangeOf(options: any): KeyRange {
  const range: KeyRange = {}
  for (const k of ['gt', 'gte', 'lt', 'lte'] as const) if (options[k] !== undefined) range[k] = options[k]
  return range
}

class PgIterator extends AbstractIterator<PostgresLevel, Buffer, Buffer> {
  private cursor?: Promise<MergedCursor>
  private readonly range: KeyRange
  private pendingSeek?: Buffer

  constructor(private readonly pgdb: PostgresLevel, private readonly opts: any) {
    super(pgdb, opts)
    this.range = rangeOf(opts)
  }

  private open(): Promise<MergedCursor> {
    this.cursor ??= (async () => {
      const one = singleTable(this.range)
      const prefixes = one !== undefined ? [one] : [ROOT_PREFIX, ...(await this.pgdb.allPrefixes())]
      return new MergedCursor(this.pgdb.reader(this.opts.snapshot), prefixes, this.range, this.opts.reverse, this.opts.values !== false)
    })()
    return this.cursor
  }

  private async take(n: number): Promise<Entry[]> {
    const cursor = await this.open()
    if (this.pendingSeek) {
      cursor.seek(this.pendingSeek)
      this.pendingSeek = undefined
    }
    return cursor.next(n)
  }

  async _next(): Promise<any> {
    const [entry] = await this.take(1)
    return entry
  }

  async _nextv(size: number): Promise<any> {
    return this.take(size)
  }

  async _all(): Promise<any> {
    const out: Entry[] = []
    const limit = this.opts.limit >= 0 ? this.opts.limit - this.count : Infinity
    for (;;) {
      const page = await this.take(Math.min(1024, limit - out.length))
      out.push(...page)
      if (page.length === 0 || out.length >= limit) return out
    }
  }

  _seek(target: Buffer): void {
    this.pendingSeek = target
  }
}
