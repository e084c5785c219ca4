// Times the query engine over synthetic samples already in memory (no store): what /v1/metrics/query costs
// after the read. Called by the bench runner; returns milliseconds per case.
import { performance } from 'node:perf_hooks'
import { runQuery } from '../hub/metrics/query/aggregate.js'
import type { QuerySpec } from '../hub/metrics/query/types.js'
import type { SeriesSamples } from '../hub/metrics/store/types.js'

const DEVICES = 100
const SERIES_PER_DEVICE = 10
const SAMPLES_PER_SERIES = 8_640 // one day at 10 s
const INTERVAL_MS = 10_000
const START = 1_800_000_000_000
const RUNS = 3

export function benchQuery(): Record<string, number> {
  const data = syntheticSeries()
  const day = { from: START, to: START + SAMPLES_PER_SERIES * INTERVAL_MS - 1, step: 300_000 }
  const fleetAverage: QuerySpec = { ...day, agg: 'avg', groupBy: ['device'] }
  const oneSeriesP95: QuerySpec = { ...day, agg: 'p95' }
  return {
    'query avg 1000 series x 8640 samples step=5m groupBy=device (ms)': bestOf(() => runQuery(data, fleetAverage)),
    'query p95 1 series x 8640 samples step=5m (ms)': bestOf(() => runQuery(data.slice(0, 1), oneSeriesP95)),
  }
}

/** The fastest of a few runs after one warm-up, so JIT compilation is not what we measure. */
function bestOf(run: () => unknown): number {
  run()
  let best = Infinity
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    run()
    best = Math.min(best, performance.now() - started)
  }
  return Math.round(best * 100) / 100
}

function syntheticSeries(): SeriesSamples[] {
  // A fixed linear congruential generator, so every run queries the same numbers.
  let seed = 42
  const random = () => (seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32
  const data: SeriesSamples[] = []
  for (let device = 0; device < DEVICES; device++) {
    for (let cpu = 0; cpu < SERIES_PER_DEVICE; cpu++) {
      const ts = new Float64Array(SAMPLES_PER_SERIES)
      const values = new Float64Array(SAMPLES_PER_SERIES)
      for (let i = 0; i < SAMPLES_PER_SERIES; i++) {
        ts[i] = START + i * INTERVAL_MS
        values[i] = random()
      }
      const labels = { device: `dev-${device}`, cpu: String(cpu) }
      data.push({ series: { id: data.length + 1, name: 'system_cpu_usage_ratio', type: 'gauge', labels }, ts, values })
    }
  }
  return data
}
