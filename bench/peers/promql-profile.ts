// Scratch: in-process timings of the PromQL engine on the bench dataset (not part of the bench).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { LevelMetricStore } from '../../hub/store/level/index.js'
import { DEFAULT_QUERY_LIMITS } from '../../hub/query/index.js'
import { rangeQuery } from '../../hub/prometheus/engine.js'
import { buildDataset, DATASET_SERIES_PER_DEVICE } from '../dataset.js'
import { PROMQL_QUERIES } from './promql.js'
import { makeBatchesForProfile } from './profile-batches.js'

async function main() {
  const dataset = buildDataset()
  const dir = await mkdtemp(join(tmpdir(), 'prof-'))
  const db = new Level<string, any>(dir)
  await db.open()
  const store = new LevelMetricStore(db)
  await store.open()
  for (const b of makeBatchesForProfile(dataset, DATASET_SERIES_PER_DEVICE)) await store.ingest(b)
  await store.compact(dataset.end + 86_400_000)
  const opts = { store, limits: DEFAULT_QUERY_LIMITS }
  const series = await store.series({ name: 'system_cpu_usage_ratio' })
  const best: Record<string, number> = {}
  const only = process.env.Q
  for (let i = 0; i < 20; i++) {
    let t = performance.now()
    await store.read(series, dataset.t0 - 300_000, dataset.end)
    best.read100 = Math.min(best.read100 ?? Infinity, performance.now() - t)
    for (const q of PROMQL_QUERIES) {
      if (q.instant || (only && q.name !== only)) continue
      t = performance.now()
      await rangeQuery(opts, q.query(dataset), dataset.t0, dataset.end, q.step! * 1000)
      best[q.name] = Math.min(best[q.name] ?? Infinity, performance.now() - t)
    }
  }
  console.log(Object.entries(best).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('  '))
  await store.close()
  await db.close()
  await rm(dir, { recursive: true, force: true })
}
main()
