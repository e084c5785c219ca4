import { PROTOCOL_VERSION, seriesKey, type DecodedBatch, type Labels, type MetricType, type SeriesDef } from '../../../../protocol/batch.js'

/** One sample for a test batch. */
export interface TestSample {
  name: string
  labels?: Labels
  type?: MetricType
  unit?: string
  ts: number
  value: number
}

export interface TestBatch {
  dev?: string
  ep?: string
  seq: number
  lo?: number
  samples?: TestSample[]
}

/** A decoded batch as the hub's ingest would hand it to the store. */
export function makeBatch({ dev = 'dev-1', ep = 'ep-1', seq, lo, samples = [] }: TestBatch): DecodedBatch {
  const batch: DecodedBatch = { v: PROTOCOL_VERSION, dev, ep, seq, at: 0 }
  if (lo !== undefined) batch.lo = lo
  if (samples.length === 0) return batch
  const series: SeriesDef[] = []
  const indexOfKey = new Map<string, number>()
  const index = new Uint32Array(samples.length)
  samples.forEach((sample, k) => {
    const labels = sample.labels ?? {}
    const key = seriesKey(sample.name, labels)
    let i = indexOfKey.get(key)
    if (i === undefined) {
      i = series.length
      indexOfKey.set(key, i)
      const def: SeriesDef = { name: sample.name, type: sample.type ?? 'gauge', labels }
      if (sample.unit !== undefined) def.unit = sample.unit
      series.push(def)
    }
    index[k] = i
  })
  batch.m = {
    series,
    index,
    ts: Float64Array.from(samples, (s) => s.ts),
    values: Float64Array.from(samples, (s) => s.value),
  }
  return batch
}

/** `count` samples of one series, `stepMs` apart from `start`, value = `base + k`. */
export function samplesOf(name: string, labels: Labels, start: number, count: number, stepMs: number, base = 0): TestSample[] {
  return Array.from({ length: count }, (_, k) => ({ name, labels, ts: start + k * stepMs, value: base + k }))
}

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items]
  let state = seed
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    const j = state % (i + 1)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}
