import { afterEach, describe, expect, it } from 'vitest'
import type { SpanRecord } from '../../../protocol/batch.js'
import type { BlockTraceStore, StoredSpan, TraceStore } from '../../../hub/traces/index.js'
import { makeBlockTraceHarness, makeTraceHarness, type TraceHarness } from './trace-harness.js'

// A data dir written by the LevelDB trace store (four rows per span, main before blocks) opened by the block store:
// the spans move into blocks at start, every lookup, search, stats and export answers the same, and nothing is left
// in the old tables.

const T0 = 1_795_000_000_000
const HOUR = 3_600_000
const LEGACY = ['t-span', 't-time', 't-svc', 't-op']

function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** 300 traces of 1 to 6 spans over 5 hours from 4 devices, with fractional times, errors, attributes and events. */
function randomBatches(): Array<{ dev: string; seq: number; spans: SpanRecord[] }> {
  const rand = seeded(11)
  const batches: Array<{ dev: string; seq: number; spans: SpanRecord[] }> = []
  for (let b = 0; b < 30; b++) {
    const spans: SpanRecord[] = []
    for (let t = 0; t < 10; t++) {
      const traceId = `trace-${b}-${t}`
      const start = T0 + Math.floor(rand() * 5 * HOUR) + (rand() < 0.2 ? 0.5 : 0)
      const n = 1 + Math.floor(rand() * 6)
      for (let k = 0; k < n; k++) {
        const span: SpanRecord = {
          traceId, spanId: `s${k}`, name: ['GET /', 'SELECT', 'charge'][k % 3], start: start + k, end: start + k + Math.floor(rand() * 500),
        }
        if (k > 0) span.parentSpanId = 's0'
        if (rand() < 0.8) span.service = ['web', 'db', 'payments'][Math.floor(rand() * 3)]
        if (rand() < 0.1) span.status = 'error'
        else if (rand() < 0.5) span.status = 'ok'
        if (rand() < 0.5) span.kind = 'server'
        if (rand() < 0.5) span.attrs = { 'http.status_code': 200 + Math.floor(rand() * 4) * 100, tags: ['a', 1] }
        if (rand() < 0.2) span.events = [{ ts: start + k + 1, name: 'retry', attrs: { n: 1 } }]
        spans.push(span)
      }
    }
    batches.push({ dev: `edge-${b % 4}`, seq: 1 + Math.floor(b / 4), spans })
  }
  return batches
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

const bySpan = (a: StoredSpan, b: StoredSpan) => (a.traceId + a.spanId < b.traceId + b.spanId ? -1 : 1)

/** What every read of the store answers, for comparing two stores holding the same spans. */
async function answers(traces: TraceStore, traceIds: string[]): Promise<unknown> {
  const range = { from: T0 - HOUR, to: T0 + 6 * HOUR }
  return {
    trees: await Promise.all(traceIds.map((id) => traces.getTrace(id))),
    searches: await Promise.all([
      traces.search({ ...range, limit: 1000 }),
      traces.search({ ...range, limit: 7 }),
      traces.search({ ...range, service: 'db', limit: 50 }),
      traces.search({ ...range, service: 'payments', operation: 'charge', limit: 50 }),
      traces.search({ ...range, operation: 'SELECT', minDurationMs: 250, limit: 50 }),
      traces.search({ ...range, errorsOnly: true, limit: 50 }),
      traces.search({ from: T0 + HOUR + 0.5, to: T0 + 2 * HOUR, limit: 1000 }),
    ]),
    stats: await Promise.all([traces.stats(range), traces.stats({ ...range, service: 'web' }), traces.stats({ from: T0 + HOUR, to: T0 + 3 * HOUR })]),
    exports: await Promise.all(['edge-0', 'edge-1', 'edge-2', 'edge-3'].map(async (dev) => (await collect(traces.exportDevice(dev))).sort(bySpan))),
  }
}

describe('trace store migration to blocks', () => {
  let h: TraceHarness<BlockTraceStore> | undefined
  afterEach(async () => {
    await h?.cleanup()
    h = undefined
  })

  it('moves every span of a LevelDB trace store into blocks at start and answers every query the same', async () => {
    const old = await makeTraceHarness({ retentionMs: 30 * 86_400_000 })
    const batches = randomBatches()
    for (const b of batches) await old.ingest(b.dev, b.seq, b.spans, 250)
    const traceIds = [...new Set(batches.flatMap((b) => b.spans.map((s) => s.traceId)))]
    const spanCount = batches.reduce((n, b) => n + b.spans.length, 0)
    const before = (await answers(old.traces, traceIds)) as { searches: unknown[][]; stats: unknown[][] }
    for (const found of [...before.searches, ...before.stats]) expect(found.length).toBeGreaterThan(0)
    await old.close()
    const dir = old.dir

    h = await makeBlockTraceHarness({ retentionMs: 30 * 86_400_000, blockSpans: 128 }, dir)
    expect(h.traces.storeStats()).toMatchObject({ headSpans: 0, blockSpans: spanCount })
    for (const table of LEGACY) expect(await h.rows(table), table).toBe(0)
    expect(await answers(h.traces, traceIds)).toEqual(before)
    // Batches stored before the migration are still known: sent again, they are not stored twice.
    expect((await h.ingest(batches[0].dev, batches[0].seq, batches[0].spans, 250)).duplicate).toBe(true)
    await h.reopen()
    expect(await answers(h.traces, traceIds)).toEqual(before)
    expect(h.traces.storeStats()).toMatchObject({ blockSpans: spanCount })
  })
})
