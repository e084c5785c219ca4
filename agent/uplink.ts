import { EventEmitter } from 'node:events'
import { performance } from 'node:perf_hooks'
import type { MqttClient } from 'mqtt'
import type { StreamBuilder } from 'mqtt/lib/shared'
import { PROTOCOL_VERSION, type Batch } from '../protocol/batch.js'
import { decodeAck, encodeStatus, wrapBody } from '../protocol/codec.js'
import { topics } from '../protocol/topics.js'
import type { LevelBuffer } from './buffer/level-buffer.js'
import { backoffDelay } from './backoff.js'
import { TokenBucket } from './token-bucket.js'
import { connectMqtt, loadTlsBuilder, needsTls } from './mqtt-connect.js'
import type { ClockSteps } from './clock-steps.js'

export interface UplinkOptions {
  /** One hub URL, or several comma-separated: a failed connection moves to the next (docs/cluster.md). */
  hubUrl: string
  deviceId: string
  token?: string
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer }
  version: string
  hostInfo: () => Promise<Record<string, unknown>>
  /** Batches sent and not yet acked at once. */
  inflight: number
  /** Resend a batch not acked within this time. */
  ackTimeoutMs: number
  reconnectBaseMs: number
  reconnectMaxMs: number
  /** Wait after the hub refused the connection as banned (its flapping guard), before trying again. Default 60 s. */
  banWaitMs?: number
  keepaliveSeconds: number
  /** Bandwidth cap for replayed backlog, bytes/s; 0: no cap. Live data is never held back by it. */
  maxBytesPerSecond?: number
  /** Agent wall clock (tests shift it to simulate a device whose clock is wrong). */
  clock?: () => number
  /** Steps of that clock: each batch's `at` is read on the clock its samples were stamped with. */
  clockSteps?: ClockSteps
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
  /** A payload on the device's cmd topic (DESIGN §3); the remote control (agent/remote/) decodes and answers it. */
  onCmd?: (payload: Buffer) => void
}

/** Uplink settings a remote configuration may change (docs/agent.md). */
export type UplinkLimits = Pick<UplinkOptions, 'inflight' | 'ackTimeoutMs' | 'keepaliveSeconds' | 'maxBytesPerSecond'>

export interface UplinkCounters {
  sent: number
  /** Encoded bytes of first sends (resends not counted). */
  bytesSent: number
  resent: number
  acked: number
  /** Batches sent as replayed backlog (marked `hist`). */
  replayed: number
  errors: number
  connects: number
  /** Connections the hub refused as banned (flapping guard). */
  banned: number
}

/**
 * Sends buffered batches to the hub over MQTT (QoS 1) and deletes them only on the hub's ack
 * (DESIGN §5: PUBACK is not an ack). Keeps a window of unacked batches in flight.
 */
/** At most one recount of a stalled buffer this often (reconcileIfStalled). */
const RECONCILE_EVERY_MS = 30_000
/** The hub's default ban (hub `limits.ban`). */
const DEFAULT_BAN_WAIT_MS = 60_000

/**
 * CONNACK codes that mean "banned, come back later": MQTT 3.1.1 return code 3 (server unavailable, what the hub's
 * flapping guard answers) and MQTT 5 reason codes 0x8A banned and 0x9F connection rate exceeded.
 */
const BANNED_CODES = new Set([3, 0x8a, 0x9f])

export class Uplink extends EventEmitter {
  readonly counters: UplinkCounters = { sent: 0, bytesSent: 0, resent: 0, acked: 0, replayed: 0, errors: 0, connects: 0, banned: 0 }
  private client?: MqttClient
  private readonly inFlight = new Map<number, { at: number; hist: boolean }>()
  /** Batches from this seq on were made while connected: the live lane. Older ones are backlog. */
  private liveFrom = 1
  private highestLiveSent = 0
  private highestBacklogSent = 0
  private recoveriesSeen = 0
  private reconciledAt = -Infinity
  private backlogTimer?: NodeJS.Timeout
  private readonly bucket: TokenBucket
  private readonly now: () => number
  private attempt = 0
  private reconnectTimer?: NodeJS.Timeout
  private timeoutTimer?: NodeJS.Timeout
  private pumping = false
  private pumpAgain = false
  private stopped = false
  /** Set when the hub refused the last attempt as banned: the next attempt waits out the ban. */
  private bannedUntil = 0
  /** Bumped on every (re)connect: a lane read that began on an older session must not move this one's cursors. */
  private session = 0
  /** The hubs to try, in turn (`--hub a,b`); hubIndex is the one tried last. */
  private readonly hubUrls: string[]
  private hubIndex = 0

