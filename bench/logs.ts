import { join } from 'node:path'
import { PROTOCOL_VERSION, type DecodedBatch, type LogLevel, type LogRecord } from '../protocol/batch.js'
import { BlockLogStore, LevelLogStore, type LogStore } from '../hub/logs/index.js'
import type { Database } from '../hub/storage/db.js'
import { benchIngestParticipant, medianMs } from './participant-ingest.js'

// Benchmark of the hub's log stores (docs/logs.md): log lines from 50 devices over two days, ingested through
// LevelMetricStore.ingest in 5,000-line batches (10 devices at a time), then full-text queries on them (median of
// 5, after a restart). The block store (10 M lines) beside the LevelDB rows store (1 M lines: it stores ~14,000
// lines/s) in the same run. Called by the bench runner with a fresh, empty directory.

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

function makeBatch(b: number, lines: number, rand: () => number): DecodedBatch {
  const records: LogRecord[] = []
  for (let k = 0; k < BATCH_LINES; k++) {
    const n = b * BATCH_LINES + k
    const message = n % RARE_EVERY === 7 ? `watchdog reset the modem after ${Math.floor(rand() * 90)} s` : TEMPLATES[Math.floor(rand() * TEMPLATES.length)](rand)
    records.push({
      ts: T0 + Math.floor((n / lines) * SPAN_MS),
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

/** Head lines of the block store (0 for the LevelDB store, which has none). */
function headLines(logs: LogStore): number {
  return logs instanceof BlockLogStore ? logs.stats().headLines : 0
}

interface StoreRun {
  lines: number
  linesPerSecond: number
  /** Ingest and sealing the last head into blocks. */
  sealedLinesPerSecond: number
  bytesPerLine: number
  compactedBytesPerLine: number
  /** Most head lines (not yet in blocks) seen between rounds: sealing keeping up with ingest, or not. */
  headHighWater: number
  /** CPU time of all threads per line, from the first batch to the last seal. */
  cpuMicrosPerLine: number
  /** Opening the store again (its block summaries are loaded at open). */
  openMs: number
  /** The first rare-term query after the reopen, nothing cached. */
  rareTermColdMs: number
  rareTermMs: number
  commonTermMs: number
  twoTermsMs: number
  rareTermAndErrorMs: number
  commonTermAndErrorMs: number
  errorSummaryMs: number
}

/** Rounds of PARALLEL batches, built when the timing loop asks for them. */
function* rounds(lines: number, rand: () => number): Iterable<DecodedBatch[]> {
  const batches = lines / BATCH_LINES
  for (let b = 0; b < batches; b += PARALLEL) yield Array.from({ length: Math.min(PARALLEL, batches - b) }, (_, i) => makeBatch(b + i, lines, rand))
}

async function runStore(dir: string, lines: number, make: (db: Database) => LogStore, seal: (logs: LogStore) => Promise<void>): Promise<StoreRun> {
  let headHighWater = 0
  return benchIngestParticipant({
    dir,
    make,
    rounds: rounds(lines, seededRandom(42)),
    afterRound: (logs) => (headHighWater = Math.max(headHighWater, headLines(logs))),
    seal,
    measure: async (logs, { ingestMs, sealedMs, cpu, bytes, compactedBytes, openMs }) => {
      const all = { from: -Infinity, to: Infinity, limit: 100 }
      const coldStarted = performance.now()
      const rare = await logs.query({ ...all, words: ['watchdog'] })
      const rareTermColdMs = Math.round((performance.now() - coldStarted) * 100) / 100
      const common = await logs.query({ ...all, words: ['request'] })
      const two = await logs.query({ ...all, words: ['upload', 'reset'] })
      if (rare.logs.length !== Math.min(100, lines / RARE_EVERY) || common.logs.length !== 100 || two.logs.length !== 100) {
        throw new Error(`unexpected result sizes ${rare.logs.length} ${common.logs.length} ${two.logs.length}`)
      }
      const errors = ['error', 'critical'] as const
      return {
        lines,
        linesPerSecond: Math.round(lines / (ingestMs / 1000)),
        sealedLinesPerSecond: Math.round(lines / (sealedMs / 1000)),
        bytesPerLine: bytes / lines,
        compactedBytesPerLine: compactedBytes / lines,
        headHighWater,
        cpuMicrosPerLine: Math.round(((cpu.user + cpu.system) / lines) * 100) / 100,
        openMs,
        rareTermColdMs,
        rareTermMs: await medianMs(QUERY_RUNS, () => logs.query({ ...all, words: ['watchdog'] })),
        commonTermMs: await medianMs(QUERY_RUNS, () => logs.query({ ...all, words: ['request'] })),
        twoTermsMs: await medianMs(QUERY_RUNS, () => logs.query({ ...all, words: ['upload', 'reset'] })),
        rareTermAndErrorMs: await medianMs(QUERY_RUNS, () => logs.query({ ...all, words: ['watchdog'], levels: errors })),
        commonTermAndErrorMs: await medianMs(QUERY_RUNS, () => logs.query({ ...all, words: ['request'], levels: errors })),
        errorSummaryMs: await medianMs(QUERY_RUNS, () => logs.errorSummary({ from: -Infinity, to: Infinity, limit: 100 })),
      }
    },
  })
}

/** The block store on BENCH_LOG_LINES (10 M) lines beside the LevelDB store on BENCH_LOG_BASELINE_LINES (1 M). */
export async function benchLogs(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  const blockLines = Number(process.env.BENCH_LOG_LINES ?? 10_000_000)
  const baselineLines = Number(process.env.BENCH_LOG_BASELINE_LINES ?? 1_000_000)
  const runs: Array<[string, number, (db: Database) => LogStore, (logs: LogStore) => Promise<void>]> = [
    ['blocks', blockLines, (db) => new BlockLogStore(db, { retentionMs: 3650 * 86_400_000 }), (logs) => (logs as BlockLogStore).seal()],
    ['LevelDB rows, baseline', baselineLines, (db) => new LevelLogStore(db, { retentionMs: 3650 * 86_400_000 }), async () => {}],
  ]
  for (const [name, lines, make, seal] of runs) {
    if (lines <= 0) continue
    const run = await runStore(join(dir, name.split(' ')[0]), lines, make, seal)
    for (const [k, v] of Object.entries(run)) out[`${k} (${name})`] = v
  }
  return out
}
