import { join } from 'node:path'
import { PROTOCOL_VERSION, type DecodedBatch, type SpanRecord } from '../protocol/batch.js'
import { BlockTraceStore, LevelTraceStore, type TraceStore } from '../hub/traces/index.js'
import type { Database } from '../hub/storage/db.js'
import { benchIngestParticipant, medianMs } from './participant-ingest.js'

// Benchmark of the hub's trace stores (issues 5 and 15): 1,000,000 spans (100,000 traces × 10 spans from 10 devices
// over one day) ingested through LevelMetricStore.ingest with the TraceStore participant, as the hub's ingest does,
// 10 batches of 1,000 spans at a time (building them is the agent's work: not timed); then the disk per span after a
// clean close and fully compacted, and the latency of a trace lookup (GET /v1/traces/{id}) and of searches and stats
// over the stored spans. The block store (hub/traces/blocks) beside the LevelDB rows store (main before blocks) in
// the same run, on BENCH_TRACES and BENCH_TRACE_BASELINE_TRACES traces (default 100,000 each).
// Called by the lead's bench runner with a fresh, empty directory.

const SPANS_PER_TRACE = 10
const TRACES_PER_BATCH = 100
const DEVICES = 10
const T0 = 1_800_000_000_000
const DAY = 86_400_000
const HOUR = 3_600_000

const SERVICES: Array<[string, string[]]> = [
  ['gateway', ['GET /orders', 'POST /orders', 'GET /products/{id}']],
  ['orders', ['createOrder', 'listOrders', 'SELECT orders']],
  ['payments', ['charge', 'refund', 'POST /v1/charges']],
  ['inventory', ['reserve', 'release', 'SELECT stock']],
  ['users', ['getUser', 'GET session']],
]

/** mulberry32: a seeded generator, so every run ingests the same spans. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** One trace: a gateway root and nine calls below it, log-normal durations, about 1 % of spans failing. */
function makeTrace(k: number, traceCount: number, rand: () => number): SpanRecord[] {
  const traceId = k.toString(16).padStart(32, '0')
  const start = T0 + Math.floor((k * DAY) / traceCount)
  const spans: SpanRecord[] = []
  const [, gatewayOps] = SERVICES[0]
  const rootDuration = Math.round(Math.exp(3 + rand() * 2.5)) + 10 // about 30 ms to 400 ms
  spans.push({ traceId, spanId: `${traceId.slice(16)}00`, name: gatewayOps[k % gatewayOps.length], service: 'gateway', kind: 'server', start, end: start + rootDuration, status: 'ok', attrs: { 'http.method': 'GET', 'http.status_code': 200 } })
  for (let j = 1; j < SPANS_PER_TRACE; j++) {
    const [service, ops] = SERVICES[1 + Math.floor(rand() * (SERVICES.length - 1))]
    const offset = Math.floor(rand() * rootDuration * 0.5)
    const duration = Math.max(1, Math.round(Math.exp(rand() * 4)))
    const parent = j < 4 ? 0 : 1 + Math.floor(rand() * 3)
    spans.push({
      traceId,
      spanId: `${traceId.slice(16)}${String(j).padStart(2, '0')}`,
      parentSpanId: `${traceId.slice(16)}${String(parent).padStart(2, '0')}`,
      name: ops[Math.floor(rand() * ops.length)],
      service,
      kind: 'client',
      start: start + offset,
      end: start + offset + duration,
      status: rand() < 0.01 ? 'error' : 'ok',
      attrs: { 'peer.service': service, 'db.rows': Math.floor(rand() * 100) },
    })
  }
  return spans
}

const PARALLEL = DEVICES

/** Rounds of PARALLEL batches of TRACES_PER_BATCH traces, built when the timing loop asks for them. */
function* rounds(batches: number, traceCount: number, rand: () => number): Iterable<DecodedBatch[]> {
  for (let b = 0; b < batches; b += PARALLEL) {
    const round: DecodedBatch[] = []
    for (let i = b; i < Math.min(batches, b + PARALLEL); i++) {
      const s: SpanRecord[] = []
      for (let k = i * TRACES_PER_BATCH; k < (i + 1) * TRACES_PER_BATCH; k++) s.push(...makeTrace(k, traceCount, rand))
      round.push({ v: PROTOCOL_VERSION, dev: `edge-${i % DEVICES}`, ep: 'bench', seq: Math.floor(i / DEVICES) + 1, at: T0, s })
    }
    yield round
  }
}

