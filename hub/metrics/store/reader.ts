import type { SeriesInfo, SeriesSamples } from './types.js'
import { lowerBound, upperBound } from '../encoding/bounds.js'
import type { ChunkDirectory } from './chunk-directory.js'
import { decodeChunk, type DecodedChunk } from '../encoding/chunk-codec.js'
import { sortByTime } from './compactor.js'
import type { HeadIndex } from './head-index.js'
import { decodeHeadRow, type HeadRowSummary } from '../encoding/head-row.js'
import { headRowKey, type MetricDb, type MetricSublevels } from './keys.js'
import { cachedRows, getRows, type RowCache, type RowKind, type WantedRow } from './row-cache.js'
import { clampTs, windowStart } from '../encoding/time-window.js'

export interface ReadContext {
  db: MetricDb
  subs: MetricSublevels
  head: HeadIndex
  directory: ChunkDirectory
  cache: RowCache
  windowMs: number
  /** Set by a read when a listed head row was gone (compacted or pruned by another hub: docs/cluster.md). */
  missed?: { head: boolean }
}

/**
 * Chunk rows as the row cache holds them: decoded. No namespace: a chunk key is never a rollup key (those are
 * longer), and the key strings the directory keeps then serve as cache keys as they are (no string built per row).
 */
export const CHUNK_ROWS: RowKind<DecodedChunk> = {
  namespace: '',
  decode: decodeChunk,
  columnBytes: (chunk) => chunk.ts.byteLength + chunk.values.byteLength,
}

type Snapshot = ReturnType<MetricDb['snapshot']>

/** Samples of one series in pieces: decoded chunk ranges (key order) and head samples (row order). */
interface Pieces {
  chunks: Array<{ ts: Float64Array; values: Float64Array }>
  headTs: number[]
  headValues: number[]
}

/**
 * What one read sees, listed in one synchronous step: the head rows and chunk rows that may hold samples of
 * each series, and a snapshot of the database. A compaction that commits meanwhile is either wholly in the
 * snapshot (its head rows read as missing, its chunks present) or not at all (its chunks read as missing, its
 * head rows present), so no sample is lost or counted twice (chunk-directory.ts). A read whose rows are all
 * committed chunk rows found in the row cache, with no head row, needs no snapshot: those rows never change, so
 * it takes them in the same synchronous step and leaves LevelDB alone (a refreshing dashboard's usual read).
 */
export interface ReadPlan {
  snapshot?: Snapshot
  headRows: HeadRowSummary[]
  /** Chunk rows per series, in key order. */
  chunkRows: WantedRow[][]
  /** The decoded chunk rows, in the order of chunkRows flattened, when all came from the cache (no snapshot). */
  cached?: Array<DecodedChunk | undefined>
}

export function planRead(ctx: ReadContext, ids: readonly number[], from: number, to: number): ReadPlan {
  const first = windowStart(clampTs(from), ctx.windowMs)
  const end = windowStart(clampTs(to), ctx.windowMs) + ctx.windowMs
  const chunkRows = ids.map((id) =>
    ctx.directory.overlapping(id, first, end).map((ref): WantedRow => ({ key: ctx.directory.key(id, ref), cacheable: ref.committed })),
  )
  const headRows = ctx.head.overlapping(ids, from, to)
  const cached = headRows.length === 0 ? cachedRows(ctx.cache, CHUNK_ROWS, chunkRows.flat()) : undefined
  return cached ? { headRows, chunkRows, cached } : { headRows, chunkRows, snapshot: ctx.db.snapshot() }
}

/** Samples of each series within [from, to], chunks and head merged, ascending by time. */
export async function readSamples(
  ctx: ReadContext,
  series: readonly SeriesInfo[],
  from: number,
  to: number,
): Promise<SeriesSamples[]> {
  if (series.length === 0 || from > to) return series.map((info) => ({ series: info, ts: new Float64Array(0), values: new Float64Array(0) }))
  const plan = planRead(ctx, series.map((info) => info.id), from, to)
  try {
    const pieces = await readPieces(ctx, plan, series, from, to)
    return series.map((info, i) => ({ series: info, ...joinPieces(pieces[i]) }))
  } finally {
    await plan.snapshot?.close()
  }
}

