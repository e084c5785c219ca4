import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { encodeBatch } from '../../protocol/codec.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { PROTOCOL_VERSION } from '../../protocol/batch.js'
import { topics } from '../../protocol/topics.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { makeTestAgent } from '../helpers/agent.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import type { Agent } from '../../agent/agent.js'

describe('device to query API, in process (real aedes, LevelDB, MQTT, HTTP)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  let agent: Agent | undefined

  beforeEach(async () => {
    dir = await tempDir()
    // The packet limit sits above maxBatchBytes here so the decoder's own size limit is what refuses the 2 MiB payload.
    hub = await startTestHub(dir.dir, { limits: { maxPacket: 4 * 1024 * 1024 } })
  })
  afterEach(async () => {
    await agent?.stop()
    agent = undefined
    await hub.stop()
    await dir.cleanup()
  })

  it('an agent comes online, its system metrics are stored, acked, and queryable', async () => {
    agent = makeTestAgent(dir.dir, hub.mqttUrl)
    await agent.start()
    const device = await waitFor(async () => {
      const res = await hub.get('/v1/devices/dev-1')
      return res.status === 200 && res.body.online && res.body
    }, 10_000, 'device online')
    expect(device).toMatchObject({ id: 'dev-1', online: true, version: '0.0.0-test', host: { hostname: 'test-host' } })

    const query = await waitFor(async () => {
      const res = await hub.get('/v1/metrics/query?name=system_cpu_usage_ratio&from=-5m&step=1s')
      return res.status === 200 && res.body.series.length > 0 && res.body
    }, 10_000, 'cpu points')
    expect(query.series[0].labels).toMatchObject({ device: 'dev-1', cpu: 'total' })
    expect(query.series[0].points[0][1]).toBe(0.25)

    // The buffer empties only through the hub's acks.
    await waitFor(() => agent!.uplink.counters.acked > 0 && agent!.buffer.stats().pending === 0, 10_000, 'acks')
    const names = await hub.get('/v1/metrics/names')
    expect(names.body.names).toEqual(expect.arrayContaining(['system_memory_used_bytes', 'system_uptime_seconds', 'outpost_agent_buffer_bytes']))
    const fs = await hub.get('/v1/metrics/query?name=system_filesystem_size_bytes&label.mount=/&from=-5m&agg=last')
    expect(fs.body.series).toHaveLength(1)
    expect(fs.body.series[0].points.at(-1)[1]).toBe(100)
  })

  it('the device goes offline when its agent stops', async () => {
    agent = makeTestAgent(dir.dir, hub.mqttUrl)
    await agent.start()
    await waitFor(async () => (await hub.get('/v1/devices/dev-1')).body.online, 10_000, 'online')
    await agent.stop()
    agent = undefined
    await waitFor(async () => (await hub.get('/v1/devices/dev-1')).body.online === false, 10_000, 'offline')
  })

  it('malformed and oversized CBOR are rejected and counted; valid batches around them are stored', async () => {
    const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'raw-1', username: 'raw-1' })
    const acks: unknown[] = []
    await client.subscribeAsync(topics.ack('raw-1'), { qos: 1 })
    client.on('message', () => acks.push(1))
    const batch = (seq: number, value: number) => {
      const b = new MetricsBuilder()
      b.add({ name: 'probe_value', type: 'gauge', labels: {} }, Math.floor(Date.now() / 1000) * 1000 - 10_000 + seq * 2000, value)
      return Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev: 'raw-1', ep: 'e1', seq, at: Date.now(), m: b.build() }))
    }
    await client.publishAsync(topics.telemetry('raw-1'), batch(1, 10), { qos: 1 })
    await client.publishAsync(topics.telemetry('raw-1'), Buffer.from([0xa5, 0x61, 0x76, 0x01, 0xff, 0x13]), { qos: 1 })
    await client.publishAsync(topics.telemetry('raw-1'), Buffer.alloc(2 * 1024 * 1024, 0x41), { qos: 1 })
    await client.publishAsync(topics.telemetry('raw-1'), batch(2, 20), { qos: 1 })

    const res = await waitFor(async () => {
      const r = await hub.get('/v1/metrics/query?name=probe_value&from=-1m&step=1s&agg=last')
      return r.body.series?.[0]?.points.length === 2 && r.body
    }, 10_000, 'both valid batches stored')
    expect(res.series[0].points.map((p: number[]) => p[1])).toEqual([10, 20])
    await waitFor(() => acks.length >= 2, 5_000, 'acks of the valid batches')

    const metrics = await fetch(`${hub.apiUrl}/metrics`).then((r) => r.text())
    expect(metrics).toMatch(/outpost_hub_batches_rejected_total\{reason="malformed"\} 1/)
    expect(metrics).toMatch(/outpost_hub_batches_rejected_total\{reason="too_large"\} 1/)
    expect(metrics).toMatch(/outpost_hub_batches_total 2/)
    expect((await hub.get('/v1/devices/raw-1')).body.counters).toMatchObject({ batches: 2, rejected: 2 })
    expect((await fetch(`${hub.apiUrl}/healthz`)).status).toBe(200)
    await client.endAsync()
  })

  it('API: 401 without a token, JSON errors for bad parameters and unknown routes', async () => {
    const noToken = await fetch(`${hub.apiUrl}/v1/devices`)
    expect(noToken.status).toBe(401)
    expect(await noToken.json()).toMatchObject({ error: { code: 'unauthorized' } })
    const bad = await hub.get('/v1/metrics/query?name=x&from=yesterday')
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('from')
    const missing = await hub.get('/v1/devices/nope')
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
    expect((await hub.get('/v1/nothing')).status).toBe(404)
  })
})
