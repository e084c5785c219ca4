import { DecodedSpanBlock } from './block-codec.js'
import type { SpanBlockTables } from './tables.js'

// Decoded blocks, the most recently read first: repeated lookups and searches decode a block once. Block keys are
// never reused (a rewrite writes a new key), so an entry is never stale; deleted blocks are evicted.

export class SpanBlockCache {
  private readonly entries = new Map<string, Promise<DecodedSpanBlock | undefined>>()

  constructor(
    readonly tables: SpanBlockTables,
    private readonly capacity = 64,
  ) {}

  get(key: string): Promise<DecodedSpanBlock | undefined> {
    let entry = this.entries.get(key)
    if (entry) {
      this.entries.delete(key)
      this.entries.set(key, entry)
      return entry
    }
    entry = this.tables.blocks.get(key).then((bytes) => (bytes === undefined ? undefined : DecodedSpanBlock.decode(bytes)))
    this.entries.set(key, entry)
    // A block deleted meanwhile is read as missing once, not cached as missing.
    entry.then((d) => d === undefined && this.entries.get(key) === entry && this.entries.delete(key), () => this.entries.delete(key))
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
    return entry
  }

  evict(key: string): void {
    this.entries.delete(key)
  }
}
