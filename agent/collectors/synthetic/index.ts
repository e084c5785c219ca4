import type { SeriesDef } from '../../../protocol/batch.js'
import type { Collector, MetricSink } from '../types.js'

/** Small seeded PRNG (mulberry32) so every run produces the same series; the benchmarks' dataset uses it too. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function hashString(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

interface SyntheticSeries {
  def: SeriesDef
  kind: 'walk' | 'counter' | 'constant'
  value: number
  random: () => number
}

const NAMES = ['sim_temperature_celsius', 'sim_requests_total', 'sim_queue_depth', 'sim_voltage_volts', 'sim_errors_total', 'sim_build_info']

/**
 * Deterministic synthetic series for `outpost simulate`: random walks, counters and constants,
 * the same for the same device id and series count on every run.
 */
export class SyntheticCollector implements Collector {
  readonly name = 'synthetic'
  private readonly series: SyntheticSeries[]

  constructor(deviceId: string, count: number) {
    this.series = Array.from({ length: count }, (_, j) => {
      const name = NAMES[j % NAMES.length]
      const kind = name.endsWith('_total') ? 'counter' : name === 'sim_build_info' ? 'constant' : 'walk'
      const random = prng(hashString(`${deviceId}/${j}`))
      return {
        // Frozen: the builder then keys each series once, not on every sample.
        def: Object.freeze({ name, type: kind === 'counter' ? 'counter' : 'gauge', labels: Object.freeze({ series: String(j) }) }) as SeriesDef,
        kind,
        value: kind === 'constant' ? 1 : kind === 'counter' ? 0 : Math.round(random() * 1000) / 10,
        random,
      }
    })
  }

  /** Advances every series one step and emits it at `now`. */
  async collect(sink: MetricSink, now: number): Promise<void> {
    this.step(sink, now)
  }

  step(sink: MetricSink, now: number): void {
    for (const s of this.series) {
      if (s.kind === 'walk') s.value = Math.round((s.value + (s.random() - 0.5) * 2) * 100) / 100
      else if (s.kind === 'counter') s.value += Math.floor(s.random() * 20)
      sink.add(s.def, now, s.value)
    }
  }
}
