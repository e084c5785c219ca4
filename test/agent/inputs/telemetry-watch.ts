import mqtt from 'mqtt'
import type { DecodedBatch, LogRecord } from '../../../protocol/batch.js'
import { decodeBatch } from '../../../protocol/codec.js'

export interface TelemetryWatch {
  /** Log records of every distinct batch (ep, seq) seen so far, in arrival order. */
  logs(): LogRecord[]
  close(): Promise<void>
}

/**
 * A real MQTT client on the hub's broker, subscribed to every device's telemetry: sees what agents delivered,
 * counting a batch resent after a lost ack once, as the hub's dedup does.
 */
export async function watchTelemetry(mqttUrl: string): Promise<TelemetryWatch> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId: `observer-${process.pid}`, reconnectPeriod: 100 })
  await client.subscribeAsync('outpost/v1/+/telemetry', { qos: 1 })
  const batches = new Map<string, DecodedBatch>()
  client.on('message', (_topic, payload) => {
    const batch = decodeBatch(payload)
    const key = `${batch.ep}:${batch.seq}`
    if (!batches.has(key)) batches.set(key, batch)
  })
  return {
    logs: () => [...batches.values()].flatMap((b) => b.l ?? []),
    close: () => client.endAsync(),
  }
}
