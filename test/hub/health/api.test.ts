import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import type { Agent } from '../../../agent/agent.js'
import { createHealthChecks } from '../../../agent/health/registry.js'
import { encodeBatch } from '../../../protocol/codec.js'
import { PROTOCOL_VERSION, type HealthResult } from '../../../protocol/batch.js'
import { topics } from '../../../protocol/topics.js'
import { makeTestAgent } from '../../helpers/agent.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { silent, tempDir, waitFor } from '../../helpers/temp.js'

/** A TCP listener that can be stopped and started again on the same port. */
class Target {
  private server?: Server
  private readonly sockets = new Set<Socket>()
  port = 0

  async start(): Promise<void> {
    const server = createServer((socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', () => resolve()))
    this.port = (server.address() as AddressInfo).port
    this.server = server
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
    this.server = undefined
  }
}

describe('health checks from the agent to GET /v1/health (real agent, aedes, LevelDB, HTTP)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  let agent: Agent | undefined
  const target = new Target()

  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
  })
  afterEach(async () => {
    await agent?.stop()
    agent = undefined
    await target.stop()
    await hub.stop()
    await dir.cleanup()
  })

  const checkStatus = async (device: string, check: string) => {
    const res = await hub.get(`/v1/health?device=${device}`)
    return res.body.devices?.[0]?.checks.find((c: { check: string }) => c.check === check)?.status as string | undefined
  }

  it('shows the status change as the target stops and starts, with a fleet summary and history', async () => {
    await target.start()
    const healthChecks = createHealthChecks([{ name: 'db-port', kind: 'tcp', port: target.port, interval: '200ms', timeout: '150ms' }], { log: silent })
    agent = makeTestAgent(dir.dir, hub.mqttUrl, { healthChecks })
    await agent.start()

    await waitFor(async () => (await checkStatus('dev-1', 'db-port')) === 'healthy', 10_000, 'healthy')
    await target.stop()
    // A probe in flight while the target stops sees its connection reset (ECONNRESET); the next one is refused.
    const refused = async () => (await hub.get('/v1/health?device=dev-1')).body.devices?.[0]?.checks[0]?.message?.includes('ECONNREFUSED') === true
    await waitFor(async () => (await checkStatus('dev-1', 'db-port')) === 'unhealthy' && (await refused()), 10_000, 'unhealthy, connection refused')
    const fleet = (await hub.get('/v1/health')).body
    expect(fleet.summary).toMatchObject({ devices: 1, checks: 1, statuses: { unhealthy: 1, healthy: 0 }, unhealthyDevices: ['dev-1'] })
    expect(fleet.devices[0]).toMatchObject({ device: 'dev-1', status: 'unhealthy', checks: [{ check: 'db-port', kind: 'tcp', message: expect.stringContaining('ECONNREFUSED') }] })

    await target.start()
    await waitFor(async () => (await checkStatus('dev-1', 'db-port')) === 'healthy', 10_000, 'healthy again')

    const history = await hub.get('/v1/health/history?device=dev-1&check=db-port&from=-5m&limit=1000')
    expect(history.status).toBe(200)
    const statuses: string[] = history.body.history.map((r: HealthResult) => r.status)
    const times: number[] = history.body.history.map((r: HealthResult) => r.ts)
    expect(times).toEqual([...times].sort((a, b) => b - a)) // newest first
    // Oldest to newest the statuses run healthy…, unhealthy…, healthy…
    const runs = statuses.reverse().filter((s, i, all) => i === 0 || all[i - 1] !== s)
    expect(runs).toEqual(['healthy', 'unhealthy', 'healthy'])
  })

  it('summarises a fleet: worst check per device, counts per status', async () => {
    const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'dev-a', username: 'dev-a', reconnectPeriod: 0 })
    const client2 = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'dev-b', username: 'dev-b', reconnectPeriod: 0 })
    try {
      const now = Date.now()
      const send = (c: mqtt.MqttClient, dev: string, h: HealthResult[]) =>
        c.publishAsync(topics.telemetry(dev), Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev, ep: 'e1', seq: 1, at: now, h })), { qos: 1 })
      await send(client, 'dev-a', [
        { check: 'web', kind: 'http', status: 'healthy', ts: now },
        { check: 'disk', kind: 'disk', status: 'degraded', ts: now },
      ])
      await send(client2, 'dev-b', [{ check: 'web', kind: 'http', status: 'unknown', ts: now }])
      const body = await waitFor(async () => {
        const res = await hub.get('/v1/health')
        return res.body.summary?.checks === 3 && res.body
      }, 10_000, 'three checks')
      expect(body.summary).toEqual({ devices: 2, checks: 3, statuses: { healthy: 1, degraded: 1, unhealthy: 0, unknown: 1 }, unhealthyDevices: [] })
      expect(body.devices.map((d: { device: string; status: string }) => [d.device, d.status])).toEqual([['dev-a', 'degraded'], ['dev-b', 'unknown']])
      expect((await hub.get('/v1/health?device=dev-b')).body.summary.devices).toBe(1)
      expect((await hub.get('/v1/health?device=nobody')).body).toMatchObject({ summary: { devices: 0, checks: 0 }, devices: [] })
    } finally {
      await client.endAsync()
      await client2.endAsync()
    }
  })

  it('refuses bad parameters with an error naming them', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['/v1/health?device=a/b', 'bad_parameter', /device/],
      ['/v1/health?colour=red', 'unknown_parameter', /"colour"/],
      ['/v1/health/history?limit=0', 'bad_parameter', /limit/],
      ['/v1/health/history?from=-1h&to=-2h', 'bad_parameter', /from/],
      ['/v1/health/history?from=yesterday', 'bad_parameter', /from/],
      ['/v1/health/history?check=a&check=b', 'bad_parameter', /given more than once/],
    ]
    for (const [path, code, message] of cases) {
      const res = await hub.get(path)
      expect(res.status, path).toBe(400)
      expect(res.body.error.code, path).toBe(code)
      expect(res.body.error.message, path).toMatch(message)
    }
    const unauthorised = await fetch(`${hub.apiUrl}/v1/health`)
    expect(unauthorised.status).toBe(401)
  })
})
