// Time partitions of the PostgreSQL store (docs/storage.md "Retention"): retention drops whole days of the time-led
// tables and deletes no row of them; queries inside retention answer the same before and after; a hub killed -9
// during a drop leaves every table as it was; a store of schema version 1 is migrated at open. Real PostgreSQL 15.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, type DecodedBatch } from '../../../../protocol/batch.js'
import { BlockLogStore } from '../../../../hub/logs/index.js'
import { LevelHealthStore } from '../../../../hub/health/level-health-store.js'
import { LevelMetricStore } from '../../../../hub/metrics/store/index.js'
import { BlockTraceStore } from '../../../../hub/traces/blocks/block-trace-store.js'
import type { Database } from '../../../../hub/storage/db.js'
import { PostgresLevel } from '../../../../hub/storage/postgres/level.js'
import { freshSchema, usePostgres } from '../../../helpers/postgres-store-harness.js'
import { waitFor } from '../../../helpers/temp.js'

const server = usePostgres()
const DAY = 86_400_000
const HOUR = 3_600_000
/** Noon UTC: the cutoff (now − 2 days) falls inside a day, so a day partition is dropped only once wholly out. */
const NOW = Date.UTC(2026, 11, 8, 12)
const TODAY = Math.floor(NOW / DAY)
const RETENTION = 2 * DAY
const CUTOFF = NOW - RETENTION
const PARTITIONED = ['l-block', 'l-bpost', 'l-bsum', 'l-err', 't-block', 't-bsum', 'h-hist', 'm-chunk', 'm-rollup']
const CHILD = fileURLToPath(new URL('./drop-child.mjs', import.meta.url))

interface Stores {
  db: Database
  metrics: LevelMetricStore
  logs: BlockLogStore
  traces: BlockTraceStore
  health: LevelHealthStore
  close(): Promise<void>
}

async function openStores(schema: string): Promise<Stores> {
  const db = new PostgresLevel(server().url(), { schema, valueEncoding: 'json' }) as unknown as Database
  await db.open()
  const logs = new BlockLogStore(db, { blockLines: 50, retentionMs: RETENTION })
  const traces = new BlockTraceStore(db, { retentionMs: RETENTION, blockSpans: 50 })
  const health = new LevelHealthStore(db, { retentionMs: RETENTION, clock: () => NOW })
  const metrics = new LevelMetricStore(db, { participants: [traces, health, logs], clock: () => NOW, rollupMinSamples: 1 })
  await metrics.open()
  await traces.open()
  await health.open()
  await logs.open()
  return {
    db, metrics, logs, traces, health,
    async close() {
      await metrics.close()
      await logs.close()
      await traces.close()
      await db.close()
    },
  }
}

/** One batch per day, 3 days back to today: metrics, logs (one error a day), spans and health, 6 hours each. */
function batchOfDay(back: number): DecodedBatch {
  const ts = Array.from({ length: 6 }, (_, j) => NOW - back * DAY - (j + 1) * HOUR)
  const series = [
    { name: 'temp', type: 'gauge' as const, labels: { room: 'a' } },
    { name: 'temp', type: 'gauge' as const, labels: { room: 'b' } },
  ]
  return {
    v: PROTOCOL_VERSION, dev: 'dev-1', ep: 'ep-1', seq: 4 - back, at: 0,
    m: {
      series,
      index: Uint32Array.from(ts.flatMap(() => [0, 1])),
      ts: Float64Array.from(ts.flatMap((t) => [t, t])),
      values: Float64Array.from(ts.flatMap((t, j) => [back * 10 + j, -back * 10 - j])),
    },
    l: ts.map((t, j) => ({ ts: t, level: j === 0 ? ('error' as const) : ('info' as const), message: `pump ${back} step ${j} pressure` })),
    s: ts.map((t, j) => ({ traceId: `t${back}-${j}`, spanId: 'r', name: 'poll', service: 'modbus', start: t, end: t + 5 })),
    h: ts.map((t, j) => ({ check: 'disk', kind: 'disk', status: j % 2 ? ('healthy' as const) : ('degraded' as const), ts: t })),
  }
}

async function fill(s: Stores): Promise<void> {
  for (const back of [3, 2, 1, 0]) await s.metrics.ingest(batchOfDay(back))
  await s.logs.seal()
  await s.traces.seal()
  await s.metrics.compact(NOW)
}

/** What every kind of query answers for [from, to]. */
async function answers(s: Stores, from: number, to: number): Promise<unknown> {
  const series = await s.metrics.series({})
  const samples = (await s.metrics.read(series, from, to)).map((r) => ({ key: r.series.id, ts: [...r.ts], values: [...r.values] }))
  const logs = (await s.logs.query({ from, to, limit: 1000 })).logs.map((l) => [l.ts, l.message])
  const errors = (await s.logs.errorSummary({ from, to } as never)).map((e) => [e.count, e.message])
  const traces = (await s.traces.search({ from, to, limit: 100 })).map((t) => t.traceId).sort()
  const health = (await s.health.history({ from, to, limit: 1000 })).rows.map((r) => [r.ts, r.status])
  return { samples, logs, errors, traces, health }
}

