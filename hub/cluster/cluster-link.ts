import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import MQEmitterRedis from 'mqemitter-redis'
import type { Aedes, AedesPublishPacket } from 'aedes'
import { Counter, Gauge, type Registry } from 'prom-client'
import { parseDeviceTopic } from '../../protocol/topics.js'
import { ClusterEmitter } from './cluster-emitter.js'
import { ClusterPersistence } from './cluster-persistence.js'
import type { DecodedBatch } from '../../protocol/batch.js'
import { decodeStored, encodeStored } from '../storage/stored-cbor.js'

/** Hub-to-hub notices ride the bus under $SYS, where the ACL lets no MQTT client publish or subscribe. */
const REVOKED_TOPIC = '$SYS/outpost/v1/revoked'
const CMD_REPLY_TOPIC = 'outpost/v1/+/cmd/reply'
/** A batch stored by a follower, for the leader's alert engine (docs/cluster.md, "Alerts"). */
const ALERT_BATCH_TOPIC = '$SYS/outpost/v1/alert-batch'
/** A rule, silence or acknowledgement changed through a hub's API: the others re-read them from the store. */
const ALERT_CONFIG_TOPIC = '$SYS/outpost/v1/alert-config'

export interface ClusterHandlers {
  /** A device revoked on another hub: end its session here too. */
  onRevoked(device: string, byHub: string): Promise<void>
  /** A device connected to another hub answered a command, maybe one this hub sent. */
  onRemoteReply(device: string, payload: Buffer): Promise<void>
  /** A batch another hub stored, for this hub's alert engine if it runs here (the leader's). */
  onForwardedBatch(device: string, batch: DecodedBatch, shift: number, handover: string): void
  /** Another hub changed a rule, silence or acknowledgement in the shared store (`kind` and `id` say which). */
  onAlertConfig(kind: string, id: string): void
}

export interface ClusterLinkOptions {
  /** `redis://HOST:PORT` (`--cluster`). */
  url: string
  registry: Registry
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
}

/**
 * This hub's membership of a cluster (docs/cluster.md): the aedes bus and persistence joined through Redis
 * (mqemitter-redis, aedes-persistence-redis), and the notices hubs send each other over that bus.
 */
export class ClusterLink {
  /** The aedes broker id, unique per process start. */
  readonly brokerId = `outpost-${randomUUID()}`
  readonly mq: ClusterEmitter
  readonly persistence: ClusterPersistence
  private readonly conns: Redis[]
  private readonly forwardErrors: Counter
  private readonly up: Gauge
  private broker?: Aedes
  private wasUp = false

  constructor(private readonly o: ClusterLinkOptions) {
    // Two pub/sub connections for the bus (a subscribed Redis connection can do nothing else), one for retained data.
    // Messages for other hubs wait out a short outage only: after ioredis's 20 retries (about 10 s) they are dropped
    // and counted (acks are cumulative; agents resend). Subscriptions and retained writes wait for Redis however long
    // it is away: a subscription made meanwhile must still reach Redis (ioredis resubscribes only what succeeded),
    // and the retained status of this hub's devices must end up there.
    const connect = (name: string, waitForRedis: boolean) =>
      new Redis(o.url, { connectionName: `outpost-${name}`, ...(waitForRedis ? { maxRetriesPerRequest: null } : {}) })
    const sub = connect('bus-sub', true)
    const pub = connect('bus-pub', false)
    const data = connect('retained', true)
    this.conns = [sub, pub, data]
    const remote = MQEmitterRedis({ subConn: sub, pubConn: pub })
    this.forwardErrors = new Counter({ name: 'outpost_hub_cluster_errors_total', help: 'Cluster messages or retained writes that did not reach Redis', registers: [o.registry] })
    this.up = new Gauge({ name: 'outpost_hub_cluster_redis_up', help: '1 while every connection to the cluster Redis is ready', registers: [o.registry] })
    const failed = (err: Error) => {
      this.forwardErrors.inc()
      o.log('debug', 'cluster message or retained write failed', { error: err.message })
    }
    // Connection errors are reported once per change below, not per retry.
    ;(remote as unknown as { state: { on(e: string, f: () => void): void } }).state.on('error', () => {})
    for (const conn of this.conns) {
      conn.on('error', () => {})
      conn.on('ready', () => this.onConnState())
      conn.on('close', () => this.onConnState())
    }
    this.mq = new ClusterEmitter({
      brokerId: this.brokerId,
      remote,
      remoteReady: () => sub.status === 'ready',
      onRemoteReady: (fn) => sub.on('ready', fn),
      localOnly: (topic) => parseDeviceTopic(topic)?.kind === 'telemetry',
      onForwardError: failed,
    })
    this.persistence = new ClusterPersistence(data, failed)
  }

