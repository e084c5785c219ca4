import { join } from 'node:path'
import { existsSync, statSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeStatus } from '../../../protocol/codec.js'
import { topics } from '../../../protocol/topics.js'
import { parseReportCsv } from '../../../hub/reports/csv.js'
import { api, TestDevice } from '../../helpers/alerts.js'
import { startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { makeBatch } from '../metrics/store/batches.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 2, 2, 8, 0, 0)

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/**
 * A known hour: dev-a (site north) is offline 10–30 min, its offline alert acknowledged at 15 min; dev-b (site south)
 * is offline 40–50 min, never acknowledged. Births and wills go over MQTT like an agent's; the hub's clock is the test's.
 */
async function scenario(): Promise<{ h: TestHub; dir: string }> {
  const t = await tempDir()
  cleanups.push(t.cleanup)
  const clock = { now: T0 - MIN }
  const h = await startTestHub(t.dir, { now: () => clock.now, alerts: { evalInterval: 3_600_000, startupGrace: 0 } })
  cleanups.push(() => h.stop())
  const admin = api(h.apiUrl)
  expect((await admin.post('/v1/rules', { id: 'dev-offline', kind: 'offline', severity: 'high' })).status).toBe(201)
  // Data volume: 30 samples and 4 error logs of dev-a, 12 samples of dev-b in the hour; 5 samples of dev-a before it.
  const a = Array.from({ length: 35 }, (_, k) => ({ name: 'tank_level_ratio', labels: { site: 'north' }, ts: T0 - 5 * MIN + k * MIN + 1, value: k }))
  const b = Array.from({ length: 12 }, (_, k) => ({ name: 'tank_level_ratio', labels: { site: 'south' }, ts: T0 + k * 5 * MIN + 2, value: k }))
  const logs = [0, 1, 2, 3].map((k) => ({ ts: T0 + (k + 1) * MIN, level: 'error' as const, message: `pump ${k} failed to prime`, component: 'pump' }))
  await h.hub.store.ingest({ ...makeBatch({ dev: 'dev-a', ep: 'e', seq: 1, samples: a }), l: logs })
  await h.hub.store.ingest(makeBatch({ dev: 'dev-b', ep: 'e', seq: 1, samples: b }))
  const devices = { a: await TestDevice.connect(h.mqttUrl, 'dev-a'), b: await TestDevice.connect(h.mqttUrl, 'dev-b') }
  cleanups.push(async () => {
    await devices.a.close()
    await devices.b.close()
  })
  const engine = h.hub.alertEngine!
  const status = async (d: TestDevice, online: boolean, at: number) => {
    clock.now = at
    await d.client.publishAsync(topics.status(d.id), Buffer.from(encodeStatus({ state: online ? 'online' : 'offline' })), { qos: 1, retain: true })
    await waitFor(() => h.hub.devices.get(d.id)?.online === online, 10_000, `${d.id} ${online ? 'online' : 'offline'}`)
    await engine.idle()
    await engine.tick()
  }
  await status(devices.a, true, T0)
  await status(devices.b, true, T0)
  await status(devices.a, false, T0 + 10 * MIN)
  const alertA = (await admin.get('/v1/alerts?device=dev-a')).body.alerts[0]
  expect(alertA.state).toBe('firing')
  clock.now = T0 + 15 * MIN
  expect((await admin.post(`/v1/alerts/${alertA.id}/ack`)).status).toBe(200)
  await status(devices.a, true, T0 + 30 * MIN)
  await status(devices.b, false, T0 + 40 * MIN)
  await status(devices.b, true, T0 + 50 * MIN)
  clock.now = T0 + 70 * MIN
  return { h, dir: t.dir }
}

async function fetchReport(h: TestHub, format: string): Promise<Response> {
  return fetch(`${h.apiUrl}/v1/reports/fleet?from=${T0}&to=${T0 + 60 * MIN}&format=${format}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })
}

describe('GET /v1/reports/fleet', () => {
  it('reports the known outages, alerts and acknowledgements exactly, in JSON and CSV alike', async () => {
    const { h } = await scenario()
    const r = await (await fetchReport(h, 'json')).json()
    expect(r.devices).toEqual([
      { device: 'dev-a', site: 'north', onlineMs: 40 * MIN, observedMs: 60 * MIN, availability: 40 / 60, samples: 30, logs: 4 },
      { device: 'dev-b', site: 'south', onlineMs: 50 * MIN, observedMs: 60 * MIN, availability: 50 / 60, samples: 12, logs: 0 },
    ])
    expect(r.sites).toEqual([
      { site: 'north', devices: 1, onlineMs: 40 * MIN, observedMs: 60 * MIN, availability: 40 / 60 },
      { site: 'south', devices: 1, onlineMs: 50 * MIN, observedMs: 60 * MIN, availability: 50 / 60 },
    ])
    expect(r.alerts).toEqual({ fired: 2, byRule: [{ rule: 'dev-offline', count: 2 }], bySeverity: { low: 0, medium: 0, high: 2, critical: 0 } })
    expect(r.incidents).toMatchObject({ count: 2, acknowledged: 1, resolved: 2, mttaMs: 5 * MIN, mttrMs: 15 * MIN })
    expect(r.incidents.list.map((i: any) => [i.startsAt, i.acknowledgedAt, i.endsAt, i.ttaMs, i.ttrMs])).toEqual([
      [T0 + 10 * MIN, T0 + 15 * MIN, T0 + 30 * MIN, 5 * MIN, 20 * MIN],
      [T0 + 40 * MIN, null, T0 + 50 * MIN, null, 10 * MIN],
    ])
    expect(r.errors).toEqual([expect.objectContaining({ count: 4, devices: 1, level: 'error' })])
    expect(r.volume).toEqual({ samples: 42, logs: 4 })

    const csv = parseReportCsv(await (await fetchReport(h, 'csv')).text())
    expect(csv.devices).toEqual(r.devices.map((d: any) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, String(v)]))))
    expect(csv.sites.map((s) => Number(s.availability))).toEqual(r.sites.map((s: any) => s.availability))
    expect(csv['alerts by rule']).toEqual([{ rule: 'dev-offline', count: '2' }])
    expect(csv['alerts by severity'].find((s) => s.severity === 'high')).toEqual({ severity: 'high', count: '2' })
    expect(csv.incidents).toEqual([{ count: '2', acknowledged: '1', resolved: '2', mttaMs: String(5 * MIN), mttrMs: String(15 * MIN) }])
    expect(csv['incident list'].map((i) => i.ttrMs)).toEqual([String(20 * MIN), String(10 * MIN)])
    expect(csv['top errors'][0]).toMatchObject({ count: '4', pattern: r.errors[0].pattern })
    expect(csv.volume).toEqual([{ samples: '42', logs: '4' }])
  }, 90_000)

  it('refuses bad parameters naming them', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const h = await startTestHub(t.dir)
    cleanups.push(() => h.stop())
    for (const [q, name] of [['format=pdf', 'format'], ['from=yesterday', 'from'], ['color=red', 'color'], ['from=2&to=1', 'from']]) {
      const res = await h.get(`/v1/reports/fleet?${q}`)
      expect(res.status).toBe(400)
      expect(res.body.error.message).toContain(name)
    }
  })

  it('renders a self-contained HTML report that Chromium opens without errors', async () => {
    const { h, dir } = await scenario()
    const res = await fetchReport(h, 'html')
    expect(res.headers.get('content-type')).toContain('text/html')
    const html = await res.text()
    expect(html).not.toMatch(/<script|src=|href=|@import|url\(/i)
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
    cleanups.push(() => browser.close())
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('request', (req) => {
      if (!req.url().startsWith('data:') && req.url() !== 'about:blank') problems.push(`request: ${req.url()}`)
    })
    await page.setContent(html, { waitUntil: 'load' })
    expect(await page.locator('svg').count()).toBe(2)
    expect(await page.locator('svg rect').count()).toBe(2 + 4)
    expect(await page.locator('h1').textContent()).toBe('Fleet report')
    expect(await page.locator('table').first().textContent()).toContain('66.667 %')
    const shot = join(dir, 'fleet-report.png')
    await page.screenshot({ path: shot, fullPage: true })
    await page.pdf({ path: join(dir, 'fleet-report.pdf') }).catch(() => {}) // printable: headless Chromium prints it
    expect(existsSync(shot) && statSync(shot).size).toBeGreaterThan(10_000)
    expect(problems).toEqual([])
  }, 90_000)
})
