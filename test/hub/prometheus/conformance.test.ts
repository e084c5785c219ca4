// PromQL answers equal to Prometheus's: one dataset written to a real Prometheus 2.42 (remote write) and to the
// hub, then every query asked of both over HTTP and compared point by point (relative error <= 1e-9).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeBatch } from '../metrics/store/batches.js'
import { startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '../../helpers/hub.js'
import { startPrometheus, type TestPrometheus } from '../../helpers/prometheus.js'
import { tempDir } from '../../helpers/temp.js'
import { makeDataset, type DataSeries } from './dataset.js'
import { conformanceQueries, instantOnlyQueries } from './queries.js'
import { compareAnswers } from './compare.js'

const HOUR = 3_600_000
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR
const START = T0 + 30 * 60_000
const END = T0 + 3 * HOUR - 60_000
const T1 = (T0 + 2 * HOUR + 7 * 60_000) / 1000

let hub: TestHub
let prom: TestPrometheus
let cleanup: () => Promise<void>

async function writeBoth(data: DataSeries[]) {
  // The hub: one batch per device and 2,000 samples, as agents send them.
  for (const device of new Set(data.map((s) => s.device))) {
    const samples = data.filter((s) => s.device === device).flatMap((s) => s.ts.map((ts, k) => ({ name: s.name, type: s.type, labels: s.labels, ts, value: s.values[k] })))
    samples.sort((a, b) => a.ts - b.ts)
    for (let i = 0, seq = 1; i < samples.length; i += 2000, seq++) {
      await hub.hub.store.ingest(makeBatch({ dev: device, ep: 'conformance', seq, samples: samples.slice(i, i + 2000) }))
    }
  }
  // Prometheus: every series, in time order, 30 minutes per request.
  for (let from = T0; from < T0 + 4 * HOUR; from += 30 * 60_000) {
    const series = data
      .map((s) => ({
        labels: { __name__: s.name, device: s.device, ...s.labels },
        samples: s.ts.flatMap((ts, k) => (ts >= from && ts < from + 30 * 60_000 ? [{ timestamp: ts, value: s.values[k] }] : [])),
      }))
      .filter((s) => s.samples.length > 0)
    if (series.length > 0) await prom.write(series)
  }
}

async function ask(base: string, path: string, params: Record<string, string>, auth: boolean) {
  const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`, auth ? { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } } : {})
  const body = (await res.json()) as any
  return { status: res.status, body }
}

describe('PromQL conformance with Prometheus 2.42', () => {
  beforeAll(async () => {
    const tmp = await tempDir('outpost-promql-')
    cleanup = tmp.cleanup
    hub = await startTestHub(tmp.dir)
    prom = await startPrometheus(tmp.dir)
    await writeBoth(makeDataset(T0, 3))
  }, 120_000)

  afterAll(async () => {
    await prom?.stop()
    await hub?.stop()
    await cleanup?.()
  })

  const queries = conformanceQueries(T1)

  it(`asks at least 150 distinct queries`, () => {
    expect(new Set(queries).size).toBeGreaterThanOrEqual(150)
  })

  it('answers every range query as Prometheus does, point by point', async () => {
    const failures: string[] = []
    for (const query of queries) {
      for (const step of ['60', '137']) {
        const params = { query, start: String(START / 1000), end: String(END / 1000), step }
        const [ours, theirs] = await Promise.all([ask(`${hub.apiUrl}/prometheus`, '/api/v1/query_range', params, true), ask(prom.url, '/api/v1/query_range', params, false)])
        if (theirs.status !== 200) failures.push(`Prometheus refused ${query}: ${JSON.stringify(theirs.body)}`)
        if (ours.status !== 200) {
          failures.push(`${query} [step ${step}]: ${ours.status} ${JSON.stringify(ours.body)}`)
          continue
        }
        for (const p of compareAnswers(ours.body.data, theirs.body.data)) failures.push(`${query} [step ${step}]: ${p}`)
      }
    }
    expect(failures).toEqual([])
  }, 300_000)

  it('answers every range query again from the result cache, still as Prometheus does', async () => {
    // Every query twice on one step grid: the first ask fills the cache, the second (a later start, the same grid)
    // is answered from it; both compared with Prometheus's answer to the same request.
    const failures: string[] = []
    const hits = async () => Number(/^outpost_hub_promql_cache_hits_total (\S+)$/m.exec((await hub.get('/metrics')).body as string)?.[1])
    const before = await hits()
    let asked = 0
    for (const query of queries) {
      // Queries with `@` are never cached (their steps depend on the request's start and end).
      if (!query.includes('@')) asked++
      for (const start of [START - 17 * 60_000, START]) {
        const params = { query, start: String(start / 1000), end: String(END / 1000), step: '60' }
        const [ours, theirs] = await Promise.all([ask(`${hub.apiUrl}/prometheus`, '/api/v1/query_range', params, true), ask(prom.url, '/api/v1/query_range', params, false)])
        if (ours.status !== 200 || theirs.status !== 200) {
          failures.push(`${query} from ${start}: ${ours.status} vs ${theirs.status}`)
          continue
        }
        for (const p of compareAnswers(ours.body.data, theirs.body.data)) failures.push(`${query} from ${start} (cache): ${p}`)
      }
    }
    expect(failures).toEqual([])
    expect((await hits()) - before).toBeGreaterThanOrEqual(asked)
  }, 300_000)

  it('answers instant queries as Prometheus does, range vectors and sort order included', async () => {
    const failures: string[] = []
    const times = [END / 1000, T1 + 0.5, (T0 + 90 * 60_000) / 1000]
    for (const query of [...queries, ...instantOnlyQueries(T1)]) {
      for (const time of times) {
        const params = { query, time: String(time) }
        const [ours, theirs] = await Promise.all([ask(`${hub.apiUrl}/prometheus`, '/api/v1/query', params, true), ask(prom.url, '/api/v1/query', params, false)])
        if (theirs.status !== 200) failures.push(`Prometheus refused ${query}: ${JSON.stringify(theirs.body)}`)
        if (ours.status !== 200) {
          failures.push(`${query} @${time}: ${ours.status} ${JSON.stringify(ours.body)}`)
          continue
        }
        const ordered = /^sort(_desc)?\(/.test(query)
        for (const p of compareAnswers(ours.body.data, theirs.body.data, ordered)) failures.push(`${query} @${time}: ${p}`)
      }
    }
    expect(failures).toEqual([])
  }, 300_000)

  it('refuses what Prometheus refuses, with the same status and error type', async () => {
    const failures: string[] = []
    const bad = ['sum(temp_celsius', 'rate(temp_celsius)', 'nope(temp_celsius)', '1 > 2', 'temp_celsius{a=~"("}', 'label_join(queue_depth, "device", "")',
      'temp_celsius + on(zone) temp_celsius', 'sum(temp_celsius[5m])', 'temp_celsius offset 5m offset 1m', 'quantile_over_time(temp_celsius[5m])', '{device=~".*"}']
    for (const query of bad) {
      const params = { query, time: String(END / 1000) }
      const [ours, theirs] = await Promise.all([ask(`${hub.apiUrl}/prometheus`, '/api/v1/query', params, true), ask(prom.url, '/api/v1/query', params, false)])
      if (ours.status !== theirs.status || ours.body.errorType !== theirs.body.errorType) {
        failures.push(`${query}: ${ours.status} ${JSON.stringify(ours.body)} vs ${theirs.status} ${JSON.stringify(theirs.body)}`)
      }
    }
    expect(failures).toEqual([])
  })
})
