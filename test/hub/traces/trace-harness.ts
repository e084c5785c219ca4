import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { PROTOCOL_VERSION, type DecodedBatch, type SpanRecord } from '../../../protocol/batch.js'
import { LevelMetricStore } from '../../../hub/metrics/store/index.js'
import { TraceStore, type TraceStoreOptions } from '../../../hub/traces/index.js'

export interface TraceHarness {
  db: Level<string, any>
  store: LevelMetricStore
  traces: TraceStore
  /** Ingests a batch of spans through the metric store, as the hub's ingest does. */
  ingest(dev: string, seq: number, spans: SpanRecord[], tsOffset?: number): Promise<{ duplicate: boolean }>
  /** Rows in one of the trace store's sublevels. */
  rows(sublevel: 't-span' | 't-time' | 't-svc' | 't-op'): Promise<number>
  cleanup(): Promise<void>
}

/** A TraceStore taking part in a LevelMetricStore's ingest, on real LevelDB in a fresh temp dir. */
export async function makeTraceHarness(options: Partial<TraceStoreOptions> = {}): Promise<TraceHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-traces-'))
  const db = new Level<string, any>(dir)
  await db.open()
  const traces = new TraceStore(db, { retentionMs: 7 * 86_400_000, ...options })
  const store = new LevelMetricStore(db, { participants: [traces] })
  await store.open()
  await traces.open()
  return {
    db,
    store,
    traces,
    ingest(dev, seq, spans, tsOffset = 0) {
      const batch: DecodedBatch = { v: PROTOCOL_VERSION, dev, ep: 'ep-1', seq, at: 0, s: spans }
      return store.ingest(batch, { tsOffset })
    },
    async rows(sublevel) {
      let n = 0
      for await (const _ of db.sublevel(sublevel, { valueEncoding: 'view' }).keys()) n++
      return n
    },
    async cleanup() {
      await traces.close()
      await store.close()
      await db.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A span with defaults: service `api`, status unset, lasting `duration` ms from `start`. */
export function span(traceId: string, spanId: string, start: number, duration: number, extra: Partial<SpanRecord> = {}): SpanRecord {
  return { traceId, spanId, name: 'op', service: 'api', start, end: start + duration, ...extra }
}
