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
  const handle = await startBroker({ host: '127.0.0.1', port, maxPacketBytes: 1024 * 1024 })
  const received: number[] = []
  const log: Array<{ seq: number; hist: boolean; at: number }> = []
  const state = { autoAck: false }
  const ack = (ep: string, seq: number, r?: Array<[number, number]>) =>
    handle.broker.publish({ cmd: 'publish', topic: topics.ack('d1'), payload: Buffer.from(encodeAck(r ? { ep, seq, r } : { ep, seq })), qos: 1, retain: false, dup: false }, () => {})
  handle.broker.on('publish', (packet) => {
    if (packet.topic !== topics.telemetry('d1')) return
    const batch = decodeBatch(packet.payload as Buffer)
    received.push(batch.seq)
    log.push({ seq: batch.seq, hist: batch.hist === true, at: Date.now() })
    if (state.autoAck) ack(batch.ep, 0, [[batch.seq, batch.seq]])
  })
  return { handle, received, log, ack, state }
}

const body = (v: number) => {
  const b = new MetricsBuilder()
  b.add({ name: 'x', type: 'gauge', labels: {} }, 1_700_000_000_000 + v, v)
  return encodeCbor({ m: b.build() })
}

/** A batch of about 2.6 KB, so a bandwidth cap of a few KB/s visibly paces a backlog of them. */
const big = (v: number) => {
  const b = new MetricsBuilder()
  for (let k = 0; k < 100; k++) b.add({ name: 'x', type: 'gauge', labels: { k: String(k) } }, 1_700_000_000_000 + v, v + k / 7)
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

  const start = (url: string, inflight = 4, ackTimeoutMs = 60_000, maxBytesPerSecond = 0) => {
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
      maxBytesPerSecond,
      log: silent,
    })
    uplink.start()
    return uplink
  }

  it('keeps at most `inflight` batches unacked, and deletes them only on the hub ack', async () => {
    hub = await scriptedHub()
    const up = start(`mqtt://127.0.0.1:${hub.handle.port}`, 4)
    await waitFor(() => up.connected, 5_000, 'connected')
    for (let i = 1; i <= 10; i++) await buffer.append(body(i))
    up.notify()
    await waitFor(() => hub!.received.length === 4, 5_000, 'window of 4')
    await new Promise((r) => setTimeout(r, 200))
    expect(hub.received).toEqual([1, 2, 3, 4])
    expect(hub.log.every((b) => !b.hist)).toBe(true)
    expect(buffer.stats().pending).toBe(10) // PUBACKs arrived, but no ack: nothing deleted

    hub.ack(buffer.epoch, 3) // cumulative: 1..3
    await waitFor(() => buffer.stats().pending === 7 && hub!.received.length === 7, 5_000, 'window slides by 3')
    expect(hub.received.slice(4)).toEqual([5, 6, 7])
    hub.ack(buffer.epoch, 10)
    // The counter moves after the buffer's delete (applyAck awaits both ack kinds first): wait on it, then check both.
    await waitFor(() => up.counters.acked >= 10, 5_000, 'all acked')
    expect(up.counters.acked).toBe(10)
    expect(buffer.stats().pending).toBe(0)
  })

  it('selective acks release batches above a gap', async () => {
    hub = await scriptedHub()
    const up = start(`mqtt://127.0.0.1:${hub.handle.port}`, 8)
    await waitFor(() => up.connected, 5_000, 'connected')
    for (let i = 1; i <= 5; i++) await buffer.append(body(i))
    up.notify()
    await waitFor(() => hub!.received.length === 5, 5_000, 'sent')
    hub.ack(buffer.epoch, 1, [[3, 4]])
    await waitFor(() => buffer.stats().pending === 2, 5_000, 'acked 1, 3, 4')
    expect((await buffer.read(0, 10)).map((b) => b.seq)).toEqual([2, 5])
  })

  it('backlog from before the connection drains oldest-first, marked hist, beside live data that goes first', async () => {
    hub = await scriptedHub()
    hub.state.autoAck = true
    for (let i = 1; i <= 6; i++) await buffer.append(big(i)) // made while offline: backlog
    const up = start(`mqtt://127.0.0.1:${hub.handle.port}`, 4, 60_000, 3_000)
    await waitFor(() => up.connected, 5_000, 'connected')
    for (let i = 7; i <= 9; i++) await buffer.append(body(i)) // live
    up.notify()
    await waitFor(() => buffer.stats().pending === 0, 15_000, 'everything delivered')
    const backlog = hub.log.filter((b) => b.hist).map((b) => b.seq)
    const live = hub.log.filter((b) => !b.hist).map((b) => b.seq)
    expect(backlog).toEqual([1, 2, 3, 4, 5, 6])
    expect(live).toEqual([7, 8, 9])
    // Live data did not wait for the capped backlog: it went out before the backlog finished.
    const lastLive = Math.max(...hub.log.filter((b) => !b.hist).map((b) => b.at))
    const lastBacklog = Math.max(...hub.log.filter((b) => b.hist).map((b) => b.at))
    expect(lastLive).toBeLessThan(lastBacklog)
    expect(up.counters.replayed).toBe(6)
  })

  it('the backlog respects uplink.maxBytesPerSecond', async () => {
    hub = await scriptedHub()
    hub.state.autoAck = true
    for (let i = 1; i <= 8; i++) await buffer.append(big(i))
    const up = start(`mqtt://127.0.0.1:${hub.handle.port}`, 8, 60_000, 4_000)
    const t0 = Date.now()
    await waitFor(() => buffer.stats().pending === 0, 15_000, 'backlog drained')
    const seconds = (Date.now() - t0) / 1000
    const bytes = up.counters.bytesSent
    // One second of budget up front, then at most 4,000 B/s; the last batch may overdraw the bucket.
    const batchBytes = bytes / 8
    expect(bytes).toBeGreaterThan(16_000)
    expect(seconds).toBeGreaterThan((bytes - 4_000 - batchBytes) / 4_000)
    // Without the cap the same backlog goes out at once.
    expect(seconds).toBeLessThan(10)
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
