import { Readable } from 'node:stream'
import memory from 'aedes-persistence'

type Packet = { topic: string; payload: Buffer | string }

/** The retained-message methods of aedes's persistence that this wraps (aedes-persistence's callback layer). */
export interface RetainedPersistence {
  storeRetained(packet: Packet, cb?: (err?: Error | null) => void): unknown
  createRetainedStreamCombi(patterns: string[]): Readable
}

const isExact = (pattern: string) => !pattern.includes('+') && !pattern.includes('#')

/**
 * aedes's memory persistence answers every SUBSCRIBE by testing the filter against every retained topic, and each
 * device has one retained status message: a reconnect storm of N devices, each subscribing to its own ack and cmd
 * topics, cost N² topic matches (1 s of a 2,000-device storm, 25 s at 10,000; docs/fleet.md). A filter without
 * wildcards can only match its own topic, so a set of retained topics answers it at once; wildcard filters
 * (operators' `outpost/v1/alerts/#`) still go through the persistence's own search.
 */
export function withRetainedIndex<P extends RetainedPersistence>(persistence: P): P {
  const topics = new Set<string>()
  const store = persistence.storeRetained.bind(persistence)
  const combi = persistence.createRetainedStreamCombi.bind(persistence)
  persistence.storeRetained = (packet, cb) => {
    // An empty payload deletes the retained message (MQTT-3.3.1-10).
    if (packet.payload.length === 0) topics.delete(packet.topic)
    else topics.add(packet.topic)
    return store(packet, cb)
  }
  persistence.createRetainedStreamCombi = (patterns) => {
    const search = patterns.filter((p) => !isExact(p) || topics.has(p))
    return search.length > 0 ? combi(search) : Readable.from([])
  }
  return persistence
}

/** aedes's default in-memory persistence, what aedes makes when given none. */
export function memoryPersistence(): RetainedPersistence {
  // The package is CommonJS whose typings declare no call signature on the default export.
  return (memory as unknown as () => RetainedPersistence)()
}

/** aedes's in-memory persistence with the retained-topic index. */
export function indexedMemoryPersistence(): RetainedPersistence {
  return withRetainedIndex(memoryPersistence())
}