/** `traceCount` × 10 spans into the store `make` builds, then its disk and read latencies. */
async function runStore(dir: string, traceCount: number, make: (db: Database) => TraceStore, seal: (t: TraceStore) => Promise<void>): Promise<Record<string, number>> {
  const batches = Math.ceil(traceCount / TRACES_PER_BATCH)
  const spans = batches * TRACES_PER_BATCH * SPANS_PER_TRACE
  return benchIngestParticipant({
    dir,
    make,
    rounds: rounds(batches, traceCount, random(42)),
    ingestOptions: { tsOffset: 0 },
    beforeSeal: async (traces) => {
      // Searchable once acked: the last trace ingested is found at once, from the head.
      const lastId = (batches * TRACES_PER_BATCH - 1).toString(16).padStart(32, '0')
      if ((await traces.getTrace(lastId))?.spanCount !== SPANS_PER_TRACE) throw new Error('bench: the last trace acked is not found')
    },
    seal,
    measure: async (traces, { ingestMs, sealedMs, bytes, compactedBytes }) => {
      const lookupRand = random(7)
      const traceIdAt = () => Math.floor(lookupRand() * traceCount).toString(16).padStart(32, '0')
      const traceLookupMs = await medianMs(1_000, async () => {
        const trace = await traces.getTrace(traceIdAt())
        if (trace?.spanCount !== SPANS_PER_TRACE) throw new Error('bench: trace lookup found the wrong spans')
      })
      const lastHour = { from: T0 + DAY - HOUR, to: T0 + DAY }
      const wholeDay = { from: T0, to: T0 + DAY }
      const check = (found: unknown[], what: string) => {
        if (found.length === 0) throw new Error(`bench: ${what} found nothing`)
      }
      check(await traces.search({ ...wholeDay, service: 'payments', operation: 'charge', limit: 20 }), 'search by service and operation')
      check(await traces.search({ ...lastHour, errorsOnly: true, limit: 20 }), 'search for errors')
      return {
        spans,
        spansPerSecond: Math.round(spans / (ingestMs / 1000)),
        sealedSpansPerSecond: Math.round(spans / (sealedMs / 1000)),
        diskBytesPerSpan: Math.round((bytes / spans) * 10) / 10,
        compactedBytesPerSpan: Math.round((compactedBytes / spans) * 10) / 10,
        traceLookupMs,
        searchServiceOperationMs: await medianMs(50, () => traces.search({ ...wholeDay, service: 'payments', operation: 'charge', limit: 20 })),
        // About 10 % of roots last 200 ms or more; nothing lasts 1 h, so that search reads every span of the day.
        searchSlowMs: await medianMs(50, () => traces.search({ ...wholeDay, minDurationMs: 200, limit: 20 })),
        searchNoMatchDayMs: await medianMs(3, () => traces.search({ ...wholeDay, minDurationMs: HOUR, limit: 20 })),
        searchErrorsHourMs: await medianMs(20, () => traces.search({ ...lastHour, errorsOnly: true, limit: 20 })),
        statsHourMs: await medianMs(10, () => traces.stats(lastHour)),
        statsDayServiceMs: await medianMs(3, () => traces.stats({ ...wholeDay, service: 'payments' })),
      }
    },
  })
}

/** The block store on BENCH_TRACES traces beside the LevelDB rows store on BENCH_TRACE_BASELINE_TRACES (10 spans each). */
export async function benchTraces(dir: string, traceCount = Number(process.env.BENCH_TRACES ?? 100_000)): Promise<Record<string, number>> {
  const baseline = Number(process.env.BENCH_TRACE_BASELINE_TRACES ?? traceCount)
  const out: Record<string, number> = {}
  const runs: Array<[string, number, (db: Database) => TraceStore, (t: TraceStore) => Promise<void>]> = [
    ['blocks', traceCount, (db) => new BlockTraceStore(db, { retentionMs: 3650 * DAY }), (t) => (t as BlockTraceStore).seal()],
    ['LevelDB rows, baseline', baseline, (db) => new LevelTraceStore(db, { retentionMs: 3650 * DAY }), async () => {}],
  ]
  for (const [name, count, make, seal] of runs) {
    if (count <= 0) continue
    for (const [k, v] of Object.entries(await runStore(join(dir, name.split(' ')[0]), count, make, seal))) out[`${k} (${name})`] = v
  }
  return out
}
