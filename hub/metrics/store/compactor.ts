import type { CompactionResult } from './types.js'
import type { ChunkDirectory } from './chunk-directory.js'
import { reclaimTable } from '../../storage/db.js'
import { encodeChunk } from '../encoding/chunk-codec.js'
import type { HeadIndex, HeadLimits } from './head-index.js'
import { decodeHeadRow, type HeadRowSummary } from '../encoding/head-row.js'
import { canEncodeRollup, encodeRollup } from '../encoding/rollup-codec.js'
import { chunkRollups } from '../encoding/rollup.js'
import { chunkKey, headRowKey, META, rollupKey, type BatchOp, type MetricDb, type MetricSublevels } from './keys.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'
import { windowStart } from '../encoding/time-window.js'

export interface CompactorOptions {
  windowMs: number
  limits: HeadLimits
  /** Head samples moved per atomic write; bounds the memory one write needs. */
  batchSamples: number
  /** Fewest samples per bucket, on average, for a width to be written (rollup.ts MIN_SAMPLES_PER_BUCKET by default). */
  rollupMinSamples?: number
  /** Test-only: called around each step's atomic write (crash tests kill the process there). */
  onStep?: (point: CompactionStepPoint, step: number) => void
}

/** Where a compaction step stands: before its atomic write, or right after it committed. */
export type CompactionStepPoint = 'before-write' | 'after-write'

interface SampleGroup {
  ts: number[]
  values: number[]
}

/**
 * Moves head rows into per-series, per-window chunk rows. Each step writes the chunks and deletes the head
 * rows they came from in one atomic batch, so after a crash at any point every sample is readable once.
 * Callers run one compaction at a time.
 */
export class Compactor {
  private compactionSeq = 0
  private chunkRowCount = 0
  /** Steps started by this process, numbered from 1 for the test hook. */
  private steps = 0

  constructor(
    private readonly db: MetricDb,
    private readonly subs: MetricSublevels,
    private readonly head: HeadIndex,
    private readonly directory: ChunkDirectory,
    private readonly options: CompactorOptions,
  ) {}

  get chunkRows(): number {
    return this.chunkRowCount
  }

  /** Retention deleted `count` chunk rows (and wrote the new count in the same batch). */
  forgetChunkRows(count: number): void {
    this.chunkRowCount -= count
  }

  async load(): Promise<void> {
    const [seq, rows] = await this.subs.meta.getMany([META.compactionSeq, META.chunkRows])
    this.compactionSeq = seq ? decodeStored<number>(seq) : 0
    this.chunkRowCount = rows ? decodeStored<number>(rows) : 0
  }

  /** Compacts the rows whose samples all lie before `cutoff`, plus the oldest rows while the head is over its limits. */
  async compact(cutoff: number): Promise<CompactionResult> {
    const result: CompactionResult = { headRowsCompacted: 0, chunksWritten: 0, samples: 0 }
    const planned = this.head.planCompaction(cutoff, this.options.limits)
    let group: HeadRowSummary[] = []
    let groupSamples = 0
    for (const row of planned) {
      group.push(row)
      groupSamples += row.samples
      if (groupSamples >= this.options.batchSamples) {
        await this.compactGroup(group, result)
        group = []
        groupSamples = 0
      }
    }
    if (group.length > 0) await this.compactGroup(group, result)
    // The moved head rows would stay on disk beside their chunks until LevelDB happened to compact them (4.5–11 B a
    // sample after a backfill, against 1.2 compacted): reclaim their range now (issue 15, item 6).
    if (result.headRowsCompacted > 0) await reclaimTable(this.subs.head)
    return result
  }

  private async compactGroup(rows: HeadRowSummary[], result: CompactionResult): Promise<void> {
    const keys = rows.map((row) => headRowKey(row.rowNo))
    const stored = await this.subs.head.getMany(keys)
    // series id → window start → samples, filled in row order so equal timestamps keep arrival order.
    const groups = new Map<number, Map<number, SampleGroup>>()
    let samples = 0
    stored.forEach((bytes, index) => {
      if (!bytes) throw new Error(`head row ${keys[index]} is listed but missing from the database`)
      const row = decodeHeadRow(bytes)
      samples += row.ts.length
      for (let i = 0; i < row.ts.length; i++) {
        const t = row.ts[i]
        let windows = groups.get(row.ids[i])
        if (!windows) groups.set(row.ids[i], (windows = new Map()))
        const start = windowStart(t, this.options.windowMs)
        let samplesOfWindow = windows.get(start)
        if (!samplesOfWindow) windows.set(start, (samplesOfWindow = { ts: [], values: [] }))
        samplesOfWindow.ts.push(t)
        samplesOfWindow.values.push(row.values[i])
      }
    })

    const seq = this.compactionSeq + 1
    const ops: BatchOp[] = []
    let chunksWritten = 0
    const added: Array<{ id: number; start: number; widths: number[] }> = []
    for (const [id, windows] of groups) {
      for (const [start, group] of windows) {
        const sorted = sortByTime(group)
        const key = chunkKey(id, start, seq)
        ops.push({ type: 'put', sublevel: this.subs.chunks, key, value: encodeChunk(sorted.ts, sorted.values) })
        // Rollups join the chunk's atomic write, so a crash never leaves one without the other (issue 4).
        const rollups = canEncodeRollup(sorted.ts) ? chunkRollups(sorted.ts, sorted.values, undefined, this.options.rollupMinSamples) : []
        for (const [width, rollup] of rollups) {
          ops.push({ type: 'put', sublevel: this.subs.rollups, key: rollupKey(key, width), value: encodeRollup(rollup) })
        }
        added.push({ id, start, widths: rollups.map(([width]) => width) })
        chunksWritten++
      }
    }
    for (const key of keys) ops.push({ type: 'del', sublevel: this.subs.head, key })
    ops.push({ type: 'put', sublevel: this.subs.meta, key: META.compactionSeq, value: encodeStored(seq) })
    ops.push({ type: 'put', sublevel: this.subs.meta, key: META.chunkRows, value: encodeStored(this.chunkRowCount + chunksWritten) })
    const step = ++this.steps
    this.options.onStep?.('before-write', step)
    // Listed before the write commits: readers skip a listed chunk their snapshot lacks (chunk-directory.ts).
    for (const { id, start, widths } of added) this.directory.add(id, start, seq, widths)
    try {
      await this.db.batch(ops)
    } catch (err) {
      for (const { id, start } of added) this.directory.remove(id, start, seq)
      throw err
    }
    for (const { id, start } of added) this.directory.commit(id, start, seq)
    this.options.onStep?.('after-write', step)

    this.compactionSeq = seq
    this.chunkRowCount += chunksWritten
    this.head.remove(new Set(rows.map((row) => row.rowNo)))
    result.headRowsCompacted += rows.length
    result.chunksWritten += chunksWritten
    result.samples += samples
  }
}

/** Stable sort by timestamp (samples at the same time keep arrival order); most groups arrive sorted. */
export function sortByTime(group: SampleGroup): { ts: Float64Array; values: Float64Array } {
  const n = group.ts.length
  let sorted = true
  for (let i = 1; i < n && sorted; i++) sorted = group.ts[i - 1] <= group.ts[i]
  if (sorted) return { ts: Float64Array.from(group.ts), values: Float64Array.from(group.values) }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => group.ts[a] - group.ts[b])
  const ts = new Float64Array(n)
  const values = new Float64Array(n)
  order.forEach((from, to) => {
    ts[to] = group.ts[from]
    values[to] = group.values[from]
  })
  return { ts, values }
}
