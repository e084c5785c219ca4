import { Level } from 'level'
import { PROTOCOL_VERSION, type DecodedBatch, type SeriesDef } from '../protocol/batch.js'
import { LevelMetricStore } from '../hub/metrics/store/index.js'
import { dirBytes, settledBytes } from './machine.js'

// Benchmark of the hub's metric store (DESIGN §6): about 1 M samples — 100 devices × 10 series, one sample
// every 10 s for 1,000 steps — ingested as 5,000-sample batches, then compacted into chunks.
// Called by the lead's bench runner with a fresh, empty directory.

const DEVICES = 100
const SERIES_PER_DEVICE = 10
const STEPS = 1_000
const STEPS_PER_BATCH = 500
const INTERVAL_MS = 10_000
const T0 = Date.UTC(2024, 0, 1)
const HOUR = 3_600_000

function deviceId(d: number): string {
  return `bench-${String(d).padStart(3, '0')}`
}

/** One device's batch: every series at each step, values a bounded random walk with two decimals. */
function benchBatch(d: number, seq: number, firstStep: number, series: SeriesDef[], level: number[]): DecodedBatch {
  const n = STEPS_PER_BATCH * SERIES_PER_DEVICE
  const index = new Uint32Array(n)
  const ts = new Float64Array(n)
  const values = new Float64Array(n)
  let k = 0
  for (let step = firstStep; step < firstStep + STEPS_PER_BATCH; step++) {
    for (let s = 0; s < SERIES_PER_DEVICE; s++) {
      level[s] = Math.min(100, Math.max(0, level[s] + (Math.random() - 0.5) * 4))
      index[k] = s
      ts[k] = T0 + step * INTERVAL_MS + (d % 10) // a few ms of jitter per device, as real collectors have
      values[k] = Math.round(level[s] * 100) / 100
      k++
    }
  }
  return { v: PROTOCOL_VERSION, dev: deviceId(d), ep: 'bench', seq, at: ts[n - 1], m: { series, index, ts, values } }
}

/** Batches in rounds: round r holds every device's batch r, as devices send side by side. */
function benchRounds(): DecodedBatch[][] {
  const series: SeriesDef[] = Array.from({ length: SERIES_PER_DEVICE }, (_, s) => ({
    name: `bench_gauge_${s}`,
    type: 'gauge',
    labels: { core: String(s % 4) },
  }))
  const levels = Array.from({ length: DEVICES }, () => Array.from({ length: SERIES_PER_DEVICE }, () => 50))
  const rounds: DecodedBatch[][] = []
  for (let r = 0; r < STEPS / STEPS_PER_BATCH; r++) {
    rounds.push(Array.from({ length: DEVICES }, (_, d) => benchBatch(d, r + 1, r * STEPS_PER_BATCH, series, levels[d])))
  }
  return rounds
}

export async function benchStore(dir: string): Promise<Record<string, number>> {
  const rounds = benchRounds()
  const samples = rounds.flat().reduce((sum, batch) => sum + (batch.m?.ts.length ?? 0), 0)
  const db = new Level<string, any>(dir)
  await db.open()
  const store = new LevelMetricStore(db)
  await store.open()
  try {
    const ingestStarted = performance.now()
    for (const round of rounds) await Promise.all(round.map((batch) => store.ingest(batch)))
    const ingestMs = performance.now() - ingestStarted

    const compactStarted = performance.now()
    const compaction = await store.compact(T0 + STEPS * INTERVAL_MS + 6 * HOUR)
    const compactMs = performance.now() - compactStarted
    if (compaction.samples !== samples || store.stats().headRows !== 0) {
      throw new Error(`compaction moved ${compaction.samples} of ${samples} samples`)
    }

    const [one] = await store.series({ name: 'bench_gauge_0', labels: { device: deviceId(0) } })
    let readMs = Infinity
    for (let round = 0; round < 5; round++) {
      const started = performance.now()
      const [read] = await store.read([one], -Infinity, Infinity)
      readMs = Math.min(readMs, performance.now() - started)
      if (read.ts.length !== STEPS) throw new Error(`read ${read.ts.length} samples of one series, expected ${STEPS}`)
    }

    await store.close()
    await db.close()
    const closedBytes = await dirBytes(dir)
    return {
      store_ingest_samples_per_s: Math.round(samples / (ingestMs / 1000)),
      store_compact_samples_per_s: Math.round(samples / (compactMs / 1000)),
      store_bytes_per_sample: perSample(closedBytes, samples),
      store_bytes_per_sample_settled: perSample(await settledBytes(dir), samples),
      store_read_one_series_ms: Math.round(readMs * 100) / 100,
    }
  } finally {
    await store.close()
    await db.close()
  }
}

function perSample(bytes: number, samples: number): number {
  return Math.round((bytes / samples) * 100) / 100
}
