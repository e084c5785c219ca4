import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encode as encodeCbor } from 'cbor-x'
import { LevelBuffer } from '../../agent/buffer/level-buffer.js'
import { Uplink } from '../../agent/uplink.js'
import { startBroker, type BrokerHandle } from '../../hub/broker.js'
import { decodeBatch, encodeAck } from '../../protocol/codec.js'
import { topics } from '../../protocol/topics.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { tempDir, waitFor, silent } from '../helpers/temp.js'

/** A scripted hub: a real aedes broker that records telemetry and acks only when told to. */
async function scriptedHub(port = 0) {
  const handle = await startBroker('127.0.0.1', port)
  const received: number[] = []
  handle.broker.on('publish', (packet) => {
    if (packet.topic === topics.telemetry('d1')) received.push(decodeBatch(packet.payload as Buffer).seq)
  })
  const ack = (ep: string, seq: number) =>
    handle.broker.publish({ cmd: 'publish', topic: topics.ack('d1'), payload: Buffer.from(encodeAck({ ep, seq })), qos: 1, retain: false, dup: false }, () => {})
  return { handle, received, ack }
}

const body = (v: number) => {
  const b = new MetricsBuilder()
  b.add({ name: 'x', type: 'gauge', labels: {} }, 1_700_000_000_000 + v, v)
  return encodeCbor({ m: b.build() })
}

describe('Uplink', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let buffer: LevelBuffer
  let uplink: Uplink | undefined
  let hub: Awaited<ReturnType<typeof scriptedHub>> | undefined
  let broker: BrokerHandle | undefined

  beforeEach(async () => {
    dir = await tempDir()
    buffer = new LevelBuffer(dir.dir, { maxBytes: 10_000_000, policy: 'block' })
    await buffer.open()
  })
  afterEach(async () => {
    await uplink?.stop()
    await hub?.handle.close()
    await broker?.close()
    await buffer.close()
    await dir.cleanup()
    uplink = hub = broker = undefined
  })

  const start = (url: string, inflight = 4, ackTimeoutMs = 60_000) => {
    uplink = new Uplink(buffer, {
      hubUrl: url,
      deviceId: 'd1',
      version: 't',
      hostInfo: async () => ({}),
      inflight,
      ackTimeoutMs,
      reconnectBaseMs: 50,
      reconnectMaxMs: 200,
      keepaliveSeconds: 10,
      log: silent,
    })
    uplink.start()
    return uplink
  }

  it('keeps at most `inflight` batches unacked, and deletes them only on the hub ack', async () => {
    hub = await scriptedHub()
    for (let i = 1; i <= 10; i++) await buffer.append(body(i))
    const up = start(`mqtt://127.0.0.1:${hub.handle.port}`, 4)
    await waitFor(() => hub!.received.length === 4, 5_000, 'window of 4')
    await new Promise((r) => setTimeout(r, 200))
    expect(hub.received).toEqual([1, 2, 3, 4])
    expect(buffer.stats().pending).toBe(10) // PUBACKs arrived, but no ack: nothing deleted

    hub.ack(buffer.epoch, 3) // cumulative: 1..3
    await waitFor(() => buffer.stats().pending === 7 && hub!.received.length === 7, 5_000, 'window slides by 3')
    expect(hub.received.slice(4)).toEqual([5, 6, 7])
    hub.ack(buffer.epoch, 10)
    await waitFor(() => buffer.stats().pending === 0, 5_000, 'all acked')
    expect(up.counters.acked).toBe(10)
  })

  it('resends a batch whose ack does not come within the timeout', async () => {
    hub = await scriptedHub()
    await buffer.append(body(1))
    start(`mqtt://127.0.0.1:${hub.handle.port}`, 4, 300)
    await waitFor(() => hub!.received.length >= 2, 5_000, 'a resend')
    expect(hub.received.slice(0, 2)).toEqual([1, 1])
    hub.ack(buffer.epoch, 1)
    await waitFor(() => buffer.stats().pending === 0, 5_000, 'acked')
  })

  it('reconnects to a restarted hub and resends everything unacked', async () => {
    hub = await scriptedHub()
    const port = hub.handle.port
    for (let i = 1; i <= 3; i++) await buffer.append(body(i))
    const up = start(`mqtt://127.0.0.1:${port}`, 8)
    await waitFor(() => hub!.received.length === 3, 5_000, 'first sends')
    await hub.handle.close()
    hub = undefined
    await waitFor(() => !up.connected, 5_000, 'disconnect seen')
    await buffer.append(body(4))
    hub = await scriptedHub(port)
    await waitFor(() => hub!.received.length === 4, 10_000, 'resend after reconnect')
    expect(hub.received).toEqual([1, 2, 3, 4])
    hub.ack(buffer.epoch, 4)
    await waitFor(() => buffer.stats().pending === 0, 5_000, 'acked')
    expect(up.counters.connects).toBeGreaterThanOrEqual(2)
  })

  it('ignores acks of another epoch', async () => {
    hub = await scriptedHub()
    await buffer.append(body(1))
    start(`mqtt://127.0.0.1:${hub.handle.port}`)
    await waitFor(() => hub!.received.length === 1, 5_000, 'sent')
    hub.ack('not-this-epoch', 1)
    await new Promise((r) => setTimeout(r, 200))
    expect(buffer.stats().pending).toBe(1)
  })
})
