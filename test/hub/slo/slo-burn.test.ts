import { afterEach, describe, expect, it } from 'vitest'
import { startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '../../helpers/hub.js'
import { tempDir } from '../../helpers/temp.js'
import { makeBatch, type TestSample } from '../metrics/store/batches.js'

const MIN = 60_000
const HOUR = 60 * MIN
const T0 = Date.UTC(2026, 0, 10)
const T1 = T0 + 3 * 24 * HOUR
const END = T1 + 2 * HOUR

/**
 * Synthetic counters, one sample a minute from T0: 1,000 requests a minute, of which errors are 1 a minute (phase A,
 * T0..T1: error ratio 0.001, burn rate 1 at objective 0.999), 20 a minute (phase B, T1..T1+1h: burn rate 20), then 1
 * again (phase C).
 */
function errorsPerMinuteEnding(t: number): number {
  return t > T1 && t <= T1 + HOUR ? 20 : 1
}

function counterSamples(device: string, perMinute: number, errors: (t: number) => number): TestSample[] {
  const out: TestSample[] = []
  let ok = 0
  let err = 0
  for (let t = T0; t <= END; t += MIN) {
    if (t > T0) {
      const e = errors(t)
      err += e
      ok += perMinute - e
    }
    out.push({ name: 'http_requests_total', type: 'counter', labels: { status: 'ok' }, ts: t, value: ok })
    out.push({ name: 'http_requests_total', type: 'counter', labels: { status: 'error' }, ts: t, value: err })
  }
  return out
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function hubAt(): Promise<{ h: TestHub; clock: { now: number } }> {
  const t = await tempDir()
  cleanups.push(t.cleanup)
  const clock = { now: T1 + HOUR }
  // tickMs large: the test runs the alert pass itself at the times it sets.
  const h = await startTestHub(t.dir, { now: () => clock.now, alerts: { evalInterval: 3_600_000 } })
  cleanups.push(() => h.stop())
  const samples = counterSamples('api-1', 1000, errorsPerMinuteEnding)
  for (let i = 0, seq = 1; i < samples.length; i += 2000) await h.hub.store.ingest(makeBatch({ dev: 'api-1', ep: 'e', seq: seq++, samples: samples.slice(i, i + 2000) }))
  // A quiet service: 1 request a minute, every one failing (burn 1000) — below the minimum-events guard.
  const quiet: TestSample[] = []
  for (let t = T0, n = 0; t <= END; t += MIN, n++) quiet.push({ name: 'quiet_requests_total', type: 'counter', labels: {}, ts: t, value: n }, { name: 'quiet_errors_total', type: 'counter', labels: {}, ts: t, value: n })
  for (let i = 0, seq = 1; i < quiet.length; i += 2000) await h.hub.store.ingest(makeBatch({ dev: 'quiet-1', ep: 'e', seq: seq++, samples: quiet.slice(i, i + 2000) }))
  return { h, clock }
}

function call(h: TestHub, method: string, path: string, body?: unknown) {
  return fetch(h.apiUrl + path, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: r.status === 204 ? null : await r.json() }))
}

const API_SLO = {
  id: 'api-availability',
  indicator: { kind: 'ratio', bad: { metric: 'http_requests_total', match: { status: 'error' } }, total: { metric: 'http_requests_total' } },
  window: { rolling: '30d' },
  objective: 0.999,
}

async function firing(h: TestHub, rule: string): Promise<boolean> {
  const r = await call(h, 'GET', `/v1/alerts?rule=${rule}`)
  return r.body.alerts.some((a: any) => a.state === 'firing')
}

