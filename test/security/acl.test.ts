import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MqttClient } from 'mqtt'
import { topics } from '../../protocol/topics.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { addDevice, addToken, batchFor, closedWithin, connect, grantedQos } from './support.js'

// Issue 7 "Must show": the ACL matrix with real MQTT clients against a hub that requires credentials.
describe('MQTT identity and ACL (deny by default)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  let tokenA: string
  let tokenB: string
  let operator: { id: string; token: string }
  const open: MqttClient[] = []
  const track = (c: MqttClient) => (open.push(c), c)

  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { mqttCredentials: true })
    tokenA = await addDevice(hub, 'dev-a')
    tokenB = await addDevice(hub, 'dev-b')
    operator = await addToken(hub, 'operator', 'ops')
  })
  afterAll(async () => {
    await Promise.all(open.map((c) => c.endAsync(true).catch(() => {})))
    await hub?.stop()
    await dir?.cleanup()
  })

  const asA = () => connect(hub.mqttUrl, { clientId: 'dev-a', username: 'dev-a', password: tokenA }).then(track)
  const storeIsEmpty = async () => {
    expect(hub.hub.store.stats().series).toBe(0)
    expect((await hub.get('/v1/metrics/names')).body).toMatchObject({ names: [] })
    expect((await hub.get('/v1/logs?from=-1h')).body.logs).toEqual([])
    expect((await hub.get('/v1/health')).body).toMatchObject({ devices: [] })
  }

  it('a device connects only as itself, with its own token; wildcard ids and missing passwords are refused', async () => {
    const a = await asA()
    expect(a.connected).toBe(true)
    await a.endAsync()
    const refusals = [
      { clientId: 'dev-b', username: 'dev-b', password: tokenA }, // A's token for B
      { clientId: 'dev-b', username: 'dev-a', password: tokenA }, // username is not the client id
      { clientId: 'dev-a', username: 'dev-a', password: tokenB },
      { clientId: 'dev-a', username: 'dev-a', password: 'guess' },
      { clientId: 'dev-a', username: 'dev-a' }, // no password
      { clientId: 'dev-a' },
      { clientId: '#', username: '#', password: tokenA },
      { clientId: 'dev-a/#', username: 'dev-a/#', password: tokenA },
      { clientId: '__proto__', username: '__proto__', password: tokenA },
    ]
    for (const opts of refusals) {
      await expect(connect(hub.mqttUrl, opts), JSON.stringify(opts)).rejects.toThrow()
    }
    await storeIsEmpty()
  })

  it('subscriptions outside its own ack and cmd are refused (SUBACK 0x80); its own are granted', async () => {
    const a = await asA()
    for (const filter of ['#', 'outpost/v1/+/ack', '$SYS/#', topics.ack('dev-b'), topics.cmd('dev-b'), 'outpost/v1/alerts/#', '+/+/+/telemetry', topics.telemetry('dev-a'), topics.cmdReply('dev-a'), topics.cmdReply('dev-b'), 'outpost/v1/dev-a/#', 'outpost/v1/+/cmd']) {
      expect(await grantedQos(a, filter), filter).toBe(128)
    }
    expect((await grantedQos(a, topics.ack('dev-a')))).toBe(1)
    expect((await grantedQos(a, topics.cmd('dev-a')))).toBe(1)
    await a.endAsync()
  })

  it("publishing to another device's topics, with QoS 2, or retained telemetry closes the connection and stores nothing", async () => {
    const attempts: Array<{ topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean }> = [
      { topic: topics.telemetry('dev-b'), payload: batchFor('dev-b', 1), qos: 1, retain: false },
      { topic: topics.status('dev-b'), payload: Buffer.from([0xa0]), qos: 1, retain: true },
      { topic: topics.ack('dev-a'), payload: Buffer.from([0xa0]), qos: 0, retain: false },
      { topic: topics.cmd('dev-b'), payload: Buffer.from([0xa0]), qos: 0, retain: false },
      // Its own cmd topic is the hub's to write (a device must not replace its retained configuration), and replies
      // go only to its own cmd/reply, never retained (issue 19).
      { topic: topics.cmd('dev-a'), payload: Buffer.from([0xa0]), qos: 1, retain: true },
      { topic: topics.cmdReply('dev-b'), payload: Buffer.from([0xa0]), qos: 1, retain: false },
      { topic: topics.cmdReply('dev-a'), payload: Buffer.from([0xa0]), qos: 1, retain: true },
      { topic: '$SYS/broker/x', payload: Buffer.from('x'), qos: 0, retain: false },
      { topic: 'outpost/v1/alerts/high/dev-b/r', payload: Buffer.from('{}'), qos: 0, retain: true },
      { topic: topics.telemetry('dev-a'), payload: batchFor('dev-a', 1), qos: 2, retain: false },
      { topic: topics.telemetry('dev-a'), payload: batchFor('dev-a', 1), qos: 1, retain: true },
    ]
    for (const p of attempts) {
      const a = await asA()
      a.publish(p.topic, p.payload, { qos: p.qos, retain: p.retain }, () => {})
      expect(await closedWithin(a, 3_000), `${p.topic} qos ${p.qos} retain ${p.retain}`).toBe(true)
    }
    await new Promise((r) => setTimeout(r, 300))
    await storeIsEmpty()
    expect((await hub.get('/v1/devices/dev-b')).body).toMatchObject({ online: false, counters: { batches: 0 } })
    // Nothing retained by A on B's or the alert topics.
    const watcher = track(await connect(hub.mqttUrl, { clientId: 'ops', username: 'ops', password: operator.token }))
    const seen: string[] = []
    watcher.on('message', (topic) => seen.push(topic))
    await watcher.subscribeAsync(['outpost/v1/alerts/#', 'outpost/v1/+/status'], { qos: 1 })
    await new Promise((r) => setTimeout(r, 300))
    expect(seen).toEqual([])
    await watcher.endAsync()
    const metrics = await fetch(`${hub.apiUrl}/metrics`).then((r) => r.text())
    expect(metrics).toMatch(/outpost_hub_limited_total\{reason="acl_publish"\} [1-9]/)
    expect(metrics).toMatch(/outpost_hub_limited_total\{reason="qos2_refused"\} 1/)
    expect(metrics).toMatch(/outpost_hub_limited_total\{reason="retain_refused"\} 2/)
  })

  it('its own telemetry and retained status are accepted and acked', async () => {
    const a = await asA()
    const acks: Buffer[] = []
    a.on('message', (_t, payload) => acks.push(payload))
    await a.subscribeAsync(topics.ack('dev-a'), { qos: 1 })
    await a.publishAsync(topics.status('dev-a'), Buffer.from([0xa1, 0x65, 0x73, 0x74, 0x61, 0x74, 0x65, 0x66, 0x6f, 0x6e, 0x6c, 0x69, 0x6e, 0x65]), { qos: 1, retain: true })
    await a.publishAsync(topics.telemetry('dev-a'), batchFor('dev-a', 1, 42), { qos: 1 })
    await waitFor(() => acks.length > 0, 5_000, 'ack')
    expect(hub.hub.store.stats().series).toBe(1)
    await a.endAsync()
  })

  it('operators subscribe to alerts and status only, publish nothing; viewer tokens may not use MQTT', async () => {
    const ops = track(await connect(hub.mqttUrl, { clientId: 'ops', username: 'ops', password: operator.token }))
    expect((await grantedQos(ops, 'outpost/v1/alerts/#'))).toBe(1)
    expect((await grantedQos(ops, 'outpost/v1/+/status'))).toBe(1)
    for (const filter of ['#', 'outpost/v1/+/telemetry', topics.cmd('dev-a'), '$SYS/#']) {
      expect((await grantedQos(ops, filter)), filter).toBe(128)
    }
    const before = hub.hub.store.stats().series
    ops.publish(topics.telemetry('ops'), batchFor('ops', 1), { qos: 1 }, () => {})
    expect(await closedWithin(ops, 3_000)).toBe(true)
    const ops2 = track(await connect(hub.mqttUrl, { clientId: 'ops', username: 'ops', password: operator.token }))
    ops2.publish('outpost/v1/alerts/high/dev-a/x', '{}', { qos: 0, retain: true })
    expect(await closedWithin(ops2, 3_000)).toBe(true)
    expect(hub.hub.store.stats().series).toBe(before)
    const viewer = await addToken(hub, 'viewer', 'look')
    await expect(connect(hub.mqttUrl, { clientId: 'look', username: 'look', password: viewer.token })).rejects.toThrow(/Not authorized/i)
  })
})
