import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { idHex } from '../../../hub/metrics/store/keys.js'
import { api, TestDevice } from '../../helpers/alerts.js'
import { startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'

const GONE = 'purge-me-7'
const KEPT = ['keep-a', 'keep-b']
const HOUR = 3_600_000

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** One batch of every kind: gauges now and 5 h ago (those compact into chunks and rollups), a log, a span, health. */
async function sendAll(d: TestDevice, n: number): Promise<void> {
  const now = Date.now()
  const traceId = randomBytes(16).toString('hex')
  // A batch of its own: a head row is compacted once all its samples are in a closed window.
  await d.send({ metrics: [{ name: 'pump_pressure_bars', labels: { pump: 'p1' }, ts: now - 5 * HOUR + n * 1000, value: n }] })
  await d.send({
    metrics: [
      { name: 'pump_pressure_bars', labels: { pump: 'p1' }, ts: now, value: 100 + n },
      { name: `only_${d.id.replace(/-/g, '_')}`, ts: now, value: n },
    ],
    logs: [{ ts: now, level: 'error', message: `valve ${n} stuck on ${d.id}`, component: 'valve' }],
    spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name: 'pump.cycle', service: 'pumpd', start: now - 20, end: now, status: 'error' }],
    health: [{ check: 'api', kind: 'http', status: 'unhealthy', ts: now, message: 'down' }],
  })
}

/** A series id is the whole key of m-series, the first part of chunk and rollup keys, the last of postings. */
function seriesIdOf(k: string): string | undefined {
  const m = /^!m-(series|chunk|rollup|post)!(.*)$/s.exec(k)
  if (!m) return undefined
  const parts = m[2].split('\x00')
  return m[1] === 'post' ? parts.at(-1) : parts[0]
}

/** Every key of the hub's database (all sublevels), as stored. */
async function allKeys(h: TestHub): Promise<string[]> {
  return h.hub.db.keys({ keyEncoding: 'utf8' }).all()
}

async function counts(h: TestHub, device: string) {
  const q = await h.get(`/v1/metrics/query?name=pump_pressure_bars&device=${device}&from=-6h&agg=count&step=7h`)
  const samples = q.body.series.reduce((n: number, s: any) => n + s.points.reduce((m: number, p: number[]) => m + p[1], 0), 0)
  const logs = (await h.get(`/v1/logs?device=${device}&from=-6h&limit=1000`)).body.logs.length
  const health = (await h.get(`/v1/health/history?device=${device}&from=-6h&limit=1000`)).body
  return { samples, logs, health: health.history.length }
}