function client(schema: string): pg.Client {
  return new pg.Client({ connectionString: server().url(), options: `-c search_path=${schema}` })
}

/** Day partitions per keyspace table: prefix → days present. */
async function partitions(c: pg.Client): Promise<Map<string, number[]>> {
  const { rows } = await c.query<{ prefix: string; part: string; parent: string }>(
    `SELECT t.prefix, t.name AS parent, c.relname AS part FROM outpost_tables t
       JOIN pg_inherits i ON i.inhparent = to_regclass(quote_ident(t.name)) JOIN pg_class c ON c.oid = i.inhrelid`,
  )
  const out = new Map<string, number[]>()
  for (const r of rows) out.set(r.prefix, [...(out.get(r.prefix) ?? []), Number(r.part.slice(r.parent.length + 2))].sort((a, b) => a - b))
  return out
}

/** A row trigger on every partitioned table that notes each row deleted (cloned onto every partition). */
async function watchDeletes(c: pg.Client): Promise<void> {
  await c.query('CREATE TABLE deletes_seen (tbl text NOT NULL)')
  await c.query(`CREATE FUNCTION note_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO deletes_seen VALUES (TG_TABLE_NAME); RETURN OLD; END $$`)
  const { rows } = await c.query<{ name: string }>("SELECT name FROM outpost_tables t JOIN pg_class c ON c.oid = to_regclass(quote_ident(t.name)) WHERE c.relkind = 'p'")
  for (const { name } of rows) await c.query(`CREATE TRIGGER note_delete BEFORE DELETE ON "${name}" FOR EACH ROW EXECUTE FUNCTION note_delete()`)
}

/** Statistics of the partitions of the partitioned tables: rows inserted and deleted, as pg_stat_user_tables counts them. */
async function partitionStats(c: pg.Client): Promise<{ ins: number; del: number }> {
  await c.query('SELECT pg_stat_clear_snapshot()')
  const { rows } = await c.query<{ ins: string; del: string }>(
    `SELECT coalesce(sum(s.n_tup_ins), 0) AS ins, coalesce(sum(s.n_tup_del), 0) AS del FROM pg_stat_user_tables s
       JOIN pg_inherits i ON i.inhrelid = s.relid WHERE s.schemaname = current_schema()`,
  )
  return { ins: Number(rows[0].ins), del: Number(rows[0].del) }
}

