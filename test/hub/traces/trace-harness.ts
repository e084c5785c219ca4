import type { Level } from 'level'
import { levelSource, type DatabaseSource } from '../../helpers/database-source.js'
import { PROTOCOL_VERSION, type DecodedBatch, type SpanRecord } from '../../../protocol/batch.js'
import { LevelMetricStore } from '../../../hub/metrics/store/index.js'
import { LevelTraceStore, type TraceStoreOptions } from '../../../hub/traces/index.js'
import type { TraceStoreHarness } from './trace-store.case.js'

export { span } from './trace-store.case.js'

export interface TraceHarness extends TraceStoreHarness {
  db: Level<string, any>
  store: LevelMetricStore
  traces: LevelTraceStore
  /** Rows in one of the trace store's sublevels. */
  rows(sublevel: 't-span' | 't-time' | 't-svc' | 't-op'): Promise<number>
}

/** A LevelTraceStore taking part in a LevelMetricStore's ingest, on real LevelDB in a fresh temp dir. */
export async function makeTraceHarness(options: Partial<TraceStoreOptions> = {}, source?: DatabaseSource): Promise<TraceHarness> {
  const src = source ?? (await levelSource('outpost-traces-'))
  const open = async () => {
    const db = (await src.open()) as Level<string, any>
    const traces = new LevelTraceStore(db, { retentionMs: 7 * 86_400_000, ...options })
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
  const h: TraceHarness = {
    ...(await open()),
    ingest(dev, seq, spans, tsOffset = 0) {
      const batch: DecodedBatch = { v: PROTOCOL_VERSION, dev, ep: 'ep-1', seq, at: 0, s: spans }
      return h.store.ingest(batch, { tsOffset })
    },
    // Rows are final when committed: nothing to seal.
    async seal() {},
    async reopen() {
      await close()
      Object.assign(h, await open())
    },
    async rows(sublevel) {
      let n = 0
      for await (const _ of h.db.sublevel(sublevel, { valueEncoding: 'view' }).keys()) n++
      return n
    },
    async cleanup() {
      await close()
      await src.remove()
    },
  }
  return h
}
