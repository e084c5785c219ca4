import { randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import { PROTOCOL_VERSION } from '../../protocol/batch.js'
import { decodeAck, encodeBatch, encodeStatus } from '../../protocol/codec.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { topics } from '../../protocol/topics.js'
import { backoffDelay } from '../../agent/backoff.js'
import { SyntheticCollector } from '../../agent/collectors/synthetic/index.js'

interface Entry {
  bytes: Buffer
  /** When first sent live in this session (publish-to-ack latency); undefined for resends and batches kept offline. */
  sentAt?: number
  /** When last sent, for the ack timeout. */
  lastSent?: number
}

/** The metric whose value counts a simulated device's ticks 1, 2, 3…: what a checker reads back from the hub. */
export const PROBE_METRIC = 'sim_probe_seq'

export interface FleetDeviceOptions {
  id: string
  hub: string
  token?: string
  series: number
  reconnectBaseMs: number
  reconnectMaxMs: number
  /** Wait after CONNACK 3 (the hub's ban or full admission queue), as the agent's uplink.banWait. */
  banWaitMs: number
  keepaliveSeconds: number
  version: string
  /** Resend a batch not acked within this time (as the agent's uplink.ackTimeout). */
  ackTimeoutMs: number
  /** Publish-to-ack latency of a batch sent live and acked in the same session, ms. */
  onAckLatency: (ms: number) => void
}

/**
 * One simulated device for fleets of thousands (`outpost simulate --buffer memory`): one real MQTT connection
 * speaking the agent's protocol (birth and will, QoS 1 telemetry, acks by epoch and seq, resend of everything
 * unacked on reconnect, full-jitter backoff, waiting out a ban), with its unacked batches in memory instead of a
 * LevelDB buffer per device, so ten thousand of them fit in one process.
 */
export class FleetDevice {
  readonly epoch = randomBytes(8).toString('hex')
  /** Unacked batches by seq, and when each was first sent in the current session (undefined: not sent live). */
  private readonly pending = new Map<number, Entry>()
  private readonly collector: SyntheticCollector
  private client?: MqttClient
  private nextSeq = 1
  private ticks = 0
  private attempt = 0
  private reconnectTimer?: NodeJS.Timeout
  private bannedUntil = 0
  private stopped = false
  ready = false
  readonly counters = { sent: 0, resent: 0, acked: 0, connects: 0, banned: 0, errors: 0 }

  constructor(private readonly o: FleetDeviceOptions) {
    this.collector = new SyntheticCollector(o.id, o.series)
  }

  get id(): string {
    return this.o.id
  }

  get unacked(): number {
    return this.pending.size
  }

  /** Ticks produced so far: the probe values 1..ticks the hub must hold exactly once each. */
  get produced(): number {
    return this.ticks
  }

  start(): void {
    const { id } = this.o
    this.client = mqtt.connect(this.o.hub, {
      clientId: id,
      username: id,
      password: this.o.token,
      clean: true,
      keepalive: this.o.keepaliveSeconds,
      reconnectPeriod: 0, // reconnects are ours, with jitter
      connectTimeout: 30_000,
      writeCache: false,
      will: { topic: topics.status(id), payload: Buffer.from(encodeStatus({ state: 'offline' })), qos: 1, retain: true },
    })
    this.client.on('connect', () => void this.onConnect())
    this.client.on('close', () => this.onClose())
    this.client.on('message', (topic, payload) => this.onAck(topic, payload))
    this.client.on('error', (err) => {
      this.counters.errors++
      if ((err as Error & { code?: unknown }).code === 3) {
        this.counters.banned++
        this.bannedUntil = Date.now() + this.o.banWaitMs
      }
    })
  }

  /** One collection: the synthetic series plus the probe, as one batch; sent now if connected, else kept. */
  tick(now: number): void {
    const builder = new MetricsBuilder()
    this.collector.step(builder, now)
    builder.add({ name: PROBE_METRIC, type: 'gauge', labels: {} }, now, ++this.ticks)
    const seq = this.nextSeq++
    const batch = { v: PROTOCOL_VERSION, dev: this.o.id, ep: this.epoch, seq, at: Date.now(), lo: this.floor(seq), m: builder.build() }
    const entry: Entry = { bytes: Buffer.from(encodeBatch(batch)) }
    this.pending.set(seq, entry)
    if (this.ready) this.publish(entry, false)
    // Batches not acked in time go again (the hub dedups): called on every tick, so no timer per device.
    const old = performance.now() - this.o.ackTimeoutMs
    if (this.ready) for (const e of this.pending.values()) if (e !== entry && e.lastSent !== undefined && e.lastSent < old) this.publish(e, true)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.reconnectTimer)
    const client = this.client
    if (!client) return
    if (client.connected) {
      await Promise.race([
        client.publishAsync(topics.status(this.o.id), Buffer.from(encodeStatus({ state: 'offline', at: Date.now() })), { qos: 1, retain: true }).catch(() => {}),
        new Promise((r) => setTimeout(r, 2_000).unref()),
      ])
    }
    await Promise.race([client.endAsync(true).catch(() => {}), new Promise((r) => setTimeout(r, 2_000).unref())])
  }

  private floor(seq: number): number {
    for (const s of this.pending.keys()) return Math.min(s, seq) // Map keeps insertion (= seq) order
    return seq
  }

  private async onConnect(): Promise<void> {
    const client = this.client!
    this.attempt = 0
    this.bannedUntil = 0
    this.counters.connects++
    try {
      await client.subscribeAsync(topics.ack(this.o.id), { qos: 1 })
      const birth = { state: 'online' as const, ep: this.epoch, at: Date.now(), version: this.o.version, host: { simulated: true } }
      await client.publishAsync(topics.status(this.o.id), Buffer.from(encodeStatus(birth)), { qos: 1, retain: true })
    } catch {
      return // the close that follows reconnects
    }
    this.ready = true
    // Everything unacked goes again, oldest first: the hub dedups (DESIGN §5).
    for (const entry of this.pending.values()) this.publish(entry, true)
  }

  private publish(entry: Entry, resend: boolean): void {
    entry.lastSent = performance.now()
    entry.sentAt = resend ? undefined : entry.lastSent
    if (resend) this.counters.resent++
    else this.counters.sent++
    this.client!.publish(topics.telemetry(this.o.id), entry.bytes, { qos: 1 }, () => {})
  }

  private onAck(topic: string, payload: Buffer): void {
    if (topic !== topics.ack(this.o.id)) return
    let ack
    try {
      ack = decodeAck(payload)
    } catch {
      this.counters.errors++
      return
    }
    if (ack.ep !== this.epoch) return
    const now = performance.now()
    const ranges = ack.r ?? []
    for (const [seq, entry] of this.pending) {
      if (seq > ack.seq && !ranges.some(([a, b]) => seq >= a && seq <= b)) continue
      if (entry.sentAt !== undefined) this.o.onAckLatency(now - entry.sentAt)
      this.pending.delete(seq)
      this.counters.acked++
    }
  }

  private onClose(): void {
    this.ready = false
    for (const entry of this.pending.values()) entry.sentAt = entry.lastSent = undefined
    if (this.stopped) return
    clearTimeout(this.reconnectTimer)
    const delay = Math.max(backoffDelay(this.attempt++, this.o.reconnectBaseMs, this.o.reconnectMaxMs), this.bannedUntil - Date.now())
    this.reconnectTimer = setTimeout(() => {
      if (!this.stopped) this.client?.reconnect()
    }, delay)
  }
}
