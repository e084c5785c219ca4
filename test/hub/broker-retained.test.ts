import { afterEach, describe, expect, it } from 'vitest'
import mqtt, { type MqttClient } from 'mqtt'
import { startBroker, type BrokerHandle } from '../../hub/broker.js'
import { memoryPersistence, withRetainedIndex } from '../../hub/broker-retained.js'

// The broker answers SUBSCRIBE from a retained-topic index for filters without wildcards (hub/broker-retained.ts,
// docs/fleet.md "Reconnect storms"): what a subscriber receives must be what aedes's own search gives.

let broker: BrokerHandle | undefined
const clients: MqttClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await broker?.close()
  broker = undefined
})

async function client(id: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker!.port}`, { clientId: id, reconnectPeriod: 0 })
  clients.push(c)
  return c
}

/** Subscribes and collects what arrives until a marker published after the subscription comes back. */
async function retainedFor(c: MqttClient, filter: string): Promise<Array<[string, string]>> {
  const got: Array<[string, string]> = []
  const marker = `marker/${c.options.clientId}`
  const done = new Promise<void>((resolve) =>
    c.on('message', (topic, payload, packet) => {
      if (topic === marker) resolve()
      else if (packet.retain) got.push([topic, payload.toString()])
    }),
  )
  await c.subscribeAsync([filter, marker], { qos: 1 })
  await c.publishAsync(marker, 'x', { qos: 1 })
  await done
  return got.sort()
}

describe('retained messages through the retained-topic index', () => {
  it('an exact filter gets its retained message, a wildcard every match, a deleted or never-retained topic nothing', async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0, maxPacketBytes: 1024 * 1024 })
    const pub = await client('pub')
    for (const d of ['a', 'b', 'c']) await pub.publishAsync(`outpost/v1/${d}/status`, `online ${d}`, { qos: 1, retain: true })
    await pub.publishAsync('outpost/v1/b/status', '', { qos: 1, retain: true }) // deletes b's
    await pub.publishAsync('outpost/v1/a/ack', 'not retained', { qos: 1 })

    expect(await retainedFor(await client('s1'), 'outpost/v1/a/status')).toEqual([['outpost/v1/a/status', 'online a']])
    expect(await retainedFor(await client('s2'), 'outpost/v1/+/status')).toEqual([
      ['outpost/v1/a/status', 'online a'],
      ['outpost/v1/c/status', 'online c'],
    ])
    expect(await retainedFor(await client('s3'), 'outpost/v1/b/status')).toEqual([])
    expect(await retainedFor(await client('s4'), 'outpost/v1/a/ack')).toEqual([])
    expect(await retainedFor(await client('s5'), '#')).toEqual([
      ['outpost/v1/a/status', 'online a'],
      ['outpost/v1/c/status', 'online c'],
    ])
    // Retained again after its deletion: found again.
    await pub.publishAsync('outpost/v1/b/status', 'online b again', { qos: 1, retain: true })
    expect(await retainedFor(await client('s6'), 'outpost/v1/b/status')).toEqual([['outpost/v1/b/status', 'online b again']])
  })

  it('asks the persistence only for wildcard filters and exact filters that hold a retained message', async () => {
    const persistence = memoryPersistence()
    const asked: string[][] = []
    const search = persistence.createRetainedStreamCombi.bind(persistence)
    persistence.createRetainedStreamCombi = (patterns) => (asked.push(patterns), search(patterns))
    const indexed = withRetainedIndex(persistence)
    await indexed.storeRetained({ topic: 'outpost/v1/a/status', payload: Buffer.from('x') }) // without a callback: a promise
    const read = async (patterns: string[]) => (await indexed.createRetainedStreamCombi(patterns).toArray()).map((p: { topic: string }) => p.topic)
    expect(await read(['outpost/v1/z/ack', 'outpost/v1/z/cmd'])).toEqual([])
    expect(asked).toEqual([])
    expect(await read(['outpost/v1/a/status', 'outpost/v1/a/ack'])).toEqual(['outpost/v1/a/status'])
    expect(await read(['outpost/v1/+/status'])).toEqual(['outpost/v1/a/status'])
    expect(asked).toEqual([['outpost/v1/a/status'], ['outpost/v1/+/status']])
  })
})
