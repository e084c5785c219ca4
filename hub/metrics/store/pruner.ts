import type { ChunkDirectory } from './chunk-directory.js'
import type { Compactor } from './compactor.js'
import { CHUNK_ROWS } from './reader.js'
import { ROLLUP_ROWS } from './rollup-reader.js'
import type { RowCache } from './row-cache.js'
import type { HeadIndex } from './head-index.js'
import { headRowKey, rollupKey, META, type BatchOp, type MetricDb, type MetricSublevels } from './keys.js'
import { encodeStored } from '../../storage/stored-cbor.js'
import { DAY_MS, rootKey, type DayPartitions } from '../../storage/day-partitions.js'
import { MAX_ABS_TS, windowStart } from '../encoding/time-window.js'

export interface PruneResult {
  /** Chunk rows deleted: every one held only samples older than the cutoff. */
  chunkRowsDeleted: number
  /** Head rows deleted, likewise. */
  headRowsDeleted: number
}

export interface PruneContext {
  db: MetricDb
  subs: MetricSublevels
  head: HeadIndex
  directory: ChunkDirectory
  cache: RowCache
  compactor: Compactor
  windowMs: number
  /** Deletes per atomic write; bounds the memory one write needs. */
  batchOps: number
}

/**
 * Retention (DESIGN §6, issue 5): deletes whole rows whose every sample is older than `cutoff` — chunk rows of
 * windows that ended at or before it, and head rows whose newest sample is before it. Nothing is rewritten: a
 * chunk whose window straddles the cutoff stays whole until its window is entirely out. Run it serialized with
 * compaction (both change the head and the chunk-row count).
 */
/**
 * End (exclusive) of the chunk windows `pruneBefore(cutoff)` deletes: a window [start, start + windowMs) is wholly
 * before the cutoff when it starts before the cutoff's own window.
 */
export function prunableWindowsEnd(cutoff: number, windowMs: number): number {
  return windowStart(Math.min(cutoff, MAX_ABS_TS), windowMs)
}

/**
 * `skipChunks`: the caller knows no chunk row below `prunableWindowsEnd(cutoff)` is left (an earlier pass with
 * the same end), so only the head is checked and the per-series key scan is saved.
 */
export async function pruneBefore(
  ctx: PruneContext,
  seriesIds: readonly number[],
  cutoff: number,
  skipChunks = false,
  /** Leave head rows alone: a head row holds a whole batch, which may carry series the caller did not select. */
  skipHead = false,
): Promise<PruneResult> {
  const result: PruneResult = { chunkRowsDeleted: 0, headRowsDeleted: 0 }
  let ops: BatchOp[] = []
  let chunkDeletes = 0
  const flush = async () => {
    if (ops.length === 0) return
    const chunkRows = ctx.compactor.chunkRows - chunkDeletes
    ops.push({ type: 'put', sublevel: ctx.subs.meta, key: META.chunkRows, value: encodeStored(chunkRows) })
    await ctx.db.batch(ops)
    ctx.compactor.forgetChunkRows(chunkDeletes)
    result.chunkRowsDeleted += chunkDeletes
    ops = []
    chunkDeletes = 0
  }

  const firstWindow = windowStart(-MAX_ABS_TS, ctx.windowMs)
  const endWindow = prunableWindowsEnd(cutoff, ctx.windowMs)
  if (!skipChunks && endWindow > firstWindow) {
    for (const id of seriesIds) {
      // A chunk's rollup rows go in the same write as the chunk (issue 4, "Retention").
      for (const ref of ctx.directory.overlapping(id, firstWindow, endWindow)) {
        const key = ctx.directory.key(id, ref)
        ops.push({ type: 'del', sublevel: ctx.subs.chunks, key })
        ctx.cache.delete(CHUNK_ROWS.namespace + key)
        for (const width of ref.rollups) {
          ops.push({ type: 'del', sublevel: ctx.subs.rollups, key: rollupKey(key, width) })
          ctx.cache.delete(ROLLUP_ROWS.namespace + rollupKey(key, width))
        }
        chunkDeletes++
        if (ops.length >= ctx.batchOps) await flush()
      }
    }
    await flush()
    for (const id of seriesIds) ctx.directory.dropBefore(id, endWindow)
  }

  const expired = skipHead ? [] : ctx.head.rowsBefore(cutoff)
  for (let i = 0; i < expired.length; i += ctx.batchOps) {
    const rows = expired.slice(i, i + ctx.batchOps)
    await ctx.db.batch(rows.map((row): BatchOp => ({ type: 'del', sublevel: ctx.subs.head, key: headRowKey(row.rowNo) })))
    ctx.head.remove(new Set(rows.map((row) => row.rowNo)))
    result.headRowsDeleted += rows.length
  }
  return result
}

/**
 * Retention on an engine with day partitions (the PostgreSQL backend): the chunk and rollup rows of every day whose
 * windows all ended at or before the cutoff go as whole partitions, dropped in one transaction with the chunk-row
 * count; nothing is deleted row by row. Windows of the day the cutoff falls in stay until that day is wholly out
 * (at most a day longer than on LevelDB). `seriesIds`: every series (the directory forgets their dropped rows).
 */
export async function dropExpiredDays(ctx: PruneContext, days: DayPartitions, seriesIds: readonly number[], cutoff: number): Promise<number> {
  const beforeDay = Math.floor(prunableWindowsEnd(cutoff, ctx.windowMs) / DAY_MS)
  const end = beforeDay * DAY_MS
  const firstWindow = windowStart(-MAX_ABS_TS, ctx.windowMs)
  let dropped = 0
  const cached: string[] = []
  for (const id of seriesIds) {
    for (const ref of ctx.directory.overlapping(id, firstWindow, end)) {
      const key = ctx.directory.key(id, ref)
      cached.push(CHUNK_ROWS.namespace + key)
      for (const width of ref.rollups) cached.push(ROLLUP_ROWS.namespace + rollupKey(key, width))
      dropped++
    }
  }
  const count = { key: rootKey(ctx.subs.meta.prefix, META.chunkRows), value: Buffer.from(encodeStored(ctx.compactor.chunkRows - dropped)) }
  await days.dropDaysBefore([KEYSPACE_CHUNKS, KEYSPACE_ROLLUPS], beforeDay, dropped > 0 ? [count] : [])
  for (const key of cached) ctx.cache.delete(key)
  for (const id of seriesIds) ctx.directory.dropBefore(id, end)
  ctx.compactor.forgetChunkRows(dropped)
  return dropped
}

const KEYSPACE_CHUNKS = 'm-chunk'
const KEYSPACE_ROLLUPS = 'm-rollup'
