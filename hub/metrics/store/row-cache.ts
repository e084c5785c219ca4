import type { BinarySublevel, MetricDb } from './keys.js'

type Snapshot = ReturnType<MetricDb['snapshot']>

/** Rough bytes a cached row costs beyond its columns (key string, map entry, objects). */
const ENTRY_OVERHEAD = 160

/**
 * Cache of decoded immutable rows (chunk and rollup rows never change once written: a key carries its compaction
 * seq), bounded in bytes, so a repeated query (a dashboard refreshing) neither waits on LevelDB's thread pool nor
 * decodes again. Entries are shared between reads: callers never write into them. Retention deletes evict their
 * rows. Eviction is least-recently-used by second chance (CLOCK): a hit only marks its entry, and eviction moves a
 * marked entry to the young end instead of dropping it, so a hit costs one map lookup (a dashboard's refresh hits
 * hundreds of rows).
 */
export class RowCache {
  private readonly rows = new Map<string, { value: unknown; cost: number; used: boolean }>()
  private bytes = 0

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.bytes
  }

  get(key: string): unknown {
    const entry = this.rows.get(key)
    if (!entry) return undefined
    entry.used = true
    return entry.value
  }

  /** `columnBytes`: the memory the decoded value holds. */
  set(key: string, value: unknown, columnBytes: number): void {
    const cost = columnBytes + key.length + ENTRY_OVERHEAD
    if (cost > this.maxBytes) return
    this.delete(key)
    this.rows.set(key, { value, cost, used: false })
    this.bytes += cost
    // Each marked entry is passed over once (its mark cleared), so this ends within two rounds of the map.
    for (const [oldest, entry] of this.rows) {
      if (this.bytes <= this.maxBytes) break
      this.rows.delete(oldest)
      if (entry.used && oldest !== key) {
        entry.used = false
        this.rows.set(oldest, entry)
        continue
      }
      this.bytes -= entry.cost
    }
  }

  delete(key: string): void {
    const entry = this.rows.get(key)
    if (!entry) return
    this.rows.delete(key)
    this.bytes -= entry.cost
  }
}

/** A row a read wants; `cacheable` only if it was committed before the read's snapshot was taken. */
export interface WantedRow {
  key: string
  cacheable: boolean
}

/** How one kind of row is decoded and what its decoded form costs; `namespace` keeps kinds apart in the cache. */
export interface RowKind<T> {
  namespace: string
  decode(bytes: Uint8Array): T
  columnBytes(value: T): number
}

/** Every wanted row from the cache when each is cacheable and there, else undefined (the read needs the database). */
export function cachedRows<T>(cache: RowCache, kind: RowKind<T>, wanted: readonly WantedRow[]): T[] | undefined {
  const rows: T[] = new Array(wanted.length)
  for (let i = 0; i < wanted.length; i++) {
    const row = wanted[i]
    const value = row.cacheable ? (cache.get(kind.namespace + row.key) as T | undefined) : undefined
    if (value === undefined) return undefined
    rows[i] = value
  }
  return rows
}

/**
 * The decoded rows of `sublevel`, in order (undefined where the snapshot lacks one): cacheable ones from the cache
 * when there, the rest read from the snapshot in one getMany and decoded. A row not committed when the read began
 * must come from the snapshot, which decides whether the read sees it (chunk-directory.ts); once read, any row
 * may be cached, as its bytes never change.
 */
export async function getRows<T>(
  cache: RowCache,
  sublevel: BinarySublevel,
  kind: RowKind<T>,
  wanted: readonly WantedRow[],
  snapshot: Snapshot,
): Promise<Array<T | undefined>> {
  const rows: Array<T | undefined> = new Array(wanted.length)
  const missing: number[] = []
  wanted.forEach((row, i) => {
    const cached = row.cacheable ? (cache.get(kind.namespace + row.key) as T | undefined) : undefined
    if (cached) rows[i] = cached
    else missing.push(i)
  })
  if (missing.length === 0) return rows
  const fetched = await sublevel.getMany(missing.map((i) => wanted[i].key), { snapshot })
  missing.forEach((i, k) => {
    const bytes = fetched[k]
    if (!bytes) return
    const value = kind.decode(bytes)
    rows[i] = value
    cache.set(kind.namespace + wanted[i].key, value, kind.columnBytes(value))
  })
  return rows
}
