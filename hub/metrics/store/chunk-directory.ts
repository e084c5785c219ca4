import { chunkKeyOf, idHex, parseChunkKey, parseRollupWidth, windowKey, type BinarySublevel } from './keys.js'
import { ROLLUP_WIDTHS } from '../encoding/rollup.js'

/** One chunk row: its window and compaction seq (which make its key) and the rollup widths stored with it. */
export interface ChunkRef {
  windowStart: number
  seq: number
  /** Bucket widths (ms) of the rollup rows written in the same atomic batch as the chunk. */
  rollups: readonly number[]
  /** False from `add` until `commit`: until its atomic write is known to be done, only a snapshot may say. */
  committed: boolean
}

/** Flag bits: the low ones say which ROLLUP_WIDTHS a chunk has; this one that its write is not known done. */
const UNCOMMITTED = 0x80
const ROLLUP_BITS = ROLLUP_WIDTHS.map((_, i) => 1 << i)
/** The rollup widths each combination of flag bits stands for, made once (every read lists its rows' refs). */
const ROLLUPS_OF_FLAGS: ReadonlyArray<readonly number[]> = Array.from({ length: UNCOMMITTED }, (_, flags) => Object.freeze(ROLLUP_WIDTHS.filter((_, b) => flags & ROLLUP_BITS[b])))
/** Window keys remembered by ChunkDirectory.key, at most, and row keys per series. */
const WINDOW_KEYS = 10_000
const KEYS_PER_SERIES = 16

/** One series' chunk rows in key order (window, then seq), as parallel typed arrays: 17 bytes a row. */
class SeriesChunks {
  /** Keys of the rows last read, by window (ChunkDirectory.key). */
  keys?: Map<number, { seq: number; key: string }>

  constructor(readonly idHex: string) {}

  starts = new Float64Array(4)
  seqs = new Float64Array(4)
  flags = new Uint8Array(4)
  length = 0

  /** First row whose window starts at or after `windowStart`. */
  firstAtOrAfter(windowStart: number): number {
    let low = 0
    let high = this.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.starts[mid] < windowStart) low = mid + 1
      else high = mid
    }
    return low
  }

  insert(windowStart: number, seq: number, flags: number): void {
    if (this.length === this.starts.length) this.grow()
    let at = this.length
    while (at > 0 && (this.starts[at - 1] > windowStart || (this.starts[at - 1] === windowStart && this.seqs[at - 1] > seq))) at--
    this.starts.copyWithin(at + 1, at, this.length)
    this.seqs.copyWithin(at + 1, at, this.length)
    this.flags.copyWithin(at + 1, at, this.length)
    this.starts[at] = windowStart
    this.seqs[at] = seq
    this.flags[at] = flags
    this.length++
  }

  indexOf(windowStart: number, seq: number): number {
    for (let i = this.firstAtOrAfter(windowStart); i < this.length && this.starts[i] === windowStart; i++) {
      if (this.seqs[i] === seq) return i
    }
    return -1
  }

  /** Removes rows [from, to). */
  removeRange(from: number, to: number): void {
    this.starts.copyWithin(from, to, this.length)
    this.seqs.copyWithin(from, to, this.length)
    this.flags.copyWithin(from, to, this.length)
    this.length -= to - from
  }

  private grow(): void {
    const size = this.starts.length * 2
    const starts = new Float64Array(size)
    const seqs = new Float64Array(size)
    const flags = new Uint8Array(size)
    starts.set(this.starts)
    seqs.set(this.seqs)
    flags.set(this.flags)
    this.starts = starts
    this.seqs = seqs
    this.flags = flags
  }
}

/**
 * Every chunk row's key, in memory, per series in key order, so a query knows the exact rows to fetch in one
 * `getMany` instead of opening a key iterator per series. Loaded on open from the keys alone; 17 bytes a row
 * (30 days of 2 h windows for 10,000 series: about 60 MB). The compactor adds a chunk before its atomic write
 * (a reader that lists it but does not find the row in its snapshot skips it: the samples are still in the head
 * rows of that snapshot) and commits it after; retention drops rows after its write.
 */
export class ChunkDirectory {
  private readonly bySeries = new Map<number, SeriesChunks>()
  private readonly windowKeys = new Map<number, string>()
  private count = 0

  get size(): number {
    return this.count
  }

