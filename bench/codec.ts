import type { Batch } from '../protocol/batch.js'
import { PROTOCOL_VERSION } from '../protocol/batch.js'
import { DEFAULT_LIMITS, scanCbor } from '../protocol/cbor-limits.js'
import { decodeBatch, encodeBatch } from '../protocol/codec.js'
import { MetricsBuilder } from '../protocol/metrics-builder.js'

// Micro-benchmark of the wire codec (DESIGN §4): encode, and decode + validate, a batch of 100,000 samples
// over 1,000 series. Called by the lead's bench runner.

const SERIES = 1_000
const STEPS = 100
const ROUNDS = 10
const T0 = 1_700_000_000_000

function benchBatch(): Batch {
  const builder = new MetricsBuilder()
  for (let step = 0; step < STEPS; step++) {
    for (let s = 0; s < SERIES; s++) {
      const ts = T0 + step * 10_000 + (s % 10) // a few ms of jitter, as real collectors have
      if (s % 2 === 0) {
        builder.addRaw('bench_requests_total', 'counter', { core: String(s) }, ts, step * 1_000 + s)
      } else {
        builder.addRaw('bench_load_ratio', 'gauge', { core: String(s) }, ts, Math.sin(step + s) / 2 + 0.5)
      }
    }
  }
  return { v: PROTOCOL_VERSION, dev: 'bench-device', ep: 'bench', seq: 1, at: T0 + STEPS * 10_000, m: builder.build() }
}

/** Best of several rounds, in samples per second: the first round pays for JIT warm-up. */
function bestRate(samples: number, run: () => void): number {
  let best = Infinity
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now()
    run()
    best = Math.min(best, performance.now() - started)
  }
  return Math.round(samples / (best / 1000))
}

export async function benchCodec(): Promise<Record<string, number>> {
  const batch = benchBatch()
  const samples = batch.m!.i.length
  const bytes = encodeBatch(batch)
  // 100,000 samples exceed the 1 MiB default payload limit on purpose: this measures the codec, not the limit.
  const limits = { maxBytes: bytes.length }
  const decoded = decodeBatch(bytes, limits)
  if (decoded.m?.values.length !== samples) throw new Error('bench batch did not round-trip')

  return {
    codec_encode_samples_per_s: bestRate(samples, () => encodeBatch(batch)),
    codec_decode_samples_per_s: bestRate(samples, () => decodeBatch(bytes, limits)),
    // The limit check alone, which runs before decoding: it must stay far cheaper than the decode beside it.
    codec_scan_samples_per_s: bestRate(samples, () => scanCbor(bytes, { ...DEFAULT_LIMITS, ...limits, maxItems: Infinity })),
    codec_bytes_per_sample: Math.round((bytes.length / samples) * 100) / 100,
  }
}