describe('SLOs: ratio indicator, budget and burn rates', () => {
  it('serves the exact SLI, error budget remaining and burn rates of known error ratios', async () => {
    const { h } = await hubAt()
    expect((await call(h, 'POST', '/v1/slos', API_SLO)).status).toBe(201)
    const { body } = await call(h, 'GET', '/v1/slos/api-availability')
    // Intervals ending in (T0, T1+1h]: 4,320 of phase A (1 error each), 60 of phase B (20 errors each).
    const total = (3 * 1440 + 60) * 1000
    const bad = 3 * 1440 * 1 + 60 * 20
    expect(body.status.total).toBe(total)
    expect(body.status.good).toBe(total - bad)
    expect(body.status.sli).toBe((total - bad) / total)
    expect(body.status.errorBudgetRemaining).toBe(1 - bad / total / (1 - 0.999))
    expect(body.status.met).toBe(false)
    const b = body.status.burnRates
    expect(b['5m']).toBeCloseTo(20, 9)
    expect(b['1h']).toBeCloseTo(20, 9)
    expect(b['30m']).toBeCloseTo(20, 9)
    expect(b['6h']).toBeCloseTo((300 + 1200) / 360_000 / 0.001, 9)
    expect(b['3d']).toBeCloseTo((4260 + 1200) / 4_320_000 / 0.001, 9)
    expect(body.status.window).toEqual({ from: T1 + HOUR - 30 * 24 * HOUR, to: T1 + HOUR })
  }, 90_000)

  it('takes calendar windows, and refuses bad SLOs naming the field', async () => {
    const { h } = await hubAt()
    const r = await call(h, 'POST', '/v1/slos', { ...API_SLO, id: 'cal', window: { calendar: 'month' } })
    expect(r.status).toBe(201)
    const { body } = await call(h, 'GET', '/v1/slos/cal')
    expect(body.status.window.from).toBe(Date.UTC(2026, 0, 1))
    const bad = await call(h, 'POST', '/v1/slos', { ...API_SLO, id: 'x', objective: 1.5 })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatchObject({ field: 'objective' })
    const bad2 = await call(h, 'POST', '/v1/slos', { ...API_SLO, id: 'y', indicator: { kind: 'ratio', total: { metric: 'a' } } })
    expect(bad2.body.error.field).toBe('indicator.good')
    const bad3 = await call(h, 'POST', '/v1/slos', { ...API_SLO, id: 'z', windw: {} })
    expect(bad3.body.error.field).toBe('windw')
    expect((await call(h, 'POST', '/v1/slos', { ...API_SLO, id: 'cal' })).status).toBe(409)
    expect((await call(h, 'PUT', '/v1/slos/nope', API_SLO)).status).toBe(404)
  }, 90_000)
})

describe('SLOs: threshold indicator', () => {
  it('counts the time slices meeting the condition', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const start = Date.UTC(2026, 0, 20, 12)
    const h = await startTestHub(t.dir, { now: () => start + HOUR, alerts: { evalInterval: 3_600_000 } })
    cleanups.push(() => h.stop())
    // One p95 latency sample per minute; 6 of the 60 minutes are slower than 250 ms.
    const samples: TestSample[] = Array.from({ length: 60 }, (_, k) => ({ name: 'api_latency_p95_seconds', labels: {}, ts: start + k * MIN + 30_000, value: k % 10 === 3 ? 0.4 : 0.12 }))
    await h.hub.store.ingest(makeBatch({ dev: 'api-1', ep: 'e', seq: 1, samples }))
    const slo = { id: 'latency', indicator: { kind: 'threshold', metric: 'api_latency_p95_seconds', agg: 'max', slice: '1m', op: '<=', value: 0.25 }, window: { rolling: '1h' }, objective: 0.95 }
    expect((await call(h, 'POST', '/v1/slos', slo)).status).toBe(201)
    const { status } = (await call(h, 'GET', '/v1/slos/latency')).body
    expect(status).toMatchObject({ good: 54, total: 60, sli: 54 / 60, met: false })
    expect(status.errorBudgetRemaining).toBeCloseTo(1 - 6 / 60 / 0.05, 12)
    // The last 5 slices: minutes 55–59, of which 0 is slow (k % 10 === 3 → 53).
    expect(status.burnRates['5m']).toBe(0)
  })
})

