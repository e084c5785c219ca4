import { chunkKey, parseChunkKey, parseRollupWidth, type BinarySublevel } from './keys.js'

/** One chunk row: its window and compaction seq (which make its key) and the rollup widths stored with it. */
export interface ChunkRef {
  windowStart: number
  seq: number
  /** Bucket widths (ms) of the rollup rows written in the same atomic batch as the chunk. */
  rollups: readonly number[]
  /** False from `add` until the compactor saw its atomic write commit: until then only a snapshot may say. */
  committed: boolean
}

/**
 * Every chunk row's key, in memory, per series in key order (window, then seq), so a query knows the exact rows
 * to fetch in one `getMany` instead of opening a key iterator per series. Loaded on open from the keys alone.
 * The compactor adds a chunk before its atomic write (a reader that sees the entry but not yet the row in its
 * snapshot skips it: the samples are still in the head rows of that snapshot); retention removes after its write.
 */
export class ChunkDirectory {
  private readonly bySeries = new Map<number, ChunkRef[]>()
  private count = 0

  get size(): number {
    return this.count
  }

  async load(chunks: BinarySublevel, rollups: BinarySublevel): Promise<void> {
    this.bySeries.clear()
    this.count = 0
    const widths = new Map<string, number[]>()
    for await (const key of rollups.keys()) {
      const chunk = key.slice(0, 38)
      widths.set(chunk, [...(widths.get(chunk) ?? []), parseRollupWidth(key)])
    }
    // Keys arrive in order, so each series' list is built sorted.
    for await (const key of chunks.keys()) {
      const { seriesId, windowStart, seq } = parseChunkKey(key)
      let refs = this.bySeries.get(seriesId)
      if (!refs) this.bySeries.set(seriesId, (refs = []))
      refs.push({ windowStart, seq, rollups: widths.get(key) ?? [], committed: true })
      this.count++
    }
  }

  add(seriesId: number, ref: ChunkRef): void {
    let refs = this.bySeries.get(seriesId)
    if (!refs) this.bySeries.set(seriesId, (refs = []))
    let at = refs.length
    while (at > 0 && compareRefs(refs[at - 1], ref) > 0) at--
    refs.splice(at, 0, ref)
    this.count++
  }

  /** Undoes `add` (an atomic write that failed). */
  remove(seriesId: number, ref: ChunkRef): void {
    const refs = this.bySeries.get(seriesId)
    const at = refs?.indexOf(ref) ?? -1
    if (refs && at >= 0) {
      refs.splice(at, 1)
      this.count--
    }
  }

  /** Chunk rows of the series whose window starts in [firstWindow, endWindow), in key order. */
  overlapping(seriesId: number, firstWindow: number, endWindow: number): ChunkRef[] {
    const refs = this.bySeries.get(seriesId)
    if (!refs) return []
    let at = firstAtOrAfter(refs, firstWindow)
    const found: ChunkRef[] = []
    while (at < refs.length && refs[at].windowStart < endWindow) found.push(refs[at++])
    return found
  }

  /** Forgets the series' chunk rows whose window starts before `endWindow` (retention deleted them). */
  dropBefore(seriesId: number, endWindow: number): void {
    const refs = this.bySeries.get(seriesId)
    if (!refs) return
    const end = firstAtOrAfter(refs, endWindow)
    refs.splice(0, end)
    this.count -= end
  }

  key(seriesId: number, ref: ChunkRef): string {
    return chunkKey(seriesId, ref.windowStart, ref.seq)
  }
}

function compareRefs(a: ChunkRef, b: ChunkRef): number {
  return a.windowStart - b.windowStart || a.seq - b.seq
}

function firstAtOrAfter(refs: readonly ChunkRef[], windowStart: number): number {
  let low = 0
  let high = refs.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (refs[mid].windowStart < windowStart) low = mid + 1
    else high = mid
  }
  return low
}
