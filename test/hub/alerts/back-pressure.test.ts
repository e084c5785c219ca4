import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeAck } from '../../../protocol/codec.js'
import { topics } from '../../../protocol/topics.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { api, TestDevice } from '../../helpers/alerts.js'

// Issue 6 follow-up: an engine behind ingest slows the acks down (back-pressure) instead of skipping evaluation.
describe('alert evaluation back-pressure', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub

  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { alerts: { startupGrace: 0 }, testing: { alertMaxBacklog: 1 } })
  })
  afterEach(async () => {
    await hub.stop()
    await dir.cleanup()
  })

  it('a burst of real batches over MQTT beyond a tiny backlog: every batch evaluated, none skipped, all acked, the waits counted', async () => {
    const res = await api(hub.apiUrl).post('/v1/rules', { id: 'burst-hot', kind: 'threshold', metric: 'burst_temp', agg: 'last', window: '10m', op: '>', threshold: 50, severity: 'low' })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const engine = hub.hub.alertEngine!
    // Several devices at once, each alert state changing with every batch (a write per evaluation), so the engine
    // falls behind the stored batches.
    const devices = await Promise.all(Array.from({ length: 5 }, (_, d) => TestDevice.connect(hub.mqttUrl, `burst-${d}`)))
    const perDevice = 60
    const acked = new Map<string, Set<number>>()
    for (const device of devices) {
      const seqs = new Set<number>()
      acked.set(device.id, seqs)
      device.client.on('message', (_topic, payload) => {
        const ack = decodeAck(payload)
        for (let s = 1; s <= ack.seq; s++) seqs.add(s)
        for (const [a, b] of ack.r ?? []) for (let s = a; s <= b; s++) seqs.add(s)
      })
      await device.client.subscribeAsync(topics.ack(device.id), { qos: 1 })
    }
    const t0 = Date.now() - perDevice
    try {
      // Alternating over and under the threshold, ending over it.
      await Promise.all(devices.flatMap((device) => Array.from({ length: perDevice }, (_, i) => device.gauge('burst_temp', i % 2 === 1 ? 90 : 10, {}, t0 + i))))
      const ackedCount = () => [...acked.values()].reduce((n, s) => n + s.size, 0)
      await waitFor(() => ackedCount() === devices.length * perDevice, 60_000, 'every batch acked')
      await engine.idle()
      // One rule, one sample per batch: one evaluation per batch, so none was skipped.
      const batches = devices.length * perDevice
      expect(engine.counters).toMatchObject({ batches, observations: batches, errors: 0 })
      expect(engine.counters.waits).toBeGreaterThan(0)
      const metrics = await (await fetch(`${hub.apiUrl}/metrics`)).text()
      expect(Number(/outpost_hub_alert_ingest_waits_total (\d+)/.exec(metrics)?.[1])).toBe(engine.counters.waits)
      expect(metrics).not.toMatch(/skipped/)
      // Each device's last sample was evaluated: its crossing left an open alert with that value.
      expect(engine.openAlerts().map((a) => [a.device, a.value]).sort()).toEqual(devices.map((d) => [d.id, 90]))
      // The writes of a backfill may go together, but none is lost once the queue drains.
      const stored = await engine.store.loadOpenAlerts()
      expect(stored.map((a) => [a.id, a.state, a.value]).sort()).toEqual(engine.openAlerts().map((a) => [a.id, a.state, a.value]).sort())
    } finally {
      await Promise.all(devices.map((d) => d.close()))
    }
  })
})
