import { Level } from 'level'
import { PROTOCOL_VERSION, type DecodedBatch, type LogLevel, type LogRecord } from '../protocol/batch.js'
import { LevelMetricStore } from '../hub/metrics/store/index.js'
import { LevelLogStore } from '../hub/logs/index.js'

// Benchmark of the hub's log store (docs/logs.md): 1,000,000 log lines from 50 devices over two days, ingested
// through LevelMetricStore.ingest in 5,000-line batches (10 devices at a time), then full-text queries on them.
// Called by the lead's bench runner with a fresh, empty directory.

const LINES = Number(process.env.BENCH_LOG_LINES ?? 1_000_000)
const BATCH_LINES = 5_000
const DEVICES = 50
const PARALLEL = 10
const SPAN_MS = 2 * 86_400_000
const T0 = Date.UTC(2024, 0, 1)
const QUERY_RUNS = 5

/** Level mix of a typical fleet: mostly info, a few errors. */
function levelOf(r: number): LogLevel {
  return r < 0.2 ? 'debug' : r < 0.8 ? 'info' : r < 0.92 ? 'warning' : r < 0.99 ? 'error' : 'critical'
}

const COMPONENTS = ['http', 'db', 'mqtt', 'sensors', 'ota', 'scheduler', 'cache', 'auth']
const hex = (r: number) => Math.floor(r * 0xffffffff).toString(16).padStart(8, '0')
const TEMPLATES: Array<(r: () => number) => string> = [
  (r) => `GET /api/v1/items/${Math.floor(r() * 1e5)} 200 in ${Math.floor(r() * 900)} ms`,
  (r) => `request ${hex(r())} completed for user ${Math.floor(r() * 5000)}`,
  (r) => `upload of batch ${Math.floor(r() * 1e6)} failed: connection reset by peer, retry ${Math.floor(r() * 5)}`,
  (r) => `sensor temperature reading ${(20 + r() * 30).toFixed(2)} celsius on channel ${Math.floor(r() * 16)}`,
  (r) => `cache miss for key "session:${hex(r())}", loading from database`,
  (r) => `query on table readings took ${Math.floor(r() * 3000)} ms (${Math.floor(r() * 1000)} rows)`,
  (r) => `scheduler tick ${Math.floor(r() * 1e6)}: ${Math.floor(r() * 20)} jobs queued`,
  (r) => `mqtt publish to telemetry topic acknowledged after ${Math.floor(r() * 200)} ms`,
]
/** One line in 20,000 mentions the watchdog: the rare term. */
const RARE_EVERY = 20_000

function makeBatch(b: number, rand: () => number): DecodedBatch {
  const records: LogRecord[] = []
  for (let k = 0; k < BATCH_LINES; k++) {
    const n = b * BATCH_LINES + k
    const message = n % RARE_EVERY === 7 ? `watchdog reset the modem after ${Math.floor(rand() * 90)} s` : TEMPLATES[Math.floor(rand() * TEMPLATES.length)](rand)
    records.push({
      ts: T0 + Math.floor((n / LINES) * SPAN_MS),
      level: levelOf(rand()),
      message,
      component: COMPONENTS[Math.floor(rand() * COMPONENTS.length)],
      ...(rand() < 0.3 ? { traceId: hex(rand()) + hex(rand()) + hex(rand()) + hex(rand()), spanId: hex(rand()) + hex(rand()) } : {}),
    })
  }
  const dev = `bench-${String(b % DEVICES).padStart(2, '0')}`
  return { v: PROTOCOL_VERSION, dev, ep: 'bench', seq: Math.floor(b / DEVICES) + 1, at: T0, l: records }
}

function seededRandom(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

async function medianMs(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < QUERY_RUNS; i++) {
    const started = performance.now()
    await run()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return Math.round(times[Math.floor(times.length / 2)] * 100) / 100
}

export async function benchLogs(dir: string): Promise<Record<string, number>> {
  const db = new Level<string, any>(dir, { valueEncoding: 'json' })
  await db.open()
  const logs = new LevelLogStore(db, { retentionMs: 3650 * 86_400_000 })
  const store = new LevelMetricStore(db, { participants: [logs] })
  await store.open()
  await logs.open()
  try {
    const rand = seededRandom(42)
    const batches = LINES / BATCH_LINES
    let ingestMs = 0
    for (let b = 0; b < batches; b += PARALLEL) {
      const round = Array.from({ length: Math.min(PARALLEL, batches - b) }, (_, i) => makeBatch(b + i, rand))
      const started = performance.now() // batch building is the agent's work, not the hub's: not timed
      await Promise.all(round.map((batch) => store.ingest(batch)))
      ingestMs += performance.now() - started
    }
    const all = { from: -Infinity, to: Infinity, limit: 100 }
    const rare = await logs.query({ ...all, words: ['watchdog'] })
    const common = await logs.query({ ...all, words: ['request'] })
    const two = await logs.query({ ...all, words: ['upload', 'reset'] })
    if (rare.logs.length !== LINES / RARE_EVERY || common.logs.length !== 100 || two.logs.length !== 100) {
      throw new Error(`unexpected result sizes ${rare.logs.length} ${common.logs.length} ${two.logs.length}`)
    }
    return {
      lines: LINES,
      ingestLinesPerSecond: Math.round(LINES / (ingestMs / 1000)),
      queryRareTermMs: await medianMs(() => logs.query({ ...all, words: ['watchdog'] })),
      queryCommonTermMs: await medianMs(() => logs.query({ ...all, words: ['request'] })),
      queryTwoTermsMs: await medianMs(() => logs.query({ ...all, words: ['upload', 'reset'] })),
      queryRareTermAndErrorMs: await medianMs(() => logs.query({ ...all, words: ['watchdog'], levels: ['error', 'critical'] })),
      errorSummaryMs: await medianMs(() => logs.errorSummary({ from: -Infinity, to: Infinity, limit: 100 })),
    }
  } finally {
    await store.close()
    await logs.close()
    await db.close()
  }
}
