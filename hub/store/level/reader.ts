import type { SeriesInfo, SeriesSamples } from '../types.js'
import { decodeChunk } from './chunk-codec.js'
import { sortByTime } from './compactor.js'
import type { HeadIndex } from './head-index.js'
import { decodeHeadRow } from './head-row.js'
import { chunkRange, headRowKey, type MetricDb, type MetricSublevels } from './keys.js'
import { clampTs, windowStart } from './time-window.js'

interface Collected {
  ts: number[]
  values: number[]
}

/**
 * Samples of each series within [from, to], chunks and head merged. Everything is read from one snapshot
 * taken together with the list of head rows: a compaction that commits meanwhile is either wholly in the
 * snapshot (its head rows are gone and read as missing, its chunks are there) or not at all, so no sample
 * is lost or counted twice.
 */
export async function readSamples(
  db: MetricDb,
  subs: MetricSublevels,
  head: HeadIndex,
  windowMs: number,
  series: readonly SeriesInfo[],
  from: number,
  to: number,
): Promise<SeriesSamples[]> {
  const collected = series.map((): Collected => ({ ts: [], values: [] }))
  if (series.length > 0 && from <= to) {
    const ids = series.map((info) => info.id)
    const headRows = head.overlapping(ids, from, to)
    const snapshot = db.snapshot()
    try {
      for (let i = 0; i < series.length; i++) {
        await collectChunks(subs, snapshot, windowMs, ids[i], from, to, collected[i])
      }
      const keys = headRows.map((row) => headRowKey(row.rowNo))
      const rows = keys.length > 0 ? await subs.head.getMany(keys, { snapshot }) : []
      // A series asked for twice gets its samples twice, once per slot.
      const slotsOfId = new Map<number, Collected[]>()
      ids.forEach((id, i) => slotsOfId.set(id, [...(slotsOfId.get(id) ?? []), collected[i]]))
      for (const bytes of rows) {
        if (!bytes) continue // compacted after the list was taken: its samples are in the chunks read above
        const row = decodeHeadRow(bytes)
        for (let k = 0; k < row.ts.length; k++) {
          const t = row.ts[k]
          if (t < from || t > to) continue
          const slots = slotsOfId.get(row.ids[k])
          if (!slots) continue
          for (const slot of slots) {
            slot.ts.push(t)
            slot.values.push(row.values[k])
          }
        }
      }
    } finally {
      await snapshot.close()
    }
  }
  return series.map((info, i) => ({ series: info, ...sortByTime(collected[i]) }))
}

async function collectChunks(
  subs: MetricSublevels,
  snapshot: ReturnType<MetricDb['snapshot']>,
  windowMs: number,
  id: number,
  from: number,
  to: number,
  into: Collected,
): Promise<void> {
  const first = windowStart(clampTs(from), windowMs)
  const end = windowStart(clampTs(to), windowMs) + windowMs
  for await (const bytes of subs.chunks.values({ ...chunkRange(id, first, end), snapshot })) {
    const chunk = decodeChunk(bytes)
    for (let k = 0; k < chunk.ts.length; k++) {
      const t = chunk.ts[k]
      if (t >= from && t <= to) {
        into.ts.push(t)
        into.values.push(chunk.values[k])
      }
    }
  }
}
