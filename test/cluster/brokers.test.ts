import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mqtt, { type MqttClient } from 'mqtt'
import { topics } from '../../protocol/topics.js'
import { decodeStatus } from '../../protocol/codec.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { redisServer, type RedisServer } from '../helpers/redis.js'
import { closedWithin, connect } from '../security/support.js'
import { addDevice, addOperator, startAgent, startHub, type AgentProc, type HubProc } from './cluster-support.js'

// Two `outpost hub --cluster` processes on one real redis-server (docs/cluster.md): each ingests its own devices;
// commands, replies, revocations, alerts and retained messages cross from one hub to the other.
describe('hubs joined through Redis', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let redis: RedisServer
  let a: HubProc
  let b: HubProc
  let agentA: AgentProc
  let agentB: AgentProc
  const clients: MqttClient[] = []

  beforeAll(async () => {
    dir = await tempDir('outpost-cluster-')
    redis = await redisServer(dir.dir)
    ;[a, b] = await Promise.all([startHub(dir.dir, 'hub-a', ['--cluster', redis.url]), startHub(dir.dir, 'hub-b', ['--cluster', redis.url])])
    // Until the shared store (issue 16, item 1), each hub keeps its own credentials: a device is added on both.
    const tokenA = await addDevice(a, 'dev-a')
    await addDevice(b, 'dev-a')
    await addDevice(a, 'dev-b')
    const tokenB = await addDevice(b, 'dev-b')
    ;[agentA, agentB] = await Promise.all([startAgent(dir.dir, 'dev-a', a.mqtt, tokenA), startAgent(dir.dir, 'dev-b', b.mqtt, tokenB)])
    await waitFor(async () => (await agentA.metric('outpost_agent_batches_acked_total')) > 0 && (await agentB.metric('outpost_agent_batches_acked_total')) > 0, 60_000, 'first acks')
  }, 180_000)

  afterAll(async () => {
    for (const c of clients) c.end(true)
    await Promise.all([agentA?.proc.stop(), agentB?.proc.stop()])
    await Promise.all([a?.proc.stop(), b?.proc.stop()])
    await redis?.kill()
    await dir?.cleanup()
  }, 60_000)

  const operator = async (hub: HubProc, name: string) => {
    const token = await addOperator(hub, name)
    const client = await connect(hub.mqtt, { clientId: `${name}-1`, username: name, password: token })
    clients.push(client)
    return client
  }

  it('each hub ingests the devices connected to it', async () => {
    const a1 = (await a.call('GET', '/v1/metrics/series?name=system_cpu_usage_ratio')).body.series
    const b1 = (await b.call('GET', '/v1/metrics/series?name=system_cpu_usage_ratio')).body.series
    expect(a1.map((s: any) => s.labels.device)).toEqual(['dev-a'])
    expect(b1.map((s: any) => s.labels.device)).toEqual(['dev-b'])
  })

  it("a command sent through hub B's API reaches the device on hub A, and its reply comes back to B", async () => {
    const r = await b.call('POST', '/v1/devices/dev-a/commands', { name: 'ping', timeout: 20_000 })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ device: 'dev-a', name: 'ping', state: 'ok' })
  }, 30_000)

  it("a configuration put on hub B reaches the device on hub A (retained on its cmd topic) and B sees it applied", async () => {
    const put = await b.call('PUT', '/v1/devices/dev-a/config', { config: { interval: '2s' } })
    expect(put.status).toBe(200)
    const version = put.body.desired.version
    const applied = await waitFor(async () => {
      const r = (await b.call('GET', '/v1/devices/dev-a/config')).body
      return r.applied?.version === version && r
    }, 30_000, 'config applied as seen from hub B')
    expect(applied.applied.version).toBe(version)
  }, 40_000)

  it('retained status is shared: an operator on hub B gets the retained birth of the device on hub A', async () => {
    const watcher = await operator(b, 'watch-status')
    const seen = new Promise<Buffer>((resolve) => watcher.on('message', (topic, payload) => topic === topics.status('dev-a') && resolve(payload)))
    await watcher.subscribeAsync(topics.status('dev-a'), { qos: 1 })
    expect(decodeStatus(await seen)).toMatchObject({ state: 'online' })
  }, 20_000)

  it('an alert fired on hub A reaches an MQTT client subscribed on hub B, live and retained', async () => {
    const live = await operator(b, 'watch-alerts')
    const got: Array<{ topic: string; alert: any }> = []
    live.on('message', (topic, payload) => got.push({ topic, alert: JSON.parse(payload.toString()) }))
    await live.subscribeAsync('outpost/v1/alerts/#', { qos: 1 })
    const rule = { id: 'cluster-cpu', kind: 'threshold', metric: 'system_cpu_usage_ratio', op: '>=', threshold: 0, severity: 'low' }
    expect((await a.call('POST', '/v1/rules', rule)).status).toBe(201)
    const firing = await waitFor(() => got.find((m) => m.alert.rule === 'cluster-cpu' && m.alert.state === 'firing'), 30_000, 'alert on hub B')
    expect(firing.topic).toBe('outpost/v1/alerts/low/dev-a/cluster-cpu')
    // A subscriber arriving later on B gets the retained firing alert, stored by A through Redis.
    const late = await operator(b, 'watch-late')
    const retained = new Promise<any>((resolve) => late.on('message', (_t, p, packet) => packet.retain && resolve(JSON.parse(p.toString()))))
    await late.subscribeAsync('outpost/v1/alerts/+/dev-a/#', { qos: 1 })
    expect(await retained).toMatchObject({ rule: 'cluster-cpu', state: 'firing', device: 'dev-a' })
  }, 60_000)

  it('revocation on hub A disconnects the device on hub B within 1 s, and hub B refuses it afterwards', async () => {
    await addDevice(a, 'dev-r')
    const tokenOnB = await addDevice(b, 'dev-r')
    const device = await connect(b.mqtt, { clientId: 'dev-r', username: 'dev-r', password: tokenOnB })
    clients.push(device)
    const closed = closedWithin(device, 1_000)
    const started = Date.now()
    expect((await a.call('DELETE', '/v1/devices/dev-r')).status).toBe(200)
    expect(await closed).toBe(true)
    expect(Date.now() - started).toBeLessThan(1_000)
    await expect(connect(b.mqtt, { clientId: 'dev-r', username: 'dev-r', password: tokenOnB })).rejects.toThrow(/Bad username or password|not authorized/i)
    const audit = (await b.call('GET', '/v1/audit?limit=20')).body.entries as Array<Record<string, any>>
    expect(audit.some((e) => e.route === 'device.session_ended' && e.target === 'dev-r' && String(e.actor).startsWith('cluster:'))).toBe(true)
  }, 30_000)

  it('Redis killed: the devices on each hub keep delivering to it; cross-hub delivery resumes when Redis returns', async () => {
    await redis.kill()
    await waitFor(async () => (await a.metric('outpost_hub_cluster_redis_up')) === 0 && (await b.metric('outpost_hub_cluster_redis_up')) === 0, 30_000, 'hubs see Redis gone')
    const ackedA = await agentA.metric('outpost_agent_batches_acked_total')
    const ackedB = await agentB.metric('outpost_agent_batches_acked_total')
    const batchesA = await a.metric('outpost_hub_batches_total')
    // Several more batches stored and acked on each hub while Redis is away.
    await waitFor(async () => (await agentA.metric('outpost_agent_batches_acked_total')) >= ackedA + 3 && (await agentB.metric('outpost_agent_batches_acked_total')) >= ackedB + 3, 30_000, 'acks without Redis')
    expect(await a.metric('outpost_hub_batches_total')).toBeGreaterThan(batchesA)
    // A device reconnecting meanwhile is served by its hub too (session state is the hub's own).
    const tokenOnA = await addDevice(a, 'dev-late')
    await addDevice(b, 'dev-late')
    const late = await connect(a.mqtt, { clientId: 'dev-late', username: 'dev-late', password: tokenOnA })
    clients.push(late)
    await late.subscribeAsync([topics.ack('dev-late'), topics.cmd('dev-late')], { qos: 1 })
    const cmdSeen = new Promise<void>((resolve) => late.on('message', (topic) => topic === topics.cmd('dev-late') && resolve()))

    await redis.start()
    await waitFor(async () => (await a.metric('outpost_hub_cluster_redis_up')) === 1 && (await b.metric('outpost_hub_cluster_redis_up')) === 1, 60_000, 'hubs back on Redis')
    const r = await waitFor(async () => {
      const res = await b.call('POST', '/v1/devices/dev-a/commands', { name: 'ping', timeout: 5_000 })
      return res.body.state === 'ok' && res.body
    }, 60_000, 'a command across hubs again')
    expect(r.state).toBe('ok')
    // The subscription made while Redis was away reached it too: a configuration put on B arrives on A.
    expect((await b.call('PUT', '/v1/devices/dev-late/config', { config: { interval: '5s' } })).status).toBe(200)
    await cmdSeen
    // Nothing lost: everything each agent buffered was acked.
    await waitFor(async () => (await agentA.metric('outpost_agent_batches_pending')) <= 1 && (await agentB.metric('outpost_agent_batches_pending')) <= 1, 30_000, 'buffers drained')
  }, 180_000)
})
