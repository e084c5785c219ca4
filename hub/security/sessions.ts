import type { Client } from 'aedes'
import { topics } from '../../protocol/topics.js'
import type { BrokerHandle } from '../broker.js'

/**
 * Ends a device's live MQTT session at once (issue 7): its will is dropped (it must not re-announce the device),
 * the connection is closed, persistent subscriptions are removed and its retained status is cleared.
 */
export async function endDeviceSession(broker: BrokerHandle, id: string): Promise<boolean> {
  const client = broker.client(id)
  if (client) {
    ;(client as Client & { will: unknown }).will = null
    await new Promise<void>((resolve) => client.close(() => resolve()))
  }
  const persistence = (broker.broker as unknown as { persistence?: { cleanSubscriptions?: (c: { id: string }) => Promise<unknown> } }).persistence
  await persistence?.cleanSubscriptions?.({ id })?.catch(() => {})
  // An empty retained payload deletes the retained message (MQTT-3.3.1-10).
  await new Promise<void>((resolve) =>
    broker.broker.publish({ cmd: 'publish', topic: topics.status(id), payload: Buffer.alloc(0), qos: 0, retain: true, dup: false }, () => resolve()),
  )
  return client !== undefined
}
