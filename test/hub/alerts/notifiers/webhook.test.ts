import { parseOptions } from '../../../../kit/options.js'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { startBroker } from '../../../../hub/broker.js'
import { retryAfterMs, webhookNotifierPlugin, type WebhookNotifier } from '../../../../hub/alerts/notifiers/webhook/index.js'
import { startTestHub, type TestHub } from '../../../helpers/hub.js'
import { silent, tempDir, waitFor } from '../../../helpers/temp.js'
import { startReceiver } from '../../../helpers/webhook-receiver.js'
import { api, TestDevice } from '../../../helpers/alerts.js'
import { alertMessage, notifierConformance } from './notifier.case.js'

async function notifierOn(url: string, extra: Record<string, unknown> = {}, log: (level: string, msg: string, extra?: Record<string, unknown>) => void = silent) {
  const dir = await tempDir()
  const db = new Level<string, any>(join(dir.dir, 'db'), { valueEncoding: 'json' })
  await db.open()
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxPacketBytes: 1024 * 1024 })
  const notifier = webhookNotifierPlugin.create(parseOptions(webhookNotifierPlugin.options, { kind: 'webhook', url, backoffMin: 20, ...extra }, 'notifiers.webhook'), {
    broker: broker.broker, db, clock: Date.now, log,
  }) as WebhookNotifier
  return {
    notifier,
    async close() {
      await broker.close()
      await db.close()
      await dir.cleanup()
    },
  }
}

const RULE = { id: 'pressure-high', kind: 'threshold', metric: 'pump_pressure_bars', agg: 'last', op: '>', threshold: 5, severity: 'high' }

describe('webhook notifier', () => {
  describe('conformance', () =>
    notifierConformance(async ({ secret, log }) => {
      const receiver = await startReceiver()
      const n = await notifierOn(`${receiver.url}?token=${secret}`, { headers: { authorization: `Bearer ${secret}` } }, log)
      return {
        notifier: n.notifier,
        received: () => receiver.accepted.flatMap((b) => b.alerts),
        faults: { failNext: receiver.failNext, calls: () => receiver.log },
        usesSecret: true,
        async close() {
          await n.close()
          await receiver.close()
        },
      }
    }))

  it('rejects bad options naming the field', () => {
    expect(() => parseOptions(webhookNotifierPlugin.options, { kind: 'webhook', url: 'ftp://x' }, 'notifiers.webhook')).toThrow(/notifiers\.webhook\.url/)
    expect(() => parseOptions(webhookNotifierPlugin.options, { kind: 'webhook', url: 'http://x', maxQueue: 0 }, 'notifiers.webhook')).toThrow(/maxQueue/)
  })

  it('the queue is bounded: the oldest posts are dropped and counted', async () => {
    const receiver = await startReceiver()
    const port = receiver.port
    await receiver.close()
    const n = await notifierOn(`http://127.0.0.1:${port}/hook`, { maxQueue: 2, backoffMin: 60_000 })
    try {
      await n.notifier.start()
      for (const id of ['a-1', 'a-2', 'a-3']) await n.notifier.notify({ incident: null, alerts: [alertMessage({ id })] })
      expect(n.notifier.pending).toBe(2)
      expect(n.notifier.counters.dropped).toBe(1)
    } finally {
      await n.notifier.stop()
      await n.close()
    }
  })

  describe('in a hub, on real ingest', () => {
    let dir: Awaited<ReturnType<typeof tempDir>>
    let hub: TestHub | undefined
    const closers: Array<() => Promise<unknown>> = []
    afterEach(async () => {
      for (const c of closers.splice(0)) await c()
      await hub?.stop()
      hub = undefined
      await dir.cleanup()
    })

    it('a receiver failing its first 3 calls gets the alert exactly once after retries with backoff', async () => {
      dir = await tempDir()
      const receiver = await startReceiver({ failFirst: 3 })
      closers.push(receiver.close)
      hub = await startTestHub(dir.dir, { alerts: { evalInterval: 100 }, notifiers: [{ kind: 'webhook', url: receiver.url, backoffMin: '100ms' }] })
      await api(hub.apiUrl).post('/v1/rules', RULE)
      const device = await TestDevice.connect(hub.mqttUrl, 'pump-1')
      closers.push(() => device.close())
      const started = Date.now()
      await device.gauge('pump_pressure_bars', 8)
      await waitFor(() => receiver.accepted.length > 0, 15_000, 'delivery')
      // Backoff 100, 200, 400 ms between the four calls.
      expect(Date.now() - started).toBeGreaterThanOrEqual(700)
      await new Promise((r) => setTimeout(r, 800))
      expect(receiver.calls()).toBe(4)
      expect(receiver.accepted).toHaveLength(1)
      expect(receiver.accepted[0].alerts).toHaveLength(1)
      expect(receiver.accepted[0].alerts[0]).toMatchObject({ rule: 'pressure-high', device: 'pump-1', state: 'firing', value: 8 })
      expect(receiver.accepted[0].incident).toMatch(/^i-/)
    })

    it('a receiver down through a hub restart still gets the alert afterwards', async () => {
      dir = await tempDir()
      const probe = await startReceiver()
      const port = probe.port
      await probe.close()
      const options = { alerts: { evalInterval: 100 }, notifiers: [{ kind: 'webhook', url: `http://127.0.0.1:${port}/hook`, backoffMin: '100ms', backoffMax: '300ms' }] }
      hub = await startTestHub(dir.dir, options)
      await api(hub.apiUrl).post('/v1/rules', RULE)
      const device = await TestDevice.connect(hub.mqttUrl, 'pump-1')
      await device.gauge('pump_pressure_bars', 8)
      await waitFor(async () => (await api(hub!.apiUrl).get('/v1/alerts?state=firing')).body.alerts[0]?.notified, 10_000, 'alert notified')
      await new Promise((r) => setTimeout(r, 300))
      await device.close()
      await hub.stop()
      hub = undefined

      hub = await startTestHub(dir.dir, options)
      const receiver = await startReceiver({ port })
      closers.push(receiver.close)
      await waitFor(() => receiver.accepted.length > 0, 15_000, 'delivery after restart')
      await new Promise((r) => setTimeout(r, 500))
      expect(receiver.accepted).toHaveLength(1)
      expect(receiver.accepted[0].alerts[0]).toMatchObject({ rule: 'pressure-high', state: 'firing', value: 8 })
    })
  })
})

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('2026-12-07T12:00:00Z')
    expect(retryAfterMs('120', now)).toBe(120_000)
    expect(retryAfterMs('Mon, 07 Dec 2026 12:00:30 GMT', now)).toBe(30_000)
    expect(retryAfterMs('Mon, 07 Dec 2026 11:00:00 GMT', now)).toBe(0)
    expect(retryAfterMs('soon', now)).toBeUndefined()
    expect(retryAfterMs(null, now)).toBeUndefined()
  })
})
