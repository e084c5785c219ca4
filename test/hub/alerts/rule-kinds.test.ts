import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { spawnOutpost } from '../../helpers/processes.js'
import { api, TestDevice } from '../../helpers/alerts.js'

// Each rule kind fires and resolves, driven by real ingest: CBOR batches over MQTT into a real hub (issue 6).
describe('rule kinds fire and resolve on real ingest', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  let device: TestDevice

  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { alerts: { evalInterval: 100, startupGrace: 0 } })
    device = await TestDevice.connect(hub.mqttUrl, 'edge-1')
  })
  afterEach(async () => {
    await device.close()
    await hub.stop()
    await dir.cleanup()
  })

  const rule = async (r: Record<string, unknown>) => {
    const res = await api(hub.apiUrl).post('/v1/rules', { severity: 'medium', ...r })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
  }
  const alertOf = async (id: string, state: string) =>
    waitFor(async () => (await api(hub.apiUrl).get(`/v1/alerts?rule=${id}&state=${state}`)).body.alerts[0], 15_000, `${id} ${state}`)

  it('threshold: avg over the window of matching series, per device', async () => {
    await rule({ id: 'cpu-hot', kind: 'threshold', metric: 'cpu_ratio', match: { cpu: 'total' }, agg: 'avg', window: '5s', op: '>', threshold: 0.8 })
    const now = Date.now()
    // The other cpu label is high but not matched; the matched series' average crosses only with the third sample.
    await device.send({ metrics: [{ name: 'cpu_ratio', labels: { cpu: 'total' }, value: 0.5, ts: now - 300 }, { name: 'cpu_ratio', labels: { cpu: '0' }, value: 1, ts: now - 300 }] })
    await device.send({ metrics: [{ name: 'cpu_ratio', labels: { cpu: 'total' }, value: 0.9, ts: now - 200 }] })
    await new Promise((r) => setTimeout(r, 300))
    expect((await api(hub.apiUrl).get('/v1/alerts?rule=cpu-hot')).body.alerts).toEqual([])
    await device.send({ metrics: [{ name: 'cpu_ratio', labels: { cpu: 'total' }, value: 1.6, ts: now - 100 }] })
    const firing = await alertOf('cpu-hot', 'firing')
    expect(firing).toMatchObject({ device: 'edge-1', value: 1, labels: { device: 'edge-1' } })
    await device.send({ metrics: [{ name: 'cpu_ratio', labels: { cpu: 'total' }, value: 0, ts: now }, { name: 'cpu_ratio', labels: { cpu: 'total' }, value: 0, ts: now + 1 }] })
    expect(await alertOf('cpu-hot', 'resolved')).toMatchObject({ id: firing.id })
  })

  it('threshold with groupBy: one alert per label set across devices', async () => {
    await rule({ id: 'site-hot', kind: 'threshold', metric: 'temp_celsius', agg: 'max', window: '10s', op: '>', threshold: 40, groupBy: ['site'] })
    const other = await TestDevice.connect(hub.mqttUrl, 'edge-2')
    try {
      await device.send({ metrics: [{ name: 'temp_celsius', labels: { site: 'north' }, value: 45 }, { name: 'temp_celsius', labels: { site: 'south' }, value: 20 }] })
      await other.send({ metrics: [{ name: 'temp_celsius', labels: { site: 'north' }, value: 50 }] })
      const firing = await alertOf('site-hot', 'firing')
      expect(firing).toMatchObject({ device: '_all', labels: { site: 'north', rule: 'site-hot' } })
      await new Promise((r) => setTimeout(r, 300))
      const all = (await api(hub.apiUrl).get('/v1/alerts?rule=site-hot')).body.alerts
      expect(all).toHaveLength(1)
      expect(all[0].value).toBe(50)
    } finally {
      await other.close()
    }
  })

  it('absent: no sample for the window fires; a sample resolves', async () => {
    await rule({ id: 'heartbeat-missing', kind: 'absent', metric: 'heartbeat', window: '700ms' })
    await device.gauge('heartbeat', 1)
    const firing = await alertOf('heartbeat-missing', 'firing')
    expect(firing.device).toBe('edge-1')
    await device.gauge('heartbeat', 1)
    expect(await alertOf('heartbeat-missing', 'resolved')).toMatchObject({ id: firing.id })
  })

  it('health: a check in a given status fires, healthy again resolves', async () => {
    await rule({ id: 'api-down', kind: 'health', check: 'api', status: ['unhealthy', 'degraded'], annotations: { summary: '{{device}} api is {{value}}' } })
    await device.send({ health: [{ check: 'api', kind: 'http', status: 'healthy', ts: Date.now() }] })
    await device.send({ health: [{ check: 'api', kind: 'http', status: 'unhealthy', ts: Date.now(), message: '503' }] })
    const firing = await alertOf('api-down', 'firing')
    expect(firing).toMatchObject({ value: 'unhealthy', annotations: { summary: 'edge-1 api is unhealthy' } })
    await device.send({ health: [{ check: 'api', kind: 'http', status: 'healthy', ts: Date.now() }] })
    expect(await alertOf('api-down', 'resolved')).toMatchObject({ id: firing.id })
  })

  it('log_rate: matching logs counted over the window fire; the count decays and resolves', async () => {
    await rule({ id: 'db-timeouts', kind: 'log_rate', level: 'warning', component: 'db', text: 'TIMEOUT', window: '3s', op: '>=', threshold: 3 })
    const log = (level: 'info' | 'error', message: string, component = 'db') => ({ ts: Date.now(), level, message, component })
    // Wrong level, wrong component and wrong text do not count.
    await device.send({ logs: [log('error', 'query timeout'), log('info', 'query timeout'), log('error', 'query timeout', 'web'), log('error', 'deadlock')] })
    await device.send({ logs: [log('error', 'query timeout')] })
    await new Promise((r) => setTimeout(r, 200))
    expect((await api(hub.apiUrl).get('/v1/alerts?rule=db-timeouts')).body.alerts).toEqual([])
    await device.send({ logs: [log('error', 'another Timeout')] })
    const firing = await alertOf('db-timeouts', 'firing')
    expect(firing.value).toBe(3)
    expect(await alertOf('db-timeouts', 'resolved')).toMatchObject({ id: firing.id })
  })

  it('trace: p95 latency of an operation over the window fires; fast spans resolve it', async () => {
    await rule({ id: 'checkout-slow', kind: 'trace', service: 'shop', operation: 'checkout', stat: 'p95', window: '1s', op: '>', threshold: 200 })
    const span = (ms: number, i: number, name = 'checkout') => {
      const end = Date.now()
      return { traceId: 't'.repeat(31) + i.toString(16), spanId: 's'.repeat(15) + i.toString(16), name, service: 'shop', start: end - ms, end, status: 'ok' as const }
    }
    await device.send({ spans: [span(500, 1, 'search'), span(50, 2), span(60, 3)] })
    await device.send({ spans: [span(400, 4), span(450, 5)] })
    const firing = await alertOf('checkout-slow', 'firing')
    expect(firing.value).toBeGreaterThan(200)
    await new Promise((r) => setTimeout(r, 1100))
    await device.send({ spans: [span(20, 6), span(30, 7)] })
    expect(await alertOf('checkout-slow', 'resolved')).toMatchObject({ id: firing.id })
  })

  it('trace: error rate of an operation', async () => {
    await rule({ id: 'checkout-errors', kind: 'trace', operation: 'checkout', stat: 'error_rate', window: '1s', op: '>', threshold: 0.4 })
    const span = (status: 'ok' | 'error', i: number) => {
      const end = Date.now()
      return { traceId: 'a'.repeat(31) + i.toString(16), spanId: 'b'.repeat(15) + i.toString(16), name: 'checkout', start: end - 5, end, status }
    }
    await device.send({ spans: [span('ok', 1), span('error', 2), span('error', 3)] })
    const firing = await alertOf('checkout-errors', 'firing')
    expect(firing.value).toBeCloseTo(2 / 3)
    // With no spans in the window nothing is failing.
    expect(await alertOf('checkout-errors', 'resolved')).toMatchObject({ id: firing.id })
  })

  it('offline: killing a real agent process fires through its MQTT will; its restart resolves', async () => {
    await rule({ id: 'agent-offline', kind: 'offline', device: 'edge-*', for: '300ms', severity: 'critical' })
    const args = ['agent', '--hub', hub.mqttUrl, '--id', 'edge-agent', '--interval', '1s', '--listen', '127.0.0.1:0', '--data', join(dir.dir, 'agent')]
    const agent = spawnOutpost(args)
    try {
      await waitFor(async () => (await hub.get('/v1/devices/edge-agent')).body.online, 20_000, 'agent online')
      expect((await api(hub.apiUrl).get('/v1/alerts?rule=agent-offline')).body.alerts).toEqual([])
      agent.child.kill('SIGKILL')
      await agent.exited
      const firing = await alertOf('agent-offline', 'firing')
      expect(firing).toMatchObject({ device: 'edge-agent', value: 'offline', severity: 'critical' })
      expect(firing.startsAt - firing.activeAt).toBe(300)
    } finally {
      await agent.stop('SIGKILL')
    }
    const again = spawnOutpost(args)
    try {
      const resolved = await alertOf('agent-offline', 'resolved')
      expect(resolved.device).toBe('edge-agent')
    } finally {
      await again.stop()
    }
  })
})
