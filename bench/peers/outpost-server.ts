import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { Level } from 'level'
import { LevelMetricStore } from '../../hub/metrics/store/index.js'
import { metricRoutes } from '../../hub/api/routes/metrics.js'
import { DEFAULT_QUERY_LIMITS } from '../../hub/metrics/query/index.js'
import { prometheusApi } from '../../hub/prometheus/api.js'
import { resultCacheFor } from '../../hub/prometheus/result-cache.js'

// `node outpost-server.js DIR NOW [RESULT_CACHE_BYTES]`: the hub's /v1/metrics and /prometheus routes over a compacted store in a process of their own,
// so Outpost answers queries from a fresh process as the peers' servers do, not from the heap the ingest filled.
// Prints `listening PORT` once ready; closes the store on SIGTERM. The PromQL result cache is set up as the hub sets it
// (64 MiB, 5 min offset; docs/prometheus.md); RESULT_CACHE_BYTES 0 turns it off.

async function main(): Promise<void> {
  const [dir, now, cacheArg] = process.argv.slice(2)
  if (!dir || !Number.isFinite(Number(now))) throw new Error('usage: outpost-server.js DIR NOW_MS [RESULT_CACHE_BYTES]')
  const db = new Level<string, any>(dir)
  await db.open()
  const store = new LevelMetricStore(db)
  await store.open()
  const cacheBytes = Number(cacheArg ?? 64 * 1024 * 1024)
  const resultCache = resultCacheFor(store, { maxBytes: cacheBytes, offsetMs: 5 * 60_000 })
  const app = new Hono()
    .route('/v1/metrics', metricRoutes(store, DEFAULT_QUERY_LIMITS, () => Number(now)))
    .route('/prometheus', prometheusApi({ store, limits: DEFAULT_QUERY_LIMITS, clock: () => Number(now), log: (level, msg, extra) => console.error(level, msg, extra), resultCache }))
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => {
    console.log(`listening ${(server.address() as AddressInfo).port}`)
  })
  process.once('SIGTERM', () => {
    server.close(async () => {
      await store.close()
      await db.close()
      process.exit(0)
    })
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
