import { PROTOCOL_VERSION, type DecodedBatch } from '../../protocol/batch.js'
import type { Dataset } from '../dataset.js'

export function* makeBatchesForProfile(dataset: Dataset, perDevice: number): Generator<DecodedBatch> {
  let seq = 0
  for (let base = 0; base < dataset.series.length; base += perDevice) {
    const series = dataset.series.slice(base, base + perDevice).map((s) => ({ name: s.name, type: s.type, labels: s.labels }))
    for (let first = 0; first < dataset.steps; first += 500) {
      const end = Math.min(dataset.steps, first + 500)
      const index: number[] = [], ts: number[] = [], values: number[] = []
      for (let step = first; step < end; step++) for (let s = 0; s < perDevice; s++) {
        index.push(s); ts.push(dataset.timestamp(base + s, step)); values.push(dataset.values[base + s][step])
      }
      yield { v: PROTOCOL_VERSION, dev: dataset.series[base].device, ep: 'p', seq: ++seq, at: 0, m: { series, index: Uint32Array.from(index), ts: Float64Array.from(ts), values: Float64Array.from(values) } }
    }
  }
}