async function readPieces(ctx: ReadContext, plan: ReadPlan, series: readonly SeriesInfo[], from: number, to: number): Promise<Pieces[]> {
  const pieces = series.map((): Pieces => ({ chunks: [], headTs: [], headValues: [] }))
  const headKeys = plan.headRows.map((row) => headRowKey(row.rowNo))
  const [chunks, headBytes] = plan.cached
    ? [plan.cached, []]
    : await Promise.all([
        getRows(ctx.cache, ctx.subs.chunks, CHUNK_ROWS, plan.chunkRows.flat(), plan.snapshot!),
        headKeys.length > 0 ? ctx.subs.head.getMany(headKeys, { snapshot: plan.snapshot }) : [],
      ])
  let k = 0
  plan.chunkRows.forEach((ofSeries, i) => {
    for (let c = 0; c < ofSeries.length; c++) {
      const chunk = chunks[k++]
      if (!chunk) continue // not committed when the snapshot was taken: its samples are in the head rows read
      const start = lowerBound(chunk.ts, from)
      const end = upperBound(chunk.ts, to)
      if (end > start) pieces[i].chunks.push({ ts: chunk.ts.subarray(start, end), values: chunk.values.subarray(start, end) })
    }
  })
  // A series asked for twice gets its samples twice, once per slot.
  const slotsOfId = new Map<number, Pieces[]>()
  series.forEach((info, i) => slotsOfId.set(info.id, [...(slotsOfId.get(info.id) ?? []), pieces[i]]))
  for (const bytes of headBytes) {
    if (!bytes) {
      // Compacted after the list was taken: its samples are in the chunks read above (by this hub's compactor).
      if (ctx.missed) ctx.missed.head = true
      continue
    }
    const row = decodeHeadRow(bytes)
    for (let r = 0; r < row.ts.length; r++) {
      const t = row.ts[r]
      if (t < from || t > to) continue
      const slots = slotsOfId.get(row.ids[r])
      if (!slots) continue
      for (const slot of slots) {
        slot.headTs.push(t)
        slot.headValues.push(row.values[r])
      }
    }
  }
  return pieces
}

/** One sorted column pair; chunk pieces in key order are usually already in time order and are just copied. */
function joinPieces(pieces: Pieces): { ts: Float64Array; values: Float64Array } {
  const { chunks } = pieces
  if (pieces.headTs.length === 0) {
    if (chunks.length === 1) return chunks[0]
    let inOrder = true
    for (let c = 1; c < chunks.length && inOrder; c++) inOrder = chunks[c - 1].ts[chunks[c - 1].ts.length - 1] <= chunks[c].ts[0]
    if (inOrder) return concat(chunks)
  }
  const ts: number[] = []
  const values: number[] = []
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.ts.length; i++) {
      ts.push(chunk.ts[i])
      values.push(chunk.values[i])
    }
  }
  for (let i = 0; i < pieces.headTs.length; i++) {
    ts.push(pieces.headTs[i])
    values.push(pieces.headValues[i])
  }
  return sortByTime({ ts, values })
}

function concat(chunks: ReadonlyArray<{ ts: Float64Array; values: Float64Array }>): { ts: Float64Array; values: Float64Array } {
  let n = 0
  for (const chunk of chunks) n += chunk.ts.length
  const ts = new Float64Array(n)
  const values = new Float64Array(n)
  let at = 0
  for (const chunk of chunks) {
    ts.set(chunk.ts, at)
    values.set(chunk.values, at)
    at += chunk.ts.length
  }
  return { ts, values }
}
