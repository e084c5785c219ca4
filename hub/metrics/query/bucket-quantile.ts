// Quantiles from cumulative histogram buckets, as Prometheus's histogram_quantile (promql/quantile.go).

export interface CumulativeBucket {
  /** The bucket's `le`: every observation <= upperBound is counted in it. */
  upperBound: number
  /** Observations <= upperBound (cumulative). */
  count: number
}

/** The `le` label as a number: Prometheus writes `+Inf`; anything that is not a number is undefined. */
export function parseLe(le: string | undefined): number | undefined {
  if (le === undefined) return undefined
  const trimmed = le.trim()
  if (/^[+]?inf(inity)?$/i.test(trimmed)) return Infinity
  if (/^-inf(inity)?$/i.test(trimmed)) return -Infinity
  if (trimmed === '') return undefined
  const value = Number(trimmed)
  return Number.isNaN(value) ? undefined : value
}

/**
 * Quantile `q` in [0, 1] of the observations counted by `buckets` (any order; equal bounds are added together).
 * NaN when it is not knowable, as in Prometheus: no +Inf bucket, fewer than two buckets, or no observations.
 * The rank `q × total` is found in the first bucket whose count reaches it and interpolated linearly inside it,
 * the lowest bucket starting at 0 (or being returned as is when its bound is <= 0); a rank in the +Inf bucket
 * yields the highest finite bound. Counts that fall from one bucket to the next (buckets scraped at slightly
 * different moments) are raised to the running maximum first.
 */
export function bucketQuantile(q: number, buckets: readonly CumulativeBucket[]): number {
  if (Number.isNaN(q)) return NaN
  if (q < 0) return -Infinity
  if (q > 1) return Infinity
  const sorted = coalesce(buckets)
  if (sorted.length < 2 || sorted[sorted.length - 1].upperBound !== Infinity) return NaN
  for (let i = 1; i < sorted.length; i++) sorted[i].count = Math.max(sorted[i].count, sorted[i - 1].count)
  const observations = sorted[sorted.length - 1].count
  if (!(observations > 0)) return NaN

  let rank = q * observations
  let b = 0
  while (b < sorted.length - 1 && sorted[b].count < rank) b++
  if (b === sorted.length - 1) return sorted[sorted.length - 2].upperBound
  if (b === 0 && sorted[0].upperBound <= 0) return sorted[0].upperBound
  let bucketStart = 0
  let count = sorted[b].count
  if (b > 0) {
    bucketStart = sorted[b - 1].upperBound
    count -= sorted[b - 1].count
    rank -= sorted[b - 1].count
  }
  return bucketStart + (sorted[b].upperBound - bucketStart) * (rank / count)
}

/** Sorted by bound, one entry per distinct bound (`le="1"` and `le="1.0"` are one bucket). */
function coalesce(buckets: readonly CumulativeBucket[]): CumulativeBucket[] {
  const sorted = buckets.map((bucket) => ({ ...bucket })).sort((a, b) => a.upperBound - b.upperBound)
  const out: CumulativeBucket[] = []
  for (const bucket of sorted) {
    const last = out[out.length - 1]
    if (last && last.upperBound === bucket.upperBound) last.count += bucket.count
    else out.push(bucket)
  }
  return out
}
