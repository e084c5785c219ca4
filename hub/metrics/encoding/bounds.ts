// Binary searches over a series' ascending timestamps, so a range is an index pair and no sample is copied.

/** First index whose timestamp is >= `from` (ts.length when none). */
export function lowerBound(ts: ArrayLike<number>, from: number): number {
  let low = 0
  let high = ts.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (ts[mid] < from) low = mid + 1
    else high = mid
  }
  return low
}

/** First index whose timestamp is > `to` (ts.length when none). */
export function upperBound(ts: ArrayLike<number>, to: number): number {
  let low = 0
  let high = ts.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (ts[mid] <= to) low = mid + 1
    else high = mid
  }
  return low
}

/** Start of the step-aligned bucket holding `ts`: a multiple of `step` since the Unix epoch, also before 1970. */
export function bucketStartOf(ts: number, step: number): number {
  // `%` is exact on doubles where `Math.floor(ts / step)` can round up across a bucket edge.
  return ts - (((ts % step) + step) % step)
}
