// Application metrics through the real path: agent.accept → buffer → MQTT → hub ingest → LevelDB → HTTP query.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Agent } from '../../agent/agent.js'
import type { Labels, MetricType } from '../../protocol/batch.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { makeTestAgent } from '../helpers/agent.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir, waitFor } from '../helpers/temp.js'

const SECOND = 1000
const MINUTE = 60_000
const DAY = 86_400_000
const BOUNDS = ['0.1', '0.25', '0.5', '1', '+Inf']

describe('application metrics on the hub (histograms, summaries, counters, retention)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  let agent: Agent
  // A 2-minute boundary about ten minutes ago: the query buckets below start at T and T + 1m (or T with step=2m).
  const T = Math.floor((Date.now() - 10 * MINUTE) / (2 * MINUTE)) * 2 * MINUTE
  const range = `from=${T}&to=${T + 2 * MINUTE - 1}`

  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
    agent = makeTestAgent(dir.dir, hub.mqttUrl)
    await agent.start()
  })
  afterEach(async () => {
    await agent.stop()
    await hub.stop()
    await dir.cleanup()
  })

  /** Sends samples through the agent and waits until the hub answers `probe` with data. */
  async function send(build: (b: MetricsBuilder) => void, probe: string): Promise<void> {
    const builder = new MetricsBuilder()
    build(builder)
    await agent.accept({ m: builder.build() })
    await waitFor(async () => (await hub.get(probe)).body.series?.length > 0, 10_000, probe)
  }

  /** A histogram `latency_seconds` observed at `times` (ms after T): cumulative bucket counts, sum and count. */
  function addHistogram(b: MetricsBuilder, labels: Labels, times: number[], buckets: number[][], sums: number[]) {
    const series = (name: string, extra: Labels = {}) => ({ name, type: 'histogram' as MetricType, labels: { ...labels, ...extra } })
    times.forEach((offset, k) => {
      BOUNDS.forEach((le, i) => b.add(series('latency_seconds_bucket', { le }), T + offset, buckets[k][i]))
      b.add(series('latency_seconds_sum'), T + offset, sums[k])
      b.add(series('latency_seconds_count'), T + offset, buckets[k][BOUNDS.length - 1])
    })
  }

  it('computes histogram percentiles from bucket increases, across a process restart', async () => {
    // Bucket T: 100 observations (10 ≤ 0.1, 20 ≤ 0.25, 40 ≤ 0.5, 28 ≤ 1, 2 above). At T+70s the app restarted
    // (counters reset), and bucket T+1m saw 0, 10, 10, 6, 0 observations per bucket: cumulative 0 10 20 26 26.
    await send(
      (b) =>
        addHistogram(
          b,
          { route: '/api' },
          [0, 30 * SECOND, 70 * SECOND, 100 * SECOND],
          [[0, 0, 0, 0, 0], [10, 30, 70, 98, 100], [0, 0, 4, 6, 6], [0, 10, 20, 26, 26]],
          [0, 42.5, 2, 9],
        ),
      `/v1/metrics/query?name=latency_seconds_count&${range}&agg=last`,
    )
    const p50 = await hub.get(`/v1/metrics/query?name=latency_seconds&${range}&step=1m&agg=p50`)
    expect(p50.status).toBe(200)
    // p50 of bucket T: rank 50 in (0.25, 0.5] holding 40, 20 in: 0.375. Bucket T+1m: rank 13 in (0.25, 0.5]
    // holding 10, 3 in: 0.325.
    expect(p50.body.series).toEqual([{ labels: { device: 'dev-1', route: '/api' }, points: [[T, 0.375], [T + MINUTE, 0.325]] }])
    const p95 = await hub.get(`/v1/metrics/query?name=latency_seconds&${range}&step=1m&agg=p95`)
    // Bucket T: rank 95 in (0.5, 1] holding 28, 25 in. Bucket T+1m: rank 24.7 in (0.5, 1] holding 6, 4.7 in.
    expect(p95.body.series[0].points[0]).toEqual([T, expect.closeTo(0.5 + 0.5 * (25 / 28), 12)])
    expect(p95.body.series[0].points[1]).toEqual([T + MINUTE, expect.closeTo(0.5 + 0.5 * (4.7 / 6), 12)])

    // groupBy works on the histogram's labels (le is never an output label).
    const grouped = await hub.get(`/v1/metrics/query?name=latency_seconds&${range}&step=2m&agg=p99&groupBy=device`)
    // One 2-minute bucket: increases 10 40 90 124 126; rank 124.74 lands in +Inf: the highest finite bound.
    expect(grouped.body.series).toEqual([{ labels: { device: 'dev-1' }, points: [[T, 1]] }])

    // The parts stay plain series: rate of the count across the reset is (100 + 6 + 20) / 120 s.
    const rate = await hub.get(`/v1/metrics/query?name=latency_seconds_count&${range}&step=2m&agg=rate`)
    expect(rate.body.series[0].points).toEqual([[T, 126 / 120]])
    const bucket = await hub.get(`/v1/metrics/query?name=latency_seconds_bucket&label.le=%2BInf&${range}&step=2m&agg=max`)
    expect(bucket.body.series).toEqual([{ labels: { device: 'dev-1', le: '+Inf', route: '/api' }, points: [[T, 100]] }])

    // Other aggs on the base name are refused with a way forward.
    const avg = await hub.get(`/v1/metrics/query?name=latency_seconds&${range}&agg=avg`)
    expect(avg.status).toBe(400)
    expect(avg.body.error.message).toMatch(/latency_seconds is a histogram.*latency_seconds_bucket/)

    // Stats: count and sum from _count and _sum increases over the range, percentiles from the buckets.
    const stats = await hub.get(`/v1/metrics/stats?name=latency_seconds&${range}`)
    expect(stats.body).toMatchObject({ type: 'histogram', count: 126, sum: 51.5, mean: 51.5 / 126, min: null, max: null, p99: 1 })
    // Increases over the range 10 40 90 124 126: p50's rank 63 lies in (0.25, 0.5] holding 50, 23 in.
    expect(stats.body.p50).toBeCloseTo(0.25 + 0.25 * (23 / 50), 12)
  })

  it('answers a percentile of a summary with its own quantile series', async () => {
    const series = (name: string, labels: Labels) => ({ name, type: 'summary' as MetricType, labels: { job: 'rpc', ...labels } })
    await send((b) => {
      for (const [offset, scale] of [[10 * SECOND, 1], [40 * SECOND, 2], [70 * SECOND, 3]]) {
        b.add(series('rpc_seconds', { quantile: '0.5' }), T + offset, 0.1 * scale)
        b.add(series('rpc_seconds', { quantile: '0.95' }), T + offset, 0.4 * scale)
        b.add(series('rpc_seconds_sum', {}), T + offset, 10 * scale)
        b.add(series('rpc_seconds_count', {}), T + offset, 50 * scale)
      }
    }, `/v1/metrics/query?name=rpc_seconds_count&${range}&agg=last`)

    const p95 = await hub.get(`/v1/metrics/query?name=rpc_seconds&${range}&step=1m&agg=p95`)
    expect(p95.body.series).toEqual([{ labels: { device: 'dev-1', job: 'rpc' }, points: [[T, expect.closeTo(0.6, 12)], [T + MINUTE, expect.closeTo(1.2, 12)]] }])
    const p99 = await hub.get(`/v1/metrics/query?name=rpc_seconds&${range}&agg=p99`)
    expect(p99.status).toBe(400)
    expect(p99.body.error).toMatchObject({ code: 'bad_parameter' })
    expect(p99.body.error.message).toMatch(/no quantile="0\.99".*0\.5, 0\.95/)

    const stats = await hub.get(`/v1/metrics/stats?name=rpc_seconds&${range}`)
    expect(stats.body).toMatchObject({ type: 'summary', count: 100, sum: 20, mean: 0.2, min: null, max: null, p99: null })
    expect(stats.body.p50).toBeCloseTo(0.2, 12)
    expect(stats.body.p95).toBeCloseTo(0.8, 12)
  })

  it('rates a counter across a reset, and takes gauge percentiles from raw samples', async () => {
    const counter = { name: 'jobs_total', type: 'counter' as MetricType, labels: {} }
    const gauge = { name: 'queue_depth', type: 'gauge' as MetricType, labels: {} }
    await send((b) => {
      // 100 → 130 → 160, restart, 12 → 42: increases 30 + 30 + 12 + 30 = 102 over two minutes.
      ;[[0, 100], [30, 130], [60, 160], [75, 12], [105, 42]].forEach(([s, v]) => b.add(counter, T + s * SECOND, v))
      ;[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].forEach((v, k) => b.add(gauge, T + k * 10 * SECOND, v))
    }, `/v1/metrics/query?name=queue_depth&${range}`)

    const rate = await hub.get(`/v1/metrics/query?name=jobs_total&${range}&step=1m&agg=rate`)
    expect(rate.body.series[0].points).toEqual([[T, 30 / 60], [T + MINUTE, (30 + 12 + 30) / 60]])
    const p90 = await hub.get(`/v1/metrics/query?name=queue_depth&${range}&step=1m&agg=p90`)
    // Bucket T holds 1..6: rank 4.5 → 5.5; bucket T+1m holds 7..10: rank 2.7 → 9.7.
    expect(p90.body.series[0].points).toEqual([[T, 5.5], [T + MINUTE, expect.closeTo(9.7, 12)]])
    const stats = await hub.get(`/v1/metrics/stats?name=queue_depth&${range}`)
    expect(stats.body).toMatchObject({ count: 10, sum: 55, min: 1, max: 10, p50: 5.5 })
    expect(stats.body.type).toBeUndefined()
  })
})