  get connected(): boolean {
    return this.conns.every((c) => c.status === 'ready')
  }

  /** Listens for other hubs' notices on the broker's bus (after the broker is up). */
  attach(broker: Aedes, handlers: ClusterHandlers): void {
    this.broker = broker
    const fromElsewhere = (packet: { brokerId?: string }) => packet.brokerId !== this.brokerId
    broker.subscribe(REVOKED_TOPIC, (packet: AedesPublishPacket, done: () => void) => {
      if (fromElsewhere(packet)) handlers.onRevoked(String(packet.payload), String((packet as { brokerId?: string }).brokerId)).catch((err) => this.o.log('error', 'cluster revocation failed', { error: String(err) }))
      done()
    }, () => {})
    // A reply published on this hub is handled by the hub's own publish handler; one from another hub arrives here.
    broker.subscribe(CMD_REPLY_TOPIC, (packet: AedesPublishPacket, done: () => void) => {
      const parsed = parseDeviceTopic(packet.topic)
      if (fromElsewhere(packet) && parsed?.kind === 'cmd/reply') handlers.onRemoteReply(parsed.device, Buffer.from(packet.payload)).catch((err) => this.o.log('error', 'cluster command reply failed', { error: String(err) }))
      done()
    }, () => {})
    broker.subscribe(ALERT_BATCH_TOPIC, (packet: AedesPublishPacket, done: () => void) => {
      if (fromElsewhere(packet)) {
        try {
          const { device, batch, shift, handover } = decodeStored<{ device: string; batch: DecodedBatch; shift: number; handover: string }>(packet.payload as Buffer)
          handlers.onForwardedBatch(device, batch, shift, handover)
        } catch (err) {
          this.o.log('error', 'cluster: bad forwarded batch', { error: String(err) })
        }
      }
      done()
    }, () => {})
    broker.subscribe(ALERT_CONFIG_TOPIC, (packet: AedesPublishPacket, done: () => void) => {
      if (fromElsewhere(packet)) {
        try {
          const { kind, id } = JSON.parse(String(packet.payload)) as { kind: string; id: string }
          handlers.onAlertConfig(String(kind), String(id))
        } catch (err) {
          this.o.log('error', 'cluster: bad alert configuration notice', { error: String(err) })
        }
      }
      done()
    }, () => {})
  }

  /** Tells the other hubs that a rule, silence or acknowledgement changed here (docs/cluster.md). Lost while Redis is
   *  away: the hubs also re-read them from the store every few seconds. */
  announceAlertConfig(change: { kind: string; id: string }): void {
    const payload = Buffer.from(JSON.stringify(change))
    this.broker?.publish({ cmd: 'publish', topic: ALERT_CONFIG_TOPIC, payload, qos: 0, retain: false, dup: false }, () => {})
  }

  /**
   * Tells the leader's alert engine (this hub's does not run) of a batch this hub stored and put in the hand-over
   * inbox under `handover`: the fast way. A notice lost (Redis away, the leader dying) leaves the batch in the inbox,
   * where the leader finds it (docs/cluster.md, "Ingest-time evaluation"). The ack does not wait for it.
   */
  forwardBatch(device: string, batch: DecodedBatch, shift: number, handover: string): undefined {
    const payload = Buffer.from(encodeStored({ device, batch, shift, handover }))
    this.broker?.publish({ cmd: 'publish', topic: ALERT_BATCH_TOPIC, payload, qos: 0, retain: false, dup: false }, () => {})
    return undefined
  }

  /** Tells every other hub to end this device's session (revocation, docs/security.md). */
  announceRevocation(device: string): Promise<void> {
    const broker = this.broker
    if (!broker) return Promise.resolve()
    return new Promise((resolve) =>
      broker.publish({ cmd: 'publish', topic: REVOKED_TOPIC, payload: Buffer.from(device), qos: 0, retain: false, dup: false }, () => resolve()),
    )
  }

  /** After the broker closed: drops the Redis connections at once (a quit would wait for an absent Redis). */
  close(): void {
    for (const conn of this.conns) conn.disconnect()
  }

  private onConnState(): void {
    const up = this.connected
    this.up.set(up ? 1 : 0)
    if (up === this.wasUp) return
    this.wasUp = up
    this.o.log(up ? 'info' : 'warning', up ? 'cluster: connected to Redis' : 'cluster: Redis unreachable; this hub serves its own devices and catches up when Redis returns', { url: redactUrl(this.o.url) })
  }
}

/** A Redis URL for logs: no password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'redis://?'
  }
}
