// The promise-based persistences aedes 1.x takes (`persistence.setup` must be async); their packages' main files export
// the callback wrappers instead, so the classes are imported by path and typed here as far as the hub uses them.
declare module 'aedes-persistence/asyncPersistence.js' {
  import type { Readable } from 'node:stream'
  export default class MemoryPersistence {
    constructor(opts?: Record<string, unknown>)
    setup(broker: unknown): Promise<void>
    storeRetained(packet: unknown): Promise<void>
    createRetainedStreamCombi(patterns: string[]): Readable
    createRetainedStream(pattern: string): Readable
  }
}

declare module 'aedes-persistence-redis/asyncPersistence.js' {
  import type { Redis } from 'ioredis'
  export default class RedisPersistence {
    constructor(opts: { conn: Redis })
    storeRetained(packet: unknown): Promise<void>
    createRetainedStreamCombi(patterns: string[]): AsyncIterable<unknown>
  }
}