describe("the hub's periodic metric retention", () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  let agent: Agent
  let clockShift = 0

  beforeEach(async () => {
    dir = await tempDir()
    clockShift = 0
    hub = await startTestHub(dir.dir, { compactInterval: 50, retention: { metrics: 25 * DAY }, now: () => Date.now() + clockShift })
    agent = makeTestAgent(dir.dir, hub.mqttUrl)
    await agent.start()
  })
  afterEach(async () => {
    await agent.stop()
    await hub.stop()
    await dir.cleanup()
  })

  it('drops chunk windows older than retention.metrics and keeps recent data', async () => {
    const now = Date.now()
    const old = Math.floor((now - 20 * DAY) / MINUTE) * MINUTE
    const recent = Math.floor((now - 10 * MINUTE) / MINUTE) * MINUTE
    const series = { name: 'temp_celsius', type: 'gauge' as MetricType, labels: {} }
    const builder = new MetricsBuilder()
    builder.add(series, old, 20)
    builder.add(series, old + MINUTE, 21)
    await agent.accept({ m: builder.build() })
    builder.add(series, recent, 30)
    await agent.accept({ m: builder.build() })
    const query = (from: number, to: number) => hub.get(`/v1/metrics/query?name=temp_celsius&from=${from}&to=${to}&step=1m&agg=count`)

    // 20 days old is within 25 days: kept (and compacted into chunks by the same periodic pass).
    await waitFor(async () => (await query(recent, recent)).body.series.length === 1, 10_000, 'recent sample')
    expect((await query(old, old + MINUTE)).body.series[0].points).toEqual([[old, 1], [old + MINUTE, 1]])
    await waitFor(() => hub.hub.store.stats().chunkRows > 0, 10_000, 'old samples compacted')

    // Ten days later the old window is past retention; the recent one is not.
    clockShift = 10 * DAY
    await waitFor(async () => (await query(old - DAY, old + DAY)).body.series.length === 0, 10_000, 'old window pruned')
    expect((await query(recent, recent)).body.series[0].points).toEqual([[recent, 1]])
    const stats = await hub.get(`/v1/metrics/stats?name=temp_celsius&from=${old - DAY}&to=${recent}`)
    expect(stats.body).toMatchObject({ count: 1, sum: 30 })
  })
})
