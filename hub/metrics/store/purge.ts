import type { SeriesInfo } from './types.js'
import type { ChunkDirectory } from './chunk-directory.js'
import type { Compactor } from './compactor.js'
import type { HeadIndex } from './head-index.js'
import { rowHasSeries } from '../encoding/head-row.js'
import { headRowKey, idHex, rollupKey, META, type BatchOp, type MetricDb, type MetricSublevels } from './keys.js'
import { postingOps } from './postings.js'
import { CHUNK_ROWS } from './reader.js'
import { ROLLUP_ROWS } from './rollup-reader.js'
import type { RowCache } from './row-cache.js'
import { encodeStored } from '../../storage/stored-cbor.js'
import { MAX_ABS_TS, windowStart } from '../encoding/time-window.js'

export interface PurgeContext {
  db: MetricDb
  subs: MetricSublevels
  head: HeadIndex
  directory: ChunkDirectory
  cache: RowCache
  compactor: Compactor
  windowMs: number
}

export interface MetricPurgeResult {
  series: number
  chunkRows: number
  headRows: number
  dedupMarks: number
}

/**
 * Erases one device's metrics (docs/security.md, "Deleting a device"): its series' chunk and rollup rows, the head
 * rows its batches wrote (a head row holds one batch, so one device's samples), its series definitions and postings,
 * (its dedup marks are the BatchWriter's: BatchWriter.purgeDevice). Run serialized with compaction and with the device's ingests.
 */
export async function purgeDeviceMetrics(ctx: PurgeContext, device: string, series: readonly SeriesInfo[]): Promise<MetricPurgeResult> {
  const result: MetricPurgeResult = { series: series.length, chunkRows: 0, headRows: 0, dedupMarks: 0 }
  let ops: BatchOp[] = []
  let chunkDeletes = 0
  const flush = async () => {
    if (ops.length === 0) return
    if (chunkDeletes > 0) ops.push({ type: 'put', sublevel: ctx.subs.meta, key: META.chunkRows, value: encodeStored(ctx.compactor.chunkRows - chunkDeletes) })
    await ctx.db.batch(ops)
    ctx.compactor.forgetChunkRows(chunkDeletes)
    result.chunkRows += chunkDeletes
    ops = []
    chunkDeletes = 0
  }
  const first = windowStart(-MAX_ABS_TS, ctx.windowMs)
  const end = windowStart(MAX_ABS_TS, ctx.windowMs) + ctx.windowMs
  for (const info of series) {
    for (const ref of ctx.directory.overlapping(info.id, first, end)) {
      const key = ctx.directory.key(info.id, ref)
      ops.push({ type: 'del', sublevel: ctx.subs.chunks, key })
      ctx.cache.delete(CHUNK_ROWS.namespace + key)
      for (const width of ref.rollups) {
        ops.push({ type: 'del', sublevel: ctx.subs.rollups, key: rollupKey(key, width) })
        ctx.cache.delete(ROLLUP_ROWS.namespace + rollupKey(key, width))
      }
      chunkDeletes++
      if (ops.length >= 10_000) await flush()
    }
  }
  await flush()
  for (const info of series) ctx.directory.dropBefore(info.id, end)

  const ids = series.map((s) => s.id)
  const rows = ctx.head.overlapping(ids, -Infinity, Infinity)
  for (const row of rows) {
    // A head row is one batch of one device; anything else would be a bug worth stopping for.
    if (!ids.some((id) => rowHasSeries(row, id))) continue
    ops.push({ type: 'del', sublevel: ctx.subs.head, key: headRowKey(row.rowNo) })
  }
  await flush()
  ctx.head.remove(new Set(rows.map((r) => r.rowNo)))
  result.headRows = rows.length

  for (const info of series) {
    ops.push({ type: 'del', sublevel: ctx.subs.series, key: idHex(info.id) })
    for (const op of postingOps(ctx.subs.postings, info)) ops.push({ type: 'del', sublevel: ctx.subs.postings, key: op.key })
  }
  await flush()
  return result
}
