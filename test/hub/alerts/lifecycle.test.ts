import mqtt, { type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import type { HubOptions } from '../../../hub/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { api, newOperator, TestDevice } from '../../helpers/alerts.js'
import { startReceiver } from '../../helpers/webhook-receiver.js'

const RULE = { id: 'pressure-high', kind: 'threshold', metric: 'pump_pressure_bars', agg: 'last', op: '>', threshold: 5, severity: 'high' }

describe('alert lifecycle: ack, resolve, repeat, incidents, replay', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  let ops: MqttClient
  const seen: Array<{ topic: string; state: string; device: string; at: number }> = []
  const closers: Array<() => Promise<unknown>> = []

  async function start(options: Partial<HubOptions> = {}) {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { ...options, alerts: { evalInterval: 100, ...options.alerts } })
    seen.length = 0
    const operator = await newOperator(hub.apiUrl)
    ops = await mqtt.connectAsync(hub.mqttUrl, { clientId: operator.name, username: operator.name, password: operator.token, reconnectPeriod: 0 })
    ops.on('message', (topic, payload) => {
      if (payload.length > 0) seen.push({ topic, ...JSON.parse(payload.toString()), at: Date.now() })
    })
    await ops.subscribeAsync('outpost/v1/alerts/#', { qos: 1 })
    return api(hub.apiUrl)
  }
  async function device(id: string) {
    const d = await TestDevice.connect(hub.mqttUrl, id)
    closers.push(() => d.close())
    return d
  }
  afterEach(async () => {
    for (const c of closers.splice(0)) await c()
    await ops.endAsync()
    await hub.stop()
    await dir.cleanup()
  })

  it('repeatInterval re-sends a firing alert until someone acknowledges it; resolve by hand sends resolved', async () => {
    const a = await start()
    await a.post('/v1/rules', { ...RULE, repeatInterval: '400ms' })
    await (await device('pump-1')).gauge('pump_pressure_bars', 9)
    await waitFor(() => seen.filter((m) => m.state === 'firing').length >= 2, 10_000, 'a repeat')
    const [alert] = (await a.get('/v1/alerts?state=firing')).body.alerts
    const acked = await a.post(`/v1/alerts/${alert.id}/ack`)
    expect(acked.status).toBe(200)
    expect(acked.body).toMatchObject({ status: 'acknowledged', acknowledged: { by: 'admin' } })
    // A repeat sent just before the ack may still be on its way.
    await new Promise((r) => setTimeout(r, 300))
    const count = seen.length
    await new Promise((r) => setTimeout(r, 1_000))
    expect(seen.length).toBe(count)

    const resolved = await a.post(`/v1/alerts/${alert.id}/resolve`)
    expect(resolved.body).toMatchObject({ state: 'resolved', resolvedBy: 'admin' })
    await waitFor(() => seen.find((m) => m.state === 'resolved'), 5_000, 'resolved message')
    expect((await a.post(`/v1/alerts/${alert.id}/ack`)).status).toBe(409)
    expect((await a.post('/v1/alerts/a-nope/resolve')).status).toBe(404)
    const history = (await a.get(`/v1/alerts/${alert.id}`)).body.history.map((e: { to: string; by?: string }) => e.to + (e.by ? `:${e.by}` : ''))
    expect(history).toEqual(['pending', 'firing', 'notified', 'notified', ...history.slice(4, -2), 'acknowledged:admin', 'resolved:admin'])
  })

  it('alerts of one rule across devices within groupWait form one incident, notified together', async () => {
    const receiver = await startReceiver()
    closers.push(receiver.close)
    const a = await start({ notifiers: [{ kind: 'webhook', url: receiver.url }] })
    await a.post('/v1/rules', { ...RULE, groupWait: '2s' })
    const started = Date.now()
    await (await device('pump-1')).gauge('pump_pressure_bars', 9)
    await new Promise((r) => setTimeout(r, 200))
    await (await device('pump-2')).gauge('pump_pressure_bars', 8)
    await waitFor(() => receiver.accepted.length > 0, 10_000, 'grouped post')
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000)
    expect(receiver.accepted).toHaveLength(1)
    expect(receiver.accepted[0].alerts.map((m: { device: string }) => m.device).sort()).toEqual(['pump-1', 'pump-2'])
    const incidents = (await a.get('/v1/incidents')).body.incidents
    expect(incidents).toHaveLength(1)
    expect(incidents[0]).toMatchObject({ id: receiver.accepted[0].incident, rule: 'pressure-high', state: 'open' })
    expect(incidents[0].alerts).toHaveLength(2)
    await (await device('pump-1')).gauge('pump_pressure_bars', 1)
    await (await device('pump-2')).gauge('pump_pressure_bars', 1)
    await waitFor(async () => (await a.get('/v1/incidents')).body.incidents[0].state === 'resolved', 10_000, 'incident resolved')
    expect((await a.get('/v1/incidents?state=open')).body.incidents).toEqual([])
    expect((await a.get('/v1/incidents?state=resolved&rule=pressure-high')).body.incidents).toHaveLength(1)
    expect((await a.get('/v1/incidents?state=closed')).status).toBe(400)
  })

  it('replayed old data updates state, but a condition that already ended is not announced', async () => {
    const a = await start()
    await a.post('/v1/rules', RULE)
    const pump = await device('pump-1')
    const old = Date.now() - 15 * 60_000
    // Backlog from an outage: crossed and cleared 15 minutes ago.
    await pump.send({ metrics: [{ name: 'pump_pressure_bars', value: 9, ts: old }, { name: 'pump_pressure_bars', value: 1, ts: old + 60_000 }] })
    const recorded = await waitFor(async () => (await a.get('/v1/alerts?state=resolved')).body.alerts[0], 5_000, 'replayed alert recorded')
    expect(recorded).toMatchObject({ startsAt: old, endsAt: old + 60_000, notified: false })
    // Backlog still crossing, then live data: the live evidence announces it, once.
    await pump.send({ metrics: [{ name: 'pump_pressure_bars', value: 9, ts: old + 120_000 }] })
    await new Promise((r) => setTimeout(r, 400))
    expect(seen).toEqual([])
    await pump.gauge('pump_pressure_bars', 9.5)
    await waitFor(() => seen.length > 0, 5_000, 'live firing')
    expect(seen.map((m) => m.state)).toEqual(['firing'])
  })

  it('filters /v1/alerts by state, device and severity; a bad filter is a 400', async () => {
    const a = await start()
    await a.post('/v1/rules', RULE)
    await a.post('/v1/rules', { ...RULE, id: 'pressure-low', op: '<', threshold: 1, severity: 'low' })
    await (await device('pump-1')).gauge('pump_pressure_bars', 9)
    await (await device('pump-2')).gauge('pump_pressure_bars', 0.5)
    await waitFor(async () => (await a.get('/v1/alerts?state=firing')).body.alerts.length === 2, 10_000, 'two firing')
    expect((await a.get('/v1/alerts?device=pump-2')).body.alerts.map((x: { rule: string }) => x.rule)).toEqual(['pressure-low'])
    expect((await a.get('/v1/alerts?severity=high')).body.alerts.map((x: { device: string }) => x.device)).toEqual(['pump-1'])
    expect((await a.get('/v1/alerts?state=resolved')).body.alerts).toEqual([])
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${hub.apiUrl}/metrics`)).text()
      return /outpost_hub_alert_notifications_total 2\n/.test(text) && text
    }, 5_000, 'alert metrics')
    expect(metrics).toContain('outpost_hub_alerts{state="firing"} 2')
    expect(metrics).toMatch(/outpost_hub_alert_notifications_total 2\n/)
    const bad = await a.get('/v1/alerts?state=burning')
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('state')
  })
})
