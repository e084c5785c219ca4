import { afterEach, describe, expect, it } from 'vitest'
import { encodeBatch, decodeAck } from '../../protocol/codec.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { PROTOCOL_VERSION } from '../../protocol/batch.js'
import { topics } from '../../protocol/topics.js'
import type { HubSettings } from '../../hub/settings.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { batchFor, closedWithin, connect } from './support.js'

describe('limits: each configurable, counted by reason in /metrics and per device; other devices unaffected', () => {
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined
  let hub: TestHub | undefined
  afterEach(async () => {
    await hub?.stop()
    await dir?.cleanup()
    hub = dir = undefined
  })
  const start = async (limits: Partial<HubSettings['limits']>, maxThrottleMs?: number) => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { limits, testing: { maxThrottleMs } })
    return hub
  }
  const limited = async (h: TestHub, reason: string) => {
    const text = await fetch(`${h.apiUrl}/metrics`).then((r) => r.text())
    return Number(new RegExp(`outpost_hub_limited_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? NaN)
  }
  const device = (h: TestHub, id: string) => connect(h.mqttUrl, { clientId: id })

  it('a packet over the maximum size closes that connection before it is buffered', async () => {
    const h = await start({ maxPacket: 64 * 1024 })
    const big = await device(h, 'big-1')
    const small = await device(h, 'small-1')
    big.publish(topics.telemetry('big-1'), Buffer.alloc(100 * 1024, 1), { qos: 0 })
    expect(await closedWithin(big, 3_000)).toBe(true)
    await small.publishAsync(topics.telemetry('small-1'), batchFor('small-1', 1), { qos: 1 })
    await waitFor(async () => (await h.get('/v1/devices/small-1')).body.counters?.batches === 1, 5_000, 'small device stored')
    expect(await limited(h, 'packet_too_large')).toBe(1)
    await small.endAsync()
  })

  it('publish rate: a fast publisher is slowed to its rate, a flood is cut off, a neighbour is not slowed', async () => {
    const h = await start({ publishRate: 20 }, 3_000)
    const fast = await device(h, 'fast-1')
    const calm = await device(h, 'calm-1')
    const t0 = Date.now()
    const fastDone = Promise.all(Array.from({ length: 60 }, (_, k) => fast.publishAsync(topics.telemetry('fast-1'), batchFor('fast-1', k + 1), { qos: 1 })))
    const tc = Date.now()
    await Promise.all(Array.from({ length: 5 }, (_, k) => calm.publishAsync(topics.telemetry('calm-1'), batchFor('calm-1', k + 1), { qos: 1 })))
    const calmMs = Date.now() - tc
    await fastDone
    const fastMs = Date.now() - t0
    // 60 publishes at 20/s with a burst of 20: about 2 s; generous bounds for a loaded machine.
    expect(fastMs).toBeGreaterThan(1_500)
    expect(calmMs).toBeLessThan(1_500)
    expect(await limited(h, 'publish_throttled')).toBeGreaterThan(0)
    const counters = (await h.get('/v1/devices/fast-1')).body.counters
    expect(counters.limited.publish_throttled).toBeGreaterThan(0)
    // A flood far over the rate: the connection is closed.
    const flooder = await device(h, 'flood-1')
    for (let k = 0; k < 200; k++) flooder.publish(topics.telemetry('flood-1'), batchFor('flood-1', k + 1), { qos: 0 })
    expect(await closedWithin(flooder, 10_000)).toBe(true)
    expect(await limited(h, 'publish_flood')).toBeGreaterThan(0)
    await fast.endAsync()
    await calm.endAsync()
  })

  it('connection attempts: a flapping client id and a noisy address are banned for a while', async () => {
    const h = await start({ connectAttemptsPerId: 3, connectAttemptsPerAddress: 8, ban: 60_000 })
    for (let k = 0; k < 3; k++) await (await device(h, 'flap-1')).endAsync()
    // A ban is not a credentials problem: MQTT 3.1.1 return code 3, "server unavailable" (docs/security.md).
    await expect(device(h, 'flap-1')).rejects.toThrow(/Server unavailable/i)
    // Another id is fine until the address's own limit (3 of 8 used so far: a banned id's attempt does not count).
    for (let k = 0; k < 5; k++) await (await device(h, `other-${k}`)).endAsync()
    await expect(device(h, 'other-9')).rejects.toThrow(/Server unavailable/i)
    expect(await limited(h, 'connect_banned')).toBe(2)
  })

  it('keepalive outside the bounds is refused', async () => {
    const h = await start({ keepaliveMin: 5, keepaliveMax: 600 })
    for (const keepalive of [0, 2, 601]) await expect(connect(h.mqttUrl, { clientId: `ka-${keepalive}`, keepalive }), `keepalive ${keepalive}`).rejects.toThrow()
    await (await connect(h.mqttUrl, { clientId: 'ka-ok', keepalive: 60 })).endAsync()
    expect(await limited(h, 'keepalive_out_of_bounds')).toBe(3)
  })

  it('series per device, labels per series, label value length and log line size: the rest of the batch is stored and acked', async () => {
    const h = await start({ seriesPerDevice: 5, labelsPerSeries: 3, labelValue: 64, logLine: 100 })
    const c = await device(h, 'card-1')
    const acks: unknown[] = []
    c.on('message', (_t, p) => acks.push(decodeAck(p)))
    await c.subscribeAsync(topics.ack('card-1'), { qos: 1 })
    const now = Date.now() - 1000
    const m = new MetricsBuilder()
    for (let k = 0; k < 8; k++) m.add({ name: 'card_metric', type: 'gauge', labels: { k: String(k) } }, now, k)
    m.add({ name: 'wide_metric', type: 'gauge', labels: { a: '1', b: '2', c: '3', d: '4' } }, now, 1)
    m.add({ name: 'long_label', type: 'gauge', labels: { a: 'x'.repeat(65) } }, now, 1)
    const batch = { v: PROTOCOL_VERSION, dev: 'card-1', ep: 'e1', seq: 1, at: Date.now(), m: m.build(), l: [{ ts: now, level: 'info' as const, message: 'y'.repeat(500) }] }
    await c.publishAsync(topics.telemetry('card-1'), Buffer.from(encodeBatch(batch)), { qos: 1 })
    await waitFor(() => acks.length === 1, 5_000, 'ack')
    expect((await h.get('/v1/metrics/series?name=card_metric')).body.series).toHaveLength(5)
    expect((await h.get('/v1/metrics/series?name=wide_metric')).body.series).toHaveLength(0)
    expect((await h.get('/v1/metrics/series?name=long_label')).body.series).toHaveLength(0)
    const logs = await waitFor(async () => {
      const body = (await h.get('/v1/logs?device=card-1&from=-1h')).body
      return body.logs?.length > 0 && body.logs
    }, 5_000, 'log')
    expect(logs[0].message).toHaveLength(100)
    expect((await h.get('/v1/devices/card-1')).body.counters.limited).toEqual({ too_many_series: 3, too_many_labels: 1, label_value_too_long: 1, log_line_truncated: 1 })
    // Another device has its own allowance.
    const other = await device(h, 'card-2')
    const m2 = new MetricsBuilder()
    for (let k = 0; k < 5; k++) m2.add({ name: 'card_metric', type: 'gauge', labels: { k: String(k) } }, now, k)
    await other.publishAsync(topics.telemetry('card-2'), Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev: 'card-2', ep: 'e2', seq: 1, at: Date.now(), m: m2.build() })), { qos: 1 })
    await waitFor(async () => (await h.get('/v1/metrics/series?name=card_metric&device=card-2')).body.series.length === 5, 5_000, 'card-2 series')
    await c.endAsync()
    await other.endAsync()

    // The count survives a restart: it is seeded from the stored series.
    await h.stop()
    hub = await startTestHub(dir!.dir, { limits: { seriesPerDevice: 5 } })
    const again = await device(hub, 'card-1')
    const m3 = new MetricsBuilder()
    m3.add({ name: 'card_metric', type: 'gauge', labels: { k: 'new' } }, now, 1)
    m3.add({ name: 'card_metric', type: 'gauge', labels: { k: '0' } }, now + 1, 2)
    const acked: unknown[] = []
    again.on('message', (_t, p) => acked.push(p))
    await again.subscribeAsync(topics.ack('card-1'), { qos: 1 })
    await again.publishAsync(topics.telemetry('card-1'), Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev: 'card-1', ep: 'e1', seq: 2, at: Date.now(), m: m3.build() })), { qos: 1 })
    await waitFor(() => acked.length === 1, 5_000, 'ack after restart')
    expect((await hub.get('/v1/metrics/series?name=card_metric&device=card-1')).body.series).toHaveLength(5)
    expect(await limited(hub, 'too_many_series')).toBe(1)
    await again.endAsync()
  })
})
