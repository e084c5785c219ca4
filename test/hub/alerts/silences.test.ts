import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { api, mosquittoSub, newOperator, TestDevice, untilSubscribed } from '../../helpers/alerts.js'

const RULE = { id: 'pressure-high', kind: 'threshold', metric: 'pump_pressure_bars', agg: 'last', op: '>', threshold: 5, severity: 'high' }

describe('/v1/silences', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  let sub: ReturnType<typeof mosquittoSub>
  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { alerts: { evalInterval: 100 } })
    sub = mosquittoSub(hub.mqttUrl, await newOperator(hub.apiUrl))
    await untilSubscribed(sub)
  })
  afterEach(async () => {
    await sub.stop()
    await hub.stop()
    await dir.cleanup()
  })

  it('mute matching alerts until they expire, then notifications resume', async () => {
    const a = api(hub.apiUrl)
    await a.post('/v1/rules', RULE)
    const silence = await a.post('/v1/silences', { matchers: { device: 'pump-*', severity: 'high' }, reason: 'maintenance', duration: '5s' })
    expect(silence.status).toBe(201)
    expect(silence.body).toMatchObject({ author: 'admin', reason: 'maintenance', matchers: { device: 'pump-*' } })
    const expiresAt = silence.body.expiresAt

    const pump = await TestDevice.connect(hub.mqttUrl, 'pump-1')
    const other = await TestDevice.connect(hub.mqttUrl, 'fan-1')
    await pump.gauge('pump_pressure_bars', 9)
    await other.gauge('pump_pressure_bars', 9)
    // The unmatched device is told at once; the matched one is silenced.
    await waitFor(() => sub.alerts().find((m) => m.alert.device === 'fan-1'), 10_000, 'fan-1 firing')
    const silenced = await waitFor(async () => (await a.get('/v1/alerts?state=silenced')).body.alerts[0], 5_000, 'silenced status')
    expect(silenced).toMatchObject({ device: 'pump-1', silencedBy: [silence.body.id], notified: false })
    expect(sub.alerts().some((m) => m.alert.device === 'pump-1')).toBe(false)
    expect((await a.get('/v1/silences')).body.silences[0]).toMatchObject({ id: silence.body.id, active: true })

    const resumed = await waitFor(() => sub.alerts().find((m) => m.alert.device === 'pump-1'), 15_000, 'pump-1 after expiry')
    expect(resumed.at).toBeGreaterThanOrEqual(expiresAt)
    expect(resumed.alert).toMatchObject({ state: 'firing', value: 9 })
    expect((await a.get('/v1/silences')).body.silences[0].active).toBe(false)
    await pump.close()
    await other.close()
  })

  it('deleting a silence resumes notifications at once; bad silences name the field', async () => {
    const a = api(hub.apiUrl)
    await a.post('/v1/rules', RULE)
    const silence = await a.post('/v1/silences', { matchers: { rule: 'pressure-high' }, reason: 'noisy', duration: '1h' })
    const pump = await TestDevice.connect(hub.mqttUrl, 'pump-1')
    await pump.gauge('pump_pressure_bars', 9)
    await waitFor(async () => (await a.get('/v1/alerts?state=silenced')).body.alerts[0], 5_000, 'silenced')
    expect((await a.del(`/v1/silences/${silence.body.id}`)).status).toBe(204)
    await waitFor(() => sub.alerts().find((m) => m.alert.device === 'pump-1'), 5_000, 'notified after delete')

    for (const [body, field] of [
      [{ matchers: {}, reason: 'x', duration: '1h' }, 'matchers'],
      [{ matchers: { rule: 'r' }, duration: '1h' }, 'reason'],
      [{ matchers: { rule: 'r' }, reason: 'x' }, 'expiresAt'],
      [{ matchers: { rule: 'r' }, reason: 'x', duration: '1h', extra: 1 }, 'extra'],
    ] as const) {
      const res = await a.post('/v1/silences', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.field).toBe(field)
    }
    expect((await a.del('/v1/silences/s-nope')).status).toBe(404)
    await pump.close()
  })
})
