import type { DecodedMetrics } from '../../../protocol/batch.js'
import { copyFloat64 } from './chunk-codec.js'
import { isStorableTs } from './time-window.js'

/** The samples of one ingested batch, re-indexed by global series id, in arrival order. */
export interface HeadRow {
  ids: Uint32Array
  ts: Float64Array
  values: Float64Array
}

/** What queries and the compactor need to know about a head row without reading it. */
export interface HeadRowSummary {
  rowNo: number
  minTs: number
  maxTs: number
  samples: number
  /** Distinct series ids in the row, ascending. */
  ids: Uint32Array
}

// Raw column bytes rather than CBOR number arrays: ingest and compaction copy memory instead of parsing.
// Platform byte order (little-endian on every platform Node supports in practice). Two layouts, told apart by the
// flags word (0 in rows written before the compact layout existed):
// - plain (flags 0): u32 n, u32 0, f64 ts × n, f64 values × n, u32 ids × n — 20 bytes a sample.
// - compact (flags COMPACT, plus IDS16 when every id fits): u32 n, u32 flags, f64 base, u32 (ts − base) × n,
//   padding to 8, f64 values × n, u16 or u32 ids × n — 14 bytes a sample, for whole-ms times within 49 days,
//   which is every batch an agent sends (its timestamps are integers, DESIGN §4). Less to copy, log and merge.
const HEADER_BYTES = 8
const COMPACT_HEADER_BYTES = 16
const COMPACT = 1
const IDS16 = 2

/** A head row as written, with what its summary needs (headRowFromMetrics). */
export interface EncodedHeadRow {
  bytes: Uint8Array
  samples: number
  minTs: number
  maxTs: number
  /** Distinct series ids of the kept samples, ascending. */
  distinctIds: Uint32Array
}

const align8 = (n: number) => (n + 7) & ~7

function compactOffsets(n: number, ids16: boolean): { values: number; ids: number; size: number } {
  const values = align8(COMPACT_HEADER_BYTES + 4 * n)
  const ids = values + 8 * n
  return { values, ids, size: ids + (ids16 ? 2 : 4) * n }
}

/**
 * A batch's samples as an encoded head row: series-table indexes mapped to global ids (`idOfIndex`), `tsOffset`
 * added to every timestamp (clock correction, DESIGN §5). Samples whose corrected time is not a storable time
 * (NaN, ±Infinity, beyond the Date range) cannot be placed in a time window and are left out.
 */
export function headRowFromMetrics(metrics: DecodedMetrics, idOfIndex: Uint32Array, tsOffset: number): EncodedHeadRow {
  const n = metrics.index.length
  const { index, ts: times, values } = metrics
  // Pass 1: what is kept, its time range, and which series-table entries it uses (the row's distinct ids).
  const used = new Uint8Array(idOfIndex.length)
  let kept = 0
  let minTs = Infinity
  let maxTs = -Infinity
  let wholeMs = true
  for (let k = 0; k < n; k++) {
    const i = index[k]
    if (i >= idOfIndex.length) throw new Error(`sample ${k} refers to series ${i} of a ${idOfIndex.length}-series table`)
    const t = times[k] + tsOffset
    if (!isStorableTs(t)) continue
    kept++
    used[i] = 1
    if (t < minTs) minTs = t
    if (t > maxTs) maxTs = t
    if (wholeMs && !Number.isInteger(t)) wholeMs = false
  }
  const distinct = new Set<number>()
  for (let j = 0; j < used.length; j++) if (used[j]) distinct.add(idOfIndex[j])
  const distinctIds = Uint32Array.from(distinct).sort()
  const summary = { samples: kept, minTs, maxTs, distinctIds }
  if (kept === 0) return { bytes: new Uint8Array(0), ...summary }
  if (!wholeMs || maxTs - minTs > 0xffff_ffff) return { bytes: plainRow(metrics, idOfIndex, tsOffset, kept), ...summary }

  // Pass 2: the compact layout.
  const ids16 = distinctIds[distinctIds.length - 1] <= 0xffff
  const at = compactOffsets(kept, ids16)
  const buffer = new ArrayBuffer(at.size)
  const header = new Uint32Array(buffer, 0, 2)
  header[0] = kept
  header[1] = COMPACT | (ids16 ? IDS16 : 0)
  new Float64Array(buffer, 8, 1)[0] = minTs
  const offsets = new Uint32Array(buffer, COMPACT_HEADER_BYTES, kept)
  const vals = new Float64Array(buffer, at.values, kept)
  const ids = ids16 ? new Uint16Array(buffer, at.ids, kept) : new Uint32Array(buffer, at.ids, kept)
  let o = 0
  for (let k = 0; k < n; k++) {
    const t = times[k] + tsOffset
    if (!isStorableTs(t)) continue
    offsets[o] = t - minTs
    vals[o] = values[k]
    ids[o] = idOfIndex[index[k]]
    o++
  }
  return { bytes: new Uint8Array(buffer), ...summary }
}

