// Grafana's Prometheus data source against the hub, request by request as Grafana sends them: buildinfo,
// "Save & test" (POST 1+1), the metrics browser (label values of __name__, labels, series, metadata), a panel's
// query_range as a POST form with a step, basic auth with a token's name and secret. Then bad PromQL: 400
// bad_data naming the problem, and the hub still up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeBatch, type TestSample } from '../metrics/store/batches.js'
import { startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '../../helpers/hub.js'
import { tempDir } from '../../helpers/temp.js'
import { addToken } from '../../security/support.js'

const MINUTE = 60_000
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE

let hub: TestHub
let cleanup: () => Promise<void>
let viewerBasic: string

function form(params: Record<string, string>) {
  return new URLSearchParams(params).toString()
}

async function grafana(path: string, init: { method?: string; body?: string; auth?: string } = {}) {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (init.auth !== '') headers.authorization = init.auth ?? viewerBasic
  if (init.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
  const res = await fetch(`${hub.apiUrl}/prometheus${path}`, { method: init.method ?? 'GET', headers, body: init.body })
  return { status: res.status, body: (await res.json()) as any }
}

describe('Grafana Prometheus data source', () => {
  beforeAll(async () => {
    const tmp = await tempDir('outpost-grafana-')
    cleanup = tmp.cleanup
    hub = await startTestHub(tmp.dir)
    // Two devices, a counter that rises by 1 every 15 s and a gauge.
    for (const [seq, device] of ['pi-1', 'pi-2'].entries()) {
      const samples: TestSample[] = Array.from({ length: 240 }, (_, k): TestSample[] => [
        { name: 'requests_total', type: 'counter' as const, labels: { code: '200' }, ts: T0 + k * 15_000 + 500, value: 1000 + k },
        { name: 'temp_celsius', type: 'gauge' as const, labels: { sensor: 'cpu' }, ts: T0 + k * 15_000 + 700, value: 40 + seq },
      ]).flat()
      await hub.hub.store.ingest(makeBatch({ dev: device, ep: 'g', seq: 1, samples }))
    }
    const viewer = await addToken(hub, 'viewer', 'grafana')
    const dot = viewer.token.indexOf('.')
    viewerBasic = `Basic ${Buffer.from(`grafana:${viewer.token.slice(dot + 1)}`).toString('base64')}`
  }, 60_000)

  afterAll(async () => {
    await hub?.stop()
    await cleanup?.()
  })

  it('answers the data source settings page: buildinfo, then Save & test posting 1+1', async () => {
    const info = await grafana('/api/v1/status/buildinfo')
    expect(info.status).toBe(200)
    expect(info.body).toMatchObject({ status: 'success', data: { version: '2.42.0' } })
    const now = Math.floor(Date.now() / 1000)
    const test = await grafana('/api/v1/query', { method: 'POST', body: form({ query: '1+1', time: String(now) }) })
    expect(test.status).toBe(200)
    expect(test.body).toEqual({ status: 'success', data: { resultType: 'scalar', result: [now, '2'] } })
  })

  it('answers the metrics browser: metric names, labels, series and metadata in the time range', async () => {
    const range = { start: String(T0 / 1000), end: String((T0 + 60 * MINUTE) / 1000) }
    const names = await grafana(`/api/v1/label/__name__/values?${form(range)}`)
    expect(names.body).toEqual({ status: 'success', data: ['requests_total', 'temp_celsius'] })
    const labels = await grafana('/api/v1/labels', { method: 'POST', body: form(range) })
    expect(labels.body.data).toEqual(['__name__', 'code', 'device', 'sensor'])
    const devices = await grafana(`/api/v1/label/device/values?${form({ ...range, 'match[]': 'temp_celsius' })}`)
    expect(devices.body.data).toEqual(['pi-1', 'pi-2'])
    const series = await grafana(`/api/v1/series?${form({ 'match[]': 'temp_celsius{device="pi-2"}', ...range })}`)
    expect(series.body.data).toEqual([{ __name__: 'temp_celsius', device: 'pi-2', sensor: 'cpu' }])
    const metadata = await grafana('/api/v1/metadata')
    expect(metadata.body.data).toEqual({ requests_total: [{ type: 'counter', help: '', unit: '' }], temp_celsius: [{ type: 'gauge', help: '', unit: '' }] })
  })

  it('answers a panel: query_range as a POST form with a step, unknown parameters ignored', async () => {
    const start = (T0 + 10 * MINUTE) / 1000
    const end = (T0 + 20 * MINUTE) / 1000
    const res = await grafana('/api/v1/query_range', {
      method: 'POST',
      body: form({ query: 'sum by (device) (rate(requests_total[1m]))', start: String(start), end: String(end), step: '30', requestId: 'Q100', utcOffsetSec: '0' }),
    })
    expect(res.status).toBe(200)
    expect(res.body.data.resultType).toBe('matrix')
    expect(res.body.data.result.map((s: any) => s.metric)).toEqual([{ device: 'pi-1' }, { device: 'pi-2' }])
    for (const s of res.body.data.result) {
      expect(s.values.map((p: [number, string]) => p[0])).toEqual(Array.from({ length: 21 }, (_, k) => start + k * 30))
      // One increment per 15 s, extrapolated to the window's edges: exactly 1/15 per second.
      for (const [, v] of s.values) expect(Number(v)).toBeCloseTo(1 / 15, 12)
    }
    const gauge = await grafana(`/api/v1/query_range?${form({ query: 'temp_celsius', start: String(start), end: String(start + 60), step: '15s' })}`)
    expect(gauge.body.data.result[1]).toEqual({ metric: { __name__: 'temp_celsius', device: 'pi-2', sensor: 'cpu' }, values: [0, 15, 30, 45, 60].map((d) => [start + d, '41']) })
  })

  it('takes a bearer token or basic auth; refuses anything else with 401; reads are not audited', async () => {
    const q = `/api/v1/query?${form({ query: 'vector(1)' })}`
    expect((await grafana(q, { auth: '' })).status).toBe(401)
    expect((await grafana(q, { auth: `Basic ${Buffer.from('grafana:wrong').toString('base64')}` })).status).toBe(401)
    expect((await grafana(q, { auth: `Bearer ${TEST_ADMIN_TOKEN}` })).status).toBe(200)
    expect((await grafana(q, { auth: `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}` })).status).toBe(200)
    const refused = await grafana(q, { auth: '' })
    expect(refused.body).toMatchObject({ status: 'error', errorType: 'unauthorized' })
    const audit = await hub.hub.audit.query({ from: 0, to: Date.now() + 1000, limit: 1000 })
    expect(audit.filter((e) => e.route.startsWith('/prometheus'))).toEqual([])
  })

  it('answers bad PromQL with 400 bad_data naming the problem, and stays up', async () => {
    const bad: Array<[string, RegExp]> = [
      ['sum(temp_celsius', /parse error/],
      ['foo_bar(temp_celsius)', /unknown function with name "foo_bar"/],
      ['holt_winters(temp_celsius[5m], 0.5, 0.5)', /unknown function with name "holt_winters"/],
      ['predict_linear(temp_celsius[5m], 60)', /function "predict_linear" is not supported/],
      ['rate(temp_celsius)', /expected type range vector in call to function "rate", got instant vector/],
      ['sum(temp_celsius[5m])', /expected type instant vector in aggregation expression, got range vector/],
      ['1 > 2', /comparisons between scalars must use BOOL modifier/],
      ['{device=~".*"}', /vector selector must contain at least one non-empty matcher/],
      ['temp_celsius{a=~"("}', /invalid regular expression/],
      ['', /no expression found in input/],
    ]
    for (const [query, message] of bad) {
      const res = await grafana('/api/v1/query', { method: 'POST', body: form({ query }) })
      expect(res.status, query).toBe(400)
      expect(res.body.status).toBe('error')
      expect(res.body.errorType).toBe('bad_data')
      expect(res.body.error, query).toMatch(message)
      expect(res.body.error).toMatch(/^invalid parameter "query": /)
    }
    const tooMany = await grafana(`/api/v1/query_range?${form({ query: 'temp_celsius', start: '0', end: '11001', step: '1' })}`)
    expect(tooMany.status).toBe(400)
    expect(tooMany.body).toMatchObject({ status: 'error', errorType: 'bad_data' })
    expect(tooMany.body.error).toMatch(/exceeded maximum resolution of 11,000 points per timeseries/)
    const matrixRange = await grafana(`/api/v1/query_range?${form({ query: 'temp_celsius[5m]', start: '0', end: '100', step: '10' })}`)
    expect(matrixRange.status).toBe(400)
    expect(matrixRange.body.error).toMatch(/invalid expression type "range vector" for range query/)
    const badStep = await grafana(`/api/v1/query_range?${form({ query: '1', start: '0', end: '100', step: '0' })}`)
    expect(badStep.body.error).toMatch(/zero or negative query resolution step/)
    const health = await fetch(`${hub.apiUrl}/healthz`)
    expect(health.status).toBe(200)
    expect((await grafana('/api/v1/query', { method: 'POST', body: form({ query: '1+1' }) })).status).toBe(200)
  })
})
