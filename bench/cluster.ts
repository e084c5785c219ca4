// Issue 16, section `cluster`: the hub's metric store on the embedded LevelDB and on PostgreSQL (the same store code
// over hub/storage/postgres/), same workload, same run. In process: ingest is 50 devices sending side by side
// (each ingest call = one stored batch = what the hub acks once it resolves, so its latency is publish-to-ack
// less MQTT), then three reads (q1 one series, q2 one metric on every device, q3 every series) after compaction.
import { join } from 'node:path'
import { Level } from 'level'
import { PROTOCOL_VERSION, type DecodedBatch, type SeriesDef } from '../protocol/batch.js'
import { LevelMetricStore } from '../hub/metrics/store/index.js'
import type { Database } from '../hub/storage/db.js'
import { PostgresLevel } from '../hub/storage/postgres/level.js'
import { startPostgres } from './postgres.js'

const DEVICES = 50
const SERIES = 10
const STEPS_PER_BATCH = 50
const BATCHES = 40
const T0 = Date.UTC(2024, 0, 1)
const HOUR = 3_600_000

function batch(d: number, seq: number, series: SeriesDef[]): DecodedBatch {
  const n = STEPS_PER_BATCH * SERIES
  const index = new Uint32Array(n)
  const ts = new Float64Array(n)
  const values = new Float64Array(n)
  for (let k = 0, step = (seq - 1) * STEPS_PER_BATCH; step < seq * STEPS_PER_BATCH; step++) {
    for (let s = 0; s < SERIES; s++, k++) {
      index[k] = s
      ts[k] = T0 + step * 10_000 + d
      values[k] = Math.round((50 + 20 * Math.sin(step / 30 + s)) * 100) / 100
    }
  }
  return { v: PROTOCOL_VERSION, dev: `bench-${d}`, ep: 'bench', seq, at: ts[n - 1], m: { series, index, ts, values } }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]

async function run(db: Database): Promise<Record<string, number>> {
  await db.open()
  const store = new LevelMetricStore(db)
  await store.open()
  const series: SeriesDef[] = Array.from({ length: SERIES }, (_, s) => ({ name: `bench_gauge_${s}`, type: 'gauge', labels: { core: String(s % 4) } }))
  const latencies: number[] = []
  const started = performance.now()
  // Every device sends its batches one after another (the agent waits for the ack), all devices at once.
  await Promise.all(
    Array.from({ length: DEVICES }, async (_, d) => {
      for (let seq = 1; seq <= BATCHES; seq++) {
        const t = performance.now()
        await store.ingest(batch(d, seq, series))
        latencies.push(performance.now() - t)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const samples = DEVICES * BATCHES * STEPS_PER_BATCH * SERIES
  await store.compact(T0 + BATCHES * STEPS_PER_BATCH * 10_000 + 6 * HOUR)
  const time = async (fn: () => Promise<unknown>) => {
    const runs: number[] = []
    for (let i = 0; i < 5; i++) {
      const t = performance.now()
      await fn()
      runs.push(performance.now() - t)
    }
    return median(runs)
  }
  const one = await store.series({ name: 'bench_gauge_0', labels: { device: 'bench-0' } })
  const metric = await store.series({ name: 'bench_gauge_0' })
  const all = await store.series({})
  const result = {
    ingest_samples_per_s: Math.round(samples / seconds),
    ingest_to_ack_p99_ms: p99(latencies),
    ingest_to_ack_median_ms: median(latencies),
    q1_one_series_ms: await time(() => store.read(one, -Infinity, Infinity)),
    q2_one_metric_all_devices_ms: await time(() => store.read(metric, -Infinity, Infinity)),
    q3_every_series_ms: await time(() => store.read(all, -Infinity, Infinity)),
  }
  await store.close()
  await db.close()
  return result
}

export async function benchClusterStore(dir: string): Promise<Array<[string, number, number]>> {
  const level = await run(new Level<string, any>(join(dir, 'level'), { valueEncoding: 'json' }))
  const pg = await startPostgres()
  try {
    const postgres = await run(new PostgresLevel(pg.url, { valueEncoding: 'json' }) as unknown as Database)
    return Object.keys(level).map((k) => [k, level[k as keyof typeof level], postgres[k as keyof typeof postgres]])
  } finally {
    await pg.stop()
  }
}