describe('SLOs: slo_burn alerts (SRE workbook multi-window, multi-burn-rate)', () => {
  it('pages only while both windows burn above 14.4, and resolves when the short window cools', async () => {
    const { h, clock } = await hubAt()
    clock.now = T1
    expect((await call(h, 'POST', '/v1/slos', { ...API_SLO, alerting: { evalInterval: '1s' } })).status).toBe(201)
    const rules = (await call(h, 'GET', '/v1/rules')).body.rules.filter((r: any) => r.kind === 'slo_burn')
    expect(rules.map((r: any) => r.id)).toEqual(['slo.api-availability.page', 'slo.api-availability.ticket'])
    expect((await call(h, 'DELETE', '/v1/rules/slo.api-availability.page')).status).toBe(409)
    const engine = h.hub.alertEngine!
    const at = async (t: number) => {
      clock.now = t
      await engine.tick()
      await engine.tick() // pending → firing (for: 0) on the next pass
    }
    await at(T1)
    expect(await firing(h, 'slo.api-availability.page')).toBe(false)
    // T1+30m: 5m burns at 20 but 1h only at (30 + 600)/60,000/0.001 = 10.5: no page.
    await at(T1 + 30 * MIN)
    expect(await firing(h, 'slo.api-availability.page')).toBe(false)
    // T1+44m: 1h at (16 + 880)/60 = 14.93 ≥ 14.4 and 5m at 20: page.
    await at(T1 + 44 * MIN)
    expect(await firing(h, 'slo.api-availability.page')).toBe(true)
    const alert = (await call(h, 'GET', '/v1/alerts?rule=slo.api-availability.page')).body.alerts[0]
    expect(alert).toMatchObject({ severity: 'critical', labels: { slo: 'api-availability' } })
    expect(alert.value).toBeCloseTo(14.933, 3)
    // T1+66m: 5m back at 1 (phase C); the 6h & 30m pair: 6h at (294 + 1200 + 6)/360 = 4.17 < 6. Resolved.
    await at(T1 + 66 * MIN)
    expect(await firing(h, 'slo.api-availability.page')).toBe(false)
    const resolved = (await call(h, 'GET', '/v1/alerts?rule=slo.api-availability.page')).body.alerts[0]
    expect(resolved.state).toBe('resolved')
    // The ticket (3d & 6h at 1) burns on: 3d at (4,260 + 1,200 + 6 − …)/… > 1.
    expect(await firing(h, 'slo.api-availability.ticket')).toBe(true)
  }, 90_000)

  it('stays quiet under the minimum-events guard however fast a quiet service burns', async () => {
    const { h, clock } = await hubAt()
    const quiet = {
      id: 'quiet',
      indicator: { kind: 'ratio', bad: { metric: 'quiet_errors_total' }, total: { metric: 'quiet_requests_total' } },
      objective: 0.99,
      alerting: { minEvents: 1000, evalInterval: '1s' },
    }
    expect((await call(h, 'POST', '/v1/slos', quiet)).status).toBe(201)
    expect((await call(h, 'GET', '/v1/slos/quiet')).body.status.burnRates['1h']).toBeCloseTo(100, 9)
    await h.hub.alertEngine!.tick()
    await h.hub.alertEngine!.tick()
    expect(await firing(h, 'slo.quiet.page')).toBe(false)
    // Same SLO without the guard pages.
    expect((await call(h, 'PUT', '/v1/slos/quiet', { ...quiet, alerting: { minEvents: 0, evalInterval: '1s' } })).status).toBe(200)
    clock.now += 1000
    await h.hub.alertEngine!.tick()
    await h.hub.alertEngine!.tick()
    expect(await firing(h, 'slo.quiet.page')).toBe(true)
    // Deleting the SLO removes its rules and resolves their alerts.
    expect((await call(h, 'DELETE', '/v1/slos/quiet')).status).toBe(204)
    expect((await call(h, 'GET', '/v1/rules/slo.quiet.page')).status).toBe(404)
    expect(await firing(h, 'slo.quiet.page')).toBe(false)
  }, 90_000)
})
