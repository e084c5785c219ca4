import { Level } from 'level'
import { PROTOCOL_VERSION, type DecodedBatch, type SpanRecord } from '../protocol/batch.js'
import { LevelMetricStore } from '../hub/metrics/store/index.js'
import { LevelTraceStore } from '../hub/traces/index.js'
import { dirBytes } from './machine.js'

// Benchmark of the hub's trace store (issue 5): 1,000,000 spans (100,000 traces × 10 spans from 10 devices over
// one day) ingested through LevelMetricStore.ingest with the TraceStore participant, as the hub's ingest does; then
// the latency of a trace lookup (GET /v1/traces/{id}) and of searches and stats over the 1 M stored spans.
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function medianMs(runs: number, fn: (run: number) => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    await fn(run)
    times.push(performance.now() - started)
  }
  return median(times)
}

/** `traces` × 10 spans; 100,000 traces make the 1 M spans of the issue (smaller counts are for quick runs). */
export async function benchTraces(dir: string, traceCount = 100_000): Promise<Record<string, number>> {
  const db = new Level<string, any>(dir)
  await db.open()
  const traces = new LevelTraceStore(db, { retentionMs: 30 * DAY })
  const store = new LevelMetricStore(db, { participants: [traces] })
  await store.open()
  await traces.open()
  try {
    // Devices ingest in parallel, each its own batches in seq order, as the hub sees them.
    const rand = random(42)
    const batchesPerDevice = Math.ceil(traceCount / TRACES_PER_BATCH / DEVICES)
    const started = performance.now()
    await Promise.all(
      Array.from({ length: DEVICES }, async (_, d) => {
        for (let seq = 1; seq <= batchesPerDevice; seq++) {
          const first = ((seq - 1) * DEVICES + d) * TRACES_PER_BATCH
          const s: SpanRecord[] = []
          for (let k = first; k < first + TRACES_PER_BATCH; k++) s.push(...makeTrace(k, traceCount, rand))
          const batch: DecodedBatch = { v: PROTOCOL_VERSION, dev: `edge-${d}`, ep: 'bench', seq, at: T0, s }
          await store.ingest(batch, { tsOffset: 0 })
        }
      }),
    )
    const ingestSeconds = (performance.now() - started) / 1000
    const spans = batchesPerDevice * DEVICES * TRACES_PER_BATCH * SPANS_PER_TRACE

    const lookupRand = random(7)
    const traceIdAt = () => Math.floor(lookupRand() * traceCount).toString(16).padStart(32, '0')
    const traceLookupMs = await medianMs(1_000, async () => {
      const trace = await traces.getTrace(traceIdAt())
      if (trace?.spanCount !== SPANS_PER_TRACE) throw new Error('bench: trace lookup found the wrong spans')
    })
    const lastHour = { from: T0 + DAY - HOUR, to: T0 + DAY }
    const wholeDay = { from: T0, to: T0 + DAY }
    const searchServiceOperationMs = await medianMs(50, () => traces.search({ ...wholeDay, service: 'payments', operation: 'charge', limit: 20 }))
    // About 10 % of roots last 200 ms or more; nothing lasts 1 h, so that search reads every index entry of the day.
    const searchSlowMs = await medianMs(50, () => traces.search({ ...wholeDay, minDurationMs: 200, limit: 20 }))
    const searchNoMatchDayMs = await medianMs(3, () => traces.search({ ...wholeDay, minDurationMs: HOUR, limit: 20 }))
    const searchErrorsHourMs = await medianMs(20, () => traces.search({ ...lastHour, errorsOnly: true, limit: 20 }))
    const statsHourMs = await medianMs(10, () => traces.stats(lastHour))
    const statsDayServiceMs = await medianMs(3, () => traces.stats({ ...wholeDay, service: 'payments' }))
    await store.close()
    await traces.close()
    await db.close()
    return {
      spans,
      spansPerSecond: spans / ingestSeconds,
      diskBytesPerSpan: (await dirBytes(dir)) / spans,
      traceLookupMs,
      searchServiceOperationMs,
      searchSlowMs,
      searchNoMatchDayMs,
      searchErrorsHourMs,
      statsHourMs,
      statsDayServiceMs,
    }
  } finally {
    if (db.status === 'open') {
      await store.close()
      await traces.close()
      await db.close()
    }
  }
}
