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
// Layout: u32 sample count, u32 reserved, f64 ts × n, f64 values × n, u32 ids × n (platform byte order,
// little-endian on every platform Node supports in practice).
const HEADER_BYTES = 8

/**
 * A batch's samples as a head row: series-table indexes mapped to global ids (`idOfIndex`), `tsOffset` added
 * to every timestamp (clock correction, DESIGN §5). Samples whose corrected time is not a storable time
 * (NaN, ±Infinity, beyond the Date range) cannot be placed in a time window and are left out.
 */
export function headRowFromMetrics(metrics: DecodedMetrics, idOfIndex: Uint32Array, tsOffset: number): HeadRow & { distinctIds: Uint32Array } {
  const n = metrics.index.length
  // Which series-table entries have kept samples: the row's distinct ids without a Set of every sample's id.
  const used = new Uint8Array(idOfIndex.length)
  // Laid out as encodeHeadRow writes it, so a row that keeps every sample is encoded without a copy.
  const buffer = new ArrayBuffer(HEADER_BYTES + n * 20)
  new Uint32Array(buffer, 0, 2)[0] = n
  const ts = new Float64Array(buffer, HEADER_BYTES, n)
  const values = new Float64Array(buffer, HEADER_BYTES + n * 8, n)
  const ids = new Uint32Array(buffer, HEADER_BYTES + n * 16, n)
  let kept = 0
  for (let k = 0; k < n; k++) {
    const index = metrics.index[k]
    if (index >= idOfIndex.length) throw new Error(`sample ${k} refers to series ${index} of a ${idOfIndex.length}-series table`)
    const t = metrics.ts[k] + tsOffset
    if (!isStorableTs(t)) continue
    ids[kept] = idOfIndex[index]
    used[index] = 1
    ts[kept] = t
    values[kept] = metrics.values[k]
    kept++
  }
  const distinct = new Set<number>()
  for (let j = 0; j < used.length; j++) if (used[j]) distinct.add(idOfIndex[j])
  const distinctIds = Uint32Array.from(distinct).sort()
  return { ids: ids.subarray(0, kept), ts: ts.subarray(0, kept), values: values.subarray(0, kept), distinctIds }
}

export function encodeHeadRow(row: HeadRow): Uint8Array {
  const n = row.ids.length
  if (isLaidOut(row)) return new Uint8Array(row.ts.buffer)
  const buffer = new ArrayBuffer(HEADER_BYTES + n * 20)
  new Uint32Array(buffer, 0, 2)[0] = n
  new Float64Array(buffer, HEADER_BYTES, n).set(row.ts)
  new Float64Array(buffer, HEADER_BYTES + n * 8, n).set(row.values)
  new Uint32Array(buffer, HEADER_BYTES + n * 16, n).set(row.ids)
  return new Uint8Array(buffer)
}

/** The row's columns already sit in one buffer in the encoded layout (headRowFromMetrics, all samples kept). */
function isLaidOut({ ids, ts, values }: HeadRow): boolean {
  const n = ids.length
  const buffer = ts.buffer
  return (
    values.buffer === buffer && ids.buffer === buffer && buffer.byteLength === HEADER_BYTES + n * 20 &&
    ts.byteOffset === HEADER_BYTES && values.byteOffset === HEADER_BYTES + n * 8 && ids.byteOffset === HEADER_BYTES + n * 16 &&
    new Uint32Array(buffer, 0, 1)[0] === n
  )
}

export function decodeHeadRow(bytes: Uint8Array): HeadRow {
  if (bytes.length < HEADER_BYTES) throw new Error('head row is truncated')
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true)
  if (bytes.length !== HEADER_BYTES + n * 20) throw new Error(`head row has ${bytes.length} bytes, expected ${HEADER_BYTES + n * 20}`)
  const ids = new Uint32Array(n)
  new Uint8Array(ids.buffer).set(bytes.subarray(HEADER_BYTES + n * 16))
  return {
    ts: copyFloat64(bytes, HEADER_BYTES, n),
    values: copyFloat64(bytes, HEADER_BYTES + n * 8, n),
    ids,
  }
}

/** `distinctIds`: the row's series ids, ascending, when the caller knows them (headRowFromMetrics). */
export function summarizeHeadRow(rowNo: number, row: HeadRow, distinctIds?: Uint32Array): HeadRowSummary {
  let minTs = Infinity
  let maxTs = -Infinity
  for (let i = 0; i < row.ts.length; i++) {
    const t = row.ts[i]
    if (t < minTs) minTs = t
    if (t > maxTs) maxTs = t
  }
  const ids = distinctIds ?? Uint32Array.from(new Set(row.ids)).sort()
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
