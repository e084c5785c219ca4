import type { AedesPublishPacket } from 'aedes'
import type { TestHub } from '../../helpers/hub.js'
import type { DecodedBatch, LogRecord } from '../../../protocol/batch.js'
import { decodeBatch } from '../../../protocol/codec.js'

export interface TelemetryWatch {
  /** Log records of every distinct batch (ep, seq) seen so far, in arrival order. */
  logs(): LogRecord[]
  close(): Promise<void>
}

/**
 * A subscription inside the hub's broker to every device's telemetry (no MQTT client may subscribe to that: the
 * ACL allows a device its own ack and cmd only): sees what agents delivered, counting a batch resent after a lost
 * ack once, as the hub's dedup does.
 */
export async function watchTelemetry(hub: TestHub): Promise<TelemetryWatch> {
  const broker = hub.hub.aedes!
  const batches = new Map<string, DecodedBatch>()
  const deliver = (packet: AedesPublishPacket, done: () => void) => {
    const batch = decodeBatch(packet.payload as Buffer)
    const key = `${batch.ep}:${batch.seq}`
    if (!batches.has(key)) batches.set(key, batch)
    done()
  }
  await new Promise<void>((resolve) => broker.subscribe('outpost/v1/+/telemetry', deliver, resolve))
  return {
    logs: () => [...batches.values()].flatMap((b) => b.l ?? []),
    close: () => new Promise<void>((resolve) => broker.unsubscribe('outpost/v1/+/telemetry', deliver, resolve)),
  }
}
