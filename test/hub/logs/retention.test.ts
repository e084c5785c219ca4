import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { encodeBatch } from '../../../protocol/codec.js'
import { PROTOCOL_VERSION } from '../../../protocol/batch.js'
import { topics } from '../../../protocol/topics.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'

const DAY = 86_400_000

describe('log retention in the hub', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await hub.stop()
    await dir.cleanup()
  })

  it("the hub's periodic pass deletes logs older than retention.logs", async () => {
    const now = Date.now()
    hub = await startTestHub(dir.dir, { compactInterval: 50, retention: { logs: 2 * DAY } })
    const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'raw-1', username: 'raw-1' })
    try {
      let acks = 0
      await client.subscribeAsync(topics.ack('raw-1'), { qos: 1 })
      client.on('message', () => acks++)
      const batch = encodeBatch({
        v: PROTOCOL_VERSION, dev: 'raw-1', ep: 'e1', seq: 1, at: now,
        l: [
          { ts: now - 5 * DAY, level: 'error', message: 'ancient failure' },
          { ts: now, level: 'error', message: 'fresh failure' },
        ],
      })
      await client.publishAsync(topics.telemetry('raw-1'), Buffer.from(batch), { qos: 1 })
      await waitFor(() => acks === 1, 10_000, 'ack')
    } finally {
      await client.endAsync()
    }
    const messages = async () => (await hub.get('/v1/logs?device=raw-1')).body.logs.map((l: { message: string }) => l.message)
    await waitFor(async () => (await messages()).length === 1, 10_000, 'the old log pruned')
    expect(await messages()).toEqual(['fresh failure'])
    expect((await hub.get('/v1/logs/errors')).body.errors).toEqual([expect.objectContaining({ message: 'fresh failure', count: 1 })])
  })
})
