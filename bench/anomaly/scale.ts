// Anomaly detection at fleet scale (issue 18): N series (default 200,000: 1,000 devices × 200 series) selected by
// `anomaly.detect`, scored through the hub's real AnomalyService over a real LevelDB metric store. Prints memory per
// series, µs per sample (first sight, which loads and catches up, and steady state), and a checkpoint's cost,
// beside the metric store's own ingest of the same batches in the same run.
import { Level } from 'level'
import vm from 'node:vm'
import v8 from 'node:v8'
import { PROTOCOL_VERSION, type DecodedBatch, type SeriesDef } from '../../protocol/batch.js'
import { LevelMetricStore } from '../../hub/metrics/store/index.js'
import { AnomalyService } from '../../hub/anomaly/service.js'
import { anomalyOptions, withHubDefaults } from '../../hub/settings.js'
import { BatchView } from '../../hub/alerts/rules/batch-view.js'
import { SeriesModel } from '../../hub/anomaly/model.js'
import { builtinDetectors } from '../../hub/anomaly/registry.js'

const SERIES_PER_DEVICE = 200
const INTERVAL_MS = 10_000
const T0 = Date.UTC(2024, 0, 1)

function gcNow(): void {
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as () => void
  gc()
  gc()
}

function heap(): number {
  gcNow()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

function batch(d: number, seq: number, round: number, series: SeriesDef[]): DecodedBatch {
  const n = series.length
  const index = new Uint32Array(n)
  const ts = new Float64Array(n)
  const values = new Float64Array(n)
  for (let s = 0; s < n; s++) {
    index[s] = s
    ts[s] = T0 + round * INTERVAL_MS
    values[s] = Math.round((50 + 10 * Math.sin(round / 7 + s) + Math.random()) * 100) / 100
  }
  return { v: PROTOCOL_VERSION, dev: `dev-${d}`, ep: 'bench', seq, at: ts[0], m: { series, index, ts, values } }
}

export async function benchAnomalyScale(dir: string, totalSeries: number): Promise<Record<string, number>> {
  const devices = Math.max(1, Math.round(totalSeries / SERIES_PER_DEVICE))
  const series: SeriesDef[] = Array.from({ length: SERIES_PER_DEVICE }, (_, s) => ({ name: `bench_metric_${s % 20}`, type: 'gauge', labels: { k: String(s) } }))
  const db = new Level<string, any>(dir, { valueEncoding: 'json' })
  await db.open()
  const store = new LevelMetricStore(db, { clock: () => T0 + 3_600_000 })
  await store.open()
  const anomaly = new AnomalyService(db, store, { ...anomalyOptions(withHubDefaults({}).anomaly), detect: ['bench_*'] })
  const rounds = 6
  const timing = { store: [] as number[], first: 0, steady: [] as number[] }
  let seq = 0
  const all: DecodedBatch[][] = []
  for (let r = 0; r < rounds; r++) {
    const batches = Array.from({ length: devices }, (_, d) => batch(d, ++seq, r, series))
    const t = performance.now()
    for (const b of batches) await store.ingest(b)
    timing.store.push(performance.now() - t)
    all.push(batches)
  }
  // The service's memory alone: everything stored first, then the series scored.
  const before = heap()
  for (let r = 0; r < rounds; r++) {
    const t = performance.now()
    for (const b of all[r]) await anomaly.score(new BatchView(b.dev, b, 0))
    const ms = performance.now() - t
    if (r === 0) timing.first = ms
    else timing.steady.push(ms)
  }
  all.length = 0
  const scored = anomaly.size
  const withService = heap()
  let t = performance.now()
  await anomaly.checkpoint()
  const checkpointMs = performance.now() - t
  t = performance.now()
  await anomaly.checkpoint()
  const idleCheckpointMs = performance.now() - t
  // Baseline: one plain LevelDB batch of as many values of the state's size (what any checkpoint must write).
  const plain = db.sublevel<string, Uint8Array>('bench-plain', { valueEncoding: 'view' })
  const ops = Array.from({ length: scored }, (_, i) => ({ type: 'put' as const, key: `s${i}`, value: new Uint8Array(anomaly.model.stateBytes) }))
  t = performance.now()
  await plain.batch(ops)
  const plainBatchMs = performance.now() - t
  // The detectors alone over as many series (no batch view, no events): what the per-sample goal is about.
  // Beside it, in alternating rounds, the previous default `rarity` alone (the baseline of the same run).
  const states = Array.from({ length: devices * SERIES_PER_DEVICE }, () => anomaly.model.fresh())
  const v = anomaly.model.verdict()
  const previous = new SeriesModel(builtinDetectors(), { rarity: {} })
  const previousStates = Array.from({ length: states.length }, () => previous.fresh())
  const pv = previous.verdict()
  const detectorRounds: number[] = []
  const previousRounds: number[] = []
  for (let r = 0; r < rounds; r++) {
    t = performance.now()
    for (let i = 0; i < states.length; i++) anomaly.model.update(states[i], T0 + r * INTERVAL_MS, 50 + Math.sin(r + i), v)
    detectorRounds.push(performance.now() - t)
    t = performance.now()
    for (let i = 0; i < states.length; i++) previous.update(previousStates[i], T0 + r * INTERVAL_MS, 50 + Math.sin(r + i), pv)
    previousRounds.push(performance.now() - t)
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]
  const samplesPerRound = devices * SERIES_PER_DEVICE
  const result = {
    'series scored': scored,
    'state bytes per series (detectors)': anomaly.model.stateBytes,
    'heap bytes per series (service, measured)': (withService - before) / scored,
    'µs/sample first sight (load, catch-up, score)': (timing.first * 1000) / samplesPerRound,
    'µs/sample steady (median of rounds)': (median(timing.steady) * 1000) / samplesPerRound,
    'detectors alone µs/sample (median of rounds)': (median(detectorRounds.slice(1)) * 1000) / samplesPerRound,
    'baseline: rarity alone (previous default) µs/sample': (median(previousRounds.slice(1)) * 1000) / samplesPerRound,
    'baseline: rarity alone state bytes per series': previous.stateBytes,
    'baseline: store ingest µs/sample, same batches': (median(timing.store.slice(1)) * 1000) / samplesPerRound,
    'checkpoint of every series, s': checkpointMs / 1000,
    'baseline: one LevelDB batch of as many state-sized values, s': plainBatchMs / 1000,
    'checkpoint with nothing changed, ms': idleCheckpointMs,
  }
  await store.close()
  await db.close()
  return result
}
