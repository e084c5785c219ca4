import type { Labels, MetricType } from '../protocol/batch.js'
import { prng } from '../agent/collectors/synthetic/index.js'

// The one deterministic dataset that `npm run bench:peers` feeds to Outpost, Prometheus and InfluxDB (issue 4,
// "Benchmarks"): 100 devices × 10 series, one sample every 10 s for 1,080 steps (3 h), 1,080,000 samples.
// Values look like what system collectors report: random walks with the precision sensors give, byte counters
// that only grow, a constant, an uptime that ticks by exactly the interval.

export interface DatasetSeries {
  device: string
  name: string
  type: MetricType
  /** Labels besides `device`. */
  labels: Labels
  /** Every value is a whole number (InfluxDB can then store it as an integer field). */
  integer: boolean
}

export interface Dataset {
  series: DatasetSeries[]
  /** values[k][step] is series k's sample at `timestamp(k, step)`. */
  values: Float64Array[]
  steps: number
  intervalMs: number
  /** First step's time, ms since epoch; aligned to a day so fixed-width buckets line up with the range. */
  t0: number
  timestamp(seriesIndex: number, step: number): number
  /** Last sample time of any series. */
  end: number
  samples: number
}

export const DATASET_DEVICES = 100
export const DATASET_SERIES_PER_DEVICE = 10
export const DATASET_STEPS = 1_080
const INTERVAL_MS = 10_000
const T0 = Date.UTC(2024, 0, 1)
const GIB = 1024 ** 3

export const datasetDevice = (d: number) => `dev-${String(d).padStart(3, '0')}`

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals
const clamp = (value: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, value))

interface SeriesShape {
  name: string
  type: MetricType
  labels: Labels
  integer: boolean
  /** The next value from the previous one (NaN before the first step). */
  next: (previous: number, random: () => number, step: number) => number
}

/** The ten series every device reports; `random` is the device's own stream. */
function deviceShapes(random: () => number): SeriesShape[] {
  const memoryTotal = [2, 4, 8][Math.floor(random() * 3)] * GIB
  const bootUptime = Math.floor(random() * 1_000_000)
  const rxRate = 5_000 + random() * 50_000
  const txRate = 1_000 + random() * 10_000
  const walk = (start: number, stepSize: number, lo: number, hi: number, decimals: number) =>
    (prev: number, r: () => number) => round(clamp(Number.isNaN(prev) ? start : prev + (r() - 0.5) * 2 * stepSize, lo, hi), decimals)
  const counter = (bytesPerSecond: number, unit: number) => (prev: number, r: () => number) =>
    Number.isNaN(prev) ? Math.floor(r() * 1e9 / unit) * unit : prev + Math.round((bytesPerSecond * 10 * (0.5 + r())) / unit) * unit
  return [
    { name: 'system_temperature_celsius', type: 'gauge', labels: { sensor: 'cpu' }, integer: false, next: walk(40 + random() * 20, 0.4, 25, 95, 2) },
    { name: 'system_cpu_usage_ratio', type: 'gauge', labels: { cpu: 'total' }, integer: false, next: walk(0.1 + random() * 0.3, 0.03, 0, 1, 4) },
    { name: 'system_load1', type: 'gauge', labels: {}, integer: false, next: walk(0.5 + random(), 0.1, 0, 8, 2) },
    { name: 'system_memory_used_bytes', type: 'gauge', labels: {}, integer: true, next: (prev, r) => (Number.isNaN(prev) ? Math.floor(memoryTotal * 0.3 / 4096) * 4096 : clamp(prev + Math.round((r() - 0.5) * 2_000) * 4096, 0, memoryTotal)) },
    { name: 'system_memory_total_bytes', type: 'gauge', labels: {}, integer: true, next: () => memoryTotal },
    { name: 'system_network_receive_bytes_total', type: 'counter', labels: { interface: 'eth0' }, integer: true, next: counter(rxRate, 1) },
    { name: 'system_network_transmit_bytes_total', type: 'counter', labels: { interface: 'eth0' }, integer: true, next: counter(txRate, 1) },
    { name: 'system_disk_written_bytes_total', type: 'counter', labels: { disk: 'mmcblk0' }, integer: true, next: counter(2_000, 512) },
    // Grows now and then by a few pages, as logs are written and rotated.
    { name: 'system_filesystem_used_bytes', type: 'gauge', labels: { mount: '/' }, integer: true, next: (prev, r) => (Number.isNaN(prev) ? 3 * GIB + Math.floor(r() * 1e6) * 4096 : r() < 0.2 ? prev + Math.floor(r() * 64) * 4096 : prev) },
    { name: 'system_uptime_seconds', type: 'gauge', labels: {}, integer: true, next: (prev, _r, step) => bootUptime + step * (INTERVAL_MS / 1000) },
  ]
}

/** Builds the dataset (about 10 MB of values) in a few tens of milliseconds. */
export function buildDataset(steps = DATASET_STEPS): Dataset {
  const series: DatasetSeries[] = []
  const values: Float64Array[] = []
  for (let d = 0; d < DATASET_DEVICES; d++) {
    const random = prng(0x0b5e55ed + d)
    const device = datasetDevice(d)
    for (const shape of deviceShapes(random)) {
      const column = new Float64Array(steps)
      let prev = NaN
      for (let step = 0; step < steps; step++) column[step] = prev = shape.next(prev, random, step)
      series.push({ device, name: shape.name, type: shape.type, labels: shape.labels, integer: shape.integer })
      values.push(column)
    }
  }
  // Each device's clock ticks at its own few milliseconds past the interval, as real collectors do.
  const offset = (k: number) => (Math.floor(k / DATASET_SERIES_PER_DEVICE) * 7) % 1000
  const timestamp = (k: number, step: number) => T0 + step * INTERVAL_MS + offset(k)
  const end = Math.max(...series.map((_, k) => timestamp(k, steps - 1)))
  return { series, values, steps, intervalMs: INTERVAL_MS, t0: T0, timestamp, end, samples: series.length * steps }
}

/** Consecutive step ranges [first, end) of at most `stepsPerBlock` steps: the order every writer sends in. */
export function* timeBlocks(dataset: Dataset, stepsPerBlock: number): Generator<{ first: number; end: number }> {
  for (let first = 0; first < dataset.steps; first += stepsPerBlock) {
    yield { first, end: Math.min(dataset.steps, first + stepsPerBlock) }
  }
}