  constructor(
    private readonly buffer: LevelBuffer,
    private readonly options: UplinkOptions,
  ) {
    super()
    this.now = options.clock ?? Date.now
    this.bucket = new TokenBucket(options.maxBytesPerSecond ?? 0)
    this.hubUrls = options.hubUrl.split(',').map((u) => u.trim()).filter(Boolean)
  }

  /** The hub this uplink connects (or last tried to connect) to. */
  get hub(): string {
    return this.hubUrls[this.hubIndex]
  }

  /** The limits in force now (a remote configuration may have changed them). */
  limits(): UplinkLimits {
    const { inflight, ackTimeoutMs, keepaliveSeconds, maxBytesPerSecond } = this.options
    return { inflight, ackTimeoutMs, keepaliveSeconds, maxBytesPerSecond: maxBytesPerSecond ?? 0 }
  }

  /** Applies new limits without a restart; a new keepalive takes a fresh MQTT session (unacked batches are resent). */
  async reconfigure(limits: Partial<UplinkLimits>): Promise<void> {
    const reconnect = limits.keepaliveSeconds !== undefined && limits.keepaliveSeconds !== this.options.keepaliveSeconds
    Object.assign(this.options, limits)
    if (limits.maxBytesPerSecond !== undefined) this.bucket.setRate(limits.maxBytesPerSecond)
    if (!reconnect || this.stopped || !this.client) return
    const old = this.client
    clearTimeout(this.reconnectTimer)
    this.attempt = 0
    old.removeAllListeners()
    old.on('error', () => {})
    this.ready = false
    this.inFlight.clear()
    await Promise.race([old.endAsync(true).catch(() => {}), new Promise((r) => setTimeout(r, 2_000).unref())])
    if (!this.stopped) this.connect()
  }

  /** Publishes a reply on `…/cmd/reply` (QoS 1); rejects when not connected or the broker refuses it. */
  async reply(payload: Uint8Array): Promise<void> {
    const client = this.client
    if (!client?.connected) throw new Error('not connected to the hub')
    await client.publishAsync(topics.cmdReply(this.options.deviceId), Buffer.from(payload), { qos: 1 })
  }

  get connected(): boolean {
    return this.client?.connected ?? false
  }

  /** Connected and the session is set up (ack subscription, birth, lanes): only then does the pump send. */
  private ready = false

  start(): void {
    this.connect()
    this.timeoutTimer = setInterval(() => {
      // A buffer read can fail (damage being repaired): log it and try again on the next tick, never crash.
      this.resendExpired().catch((err) => {
        this.counters.errors++
        this.options.log('error', 'resend failed', { error: (err as Error).message })
      })
      // Nothing in flight yet batches held: no ack or append will wake the pump, so the tick does.
      if (this.inFlight.size === 0 && this.buffer.stats().pending > 0) void this.pump()
    }, Math.max(250, this.options.ackTimeoutMs / 4))
    this.timeoutTimer.unref()
  }

  /** mqtt.js's TLS stream, loaded when an mqtts:// hub is first tried (mqtt-connect.ts). */
  private tlsBuilder?: StreamBuilder

  private connect(): void {
    const { deviceId } = this.options
    if (needsTls(this.hub) && !this.tlsBuilder) {
      void loadTlsBuilder().then(
        (tls) => {
          this.tlsBuilder = tls
          if (!this.stopped) this.connect()
        },
        (err) => this.options.log('error', 'cannot load TLS for an mqtts:// hub', { error: String(err) }),
      )
      return
    }
    const client = (this.client = connectMqtt(this.hub, {
      clientId: deviceId,
      username: deviceId,
      password: this.options.token,
      ...this.options.tls,
      clean: true,
      keepalive: this.options.keepaliveSeconds,
      reconnectPeriod: 0, // we reconnect ourselves, with backoff and jitter
      connectTimeout: 10_000,
      // mqtt-packet otherwise pre-builds a Buffer for each of the 65,536 packet ids: 6 MB of heap on a small device
      // to save one 2-byte allocation per publish (docs/agent.md, footprint).
      writeCache: false,
      will: { topic: topics.status(deviceId), payload: Buffer.from(encodeStatus({ state: 'offline' })), qos: 1, retain: true },
    }, this.tlsBuilder))
    client.on('connect', () => void this.onConnect())
    client.on('close', () => this.onClose())
    client.on('error', (err) => {
      this.counters.errors++
      const code = (err as Error & { code?: unknown }).code
      if (typeof code === 'number' && BANNED_CODES.has(code)) {
        // Retrying at once would only feed the guard: wait out the ban (MQTT 3.1.1 cannot say when it ends).
        this.counters.banned++
        const waitMs = this.options.banWaitMs ?? DEFAULT_BAN_WAIT_MS
        this.bannedUntil = performance.now() + waitMs
        this.options.log('warning', `hub refused the connection as banned (${err.message}): waiting out the ban until ${new Date(Date.now() + waitMs).toISOString()}`, { waitMs })
        // Should the close have come first, its short backoff gives way to the ban.
        if (this.reconnectTimer) this.scheduleReconnect(waitMs)
        return
      }
      this.options.log('warning', 'uplink error', { error: err.message })
    })
    client.on('message', (topic, payload) => this.onMessage(topic, payload))
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
    clearTimeout(this.backlogTimer)
    const client = this.client
    if (!client) return
    if (client.connected) {
      const offline = client
        .publishAsync(topics.status(this.options.deviceId), Buffer.from(encodeStatus({ state: 'offline', at: Date.now() })), {
          qos: 1,
          retain: true,
        })
        .catch(() => {})
      await Promise.race([offline, new Promise((r) => setTimeout(r, 2_000).unref())])
    }
    // Forced: unacked batches stay in the buffer, so nothing waits on MQTT's own in-flight messages.
    await Promise.race([client.endAsync(true).catch(() => {}), new Promise((r) => setTimeout(r, 2_000).unref())])
  }

