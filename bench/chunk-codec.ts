import { parseSystemOptions, systemCollectorPlugin } from '../agent/collectors/system/index.js'
import type { SeriesDef } from '../protocol/batch.js'
import { decodeChunk, encodeChunk } from '../hub/metrics/encoding/chunk-codec.js'
import { canEncodeRollup, encodeRollup } from '../hub/metrics/encoding/rollup-codec.js'
import { chunkRollups } from '../hub/metrics/encoding/rollup.js'

// Bytes per sample and speed of the Gorilla chunk codec (issue 4), chunk by chunk as the compactor writes them:
// (a) random walks with 2 decimals, (b) counters, (c) constants, each 100 series × 720 samples (one 2 h window
// at 10 s), and (d) readings of the real system collector on this machine. Called by the lead's bench runner.

const SERIES = 100
const SAMPLES_PER_CHUNK = 720
const INTERVAL_MS = 10_000
const T0 = Date.UTC(2024, 0, 1)
const ROUNDS = 10
/** How long the real collector is sampled, once a second; OUTPOST_BENCH_RECORD_S changes it. */
const RECORD_SECONDS = Number(process.env.OUTPOST_BENCH_RECORD_S ?? 20)
/** The recording is stretched to one hour of 1 s samples, one chunk per series. */
const REAL_SAMPLES = 3_600

interface Series {
  ts: Float64Array
  values: Float64Array
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32): the same dataset on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** `SERIES` chunks of regular timestamps (a few ms of fixed jitter per series, as bench/store.ts has). */
function synthetic(seed: number, value: (next: () => number, previous: number, i: number) => number): Series[] {
  const next = random(seed)
  return Array.from({ length: SERIES }, (_, s) => {
    const ts = Float64Array.from({ length: SAMPLES_PER_CHUNK }, (_, i) => T0 + i * INTERVAL_MS + (s % 10))
    const values = new Float64Array(SAMPLES_PER_CHUNK)
    let previous = NaN
    for (let i = 0; i < SAMPLES_PER_CHUNK; i++) values[i] = previous = value(next, previous, i)
    return { ts, values }
  })
}

const randomWalks = () =>
  synthetic(1, (next, prev, i) => (i === 0 ? Math.round(next() * 10_000) / 100 : Math.round((prev + (next() - 0.5) * 4) * 100) / 100))
const counters = () => synthetic(2, (next, prev, i) => (i === 0 ? Math.floor(next() * 1e9) : prev + Math.floor(next() * 2_000)))
const constants = () => {
  let level = 0
  return synthetic(3, (next, _prev, i) => (i === 0 ? (level = Math.round(next() * 1_000) / 10) : level))
}

/**
 * The system collector's default output, read once a second for `seconds`: one recording per series, values as
 * the collector reports them and timestamps from Date.now() on a setInterval tick, as the agent takes them.
 */
async function recordSystemReadings(seconds: number): Promise<Map<string, { ts: number[]; values: number[]; def: SeriesDef }>> {
  const collector = systemCollectorPlugin().create(parseSystemOptions({}), { log: () => {} })
  const recorded = new Map<string, { ts: number[]; values: number[]; def: SeriesDef }>()
  const sink = {
    add(def: SeriesDef, ts: number, value: number) {
      const key = `${def.name}${JSON.stringify(def.labels)}`
      let series = recorded.get(key)
      if (!series) recorded.set(key, (series = { ts: [], values: [], def }))
      series.ts.push(ts)
      series.values.push(value)
    },
  }
  await collector.collect({ add: () => {} }, Date.now()) // the first CPU reading is since boot: discarded
  await new Promise<void>((resolve) => {
    let ticks = 0
    const timer = setInterval(() => {
      void collector.collect(sink, Date.now()).then(() => {
        if (++ticks === seconds) {
          clearInterval(timer)
          resolve()
        }
      })
    }, 1_000)
  })
  await collector.close?.()
  return recorded
}

/**
 * Stretches a short recording to `length` samples without inventing values: gauges play the recording forwards
 * then backwards (every value is one the sensor reported), monotonic series (counters, uptime) go on from where
 * the recording ended by adding whole recorded spans; timestamps repeat the recorded intervals and their jitter.
 */
