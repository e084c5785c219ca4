import { Level } from 'level'
import { PROTOCOL_VERSION, type DecodedBatch } from '../protocol/batch.js'
import { runQuery } from '../hub/metrics/query/aggregate.js'
import { executeQuery } from '../hub/metrics/query/execute.js'
import type { QuerySpec } from '../hub/metrics/query/types.js'
import { LevelMetricStore } from '../hub/metrics/store/index.js'

// Long-range queries with and without rollups (issue 4, "Downsampling"): 30 days of 4 gauges every 10 s on one
// device (1,036,800 samples), compacted; then 30-day queries at a 1 h and a 1 d step through executeQuery (which
// folds the stored 1 h rollups) beside the same answer computed from every raw sample, in the same run.

const DAYS = 30
const INTERVAL_MS = 10_000
const SERIES = 4
const T0 = Date.UTC(2024, 0, 1)
const DAY = 86_400_000
const STEPS_PER_BATCH = 2_000
const RUNS = 5

function batches(): DecodedBatch[] {
  const steps = (DAYS * DAY) / INTERVAL_MS
  const levels = Array.from({ length: SERIES }, (_, s) => 20 + s * 10)
  let seed = 17
  const random = () => (seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32
  const out: DecodedBatch[] = []
  for (let first = 0; first < steps; first += STEPS_PER_BATCH) {
    const n = Math.min(STEPS_PER_BATCH, steps - first) * SERIES
    const index = new Uint32Array(n)
    const ts = new Float64Array(n)
    const values = new Float64Array(n)
    let k = 0
    for (let step = first; step < first + n / SERIES; step++) {
      for (let s = 0; s < SERIES; s++, k++) {
        levels[s] = Math.round((levels[s] + random() - 0.5) * 100) / 100
        index[k] = s
        ts[k] = T0 + step * INTERVAL_MS
        values[k] = levels[s]
      }
    }
    const series = Array.from({ length: SERIES }, (_, s) => ({ name: 'bench_temp', type: 'gauge' as const, labels: { sensor: `s${s}` } }))
    out.push({ v: PROTOCOL_VERSION, dev: 'bench-rollups', ep: 'e', seq: out.length + 1, at: 0, m: { series, index, ts, values } })
  }
  return out
}

function bestMs(run: () => Promise<unknown>): Promise<number> {
  return (async () => {
    await run()
    let best = Infinity
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now()
      await run()
      best = Math.min(best, performance.now() - started)
    }
    return Math.round(best * 100) / 100
  })()
}

export async function benchRollups(dir: string): Promise<Record<string, number>> {
  const db = new Level<string, any>(dir)
  await db.open()
  const store = new LevelMetricStore(db)
  await store.open()
  try {
    for (const batch of batches()) await store.ingest(batch)
    await store.compact(T0 + (DAYS + 1) * DAY)
    const series = await store.series({ name: 'bench_temp' })
    const results: Record<string, number> = {}
    for (const [label, step, groupBy] of [['1 series step=1h', 3_600_000, undefined], ['4 series avg step=1d groupBy=[]', DAY, []]] as const) {
      const selected = groupBy ? series : series.slice(0, 1)
      const selector = groupBy ? { name: 'bench_temp' } : { name: 'bench_temp', labels: { sensor: 's0' } }
      const spec: QuerySpec = { from: T0, to: T0 + DAYS * DAY - 1, step, agg: 'avg', ...(groupBy ? { groupBy: [...groupBy] } : {}) }
      const rolled = await bestMs(() => executeQuery(store, { selector, spec }))
      const raw = await bestMs(async () => runQuery(await store.read(selected, spec.from, spec.to), spec))
      results[`30d ${label}, rollups (ms)`] = rolled
      results[`30d ${label}, raw samples (ms)`] = raw
      results[`30d ${label}, raw / rollups`] = Math.round((raw / rolled) * 10) / 10
    }
    return results
  } finally {
    await store.close()
    await db.close()
  }
}
