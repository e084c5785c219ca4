// Rollups (issue 4, "Downsampling"): per series and bucket of a fixed width (1 min, 1 h, aligned to the epoch),
// the count, min, max, sum and last sample of the raw samples, so a coarse query folds buckets, not samples.
// min and max compare with `<` and `>` as the query engine's reducers do (a NaN never becomes either; it makes
// the sum NaN), so a rollup answer is the raw answer; sums may differ in the last bits (addition order).
import { bucketStartOf } from './bounds.js'

/**
 * A series' samples folded into buckets of a fixed width aligned to the epoch, ascending by `start`: count, min,
 * max, sum and the latest sample (`lastTs`, `last`; the later one on equal times) of each bucket with samples.
 */
export interface Rollup {
  start: Float64Array
  count: Float64Array
  min: Float64Array
  max: Float64Array
  sum: Float64Array
  lastTs: Float64Array
  last: Float64Array
}

export const ROLLUP_COLUMNS = ['start', 'count', 'min', 'max', 'sum', 'lastTs', 'last'] as const

export function emptyRollup(n = 0): Rollup {
  return {
    start: new Float64Array(n),
    count: new Float64Array(n),
    min: new Float64Array(n),
    max: new Float64Array(n),
    sum: new Float64Array(n),
    lastTs: new Float64Array(n),
    last: new Float64Array(n),
  }
}

/** Buckets the time range [from, to] touches at `width` (an upper bound for sizing). */
function bucketsIn(ts: Float64Array, start: number, end: number, width: number): number {
  if (end <= start) return 0
  let n = 1
  let bucket = bucketStartOf(ts[start], width)
  for (let i = start + 1; i < end; i++) {
    if (ts[i] >= bucket + width) {
      bucket = bucketStartOf(ts[i], width)
      n++
    }
  }
  return n
}

/** Rolls up samples [start, end) of one series, ascending by time. */
export function rollUp(ts: Float64Array, values: Float64Array, width: number, start = 0, end = ts.length): Rollup {
  const out = emptyRollup(bucketsIn(ts, start, end, width))
  let b = -1
  let bucketEnd = -Infinity
  for (let i = start; i < end; i++) {
    const t = ts[i]
    const v = values[i]
    if (t >= bucketEnd) {
      b++
      const bucket = bucketStartOf(t, width)
      bucketEnd = bucket + width
      out.start[b] = bucket
      out.min[b] = Infinity
      out.max[b] = -Infinity
    }
    out.count[b]++
    out.sum[b] += v
    if (v < out.min[b]) out.min[b] = v
    if (v > out.max[b]) out.max[b] = v
    out.lastTs[b] = t
    out.last[b] = v
  }
  return out
}

/**
 * One rollup from parts of the same series listed in source order (chunks in key order, then the head): parts
 * may share a bucket (a backfill compacted later); they fold into one, the later part winning `last` on a tie.
 */
export function mergeRollups(parts: readonly Rollup[]): Rollup {
  const nonEmpty = parts.filter((part) => part.start.length > 0)
  if (nonEmpty.length === 0) return emptyRollup()
  if (nonEmpty.length === 1) return nonEmpty[0]
  if (inOrder(nonEmpty)) return concatRollups(nonEmpty)
  const entries: Array<[Rollup, number]> = []
  for (const part of nonEmpty) for (let i = 0; i < part.start.length; i++) entries.push([part, i])
  // Array.prototype.sort is stable: equal starts keep source order.
  entries.sort((a, b) => a[0].start[a[1]] - b[0].start[b[1]])
  const out = emptyRollup(entries.length)
  let b = -1
  for (const [part, i] of entries) {
    if (b < 0 || out.start[b] !== part.start[i]) {
      b++
      for (const column of ROLLUP_COLUMNS) out[column][b] = part[column][i]
      continue
    }
    out.count[b] += part.count[i]
    out.sum[b] += part.sum[i]
    if (part.min[i] < out.min[b]) out.min[b] = part.min[i]
    if (part.max[i] > out.max[b]) out.max[b] = part.max[i]
    if (part.lastTs[i] >= out.lastTs[b]) {
      out.lastTs[b] = part.lastTs[i]
      out.last[b] = part.last[i]
    }
  }
  const merged = {} as Rollup
  for (const column of ROLLUP_COLUMNS) merged[column] = out[column].subarray(0, b + 1)
  return merged
}

/** True when each part's buckets all start after the previous part's: nothing to fold. */
function inOrder(parts: readonly Rollup[]): boolean {
  for (let p = 1; p < parts.length; p++) {
    const previous = parts[p - 1].start
    if (!(parts[p].start[0] > previous[previous.length - 1])) return false
  }
  return true
}

function concatRollups(parts: readonly Rollup[]): Rollup {
  let n = 0
  for (const part of parts) n += part.start.length
  const out = emptyRollup(n)
  let at = 0
  for (const part of parts) {
    for (const column of ROLLUP_COLUMNS) out[column].set(part[column], at)
    at += part.start.length
  }
  return out
}

/** Rollup widths the compactor writes, finest first (docs/storage.md). */
export const ROLLUP_WIDTHS: readonly number[] = [60_000, 3_600_000]
/**
 * A width is rolled up for a chunk only when its buckets hold at least this many samples on average. A bucket
 * costs some 10-35 bytes (min, max, sum and last of varying values; count and times are nearly free), so below
 * ~100 samples a bucket the rollups would add more than a tenth to the disk for a small saving: decoding runs at
 * tens of millions of samples a second. 10 s data gets 1 h rollups (360 a bucket), 0.5 s data 1 min ones too.
 */
export const MIN_SAMPLES_PER_BUCKET = 100

/** The rollups worth writing for one chunk's sorted samples, by width. */
export function chunkRollups(
  ts: Float64Array,
  values: Float64Array,
  widths: readonly number[] = ROLLUP_WIDTHS,
  minSamplesPerBucket = MIN_SAMPLES_PER_BUCKET,
): Array<[number, Rollup]> {
  const found: Array<[number, Rollup]> = []
  for (const width of widths) {
    if (ts.length < minSamplesPerBucket * bucketsIn(ts, 0, ts.length, width)) continue
    found.push([width, rollUp(ts, values, width)])
  }
  return found
}