  private async onConnect(): Promise<void> {
    this.attempt = 0
    this.counters.connects++
    // Everything unacked is sent again: the hub dedups (DESIGN §5). What was buffered before this connection is
    // backlog: it drains oldest-first beside live data, under the bandwidth cap (DESIGN §5). Set before any await,
    // so data accepted meanwhile counts as live.
    this.ready = false
    this.session++
    if (this.bannedUntil > 0) this.options.log('info', 'ban over: connected to hub again')
    this.bannedUntil = 0
    this.inFlight.clear()
    this.liveFrom = this.buffer.stats().nextSeq
    this.highestLiveSent = this.liveFrom - 1
    this.highestBacklogSent = 0
    const client = this.client!
    const { deviceId, version } = this.options
    this.options.log('info', 'connected to hub', { hub: this.hub })
    try {
      await client.subscribeAsync(topics.ack(deviceId), { qos: 1 })
      // The retained configuration, if any, arrives right after this subscription (DESIGN §3).
      if (this.options.onCmd) await client.subscribeAsync(topics.cmd(deviceId), { qos: 1 })
      const birth = { state: 'online' as const, ep: this.buffer.epoch, at: this.now(), version, host: await this.options.hostInfo() }
      await client.publishAsync(topics.status(deviceId), Buffer.from(encodeStatus(birth)), { qos: 1, retain: true })
    } catch (err) {
      this.options.log('warning', 'session setup failed', { error: (err as Error).message })
      return
    }
    this.ready = true
    this.emit('connected')
    void this.pump()
  }

  private onClose(): void {
    this.ready = false
    this.session++
    this.inFlight.clear()
    if (this.stopped) return
    this.emit('disconnected')
    clearTimeout(this.reconnectTimer)
    const backoff = backoffDelay(this.attempt++, this.options.reconnectBaseMs, this.options.reconnectMaxMs)
    this.scheduleReconnect(Math.max(backoff, this.bannedUntil - performance.now()))
  }