describe('DELETE /v1/devices/{id}?purge=true', () => {
  it('leaves no key holding the device id or its series; other devices are untouched, also while they send', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const h = await startTestHub(t.dir, { alerts: { evalInterval: 200 }, anomaly: { detect: ['pump_*'] } })
    cleanups.push(() => h.stop())
    const admin = api(h.apiUrl)
    expect((await admin.post('/v1/devices', { id: GONE })).status).toBe(201)
    expect((await admin.post('/v1/rules', { id: 'pressure-high', kind: 'threshold', metric: 'pump_pressure_bars', op: '>', threshold: 50, window: '1m' })).status).toBe(201)
    const gone = await TestDevice.connect(h.mqttUrl, GONE)
    const kept = await Promise.all(KEPT.map((id) => TestDevice.connect(h.mqttUrl, id)))
    cleanups.push(async () => {
      for (const d of [gone, ...kept]) await d.close().catch(() => {})
    })
    for (let n = 0; n < 20; n++) for (const d of [gone, ...kept]) await sendAll(d, n)
    await waitFor(async () => (await counts(h, KEPT[1])).samples === 40 && (await counts(h, GONE)).samples === 40, 20_000, 'all batches stored')
    await waitFor(async () => (await h.get(`/v1/alerts?device=${GONE}`)).body.alerts.length > 0, 20_000, 'an alert of the device')
    // Old windows go to chunks and rollups; the current one stays in the head.
    await h.hub.store.compact(Date.now())
    expect(h.hub.store.stats().chunkRows).toBeGreaterThan(0)
    const goneSeries = (await h.hub.store.series({ labels: { device: GONE } })).map((s) => idHex(s.id))
    expect(goneSeries.length).toBe(2)
    const before = await Promise.all(KEPT.map((id) => counts(h, id)))
    // Anomaly detection scores the pump series: its state and scores are stored under keys naming the device.
    await waitFor(async () => h.hub.anomaly.size === 3, 20_000, 'three pump series scored')
    await h.hub.anomaly.checkpoint()
    const keysBefore = await allKeys(h)
    expect(keysBefore.filter((k) => k.startsWith('!anomaly-state!') && k.includes(GONE))).toHaveLength(1)
    expect(keysBefore.some((k) => k.includes(GONE))).toBe(true)
    // The check below would see them: series rows, postings and chunk rows (rollups need more samples) of the device's series.
    expect(new Set(keysBefore.filter((k) => goneSeries.includes(seriesIdOf(k) ?? '')).map((k) => k.split('!')[1]))).toEqual(new Set(['m-series', 'm-post', 'm-chunk']))

    // Purge while keep-b goes on sending 30 more batches.
    let sending = true
    let sent = 0
    const streaming = (async () => {
      while (sending || sent < 30) {
        await sendAll(kept[1], 100 + sent)
        sent++
        if (sent >= 30) break
      }
    })()
    const res = await fetch(`${h.apiUrl}/v1/devices/${GONE}?purge=true`, { method: 'DELETE', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })
    sending = false
    expect(res.status).toBe(200)
    const { purged } = await res.json()
    expect(purged).toMatchObject({ series: 2, logs: 20, spans: 20, anomalySeries: 1, credentials: true, wasConnected: true })
    expect(purged.chunkRows + purged.headRows).toBeGreaterThan(0)
    expect(purged.alerts).toBeGreaterThan(0)
    await streaming

    const keys = await allKeys(h)
    const offending = keys.filter((k) => k.includes(GONE) || goneSeries.includes(seriesIdOf(k) ?? ''))
    expect(offending).toEqual([])
    // Other devices: what was there is all there, and what they sent during the purge arrived.
    const after = await counts(h, KEPT[0])
    expect(after).toEqual(before[0])
    await waitFor(async () => (await counts(h, KEPT[1])).samples === before[1].samples + 60, 20_000, 'keep-b batches sent during the purge')
    const b = await counts(h, KEPT[1])
    expect(b.logs).toBe(before[1].logs + 30)
    // The API knows nothing of the device; the purge is in the audit log, and the chain still verifies.
    expect((await h.get(`/v1/devices/${GONE}`)).status).toBe(404)
    expect((await h.get(`/v1/metrics/query?name=only_purge_me_7&from=-6h`)).body.series).toEqual([])
    const audit = (await h.get('/v1/audit?limit=1000')).body.entries
    expect(audit.find((e: any) => e.route === 'device.purged')).toMatchObject({ target: GONE, actor: 'admin' })
    expect((await h.get('/v1/audit/verify')).body.ok).toBe(true)
  }, 90_000)

  it('exports all of a device\'s data as NDJSON, and refuses a bad purge value', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const h = await startTestHub(t.dir)
    cleanups.push(() => h.stop())
    const d = await TestDevice.connect(h.mqttUrl, 'exp-1')
    cleanups.push(() => d.close())
    for (let n = 0; n < 3; n++) await sendAll(d, n)
    await waitFor(async () => (await counts(h, 'exp-1')).logs === 3, 20_000, 'stored')
    const res = await fetch(`${h.apiUrl}/v1/devices/exp-1/export`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })
    expect(res.headers.get('content-type')).toContain('application/x-ndjson')
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
    const byType = (type: string) => lines.filter((l) => l.type === type)
    expect(lines[0]).toMatchObject({ type: 'device', id: 'exp-1' })
    expect(byType('series').map((s) => s.name).sort()).toEqual(['only_exp_1', 'pump_pressure_bars'])
    expect(byType('series').find((s) => s.name === 'pump_pressure_bars').points).toHaveLength(6)
    expect(byType('log')).toHaveLength(3)
    expect(byType('span')).toHaveLength(3)
    expect(byType('health')).toHaveLength(3)
    const bad = await fetch(`${h.apiUrl}/v1/devices/exp-1?purge=yes`, { method: 'DELETE', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.message).toContain('purge')
  }, 90_000)
})
