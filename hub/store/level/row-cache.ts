import type { BinarySublevel, MetricDb } from './keys.js'

type Snapshot = ReturnType<MetricDb['snapshot']>

/** Rough bytes a cached row costs beyond its value (key string, map entry). */
const ENTRY_OVERHEAD = 96

/**
 * Least-recently-used cache of immutable rows (chunk and rollup rows never change once written: a key carries
 * its compaction seq), bounded in bytes, so a repeated query decodes from memory instead of waiting on LevelDB's
 * thread pool. Retention deletes evict their rows.
 */
export class RowCache {
  private readonly rows = new Map<string, Uint8Array>()
  private bytes = 0

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.bytes
  }

  get(key: string): Uint8Array | undefined {
    const value = this.rows.get(key)
    if (value) {
      // Map keeps insertion order: re-inserting marks the row most recently used.
      this.rows.delete(key)
      this.rows.set(key, value)
    }
    return value
  }

  set(key: string, value: Uint8Array): void {
    const cost = value.byteLength + key.length + ENTRY_OVERHEAD
    if (cost > this.maxBytes) return
    this.delete(key)
    this.rows.set(key, value)
    this.bytes += cost
    for (const [oldest, row] of this.rows) {
      if (this.bytes <= this.maxBytes) break
      this.rows.delete(oldest)
      this.bytes -= row.byteLength + oldest.length + ENTRY_OVERHEAD
    }
  }

  delete(key: string): void {
    const value = this.rows.get(key)
    if (!value) return
    this.rows.delete(key)
    this.bytes -= value.byteLength + key.length + ENTRY_OVERHEAD
  }
}

/** A row a read wants; `cacheable` only if it was committed before the read's snapshot was taken. */
export interface WantedRow {
  key: string
  cacheable: boolean
}

/**
 * The rows of `sublevel`, in order (undefined where the snapshot lacks one): cacheable ones from the cache when
 * there, the rest from the snapshot in one getMany. A row not committed when the read began must come from the
 * snapshot, which decides whether the read sees it (chunk-directory.ts); once read, any row may be cached.
 */
export async function getRows(
  cache: RowCache,
  sublevel: BinarySublevel,
  namespace: string,
  wanted: readonly WantedRow[],
  snapshot: Snapshot,
): Promise<Array<Uint8Array | undefined>> {
  const rows: Array<Uint8Array | undefined> = new Array(wanted.length)
  const missing: number[] = []
  wanted.forEach((row, i) => {
    const cached = row.cacheable ? cache.get(namespace + row.key) : undefined
    if (cached) rows[i] = cached
    else missing.push(i)
  })
  if (missing.length === 0) return rows
  const fetched = await sublevel.getMany(missing.map((i) => wanted[i].key), { snapshot })
  missing.forEach((i, k) => {
    const bytes = fetched[k]
    rows[i] = bytes
    // A copy: the value may be a view into a larger buffer the cache should not keep alive.
    if (bytes) cache.set(namespace + wanted[i].key, bytes.slice())
  })
  return rows
}
