import mqemitter from 'mqemitter'
import type MQEmitterRedis from 'mqemitter-redis'
import { stackSafeEmitter } from '../broker-emitter.js'

type Message = mqemitter.Message

type Listener = (packet: Message, done: () => void) => void

export interface ClusterEmitterOptions {
  /** The aedes broker id: packets it emitted come back from Redis and are not delivered twice. */
  brokerId: string
  /** mqemitter-redis over the cluster's Redis. */
  remote: MQEmitterRedis.MQEmitterRedis
  /** Redis is connected now (ioredis status `ready`): subscriptions wait for it then, and do not otherwise. */
  remoteReady: () => boolean
  /** Calls `fn` each time the subscriber connection becomes ready (first connect and every reconnect). */
  onRemoteReady: (fn: () => void) => void
  /** Topics no other hub needs (device telemetry: each hub ingests its own devices), never sent to Redis. */
  localOnly: (topic: string) => boolean
  onForwardError: (err: Error) => void
  concurrency?: number
}

/**
 * The broker's message bus in a cluster (docs/cluster.md): local delivery first, through a plain mqemitter, so the
 * devices on this hub keep publishing and getting acks while Redis is away; every other packet also goes out on
 * mqemitter-redis, whose deliveries from other hubs reach the same listeners. mqemitter-redis alone delivers even
 * local packets only once Redis echoes them, which would stop this hub's intake with Redis.
 */
export class ClusterEmitter {
  private readonly local: mqemitter.MQEmitter
  /** Each listener's wrapper on the Redis side, by topic (the same listener may be on several topics). */
  private readonly relays = new Map<Listener, Map<string, Listener>>()
  /**
   * Relays not yet handed to mqemitter-redis because its subscriber connection was not ready. A SUBSCRIBE sent by
   * ioredis while the connection is still in its handshake (status `connect`) is written at once, ahead of ioredis's
   * ready check, and is lost (docs/cluster.md, "Ingest-time evaluation"); one sent later is kept and resubscribed.
   */
  private readonly pending = new Map<Listener, string>()
  private closed = false

  constructor(private readonly o: ClusterEmitterOptions) {
    // As aedes makes its own: [MQTT-4.7.1-3] empty levels match.
    this.local = stackSafeEmitter({ concurrency: o.concurrency ?? 100, matchEmptyLevels: true })
    o.onRemoteReady(() => {
      for (const [relay, topic] of [...this.pending]) {
        this.pending.delete(relay)
        this.o.remote.on(topic, relay)
      }
    })
  }

  get current(): number {
    return this.local.current
  }

  on(topic: string, listener: Listener, done?: () => void): this {
    this.local.on(topic, listener)
    const relay: Listener = (packet, cb) => (packet.brokerId === this.o.brokerId ? cb() : listener(packet, cb))
    let byTopic = this.relays.get(listener)
    if (!byTopic) this.relays.set(listener, (byTopic = new Map()))
    byTopic.set(topic, relay)
    if (this.o.remoteReady()) this.o.remote.on(topic, relay, done)
    else {
      // Subscribed in Redis once the connection is ready (ioredis resubscribes it after every reconnect); the
      // subscriber need not wait.
      this.pending.set(relay, topic)
      if (done) setImmediate(done)
    }
    return this
  }

  removeListener(topic: string, listener: Listener, done?: () => void): this {
    this.local.removeListener(topic, listener)
    const byTopic = this.relays.get(listener)
    const relay = byTopic?.get(topic)
    if (byTopic && relay) {
      byTopic.delete(topic)
      if (byTopic.size === 0) this.relays.delete(listener)
      if (this.pending.delete(relay)) {
        if (done) setImmediate(done)
        return this
      }
      this.o.remote.removeListener(topic, relay, this.o.remoteReady() ? done : undefined)
      if (!this.o.remoteReady() && done) setImmediate(done)
    } else if (done) setImmediate(done)
    return this
  }

  emit(packet: Message, done?: (err?: Error) => void): void {
    this.local.emit(packet, done)
    if (this.closed || this.o.localOnly(packet.topic)) return
    this.o.remote.emit(packet, (err?: Error) => {
      if (err) this.o.onForwardError(err)
    })
  }

  close(done?: () => void): void {
    this.closed = true
    this.local.close(() => done?.())
  }
}
