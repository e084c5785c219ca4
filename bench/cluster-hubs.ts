// The `cluster` section's two-hub figure (issue 16): ingest samples/s and publish-to-ack p99 of two hubs on one
// PostgreSQL store joined through Redis, beside one hub on the same PostgreSQL and one hub on LevelDB, same load,
// same run. Real postgresql-15 and redis-server, started here on free loopback ports; hubs in this process (they
// share its event loop, as two hubs share this 2-core machine).
import { mkdirSync } from 'node:fs'
import type { Hub } from '../hub/hub.js'
import { benchHub, percentile, runDevice, startRedis } from './mqtt-devices.js'
import { startPostgres } from './postgres.js'

const DEVICES = Number(process.env.OUTPOST_BENCH_CLUSTER_DEVICES ?? 20)
const BATCHES = Number(process.env.OUTPOST_BENCH_CLUSTER_BATCHES ?? 200)
const SAMPLES = 100
const WINDOW = 8

/** DEVICES devices spread over `hubs`: samples stored and acked per second, and the ack latencies. */
async function load(hubs: Hub[], tag: string): Promise<{ rate: number; p99: number; p50: number }> {
  const latencies: number[] = []
  const t = performance.now()
  await Promise.all(
    Array.from({ length: DEVICES }, (_, i) =>
      runDevice(`mqtt://127.0.0.1:${hubs[i % hubs.length].mqttPort}`, `${tag}-${i}`, { batches: BATCHES, samples: SAMPLES, window: WINDOW, latencies }),
    ),
  )
  const seconds = (performance.now() - t) / 1000
  return { rate: (DEVICES * BATCHES * SAMPLES) / seconds, p99: percentile(latencies, 99), p50: percentile(latencies, 50) }
}

export async function benchClusterHubs(dir: string): Promise<Record<string, number>> {
  mkdirSync(dir, { recursive: true })
  const redis = await startRedis(dir)
  // Each hub on PostgreSQL holds up to 10 read, 32 snapshot and a few more connections.
  const pg = await startPostgres(200)
  const results: Record<string, number> = {}
  try {
    // One configuration at a time, each on a fresh store (devices' series new in each), the baselines first.
    const level = benchHub(dir, 'level')
    await level.start()
    const l = await load([level], 'lvl')
    await level.stop()
    const solo = benchHub(dir, 'pg-solo', { store: pg.url, cluster: redis.url })
    await solo.start()
    const s = await load([solo], 'solo')
    await solo.stop()
    const a = benchHub(dir, 'pg-a', { store: pg.url, cluster: redis.url })
    const b = benchHub(dir, 'pg-b', { store: pg.url, cluster: redis.url })
    await a.start()
    await b.start()
    const two = await load([a, b], 'two')
    await Promise.allSettled([a.stop(), b.stop()])
    results[`samples/s, 1 hub LevelDB (${DEVICES} devices × ${BATCHES} batches × ${SAMPLES})`] = l.rate
    results['samples/s, 1 hub PostgreSQL'] = s.rate
    results['samples/s, 2 hubs PostgreSQL'] = two.rate
    results['samples/s, 2 hubs PG vs 1 hub PG'] = two.rate / s.rate
    results['samples/s, 1 hub PG vs LevelDB'] = s.rate / l.rate
    results['ack p99 ms, 1 hub LevelDB'] = l.p99
    results['ack p99 ms, 1 hub PostgreSQL'] = s.p99
    results['ack p99 ms, 2 hubs PostgreSQL'] = two.p99
    results['ack p50 ms, 1 hub LevelDB'] = l.p50
    results['ack p50 ms, 1 hub PostgreSQL'] = s.p50
    results['ack p50 ms, 2 hubs PostgreSQL'] = two.p50
    return results
  } finally {
    redis.stop()
    await pg.stop()
  }
}