  private scheduleReconnect(delay: number): void {
    clearTimeout(this.reconnectTimer)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      if (this.stopped) return
      if (this.hubUrls.length < 2) return void this.client?.reconnect()
      // A session lost or a connection refused: the next hub of the list, after the same backoff and jitter.
      this.hubIndex = (this.hubIndex + 1) % this.hubUrls.length
      const old = this.client
      old?.removeAllListeners()
      old?.on('error', () => {})
      old?.end(true)
      this.connect()
    }, delay)
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === topics.cmd(this.options.deviceId)) return this.options.onCmd?.(payload)
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
    void this.applyAck(ack.ep, ack.seq, ack.r ?? [])
  }

  private async applyAck(ep: string, seq: number, ranges: Array<[number, number]>): Promise<void> {
    try {
      let n = await this.buffer.ack(ep, seq)
      if (ranges.length > 0) n += await this.buffer.ackRanges(ep, ranges)
      this.counters.acked += n
      for (const s of this.inFlight.keys()) {
        if (s <= seq || ranges.some(([a, b]) => s >= a && s <= b)) this.inFlight.delete(s)
      }
      if (n > 0) this.emit('acked', seq)
    } catch (err) {
      this.counters.errors++
      this.options.log('error', 'applying ack failed', { error: (err as Error).message })
    }
    void this.pump()
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
        while (this.ready && this.connected && !this.stopped && this.inFlight.size < this.options.inflight) {
          if (!(await this.sendLive()) && !(await this.sendBacklog())) break
        }
      } while (this.pumpAgain)
    } catch (err) {
      this.counters.errors++
      this.options.log('error', 'uplink pump failed', { error: (err as Error).message })
    } finally {
      this.pumping = false
    }
  }

  /** Live lane first: batches made since the link came up, in order. */
  private async sendLive(): Promise<boolean> {
    const room = this.options.inflight - this.inFlight.size
    const session = this.session
    const next = await this.buffer.read(this.highestLiveSent, room)
    if (session !== this.session) return false
    for (const item of next) {
      this.highestLiveSent = item.seq
      this.send(item.seq, item.body, false, false)
    }
    return next.length > 0
  }

  /** Backlog lane: oldest first, at most half the window, within the bandwidth budget. */
  private async sendBacklog(): Promise<boolean> {
    const backlogInFlight = [...this.inFlight.values()].filter((f) => f.hist).length
    if (backlogInFlight >= Math.max(1, Math.floor(this.options.inflight / 2))) return false
    const wait = this.bucket.waitMs()
    if (wait > 0) {
      clearTimeout(this.backlogTimer)
      this.backlogTimer = setTimeout(() => void this.pump(), wait)
      return false
    }
    // LevelDB can skip a damaged table until it is repaired, and the repair brings its records back below the
    // cursor: after any repair, replay the backlog from its start again (what is in flight is not sent twice).
    if (this.buffer.recoveryCount !== this.recoveriesSeen) {
      this.recoveriesSeen = this.buffer.recoveryCount
      this.highestBacklogSent = 0
    }
    const session = this.session
    const [item] = await this.buffer.read(this.highestBacklogSent, 1, this.liveFrom)
    if (session !== this.session) return false
    if (!item) {
      const recoveries = this.buffer.recoveryCount
      await this.reconcileIfStalled()
      // The recount can meet damage and repair, and a repair can bring records back (deleted ones too, whose
      // tombstones were in a damaged table): look again rather than wait for an event that may never come.
      return this.buffer.recoveryCount !== recoveries
    }
    this.highestBacklogSent = item.seq
    if (this.inFlight.has(item.seq)) return true
    this.bucket.tryTake(this.send(item.seq, item.body, false, true))
    return true
  }

  /**
   * Nothing in flight and no lane found a record, yet the buffer counts some pending: its counters promise records
   * that cannot be read (damage the repair did not see). Recount once a while, so the agent does not wait forever.
   */
  private async reconcileIfStalled(): Promise<void> {
    if (this.inFlight.size > 0 || this.buffer.stats().pending === 0) return
    if (performance.now() - this.reconciledAt < RECONCILE_EVERY_MS) return
    this.reconciledAt = performance.now()
    const missing = await this.buffer.reconcile()
    if (missing > 0) this.options.log('warning', 'buffer counted batches it cannot read; recounted', { missing })
  }

  /** Publishes one batch; returns its encoded size. */
  private send(seq: number, body: Uint8Array, resend: boolean, hist: boolean): number {
    const client = this.client
    if (!client?.connected) return 0
    const envelope: Omit<Batch, 'm' | 'l' | 's' | 'h'> = {
      v: PROTOCOL_VERSION,
      dev: this.options.deviceId,
      ep: this.buffer.epoch,
      seq,
      at: this.options.clockSteps ? this.options.clockSteps.atFor(seq) : this.now(),
      lo: Math.min(this.buffer.ackFloor(), seq),
    }
    if (hist) envelope.hist = true
    // The buffered body is already wire CBOR: only the envelope is encoded per send.
    const payload = wrapBody(body, envelope)
    const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
    // Durations on the monotonic clock: a wall clock stepped back an hour must not hold resends back for an hour.
    this.inFlight.set(seq, { at: performance.now(), hist })
    if (resend) this.counters.resent++
    else {
      this.counters.sent++
      this.counters.bytesSent += payload.byteLength
      if (hist) this.counters.replayed++
    }
    client.publish(topics.telemetry(this.options.deviceId), bytes, { qos: 1 }, (err) => {
      if (err) {
        this.counters.errors++
        this.inFlight.delete(seq)
      }
    })
    return payload.byteLength
  }

  private async resendExpired(): Promise<void> {
    if (!this.ready || !this.connected) return
    const now = performance.now()
    for (const [seq, flight] of this.inFlight) {
      if (now - flight.at <= this.options.ackTimeoutMs) continue
      const [item] = await this.buffer.read(seq - 1, 1)
      if (item?.seq === seq) this.send(seq, item.body, true, flight.hist)
      else this.inFlight.delete(seq) // acked or dropped meanwhile
    }
  }
}
