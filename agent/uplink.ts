import { EventEmitter } from 'node:events'
import mqtt, { type MqttClient } from 'mqtt'
import { decode as decodeCbor } from 'cbor-x'
import { PROTOCOL_VERSION, type Batch } from '../protocol/batch.js'
import { decodeAck, encodeBatch, encodeStatus } from '../protocol/codec.js'
import { topics } from '../protocol/topics.js'
import type { LevelBuffer } from './buffer/level-buffer.js'
import { backoffDelay } from './backoff.js'

export interface UplinkOptions {
  hubUrl: string
  deviceId: string
  token?: string
  version: string
  hostInfo: () => Promise<Record<string, unknown>>
  /** Batches sent and not yet acked at once. */
  inflight: number
  /** Resend a batch not acked within this time. */
  ackTimeoutMs: number
  reconnectBaseMs: number
  reconnectMaxMs: number
  keepaliveSeconds: number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
}

export interface UplinkCounters {
  sent: number
  /** Encoded bytes of first sends (resends not counted). */
  bytesSent: number
  resent: number
  acked: number
  errors: number
  connects: number
}

/**
 * Sends buffered batches to the hub over MQTT (QoS 1) and deletes them only on the hub's ack
 * (DESIGN §5: PUBACK is not an ack). Keeps a window of unacked batches in flight.
 */
export class Uplink extends EventEmitter {
  readonly counters: UplinkCounters = { sent: 0, bytesSent: 0, resent: 0, acked: 0, errors: 0, connects: 0 }
  private client?: MqttClient
  private readonly inFlight = new Map<number, number>() // seq -> sent at
  private highestSent = 0
  private attempt = 0
  private reconnectTimer?: NodeJS.Timeout
  private timeoutTimer?: NodeJS.Timeout
  private pumping = false
  private pumpAgain = false
  private stopped = false

  constructor(
    private readonly buffer: LevelBuffer,
    private readonly options: UplinkOptions,
  ) {
    super()
  }

  get connected(): boolean {
    return this.client?.connected ?? false
  }

  start(): void {
    const { deviceId } = this.options
    this.client = mqtt.connect(this.options.hubUrl, {
      clientId: deviceId,
      username: deviceId,
      password: this.options.token,
      clean: true,
      keepalive: this.options.keepaliveSeconds,
      reconnectPeriod: 0, // we reconnect ourselves, with backoff and jitter
      connectTimeout: 10_000,
      will: { topic: topics.status(deviceId), payload: Buffer.from(encodeStatus({ state: 'offline' })), qos: 1, retain: true },
    })
    this.client.on('connect', () => void this.onConnect())
    this.client.on('close', () => this.onClose())
    this.client.on('error', (err) => {
      this.counters.errors++
      this.options.log('warning', 'uplink error', { error: err.message })
    })
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload))
    this.timeoutTimer = setInterval(() => this.resendExpired(), Math.max(250, this.options.ackTimeoutMs / 4))
    this.timeoutTimer.unref()
  }

  /** New data in the buffer: send it if the window allows. */
  notify(): void {
    void this.pump()
  }

  /** Publishes the offline status (a clean disconnect fires no will) and disconnects. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.reconnectTimer)
    clearInterval(this.timeoutTimer)
    const client = this.client
    if (!client) return
    if (client.connected) {
      await client
        .publishAsync(topics.status(this.options.deviceId), Buffer.from(encodeStatus({ state: 'offline', at: Date.now() })), {
          qos: 1,
          retain: true,
        })
        .catch(() => {})
    }
    await client.endAsync(!client.connected).catch(() => {})
  }

  private async onConnect(): Promise<void> {
    this.attempt = 0
    this.counters.connects++
    const client = this.client!
    const { deviceId, version } = this.options
    this.options.log('info', 'connected to hub', { hub: this.options.hubUrl })
    try {
      await client.subscribeAsync(topics.ack(deviceId), { qos: 1 })
      const birth = { state: 'online' as const, ep: this.buffer.epoch, at: Date.now(), version, host: await this.options.hostInfo() }
      await client.publishAsync(topics.status(deviceId), Buffer.from(encodeStatus(birth)), { qos: 1, retain: true })
    } catch (err) {
      this.options.log('warning', 'session setup failed', { error: (err as Error).message })
      return
    }
    // Everything unacked is sent again: the hub dedups (DESIGN §5).
    this.inFlight.clear()
    this.highestSent = 0
    this.emit('connected')
    void this.pump()
  }

  private onClose(): void {
    this.inFlight.clear()
    if (this.stopped) return
    this.emit('disconnected')
    clearTimeout(this.reconnectTimer)
    const delay = backoffDelay(this.attempt++, this.options.reconnectBaseMs, this.options.reconnectMaxMs)
    this.reconnectTimer = setTimeout(() => {
      if (!this.stopped) this.client?.reconnect()
    }, delay)
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic !== topics.ack(this.options.deviceId)) return
    let ack
    try {
      ack = decodeAck(payload)
    } catch (err) {
      this.counters.errors++
      this.options.log('warning', 'bad ack from hub', { error: (err as Error).message })
      return
    }
    if (ack.ep !== this.buffer.epoch) return
    void this.buffer.ack(ack.ep, ack.seq).then((n) => {
      this.counters.acked += n
      for (const seq of this.inFlight.keys()) if (seq <= ack.seq) this.inFlight.delete(seq)
      if (n > 0) this.emit('acked', ack.seq)
      void this.pump()
    })
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true
      return
    }
    this.pumping = true
    try {
      do {
        this.pumpAgain = false
        while (this.connected && !this.stopped && this.inFlight.size < this.options.inflight) {
          const room = this.options.inflight - this.inFlight.size
          const next = await this.buffer.read(this.highestSent, room)
          if (next.length === 0) break
          for (const item of next) {
            this.highestSent = item.seq
            this.send(item.seq, item.body)
          }
        }
      } while (this.pumpAgain)
    } catch (err) {
      this.counters.errors++
      this.options.log('error', 'uplink pump failed', { error: (err as Error).message })
    } finally {
      this.pumping = false
    }
  }

  private send(seq: number, body: Uint8Array, resend = false): void {
    const client = this.client
    if (!client?.connected) return
    const batch: Batch = {
      ...(decodeCbor(body) as Omit<Batch, 'v' | 'dev' | 'ep' | 'seq' | 'at'>),
      v: PROTOCOL_VERSION,
      dev: this.options.deviceId,
      ep: this.buffer.epoch,
      seq,
      at: Date.now(),
      lo: this.buffer.lowestSeq(),
    }
    const payload = Buffer.from(encodeBatch(batch))
    this.inFlight.set(seq, Date.now())
    if (resend) this.counters.resent++
    else {
      this.counters.sent++
      this.counters.bytesSent += payload.byteLength
    }
    client.publish(topics.telemetry(this.options.deviceId), payload, { qos: 1 }, (err) => {
      if (err) {
        this.counters.errors++
        this.inFlight.delete(seq)
      }
    })
  }

  private async resendExpired(): Promise<void> {
    if (!this.connected) return
    const now = Date.now()
    const expired = [...this.inFlight].filter(([, at]) => now - at > this.options.ackTimeoutMs).map(([seq]) => seq)
    if (expired.length === 0) return
    const held = await this.buffer.read(Math.min(...expired) - 1, this.options.inflight)
    for (const item of held) if (this.inFlight.has(item.seq)) this.send(item.seq, item.body, true)
  }
}
