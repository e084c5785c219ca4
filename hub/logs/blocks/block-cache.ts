import { decodePage, pageCount, type BlockSummary, type DecodedPage } from './block-codec.js'
import { BlockV1 } from './block-v1.js'
import { pageKey, type BlockTables } from './tables.js'
import type { BlockLine } from './lines.js'
import { decodePostings } from './varint.js'
import { decodeRareRow, rareRowKey, rareRowsOf } from './rare-rows.js'

// Decoded block pages, the most recently read first: paging through a result and repeated searches decode a page
// once, and a search for a rare word reads only the pages holding it. Block keys are never reused (a rewrite writes
// a new key), so an entry is never stale; deleted blocks are evicted. Format-1 blocks (block-v1.ts) are one row and
// are cached whole, counted as one entry per page. Rare rows (rare-rows.ts) are cached one line each.

export interface BlockRef {
  key: string
  summary: BlockSummary
}

type Entry = Promise<DecodedPage | BlockV1 | BlockLine | number[] | undefined>
/** A rare row (rare-rows.ts) weighs this much of a page in the cache, a posting list this much. */
const ROW_WEIGHT = 1 / 64
const POSTING_WEIGHT = 1 / 8
/** A posting row that is not there (a Bloom false positive), cached as such: undefined would be evicted. */
const NONE: number[] = []

export class BlockCache {
  private readonly entries = new Map<string, { value: Entry; weight: number }>()
  private weight = 0
  /** Rare rows asked for since the last read: read together, one read for all the blocks of a search round. */
  private rowReads: Array<{ key: string; done: (bytes: Uint8Array | undefined) => void; failed: (error: unknown) => void }> | undefined

  constructor(
    readonly tables: BlockTables,
    /** Pages kept (512 rows each). */
    private readonly capacity = 1024,
  ) {}

  /** Page `p` of the block; undefined once the block is deleted (prune, purge). */
  async page(block: BlockRef, p: number): Promise<DecodedPage | undefined> {
    if (block.summary.v === undefined) return (await this.v1(block))?.page(p)
    return (await this.pages(block, [p]))[0]
  }

  /** Pages `ps` of a format-2 block, the missing ones read in one LevelDB read. */
  pages(block: BlockRef, ps: readonly number[]): Promise<Array<DecodedPage | undefined>> {
    if (block.summary.v === undefined) return Promise.all(ps.map((p) => this.page(block, p)))
    const missing = ps.filter((p) => !this.entries.has(pageKey(block.key, p)))
    if (missing.length > 0) {
      const read = this.tables.blocks.getMany(missing.map((p) => pageKey(block.key, p)))
      missing.forEach((p, i) => {
        const value = read.then((rows) => (rows[i] === undefined ? undefined : decodePage(rows[i]!, block.summary, p)))
        this.put(pageKey(block.key, p), value, 1)
      })
    }
    return Promise.all(ps.map((p) => this.touch(pageKey(block.key, p))!.value as Promise<DecodedPage | undefined>))
  }

  /** The lines at `rows` of a block whose summary has `rareRows`; undefined where the block is gone. */
  rareLines(block: BlockRef, rows: readonly number[]): Promise<Array<BlockLine | undefined>> {
    return Promise.all(
      rows.map((row) => {
        const key = `r\x00${rareRowKey(block.key, row)}`
        const hit = this.touch(key)
        if (hit) return hit.value as Promise<BlockLine | undefined>
        const value = this.readRow(rareRowKey(block.key, row)).then((bytes) => (bytes === undefined ? undefined : decodeRareRow(bytes, block.summary)))
        this.put(key, value, ROW_WEIGHT)
        return value
      }),
    )
  }

  /**
   * The decoded posting rows of `terms` in the block (undefined where it has none), read together; kept, since a
   * common word's rows are read by most searches for it.
   */
  postings(block: BlockRef, terms: readonly string[]): Promise<Array<number[] | undefined>> {
    const keys = terms.map((t) => `${block.key}\x00${t}`)
    const missing = keys.filter((k) => !this.entries.has(`p\x00${k}`))
    if (missing.length > 0) {
      const read = this.tables.postings.getMany(missing)
      missing.forEach((k, i) => this.put(`p\x00${k}`, read.then((rows) => (rows[i] === undefined ? NONE : decodePostings(rows[i]!))), POSTING_WEIGHT))
    }
    return Promise.all(keys.map(async (k) => {
      const rows = (await this.touch(`p\x00${k}`)!.value) as number[]
      return rows === NONE ? undefined : rows
    }))
  }

  /** Every page of the block in order, read lazily. */
  async *allPages(block: BlockRef): AsyncGenerator<DecodedPage> {
    for (let p = 0; p < pageCount(block.summary); p++) {
      const page = await this.page(block, p)
      if (page === undefined) return
      yield page
    }
  }

  evict(block: BlockRef): void {
    if (block.summary.v === undefined) this.drop(block.key)
    else for (let p = 0; p < pageCount(block.summary); p++) this.drop(pageKey(block.key, p))
    if (block.summary.rareRows) for (const row of rareRowsOf(block.summary)) this.drop(`r\x00${rareRowKey(block.key, row)}`)
  }

  clear(): void {
    this.entries.clear()
    this.weight = 0
  }

  private v1(block: BlockRef): Promise<BlockV1 | undefined> {
    const hit = this.touch(block.key)
    if (hit) return hit.value as Promise<BlockV1 | undefined>
    const value = this.tables.blocks.get(block.key).then((bytes) => (bytes === undefined ? undefined : BlockV1.decode(bytes)))
    this.put(block.key, value, pageCount(block.summary))
    return value
  }

  /** One rare row, read with every other asked for before the next turn of the event loop. */
  private readRow(key: string): Promise<Uint8Array | undefined> {
    if (this.rowReads === undefined) {
      const reads: NonNullable<BlockCache['rowReads']> = (this.rowReads = [])
      setImmediate(() => {
        this.rowReads = undefined
        this.tables.rareRows.getMany(reads.map((r) => r.key)).then(
          (values) => reads.forEach((r, i) => r.done(values[i])),
          (error: unknown) => reads.forEach((r) => r.failed(error)),
        )
      })
    }
    return new Promise((done, failed) => this.rowReads!.push({ key, done, failed }))
  }

  private touch(key: string): { value: Entry; weight: number } | undefined {
    const entry = this.entries.get(key)
    if (entry) {
      this.entries.delete(key)
      this.entries.set(key, entry)
    }
    return entry
  }

  private put(key: string, value: Entry, weight: number): void {
    const entry = { value, weight }
    this.drop(key)
    this.entries.set(key, entry)
    this.weight += weight
    // A block deleted meanwhile is read as missing once, not cached as missing.
    value.then((d) => d === undefined && this.entries.get(key) === entry && this.drop(key), () => this.entries.get(key) === entry && this.drop(key))
    while (this.weight > this.capacity && this.entries.size > 1) this.drop(this.entries.keys().next().value!)
  }

  private drop(key: string): void {
    const entry = this.entries.get(key)
    if (!entry) return
    this.entries.delete(key)
    this.weight -= entry.weight
  }
}
