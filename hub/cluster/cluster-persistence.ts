import { Readable } from 'node:stream'
import type { Redis } from 'ioredis'
import MemoryPersistence from 'aedes-persistence/asyncPersistence.js'
import RedisPersistence from 'aedes-persistence-redis/asyncPersistence.js'

/**
 * aedes persistence for a hub in a cluster (docs/cluster.md): sessions, subscriptions, in-flight messages and wills
 * stay in this hub's memory, as without a cluster (agents and operators use clean sessions, and a hub must take
 * connections while Redis is away); retained messages (device status, the retained configuration on `cmd`, firing
 * alerts) are also written to Redis through aedes-persistence-redis, and a new subscription reads them from there, so
 * a subscriber on any hub sees what was retained on any other.
 */
export class ClusterPersistence extends MemoryPersistence {
  private readonly shared: RedisPersistence

  constructor(
    private readonly redis: Redis,
    private readonly onSharedError: (err: Error) => void,
  ) {
    super()
    this.shared = new RedisPersistence({ conn: redis })
  }

  override async storeRetained(packet: unknown): Promise<void> {
    await super.storeRetained(packet)
    // Not awaited: a retained publish must not wait for Redis. One connection keeps the order, so a subscription
    // made after this publish on this hub reads it back from Redis.
    this.shared.storeRetained(packet).catch(this.onSharedError)
  }

  override createRetainedStreamCombi(patterns: string[]): Readable {
    if (this.redis.status !== 'ready') return super.createRetainedStreamCombi(patterns)
    return Readable.from(this.sharedFirst(patterns), { objectMode: true })
  }

  override createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern])
  }

  /** Redis's retained messages; this hub's own if Redis fails before the first one. */
  private async *sharedFirst(patterns: string[]): AsyncGenerator<unknown> {
    let sent = 0
    try {
      for await (const packet of this.shared.createRetainedStreamCombi(patterns)) {
        sent++
        yield packet
      }
    } catch (err) {
      this.onSharedError(err as Error)
      if (sent === 0) yield* super.createRetainedStreamCombi(patterns)
    }
  }
}
