// The PromQL result cache (docs/prometheus.md, "Result cache") on a real hub: a repeated range query is answered from
// cache with the same answer; backfill into a cached range, a device's purge, retention and relabelling each give
// the new answer at once; a clock moving on grows the cached part; `promql.resultCache: 0` turns it off. Every
// cached answer is compared with the same query evaluated afresh (its text spelled differently, so not cached).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeBatch, type TestSample } from '../metrics/store/batches.js'
import { startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '../../helpers/hub.js'
import { tempDir } from '../../helpers/temp.js'
import { PromResultCache } from '../../../hub/prometheus/result-cache.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
// Whole 2 h windows in the past, so retention can delete the first one.
const T0 = Math.floor(Date.now() / (2 * HOUR)) * 2 * HOUR - 6 * HOUR

let hub: TestHub
let now = T0 + 5 * HOUR
let cleanup: () => Promise<void>
let seq = 1

async function write(device: string, samples: TestSample[]) {
  await hub.hub.store.ingest(makeBatch({ dev: device, ep: 'cache-test', seq: seq++, samples }))
}

const gauge = (from: number, to: number, every: number, value: (ts: number) => number, labels = { sensor: 'cpu' }): TestSample[] => {
  const out: TestSample[] = []
  for (let ts = from; ts <= to; ts += every) out.push({ name: 'temp_celsius', type: 'gauge', labels, ts, value: value(ts) })
  return out
}

async function range(query: string, start: number, end: number, step = 60) {
  const params = new URLSearchParams({ query, start: String(start / 1000), end: String(end / 1000), step: String(step) })
  const res = await fetch(`${hub.apiUrl}/prometheus/api/v1/query_range?${params}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })
  expect(res.status).toBe(200)
  return ((await res.json()) as any).data
}

async function cacheCounts() {
  const text = (await hub.get('/metrics')).body as string
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
  return {
    hits: read('outpost_hub_promql_cache_hits_total'),
    partial: read('outpost_hub_promql_cache_partial_hits_total'),
    misses: read('outpost_hub_promql_cache_misses_total'),
    invalidations: read('outpost_hub_promql_cache_invalidations_total'),
    entries: read('outpost_hub_promql_cache_entries'),
  }
}

/** The answer from the cache (second ask) and the same query evaluated afresh (a spelling never asked before). */
let spelling = 0
async function cachedAndFresh(query: string, start: number, end: number, step = 60) {
  const cached = await range(query, start, end, step)
  const fresh = await range(`${query}${' '.repeat(++spelling)}`, start, end, step)
  return { cached, fresh }
}

describe('PromQL result cache', () => {
  beforeAll(async () => {
    const tmp = await tempDir('outpost-promql-cache-')
    cleanup = tmp.cleanup
    hub = await startTestHub(tmp.dir, { now: () => now })
    await write('pi-1', gauge(T0, T0 + 4 * HOUR, 15_000, (ts) => 40 + ((ts / 15_000) % 7)))
    await write('pi-2', gauge(T0, T0 + 4 * HOUR, 15_000, (ts) => 50 + ((ts / 15_000) % 5)))
  }, 60_000)

  afterAll(async () => {
    await hub?.stop()
    await cleanup?.()
  })

  it('answers a repeated range query from cache, equal to evaluating it', async () => {
    const q = 'sum by (device) (count_over_time(temp_celsius[5m]))'
    const first = await range(q, T0 + HOUR, T0 + 3 * HOUR)
    const before = await cacheCounts()
    const { cached, fresh } = await cachedAndFresh(q, T0 + HOUR, T0 + 3 * HOUR)
    const after = await cacheCounts()
    expect(after.hits - before.hits).toBe(1)
    expect(cached).toEqual(first)
    expect(cached).toEqual(fresh)
    expect(cached.result).toHaveLength(2)
    // A later start on the same step grid, and a shorter end: slices of the cached steps.
    const slice = await cachedAndFresh(q, T0 + HOUR + 17 * MINUTE, T0 + 2 * HOUR)
    expect(slice.cached).toEqual(slice.fresh)
    expect((await cacheCounts()).hits - after.hits).toBe(1)
  })

  it('gives the new answer after a backfill into the cached range', async () => {
    const q = 'sum by (device) (count_over_time(temp_celsius[5m]))'
    const before = await range(q, T0 + HOUR, T0 + 3 * HOUR)
    const counts = await cacheCounts()
    // Late samples between the stored ones of pi-1, two hours back, and a new device's series.
    await write('pi-1', gauge(T0 + 2 * HOUR + 5_000, T0 + 2 * HOUR + 10 * MINUTE, 15_000, () => 99))
    await write('pi-3', gauge(T0 + 90 * MINUTE, T0 + 100 * MINUTE, 15_000, () => 1))
    expect((await cacheCounts()).invalidations).toBeGreaterThan(counts.invalidations)
    const { cached, fresh } = await cachedAndFresh(q, T0 + HOUR, T0 + 3 * HOUR)
    expect(cached).toEqual(fresh)
    expect(cached).not.toEqual(before)
    expect(cached.result.map((s: any) => s.metric.device)).toEqual(['pi-1', 'pi-2', 'pi-3'])
    const pi1 = cached.result[0].values.find((p: [number, string]) => p[0] === (T0 + 2 * HOUR + 5 * MINUTE) / 1000)
    expect(Number(pi1[1])).toBeGreaterThan(20)
  })

  it('gives the new answer after a device purge, retention and relabelling', async () => {
    const q = 'max by (device, site) (temp_celsius)'
    await range(q, T0, T0 + 4 * HOUR, 300)
    await hub.hub.store.purgeDevice('pi-3')
    let { cached, fresh } = await cachedAndFresh(q, T0, T0 + 4 * HOUR, 300)
    expect(cached).toEqual(fresh)
    expect(cached.result.map((s: any) => s.metric.device)).toEqual(['pi-1', 'pi-2'])

    // Compaction moves samples into chunks without changing an answer: nothing to invalidate, and retention needs chunks.
    await hub.hub.store.compact(T0 + 7 * HOUR)
    await range(q, T0, T0 + 4 * HOUR, 300)
    const pruned = await hub.hub.store.prune(T0 + 4 * HOUR, 2 * HOUR)
    expect(pruned.chunkRowsDeleted + pruned.headRowsDeleted).toBeGreaterThan(0)
    ;({ cached, fresh } = await cachedAndFresh(q, T0, T0 + 4 * HOUR, 300))
    expect(cached).toEqual(fresh)
    expect(cached.result[0].values[0][0]).toBeGreaterThanOrEqual((T0 + 2 * HOUR) / 1000)

    await hub.hub.remote.labels.set('pi-1', { site: 'lab' })
    ;({ cached, fresh } = await cachedAndFresh(q, T0, T0 + 4 * HOUR, 300))
    expect(cached).toEqual(fresh)
    expect(cached.result.map((s: any) => s.metric.site ?? '')).toEqual(['lab', ''])
  })

  it('keeps only steps older than now − 5 min, and grows them as the clock moves on', async () => {
    const q = 'avg(temp_celsius)'
    now = T0 + 4 * HOUR + 2 * MINUTE
    await write('pi-2', gauge(T0 + 4 * HOUR + 15_000, T0 + 4 * HOUR + 2 * MINUTE, 15_000, () => 70))
    await range(q, T0 + 3 * HOUR, now)
    // Samples arriving within the offset change only steps that are evaluated on every request.
    await write('pi-2', gauge(T0 + 4 * HOUR - 2 * MINUTE + 7_000, T0 + 4 * HOUR + 2 * MINUTE, 30_000, () => 80))
    let { cached, fresh } = await cachedAndFresh(q, T0 + 3 * HOUR, now)
    expect(cached).toEqual(fresh)
    const grown = await cacheCounts()
    now += 20 * MINUTE
    await write('pi-2', gauge(T0 + 4 * HOUR + 2 * MINUTE + 15_000, now - MINUTE, 15_000, () => 60))
    ;({ cached, fresh } = await cachedAndFresh(q, T0 + 3 * HOUR, now))
    expect(cached).toEqual(fresh)
    expect((await cacheCounts()).partial).toBeGreaterThan(grown.partial)
  })
})

describe('PromQL result cache turned off', () => {
  it('evaluates every request and reports no cache metrics', async () => {
    const tmp = await tempDir('outpost-promql-nocache-')
    const off = await startTestHub(tmp.dir, { promql: { resultCache: 0 } })
    try {
      await off.hub.store.ingest(makeBatch({ dev: 'pi-1', ep: 'e', seq: 1, samples: gauge(T0, T0 + HOUR, 15_000, () => 1) }))
      const params = new URLSearchParams({ query: 'count_over_time(temp_celsius[5m])', start: String(T0 / 1000), end: String((T0 + HOUR) / 1000), step: '60' })
      const ask = async () => (await off.get(`/prometheus/api/v1/query_range?${params}`)).body as any
      expect(await ask()).toEqual(await ask())
      expect((await off.get('/metrics')).body).not.toContain('outpost_hub_promql_cache')
    } finally {
      await off.stop()
      await tmp.cleanup()
    }
  })
})

describe('PromResultCache', () => {
  it('does not keep an answer when data under it changed while it was computed', () => {
    const cache = new PromResultCache({ maxBytes: 1 << 20, offsetMs: 0 })
    const entry = () => ({ start: 0, step: 1000, n: 10, series: [], byKey: new Map(), horizon: 9000, bytes: 0 })
    const fill = cache.begin()
    cache.changed(5000)
    cache.end(fill)
    cache.put('q', entry(), fill)
    expect(cache.get('q')).toBeUndefined()
    const later = cache.begin()
    cache.changed(10_000)
    cache.end(later)
    cache.put('q', entry(), later)
    expect(cache.get('q')).toBeDefined()
    cache.changed(9000)
    expect(cache.get('q')).toBeUndefined()
    expect(cache.stats().invalidations).toBe(1)
  })

  it('stays within its memory bound, oldest-used entries going first', () => {
    const cache = new PromResultCache({ maxBytes: 5000, offsetMs: 0 })
    const text = { key: 'k', labels: {}, metric: Buffer.from('{}'), text: Buffer.alloc(1000, 0x20), starts: [0, 0] }
    for (const k of ['a', 'b', 'c', 'd', 'e']) cache.put(k, { start: 0, step: 1, n: 1, series: [{ ...text }], byKey: new Map(), horizon: 0, bytes: 0 }, cache.begin())
    const s = cache.stats()
    expect(s.bytes).toBeLessThanOrEqual(5000)
    expect(s.evictions).toBeGreaterThan(0)
    expect(cache.get('e')).toBeDefined()
    expect(cache.get('a')).toBeUndefined()
  })
})
