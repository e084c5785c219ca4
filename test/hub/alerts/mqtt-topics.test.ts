import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { api, mosquittoSub, newOperator, TestDevice, untilSubscribed } from '../../helpers/alerts.js'

const TOPIC = 'outpost/v1/alerts/high/pump-1/pressure-high'

describe('alert topics seen by a real mosquitto_sub (DESIGN §3, §10)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  let device: TestDevice
  let sub: ReturnType<typeof mosquittoSub>

  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { alerts: { evalInterval: 100 } })
    device = await TestDevice.connect(hub.mqttUrl, 'pump-1')
    sub = mosquittoSub(hub.mqttUrl, await newOperator(hub.apiUrl))
    await untilSubscribed(sub)
  })
  afterEach(async () => {
    await sub.stop()
    await device.close()
    await hub.stop()
    await dir.cleanup()
  })

  it('firing arrives once after `for`, resolved once after the clear condition, and the retained topic is cleared', async () => {
    const rule = {
      id: 'pressure-high', kind: 'threshold', metric: 'pump_pressure_bars', agg: 'last', window: '10s', op: '>', threshold: 5,
      for: '1s', severity: 'high', annotations: { summary: 'pressure on {{device}} is {{value}} bar' },
    }
    expect((await api(hub.apiUrl).post('/v1/rules', rule)).status).toBe(201)

    await device.gauge('pump_pressure_bars', 3)
    const crossedAt = Date.now()
    // The crossing value keeps coming; the alert must wait out `for`.
    const firing = await waitFor(async () => {
      await device.gauge('pump_pressure_bars', 6.5)
      await new Promise((r) => setTimeout(r, 100))
      return sub.alerts().find((m) => m.alert.state === 'firing')
    }, 15_000, 'firing alert')
    expect(firing.at - crossedAt).toBeGreaterThanOrEqual(1000)
    expect(firing.topic).toBe(TOPIC)
    expect(firing.alert).toMatchObject({
      rule: 'pressure-high', device: 'pump-1', severity: 'high', state: 'firing', value: 6.5, endsAt: null,
      annotations: { summary: 'pressure on pump-1 is 6.5 bar' }, labels: { device: 'pump-1', rule: 'pressure-high', severity: 'high' },
    })
    // DESIGN §10's fields, plus `notification` (issue 11: the id a subscriber drops a repeat by).
    expect(Object.keys(firing.alert).sort()).toEqual(['annotations', 'device', 'endsAt', 'id', 'labels', 'notification', 'rule', 'severity', 'startsAt', 'state', 'value'])

    for (let i = 0; i < 5; i++) await device.gauge('pump_pressure_bars', 7)
    await device.gauge('pump_pressure_bars', 4)
    const resolved = await waitFor(() => sub.alerts().find((m) => m.alert.state === 'resolved'), 10_000, 'resolved alert')
    expect(resolved.retained).toBe(false)
    expect(resolved.alert).toMatchObject({ id: firing.alert.id, state: 'resolved', value: 4 })
    expect(resolved.alert.endsAt).toBeGreaterThanOrEqual(resolved.alert.startsAt)
    // The empty retained payload that clears the topic follows.
    await waitFor(() => sub.messages.some((m) => m.topic === TOPIC && m.payload === ''), 5_000, 'cleared retained topic')

    await new Promise((r) => setTimeout(r, 500))
    const alerts = sub.alerts().filter((m) => m.topic === TOPIC)
    expect(alerts.map((m) => m.alert.state)).toEqual(['firing', 'resolved'])

    // A subscriber arriving now finds nothing retained.
    const late = mosquittoSub(hub.mqttUrl, await newOperator(hub.apiUrl))
    await untilSubscribed(late)
    expect(late.alerts()).toEqual([])
    await late.stop()

    const listed = await api(hub.apiUrl).get('/v1/alerts?rule=pressure-high')
    expect(listed.body.alerts).toHaveLength(1)
    expect(listed.body.alerts[0]).toMatchObject({ state: 'resolved', status: 'resolved', notified: true })
  })

  it('while firing, the alert is retained: a subscriber arriving later gets it', async () => {
    await api(hub.apiUrl).post('/v1/rules', { id: 'pressure-high', kind: 'threshold', metric: 'pump_pressure_bars', agg: 'last', op: '>', threshold: 5, severity: 'high' })
    await device.gauge('pump_pressure_bars', 9)
    await waitFor(() => sub.alerts().find((m) => m.alert.state === 'firing'), 10_000, 'firing')
    const late = mosquittoSub(hub.mqttUrl, await newOperator(hub.apiUrl))
    try {
      const retained = await waitFor(() => late.alerts().find((m) => m.retained), 10_000, 'retained alert')
      expect(retained.alert).toMatchObject({ rule: 'pressure-high', state: 'firing', value: 9 })
    } finally {
      await late.stop()
    }
  })

  it('hysteresis: a value oscillating around the threshold inside the clear band gives one alert', async () => {
    await api(hub.apiUrl).post('/v1/rules', {
      id: 'pressure-high', kind: 'threshold', metric: 'pump_pressure_bars', agg: 'last', op: '>', threshold: 5, clearThreshold: 4, severity: 'high',
    })
    for (let i = 0; i < 20; i++) {
      await device.gauge('pump_pressure_bars', i % 2 === 0 ? 5.5 : 4.5)
      await new Promise((r) => setTimeout(r, 30))
    }
    await device.gauge('pump_pressure_bars', 3.5)
    await waitFor(() => sub.alerts().find((m) => m.alert.state === 'resolved'), 10_000, 'resolved')
    await new Promise((r) => setTimeout(r, 300))
    expect(sub.alerts().map((m) => m.alert.state)).toEqual(['firing', 'resolved'])
    const history = await api(hub.apiUrl).get('/v1/alerts?rule=pressure-high')
    expect(history.body.alerts).toHaveLength(1)
  })
})