describe('PostgreSQL time partitions', () => {
  it('retention drops whole expired days of every time-led table, deletes no row of them, and queries inside retention answer the same', async () => {
    const schema = freshSchema()
    const s = await openStores(schema)
    const c = client(schema)
    await c.connect()
    try {
      await fill(s)
      const before = await partitions(c)
      // Every day holds rows of every table (today's metric windows may still be open, in the head).
      for (const prefix of PARTITIONED) expect(before.get(prefix)?.slice(0, 3), prefix).toEqual([TODAY - 3, TODAY - 2, TODAY - 1])
      const inside = await answers(s, CUTOFF, NOW)
      const all = await answers(s, 0, NOW)
      expect((inside as { logs: unknown[] }).logs).toHaveLength(12)
      expect((all as { logs: unknown[] }).logs).toHaveLength(24)
      await watchDeletes(c)

      await s.metrics.prune(NOW, RETENTION)
      await s.logs.prune(NOW)
      await s.traces.prune(NOW)
      await s.health.prune(NOW)

      const after = await partitions(c)
      for (const prefix of PARTITIONED) expect(after.get(prefix), prefix).toEqual(before.get(prefix)!.slice(1))
      const { rows: gone } = await c.query("SELECT relname FROM pg_class WHERE relname LIKE $1 AND relnamespace = to_regnamespace($2)", [`%_p${TODAY - 3}`, schema])
      expect(gone).toEqual([])
      expect((await c.query('SELECT tbl FROM deletes_seen')).rows).toEqual([])
      // The writer's statistics reach pg_stat once its session is idle: inserts seen, so the deletes' count is current.
      await waitFor(async () => (await partitionStats(c)).ins > 0, 30_000, 'partition statistics')
      expect((await partitionStats(c)).del).toBe(0)

      expect(await answers(s, CUTOFF, NOW)).toEqual(inside)
      // Day 3 back is gone everywhere; day 2 back (before the cutoff, in the cutoff's day) stays whole.
      const left = (await answers(s, 0, NOW)) as { logs: unknown[]; traces: string[]; health: unknown[]; samples: Array<{ ts: number[] }> }
      expect(left.logs).toHaveLength(18)
      expect(left.traces.filter((t) => t.startsWith('t3-'))).toEqual([])
      expect(left.traces.filter((t) => t.startsWith('t2-'))).toHaveLength(6)
      expect(left.health).toHaveLength(18)
      expect(left.samples.map((r) => r.ts.length)).toEqual([18, 18])
      const reopened = await openStores(schema)
      try {
        expect(await answers(reopened, 0, NOW)).toEqual(left)
      } finally {
        await reopened.close()
      }

      // The trigger does see a DELETE: purging a device deletes its health history row by row.
      await s.health.purgeDevice('dev-1')
      expect((await c.query('SELECT DISTINCT tbl FROM deletes_seen')).rows.length).toBeGreaterThan(0)
    } finally {
      await c.end()
      await s.close()
    }
  }, 180_000)

  it('a hub killed -9 during a drop leaves every table as it was; the next pass drops the days', async () => {
    const schema = freshSchema()
    let s = await openStores(schema)
    await fill(s)
    const before = await answers(s, 0, NOW)
    await s.close()
    const c = client(schema)
    const holder = client(schema)
    await c.connect()
    await holder.connect()
    try {
      // The drop takes l-block's and l-bpost's partitions in its transaction, then waits for l-bsum's, held here.
      const bsum = (await c.query<{ name: string }>("SELECT name FROM outpost_tables WHERE prefix = 'l-bsum'")).rows[0].name
      await holder.query('BEGIN')
      await holder.query(`LOCK TABLE "${bsum}_p${TODAY - 3}" IN ACCESS SHARE MODE`)
      const child = spawn(process.execPath, [CHILD, server().url(), schema, String(NOW), String(RETENTION)], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      const exited = new Promise((resolve) => child.once('exit', resolve))
      const waiting = async () =>
        (await c.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DROP TABLE%'")).rows.length > 0
      await waitFor(waiting, 60_000, "the child's drop waiting on the lock").catch((err) => {
        throw new Error(`${(err as Error).message}; the child said: ${out}`)
      })
      const { rows: dropped } = await c.query("SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.query LIKE 'DROP TABLE%' AND l.mode = 'AccessExclusiveLock' AND l.granted")
      expect(dropped[0].n).toBeGreaterThan(0) // partitions already dropped inside its transaction
      child.kill('SIGKILL')
      await exited
      await holder.query('COMMIT')
      // Its session ends once the server finds the client gone: the transaction rolls back.
      await waitFor(async () => (await c.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'DROP TABLE%'")).rows.length === 0, 60_000, 'the killed session ended')
      for (const [prefix, days] of await partitions(c)) expect(days[0], prefix).toEqual(TODAY - 3)
      s = await openStores(schema)
      expect(await answers(s, 0, NOW)).toEqual(before)
      await s.logs.prune(NOW)
      const after = await partitions(c)
      for (const prefix of ['l-block', 'l-bpost', 'l-bsum', 'l-err']) expect(after.get(prefix), prefix).toEqual([TODAY - 2, TODAY - 1, TODAY])
      expect(((await answers(s, 0, NOW)) as { logs: unknown[] }).logs).toHaveLength(18)
      await s.close()
    } finally {
      await holder.end().catch(() => {})
      await c.end()
    }
  }, 180_000)

  it('a store of schema version 1 is migrated at open: partitioned, every row kept, the same answers', async () => {
    const source = freshSchema()
    const s = await openStores(source)
    await fill(s)
    const before = await answers(s, CUTOFF, NOW)
    await s.close()
    // The same rows in version 1's layout: one (k, v) table per keyspace table.
    const v1 = freshSchema()
    const c = client(v1)
    await c.connect()
    try {
      await c.query(`CREATE SCHEMA "${v1}"`)
      await c.query(`CREATE TABLE outpost_schema (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`)
      await c.query('INSERT INTO outpost_schema (id, version) VALUES (1, 1)')
      await c.query('CREATE TABLE outpost_tables (prefix text PRIMARY KEY, name text NOT NULL UNIQUE)')
      await c.query(`INSERT INTO outpost_tables SELECT * FROM "${source}".outpost_tables`)
      const tables = (await c.query<{ name: string }>('SELECT name FROM outpost_tables')).rows.map((r) => r.name)
      const rowsOf = async (schema: string, name: string) =>
        (await c.query<{ k: Buffer; v: Buffer }>(`SELECT k, v FROM "${schema}"."${name}" ORDER BY k`)).rows.map((r) => `${r.k.toString('hex')}=${r.v.toString('hex')}`)
      for (const name of tables) {
        await c.query(`CREATE TABLE "${name}" (k bytea PRIMARY KEY, v bytea NOT NULL)`)
        await c.query(`INSERT INTO "${name}" SELECT k, v FROM "${source}"."${name}"`)
      }
      // The database alone first: the stores' open prunes (health), which would change the rows compared.
      const db = new PostgresLevel(server().url(), { schema: v1 })
      await db.open()
      await db.close()
      expect((await c.query('SELECT version FROM outpost_schema')).rows).toEqual([{ version: 2 }])
      const parts = await partitions(c)
      for (const prefix of PARTITIONED) expect(parts.get(prefix)?.slice(0, 3), prefix).toEqual([TODAY - 3, TODAY - 2, TODAY - 1])
      for (const name of tables) expect(await rowsOf(v1, name), name).toEqual(await rowsOf(source, name))
      const migrated = await openStores(v1)
      try {
        expect(await answers(migrated, CUTOFF, NOW)).toEqual(before)
      } finally {
        await migrated.close()
      }
    } finally {
      await c.end()
    }
  }, 180_000)
})
