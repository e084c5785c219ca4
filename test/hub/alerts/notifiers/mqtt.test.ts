import { parseOptions } from '../../../../kit/options.js'
import { describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { Level } from 'level'
import { join } from 'node:path'
import { startBroker } from '../../../../hub/broker.js'
import { mqttNotifierPlugin } from '../../../../hub/alerts/notifiers/mqtt/index.js'
import type { AlertMessage } from '../../../../hub/alerts/types.js'
import { silent, tempDir, waitFor } from '../../../helpers/temp.js'
import { alertMessage, notifierConformance } from './notifier.case.js'

async function harness() {
  const dir = await tempDir()
  const db = new Level<string, any>(join(dir.dir, 'db'), { valueEncoding: 'json' })
  await db.open()
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxPacketBytes: 1024 * 1024 })
  const notifier = mqttNotifierPlugin.create(parseOptions(mqttNotifierPlugin.options, {}, 'notifiers.mqtt'), { broker: broker.broker, db, clock: Date.now, log: silent })
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'ops-1', reconnectPeriod: 0 })
  const received: AlertMessage[] = []
  const raw: Array<{ topic: string; payload: string; retain: boolean }> = []
  client.on('message', (topic, payload, packet) => {
    raw.push({ topic, payload: payload.toString(), retain: packet.retain })
    if (payload.length > 0) received.push(JSON.parse(payload.toString()))
  })
  await client.subscribeAsync('outpost/v1/alerts/#', { qos: 1 })
  return {
    notifier,
    // Publishes into the hub's own broker: no remote receiver to retry, no secret in its options.
    usesSecret: false,
    broker,
    raw,
    port: broker.port,
    received: () => received,
    async close() {
      await client.endAsync()
      await broker.close()
      await db.close()
      await dir.cleanup()
    },
  }
}

describe('mqtt notifier', () => {
  describe('conformance', () => notifierConformance(harness))

  it('publishes to outpost/v1/alerts/{severity}/{device}/{rule}: firing retained, then resolved not retained, then an empty retained payload', async () => {
    const h = await harness()
    try {
      await h.notifier.notify({ incident: null, alerts: [alertMessage()] })
      await h.notifier.notify({ incident: null, alerts: [alertMessage({ state: 'resolved', endsAt: 1764600060000 })] })
      await waitFor(() => h.raw.length >= 3, 5_000, 'three messages')
      const topic = 'outpost/v1/alerts/high/dev-1/cpu-hot'
      expect(h.raw.map((m) => m.topic)).toEqual([topic, topic, topic])
      expect(h.raw.map((m) => m.payload === '' ? 'empty' : JSON.parse(m.payload).state)).toEqual(['firing', 'resolved', 'empty'])
      // A new subscriber finds the topic cleared.
      const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${h.port}`, { clientId: 'ops-2', reconnectPeriod: 0 })
      const got: string[] = []
      late.on('message', (t) => got.push(t))
      await late.subscribeAsync('outpost/v1/alerts/#', { qos: 1 })
      await new Promise((r) => setTimeout(r, 300))
      expect(got).toEqual([])
      await late.endAsync()
    } finally {
      await h.close()
    }
  })

  it('restore puts firing alerts back as retained without delivering them to current subscribers', async () => {
    const h = await harness()
    try {
      await h.notifier.restore!([alertMessage()])
      await new Promise((r) => setTimeout(r, 200))
      expect(h.raw).toEqual([])
      const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${h.port}`, { clientId: 'ops-3', reconnectPeriod: 0 })
      const got: Array<{ retain: boolean; alert: AlertMessage }> = []
      late.on('message', (_t, p, packet) => got.push({ retain: packet.retain, alert: JSON.parse(p.toString()) }))
      await late.subscribeAsync('outpost/v1/alerts/#', { qos: 1 })
      await waitFor(() => got.length === 1, 5_000, 'retained')
      expect(got[0]).toEqual({ retain: true, alert: alertMessage() })
      await late.endAsync()
    } finally {
      await h.close()
    }
  })
})
