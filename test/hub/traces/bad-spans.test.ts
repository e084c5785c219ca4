import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { decodeAck, encodeValidatedBatch } from '../../../protocol/codec.js'
import { PROTOCOL_VERSION, type Batch } from '../../../protocol/batch.js'
import { topics } from '../../../protocol/topics.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'

// Bad spans reaching the hub's block trace store over real MQTT: the batch is refused with the field named, counted,
// never acked, and the valid batches around it are stored and searchable.

describe('bad spans at the hub', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  const logged: Array<{ msg: string; extra?: Record<string, unknown> }> = []
  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { log: (_level, msg, extra) => logged.push({ msg, extra }) })
  })
  afterEach(async () => {
    await hub.stop()
    await dir.cleanup()
  })

  it('refuses a batch with a bad span naming the field, and stores the valid batches around it', async () => {
    const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'raw-s', username: 'raw-s' })
    const acks: number[] = []
    await client.subscribeAsync(topics.ack('raw-s'), { qos: 1 })
    // The hub acks up to seq (and stored ranges above it): seqs 2 and 3 are never among them.
    client.on('message', (_topic, payload) => acks.push(decodeAck(payload).seq))
    const now = Date.now()
    const span = (traceId: string) => ({ traceId, spanId: 's1', name: 'op', service: 'svc', start: now - 100, end: now })
    const batch = (seq: number, s: unknown[]) => Buffer.from(encodeValidatedBatch({ v: PROTOCOL_VERSION, dev: 'raw-s', ep: 'e1', seq, at: now, s } as Batch))
    await client.publishAsync(topics.telemetry('raw-s'), batch(1, [span('good-1')]), { qos: 1 })
    await client.publishAsync(topics.telemetry('raw-s'), batch(2, [span('bad-1'), { ...span('bad-1'), spanId: 's2', status: 'failed' }]), { qos: 1 })
    await client.publishAsync(topics.telemetry('raw-s'), batch(3, [{ ...span('bad-2'), end: 'soon' }]), { qos: 1 })
    await client.publishAsync(topics.telemetry('raw-s'), batch(4, [span('good-2')]), { qos: 1 })
    await waitFor(async () => (await hub.get('/v1/traces/good-2')).status === 200, 15_000, 'the valid spans at the hub')
    await client.endAsync()

    const errors = logged.filter((l) => l.msg === 'telemetry rejected').map((l) => l.extra?.error)
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatch(/^s\[1\]\.status: must be one of unset, ok, error/)
    expect(errors[1]).toMatch(/^s\[0\]\.end: /)
    await waitFor(() => acks.length >= 2, 15_000, 'acks of the valid batches')
    expect(acks).toEqual([1, 1])
    const metrics = await fetch(`${hub.apiUrl}/metrics`).then((r) => r.text())
    expect(metrics).toMatch(/outpost_hub_batches_rejected_total\{reason="invalid_field"\} 2/)
    expect((await hub.get('/v1/traces/bad-1')).status).toBe(404)
    expect((await hub.get('/v1/traces/bad-2')).status).toBe(404)
    expect((await hub.get('/v1/traces/good-1')).body).toMatchObject({ spanCount: 1, devices: ['raw-s'] })
    const listed = (await hub.get('/v1/traces?service=svc')).body
    expect(listed.traces.map((t: { traceId: string }) => t.traceId).sort()).toEqual(['good-1', 'good-2'])
  })
})
