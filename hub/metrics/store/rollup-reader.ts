import type { SeriesInfo, SeriesRollup } from './types.js'
import { lowerBound, upperBound } from '../encoding/bounds.js'
import { sortByTime } from './compactor.js'
import { decodeHeadRow } from '../encoding/head-row.js'
import { headRowKey, rollupKey } from './keys.js'
import { CHUNK_ROWS, type ReadContext } from './reader.js'
import { getRows, type RowKind, type WantedRow } from './row-cache.js'
import { decodeRollup } from '../encoding/rollup-codec.js'
import { mergeRollups, rollUp, ROLLUP_WIDTHS, type Rollup } from '../encoding/rollup.js'
import { clampTs, windowStart } from '../encoding/time-window.js'

/** Rollup rows as the row cache holds them: decoded. */
export const ROLLUP_ROWS: RowKind<Rollup> = {
  namespace: 'r',
  decode: decodeRollup,
  columnBytes: (rollup) => rollup.start.byteLength * 7,
}

/** A chunk row to read: its stored rollup at the chosen width, or its samples to roll up here. */
interface Source extends WantedRow {
  stored: boolean
}

/**
 * The widest stored rollup width that divides `step` and that most chunk rows in the range have, or undefined
 * when rollups would not help (no such width, or the rows were too sparse to get rollups: read them raw).
 */
export function chooseRollupWidth(ctx: ReadContext, ids: readonly number[], from: number, to: number, step: number): number | undefined {
  const first = windowStart(clampTs(from), ctx.windowMs)
  const end = windowStart(clampTs(to), ctx.windowMs) + ctx.windowMs
  for (const width of [...ROLLUP_WIDTHS].reverse()) {
    if (step % width !== 0) continue
    let rows = 0
    let withWidth = 0
    for (const id of ids) {
      for (const ref of ctx.directory.overlapping(id, first, end)) {
        rows++
        if (ref.rollups.includes(width)) withWidth++
      }
    }
    if (rows > 0 && withWidth * 2 >= rows) return width
  }
  return undefined
}

/**
 * Each series' samples in [from, to] as buckets of `width`: a chunk row whose whole window lies within the range
 * gives its stored rollup; the edge rows, rows without one, and head rows are rolled up from their samples here.
 * Listed and read from one snapshot like readSamples (reader.ts), so nothing is lost or counted twice.
 */
export async function readRollups(
  ctx: ReadContext,
  series: readonly SeriesInfo[],
  from: number,
  to: number,
  width: number,
): Promise<SeriesRollup[]> {
  const ids = series.map((info) => info.id)
  const first = windowStart(clampTs(from), ctx.windowMs)
  const end = windowStart(clampTs(to), ctx.windowMs) + ctx.windowMs
  const sources = ids.map((id) =>
    ctx.directory.overlapping(id, first, end).map((ref): Source => {
      const key = ctx.directory.key(id, ref)
      const inside = ref.windowStart >= from && ref.windowStart + ctx.windowMs - 1 <= to
      const cacheable = ref.committed
      return inside && ref.rollups.includes(width) ? { key: rollupKey(key, width), stored: true, cacheable } : { key, stored: false, cacheable }
    }),
  )
  const headRows = ctx.head.overlapping(ids, from, to)
  const snapshot = ctx.db.snapshot()
  try {
    const all = sources.flat()
    const [rollups, chunks, headBytes] = await Promise.all([
      getRows(ctx.cache, ctx.subs.rollups, ROLLUP_ROWS, all.filter((s) => s.stored), snapshot),
      getRows(ctx.cache, ctx.subs.chunks, CHUNK_ROWS, all.filter((s) => !s.stored), snapshot),
      headRows.length > 0 ? ctx.subs.head.getMany(headRows.map((row) => headRowKey(row.rowNo)), { snapshot }) : [],
    ])
    // A listed head row gone: another hub compacted it (docs/cluster.md); the store reads again after a sync.
    if (ctx.missed && headBytes.some((bytes) => !bytes)) ctx.missed.head = true
    let r = 0
    let c = 0
    const parts = sources.map((ofSeries) => {
      const found: Rollup[] = []
      for (const source of ofSeries) {
        // Missing: not committed when the snapshot was taken, so its samples are in the head rows read.
        if (source.stored) {
          const rollup = rollups[r++]
          if (rollup) found.push(rollup)
          continue
        }
        const chunk = chunks[c++]
        if (chunk) found.push(rollUp(chunk.ts, chunk.values, width, lowerBound(chunk.ts, from), upperBound(chunk.ts, to)))
      }
      return found
    })
    const head = headSamples(headBytes, ids, from, to)
    return series.map((info, i) => {
      const samples = head.get(info.id)
      if (samples) {
        const sorted = sortByTime(samples)
        parts[i].push(rollUp(sorted.ts, sorted.values, width))
      }
      return { series: info, width, rollup: mergeRollups(parts[i]) }
    })
  } finally {
    await snapshot.close()
  }
}

function headSamples(rows: ReadonlyArray<Uint8Array | undefined>, ids: readonly number[], from: number, to: number) {
  const byId = new Map<number, { ts: number[]; values: number[] }>()
  const wanted = new Set(ids)
  for (const bytes of rows) {
    if (!bytes) continue // compacted after the list was taken: its samples are in the chunks read
    const row = decodeHeadRow(bytes)
    for (let k = 0; k < row.ts.length; k++) {
      const t = row.ts[k]
      const id = row.ids[k]
      if (t < from || t > to || !wanted.has(id)) continue
      let samples = byId.get(id)
      if (!samples) byId.set(id, (samples = { ts: [], values: [] }))
      samples.ts.push(t)
      samples.values.push(row.values[k])
    }
  }
  return byId
}
