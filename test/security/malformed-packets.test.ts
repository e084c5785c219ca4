import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { makeTestAgent } from '../helpers/agent.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import type { Agent } from '../../agent/agent.js'
import { closedWithin, connectAs, publishPacket, rawSocket } from './raw-mqtt.js'

const own = (suffix: string) => Buffer.from(`outpost/v1/raw-1/${suffix}`)

// Issue 7 "Must show": raw malformed packets close that connection only; the hub stays up, memory bounded,
// other devices keep delivering.
describe('malformed MQTT packets over a raw socket', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  let agent: Agent

  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
    agent = makeTestAgent(dir.dir, hub.mqttUrl, { id: 'good-1' })
    await agent.start()
    await waitFor(() => agent.uplink.counters.acked > 0, 10_000, 'the good agent delivering')
  })
  afterAll(async () => {
    await agent?.stop()
    await hub?.stop()
    await dir?.cleanup()
  })

  const cases: Array<[string, () => Buffer]> = [
    ['topic that is not UTF-8', () => publishPacket(Buffer.concat([own('telemetry').subarray(0, 11), Buffer.from([0xff, 0xfe, 0xc0])]), Buffer.from('x'))],
    ['topic with U+0000', () => publishPacket(Buffer.from('outpost/v1/raw-1/tele\u0000metry'), Buffer.from('x'))],
    ['empty topic', () => publishPacket(Buffer.alloc(0), Buffer.from('x'))],
    ['wildcard in a PUBLISH topic', () => publishPacket(Buffer.from('outpost/v1/+/telemetry'), Buffer.from('x'), 1)],
    ['multi-level wildcard in a PUBLISH topic', () => publishPacket(Buffer.from('outpost/v1/raw-1/#'), Buffer.from('x'))],
    ['remaining length 268,435,455 with 10 bytes sent', () => Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0, 3, 0x61, 0x2f, 0x62])],
    ['remaining length of five bytes', () => Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])],
    ['malformed DISCONNECT (remaining length 1)', () => Buffer.from([0xe0, 0x01, 0x00])],
    ['DISCONNECT with reserved flags set', () => Buffer.from([0xe3, 0x00])],
    ['a second CONNECT', () => Buffer.from([0x10, 0x02, 0x00, 0x00])],
    ['reserved packet type 15', () => Buffer.from([0xf0, 0x00])],
    ['SUBSCRIBE with no topic filters', () => Buffer.from([0x82, 0x02, 0x00, 0x01])],
  ]

  it.each(cases)('%s: the connection is closed, the hub is up and the good device still delivers', async (_name, packet) => {
    const before = agent.uplink.counters.acked
    const c = await connectAs(hub.hub.mqttPort, 'raw-1')
    c.socket.write(packet())
    expect(await closedWithin(c, 3_000)).toBe(true)
    expect((await fetch(`${hub.apiUrl}/healthz`)).status).toBe(200)
    await waitFor(() => agent.uplink.counters.acked > before, 5_000, 'the good device delivering')
    expect(hub.hub.store.stats().series).toBe((await hub.get('/v1/metrics/series')).body.series.length)
  })

  it('garbage before CONNECT closes the connection', async () => {
    const c = await rawSocket(hub.hub.mqttPort)
    c.socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
    expect(await closedWithin(c, 3_000)).toBe(true)
  })

  it('a flood of half-finished QoS 2 exchanges and of huge announced packets keeps memory bounded', async () => {
    const rssBefore = process.memoryUsage().rss
    const before = agent.uplink.counters.acked
    // QoS 2 from devices is refused: the first PUBLISH of the flood closes the connection.
    for (let round = 0; round < 20; round++) {
      const c = await connectAs(hub.hub.mqttPort, `flood-${round}`)
      const flood = Buffer.concat(Array.from({ length: 500 }, (_, k) => publishPacket(Buffer.from(`outpost/v1/flood-${round}/telemetry`), Buffer.alloc(64), 2, k + 1)))
      c.socket.write(flood)
      expect(await closedWithin(c, 3_000)).toBe(true)
    }
    // Many connections each announcing a 256 MiB packet and sending a few bytes: refused at the header.
    const sockets = await Promise.all(Array.from({ length: 50 }, (_, k) => connectAs(hub.hub.mqttPort, `huge-${k}`)))
    for (const c of sockets) c.socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0, 3, 0x61, 0x2f, 0x62]))
    for (const c of sockets) expect(await closedWithin(c, 3_000)).toBe(true)
    await waitFor(() => agent.uplink.counters.acked > before, 5_000, 'the good device delivering')
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024)
    const metrics = await fetch(`${hub.apiUrl}/metrics`).then((r) => r.text())
    expect(metrics).toMatch(/outpost_hub_limited_total\{reason="packet_too_large"\} [1-9]/)
    expect(metrics).toMatch(/outpost_hub_limited_total\{reason="qos2_refused"\} [1-9]/)
  })
})
