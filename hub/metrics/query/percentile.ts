// Percentiles as numpy's default ("linear"): interpolate between the two closest ranks.

/** Percentile `q` in [0, 1] of `sorted`, which must be ascending and non-empty. */
export function percentileOfSorted(sorted: Float64Array, q: number): number {
  const rank = (sorted.length - 1) * q
  const lower = Math.floor(rank)
  const fraction = rank - lower
  // Skipping the interpolation on an exact rank also keeps ±Infinity from turning into NaN.
  if (fraction === 0) return sorted[lower]
  return sorted[lower] + fraction * (sorted[lower + 1] - sorted[lower])
}

/** A growable list of values reused from bucket to bucket, so percentiles allocate only when a bucket is the biggest yet. */
export class ScratchValues {
  private buffer = new Float64Array(256)
  private count = 0

  clear(): void {
    this.count = 0
  }

  get length(): number {
    return this.count
  }

  append(values: Float64Array, start: number, end: number): void {
    const needed = this.count + (end - start)
    if (needed > this.buffer.length) {
      const grown = new Float64Array(Math.max(needed, this.buffer.length * 2))
      grown.set(this.buffer.subarray(0, this.count))
      this.buffer = grown
    }
    this.buffer.set(values.subarray(start, end), this.count)
    this.count = needed
  }

  /** The values so far, sorted in place; a view that the next `clear`/`append` overwrites. */
  sorted(): Float64Array {
    return this.buffer.subarray(0, this.count).sort()
  }
}
