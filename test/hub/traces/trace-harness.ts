import { rm } from 'node:fs/promises'
import { Level } from 'level'
import { levelSource, type DatabaseSource } from '../../helpers/database-source.js'
import { PROTOCOL_VERSION, type DecodedBatch } from '../../../protocol/batch.js'
import { LevelMetricStore } from '../../../hub/metrics/store/index.js'
import { BlockTraceStore, LevelTraceStore, type BlockTraceStoreOptions, type TraceStore, type TraceStoreOptions } from '../../../hub/traces/index.js'
import type { Database } from '../../../hub/storage/db.js'
import type { TraceStoreHarness } from './trace-store.case.js'

export { span } from './trace-store.case.js'

export interface TraceHarness<S extends TraceStore = LevelTraceStore> extends TraceStoreHarness {
  /** The LevelDB directory ('' on PostgreSQL). */
  dir: string
  db: Level<string, any>
  store: LevelMetricStore
  traces: S
  /** Rows in one of the trace store's sublevels. */
  rows(sublevel: string): Promise<number>
  /** Closes store and database, keeping the data. */
  close(): Promise<void>
}

/** Where the harness's database is: a source (LevelDB temp dir, PostgreSQL schema), or a LevelDB dir to (re)open. */
type Where = DatabaseSource | string | undefined

async function sourceOf(where: Where): Promise<DatabaseSource & { dir: string }> {
  if (where === undefined) return levelSource('outpost-traces-')
  if (typeof where !== 'string') return { dir: '', ...where }
  return {
    dir: where,
    async open() {
      const db: Database = new Level<string, any>(where)
      await db.open()
      return db
    },
    remove: () => rm(where, { recursive: true, force: true }),
  }
}

/** A trace store taking part in a LevelMetricStore's ingest, on the database `where` gives. */
async function makeHarness<S extends TraceStore>(make: (db: Database) => S, seal: (traces: S) => Promise<void>, where?: Where): Promise<TraceHarness<S>> {
  const src = await sourceOf(where)
  const open = async () => {
    const db = (await src.open()) as Level<string, any>
    const traces = make(db)
    const store = new LevelMetricStore(db, { participants: [traces] })
    await store.open()
    await traces.open()
    return { db, store, traces }
  }
  const close = async () => {
    await h.traces.close()
    await h.store.close()
    await h.db.close()
  }
  const h: TraceHarness<S> = {
    dir: src.dir,
    ...(await open()),
    ingest(dev, seq, spans, tsOffset = 0) {
      const batch: DecodedBatch = { v: PROTOCOL_VERSION, dev, ep: 'ep-1', seq, at: 0, s: spans }
      return h.store.ingest(batch, { tsOffset })
    },
    seal: () => seal(h.traces),
    async reopen() {
      await close()
      Object.assign(h, await open())
    },
    async rows(sublevel) {
      let n = 0
      for await (const _ of h.db.sublevel(sublevel, { valueEncoding: 'view' }).keys()) n++
      return n
    },
    close,
    async cleanup() {
      await close()
      await src.remove()
    },
  }
  return h
}

/** The LevelDB rows store (main before blocks): rows are final when committed, nothing to seal. */
export function makeTraceHarness(options: Partial<TraceStoreOptions> = {}, where?: Where): Promise<TraceHarness<LevelTraceStore>> {
  return makeHarness((db) => new LevelTraceStore(db, { retentionMs: 7 * 86_400_000, ...options }), async () => {}, where)
}

/** The block store, with small blocks so tests cut several. */
export function makeBlockTraceHarness(options: Partial<BlockTraceStoreOptions> = {}, where?: Where): Promise<TraceHarness<BlockTraceStore>> {
  return makeHarness((db) => new BlockTraceStore(db, { retentionMs: 7 * 86_400_000, blockSpans: 200, ...options }), (traces) => traces.seal(), where)
}
