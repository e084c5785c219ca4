import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { PROTOCOL_VERSION, type DecodedBatch } from '../../../protocol/batch.js'
import { LevelMetricStore } from '../../../hub/metrics/store/index.js'
import { BlockTraceStore, LevelTraceStore, type BlockTraceStoreOptions, type TraceStore, type TraceStoreOptions } from '../../../hub/traces/index.js'
import type { Database } from '../../../hub/storage/db.js'
import type { TraceStoreHarness } from './trace-store.case.js'

export { span } from './trace-store.case.js'

export interface TraceHarness<S extends TraceStore = LevelTraceStore> extends TraceStoreHarness {
  dir: string
  db: Level<string, any>
  store: LevelMetricStore
  traces: S
  /** Rows in one of the trace store's sublevels. */
  rows(sublevel: string): Promise<number>
  /** Closes store and database, keeping the dir. */
  close(): Promise<void>
}

/** A trace store taking part in a LevelMetricStore's ingest, on real LevelDB in `dir` (default: a fresh temp dir). */
async function makeHarness<S extends TraceStore>(make: (db: Database) => S, seal: (traces: S) => Promise<void>, dir?: string): Promise<TraceHarness<S>> {
  const where = dir ?? (await mkdtemp(join(tmpdir(), 'outpost-traces-')))
  const open = async () => {
    const db = new Level<string, any>(where)
    await db.open()
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
    dir: where,
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
      await rm(where, { recursive: true, force: true })
    },
  }
  return h
}

/** The LevelDB rows store (main before blocks): rows are final when committed, nothing to seal. */
export function makeTraceHarness(options: Partial<TraceStoreOptions> = {}, dir?: string): Promise<TraceHarness<LevelTraceStore>> {
  return makeHarness((db) => new LevelTraceStore(db, { retentionMs: 7 * 86_400_000, ...options }), async () => {}, dir)
}

/** The block store, with small blocks so tests cut several. */
export function makeBlockTraceHarness(options: Partial<BlockTraceStoreOptions> = {}, dir?: string): Promise<TraceHarness<BlockTraceStore>> {
  return makeHarness((db) => new BlockTraceStore(db, { retentionMs: 7 * 86_400_000, blockSpans: 200, ...options }), (traces) => traces.seal(), dir)
}