  async load(chunks: BinarySublevel, rollups: BinarySublevel): Promise<void> {
    this.bySeries.clear()
    this.count = 0
    // Rollup rows sort right after their chunk's key in their own sublevel: collect each chunk's widths.
    const masks = new Map<string, number>()
    for await (const key of rollups.keys()) {
      const bit = ROLLUP_BITS[ROLLUP_WIDTHS.indexOf(parseRollupWidth(key))]
      if (bit !== undefined) masks.set(key.slice(0, 38), (masks.get(key.slice(0, 38)) ?? 0) | bit)
    }
    for await (const key of chunks.keys()) {
      const { seriesId, windowStart, seq } = parseChunkKey(key)
      this.series(seriesId).insert(windowStart, seq, masks.get(key) ?? 0)
      this.count++
    }
  }

  /** Lists a chunk row about to be written (uncommitted until `commit`). */
  add(seriesId: number, windowStart: number, seq: number, rollupWidths: readonly number[]): void {
    let flags = UNCOMMITTED
    for (const width of rollupWidths) flags |= ROLLUP_BITS[ROLLUP_WIDTHS.indexOf(width)] ?? 0
    this.series(seriesId).insert(windowStart, seq, flags)
    this.count++
  }

  /** The row's atomic write is done: reads may take it from the row cache. */
  commit(seriesId: number, windowStart: number, seq: number): void {
    const chunks = this.bySeries.get(seriesId)
    const at = chunks?.indexOf(windowStart, seq) ?? -1
    if (chunks && at >= 0) chunks.flags[at] &= ~UNCOMMITTED
  }

  /** Undoes `add` (an atomic write that failed). */
  remove(seriesId: number, windowStart: number, seq: number): void {
    const chunks = this.bySeries.get(seriesId)
    const at = chunks?.indexOf(windowStart, seq) ?? -1
    if (chunks && at >= 0) {
      chunks.removeRange(at, at + 1)
      this.count--
    }
  }

  /** Chunk rows of the series whose window starts in [firstWindow, endWindow), in key order. */
  overlapping(seriesId: number, firstWindow: number, endWindow: number): ChunkRef[] {
    const chunks = this.bySeries.get(seriesId)
    if (!chunks) return []
    const found: ChunkRef[] = []
    for (let i = chunks.firstAtOrAfter(firstWindow); i < chunks.length && chunks.starts[i] < endWindow; i++) {
      const flags = chunks.flags[i]
      found.push({
        windowStart: chunks.starts[i],
        seq: chunks.seqs[i],
        rollups: ROLLUPS_OF_FLAGS[flags & ~UNCOMMITTED],
        committed: (flags & UNCOMMITTED) === 0,
      })
    }
    return found
  }

  /** Forgets the series' chunk rows whose window starts before `endWindow` (retention deleted them). */
  dropBefore(seriesId: number, endWindow: number): void {
    const chunks = this.bySeries.get(seriesId)
    if (!chunks) return
    const end = chunks.firstAtOrAfter(endWindow)
    chunks.removeRange(0, end)
    this.count -= end
  }

  key(seriesId: number, ref: ChunkRef): string {
    // Every read builds the keys of the rows it wants: each series remembers those of its last few windows read
    // (a refreshing dashboard asks for the same ones), so a read reuses the strings and the row cache their hashes.
    const chunks = this.bySeries.get(seriesId)
    if (!chunks) return chunkKeyOf(idHex(seriesId), this.windowKey(ref.windowStart), ref.seq)
    const known = chunks.keys?.get(ref.windowStart)
    if (known?.seq === ref.seq) return known.key
    chunks.keys ??= new Map()
    if (chunks.keys.size >= KEYS_PER_SERIES) chunks.keys.clear()
    const key = chunkKeyOf(chunks.idHex, this.windowKey(ref.windowStart), ref.seq)
    chunks.keys.set(ref.windowStart, { seq: ref.seq, key })
    return key
  }

  /** windowKey, remembered: windows are few (a day of 2 h windows is 12 for every series); cleared past WINDOW_KEYS. */
  private windowKey(windowStart: number): string {
    let window = this.windowKeys.get(windowStart)
    if (window === undefined) {
      if (this.windowKeys.size >= WINDOW_KEYS) this.windowKeys.clear()
      this.windowKeys.set(windowStart, (window = windowKey(windowStart)))
    }
    return window
  }

  private series(seriesId: number): SeriesChunks {
    let chunks = this.bySeries.get(seriesId)
    if (!chunks) this.bySeries.set(seriesId, (chunks = new SeriesChunks(idHex(seriesId))))
    return chunks
  }
}