function stretch(recording: { ts: number[]; values: number[]; def: SeriesDef }, length: number): Series {
  const { ts: rts, values: rv, def } = recording
  const m = rv.length
  const ts = new Float64Array(length)
  const values = new Float64Array(length)
  const monotonic = def.type === 'counter' || def.name === 'system_uptime_seconds'
  // Per cycle of m samples a monotonic series moves by its recorded span plus one typical step.
  const span = m > 1 ? ((rv[m - 1] - rv[0]) * m) / (m - 1) : 0
  const decimals = Math.max(...rv.map((v) => (String(v).split('.')[1] ?? '').length))
  const scale = 10 ** Math.min(decimals, 6)
  let t = rts[0]
  for (let i = 0; i < length; i++) {
    if (i > 0) t += m > 1 ? rts[(i % (m - 1)) + 1] - rts[i % (m - 1)] : 1_000
    ts[i] = t
    const cycle = Math.floor(i / m)
    const k = i % m
    if (monotonic) {
      // Rounded to the decimals the sensor reports, as it would have printed the later value.
      values[i] = Math.round((rv[k] + cycle * Math.round(span)) * scale) / scale
    } else {
      values[i] = rv[cycle % 2 === 0 ? k : m - 1 - k]
    }
  }
  return { ts, values }
}

/** The rollup rows the compactor writes beside these chunks (rollup.ts decides which widths), per sample. */
function rollupBytesPerSample(chunks: Series[]): number {
  let bytes = 0
  let samples = 0
  for (const chunk of chunks) {
    if (canEncodeRollup(chunk.ts)) for (const [, rollup] of chunkRollups(chunk.ts, chunk.values)) bytes += encodeRollup(rollup).length
    samples += chunk.ts.length
  }
  return bytes / samples
}

function bytesPerSample(chunks: Series[]): number {
  let bytes = 0
  let samples = 0
  for (const chunk of chunks) {
    const encoded = encodeChunk(chunk.ts, chunk.values)
    const decoded = decodeChunk(encoded)
    const same = (a: Float64Array, b: Float64Array) => Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer)) === 0
    if (!same(decoded.ts, chunk.ts) || !same(decoded.values, chunk.values)) throw new Error('a bench chunk did not round-trip')
    bytes += encoded.length
    samples += chunk.ts.length
  }
  return bytes / samples
}

/** Best of several rounds, in samples per second: the first rounds pay for JIT warm-up. */
function bestRate(samples: number, run: () => void): number {
  let best = Infinity
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now()
    run()
    best = Math.min(best, performance.now() - started)
  }
  return Math.round(samples / (best / 1000))
}

function speed(name: string, chunks: Series[]): Record<string, number> {
  const samples = chunks.reduce((sum, c) => sum + c.ts.length, 0)
  const encoded = chunks.map((c) => encodeChunk(c.ts, c.values))
  return {
    [`chunk_encode_${name}_samples_per_s`]: bestRate(samples, () => chunks.forEach((c) => encodeChunk(c.ts, c.values))),
    [`chunk_decode_${name}_samples_per_s`]: bestRate(samples, () => encoded.forEach((bytes) => decodeChunk(bytes))),
  }
}

export async function benchChunkCodec(): Promise<Record<string, number>> {
  const walks = randomWalks()
  const counts = counters()
  const flat = constants()
  const recording = await recordSystemReadings(RECORD_SECONDS)
  const real = [...recording.values()].filter((r) => r.values.length > 1).map((r) => stretch(r, REAL_SAMPLES))
  return {
    chunk_walk_2dp_bytes_per_sample: bytesPerSample(walks),
    chunk_counter_bytes_per_sample: bytesPerSample(counts),
    chunk_constant_bytes_per_sample: bytesPerSample(flat),
    chunk_system_real_bytes_per_sample: bytesPerSample(real),
    // 1 s readings get 1 min and 1 h rollups; the store's B/sample for this data is the sum of the two lines.
    rollup_system_real_bytes_per_sample: rollupBytesPerSample(real),
    rollup_walk_2dp_bytes_per_sample: rollupBytesPerSample(walks),
    chunk_system_real_series: real.length,
    ...speed('walk', walks),
    ...speed('counter', counts),
    ...speed('constant', flat),
    ...speed('system_real', real),
  }
}