function plainRow(metrics: DecodedMetrics, idOfIndex: Uint32Array, tsOffset: number, kept: number): Uint8Array {
  const row: HeadRow = { ids: new Uint32Array(kept), ts: new Float64Array(kept), values: new Float64Array(kept) }
  let o = 0
  for (let k = 0; k < metrics.index.length; k++) {
    const t = metrics.ts[k] + tsOffset
    if (!isStorableTs(t)) continue
    row.ids[o] = idOfIndex[metrics.index[k]]
    row.ts[o] = t
    row.values[o] = metrics.values[k]
    o++
  }
  return encodeHeadRow(row)
}

/** The plain layout (also what rows written before the compact layout hold). */
export function encodeHeadRow(row: HeadRow): Uint8Array {
  const n = row.ids.length
  const buffer = new ArrayBuffer(HEADER_BYTES + n * 20)
  new Uint32Array(buffer, 0, 2)[0] = n
  new Float64Array(buffer, HEADER_BYTES, n).set(row.ts)
  new Float64Array(buffer, HEADER_BYTES + n * 8, n).set(row.values)
  new Uint32Array(buffer, HEADER_BYTES + n * 16, n).set(row.ids)
  return new Uint8Array(buffer)
}

export function decodeHeadRow(bytes: Uint8Array): HeadRow {
  if (bytes.length < HEADER_BYTES) throw new Error('head row is truncated')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n = view.getUint32(0, true)
  const flags = view.getUint32(4, true)
  if (flags === 0) return decodePlain(bytes, n)
  if ((flags & ~(COMPACT | IDS16)) !== 0 || !(flags & COMPACT)) throw new Error(`head row has unknown layout flags ${flags}`)
  const ids16 = (flags & IDS16) !== 0
  const at = compactOffsets(n, ids16)
  if (bytes.length !== at.size) throw new Error(`head row has ${bytes.length} bytes, expected ${at.size}`)
  const base = view.getFloat64(8, true)
  const offsets = new Uint32Array(n)
  new Uint8Array(offsets.buffer).set(bytes.subarray(COMPACT_HEADER_BYTES, COMPACT_HEADER_BYTES + 4 * n))
  const ts = new Float64Array(n)
  for (let k = 0; k < n; k++) ts[k] = base + offsets[k]
  let ids: Uint32Array
  if (ids16) {
    const narrow = new Uint16Array(n)
    new Uint8Array(narrow.buffer).set(bytes.subarray(at.ids, at.ids + 2 * n))
    ids = Uint32Array.from(narrow)
  } else {
    ids = new Uint32Array(n)
    new Uint8Array(ids.buffer).set(bytes.subarray(at.ids, at.ids + 4 * n))
  }
  return { ts, values: copyFloat64(bytes, at.values, n), ids }
}

function decodePlain(bytes: Uint8Array, n: number): HeadRow {
  if (bytes.length !== HEADER_BYTES + n * 20) throw new Error(`head row has ${bytes.length} bytes, expected ${HEADER_BYTES + n * 20}`)
  const ids = new Uint32Array(n)
  new Uint8Array(ids.buffer).set(bytes.subarray(HEADER_BYTES + n * 16))
  return {
    ts: copyFloat64(bytes, HEADER_BYTES, n),
    values: copyFloat64(bytes, HEADER_BYTES + n * 8, n),
    ids,
  }
}

export function summarizeHeadRow(rowNo: number, row: HeadRow): HeadRowSummary {
  let minTs = Infinity
  let maxTs = -Infinity
  for (let i = 0; i < row.ts.length; i++) {
    const t = row.ts[i]
    if (t < minTs) minTs = t
    if (t > maxTs) maxTs = t
  }
  const ids = Uint32Array.from(new Set(row.ids)).sort()
  return { rowNo, minTs, maxTs, samples: row.ts.length, ids }
}

export function rowHasSeries(summary: HeadRowSummary, id: number): boolean {
  const ids = summary.ids
  let lo = 0
  let hi = ids.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (ids[mid] === id) return true
    if (ids[mid] < id) lo = mid + 1
    else hi = mid - 1
  }
  return false
}
