import { Level } from 'level'
import { dirBytes } from './machine.js'

/**
 * The naive design measured in the same run: one LevelDB row per sample (key = series + ts, JSON value),
 * and row-wise JSON on the wire. Outpost's figures are printed as ratios against these.
 */
export async function benchNaiveRows(dir: string, samples = 500_000): Promise<{ samplesPerSecond: number; diskBytesPerSample: number }> {
  const db = new Level<string, string>(dir, { valueEncoding: 'utf8' })
  await db.open()
  const series = 1_000
  const t0 = 1_700_000_000_000
  const started = performance.now()
  const batchSize = 5_000
  for (let k = 0; k < samples; k += batchSize) {
    const ops = []
    for (let j = k; j < Math.min(samples, k + batchSize); j++) {
      const s = j % series
      const ts = t0 + Math.floor(j / series) * 10_000
      ops.push({ type: 'put' as const, key: `${String(s).padStart(6, '0')}!${ts}`, value: JSON.stringify({ v: Math.round(Math.sin(j) * 1000) / 100 }) })
    }
    await db.batch(ops)
  }
  const seconds = (performance.now() - started) / 1000
  await db.close()
  return { samplesPerSecond: samples / seconds, diskBytesPerSample: (await dirBytes(dir)) / samples }
}

/** Bytes per sample of the same samples as row-wise JSON, as a generic HTTP/JSON agent would send them. */
export function jsonWireBytesPerSample(devices = 1, seriesPerDevice = 100): number {
  const rows = []
  for (let s = 0; s < seriesPerDevice; s++) {
    rows.push({ name: 'sim_temperature_celsius', labels: { series: String(s), device: `sim-${devices}` }, ts: 1_700_000_000_000 + s, value: 21.37 + s / 100 })
  }
  return Buffer.byteLength(JSON.stringify(rows)) / rows.length
}
