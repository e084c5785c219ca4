// The `seasonal` detector: a profile of the period (a day by default) in bins, each bin a winsorised EWMA of level
// and absolute deviation, so 03:00 is compared with earlier 03:00s rather than with noon. It scores only once the
// profile has seen `minPeriods` whole periods; before that it says 0 and the robust baseline speaks for the series.
import { z } from 'zod'
import { durationMs } from '../../../kit/durations.js'
import type { Detector, DetectorPlugin, Verdict } from '../types.js'
import { BAND_Z, sigmaOf, zScore } from '../score.js'

export const seasonalOptions = z
  .object({
    /** The cycle: `1d` (daily) or `7d` (weekly) or any duration. */
    period: durationMs.default(86_400_000),
    /** Bins per period; 48 keeps a series' whole state under 1 KB (16 bytes a bin). */
    bins: z.number().int().min(4).max(48).default(48),
    /** Whole periods of history before any score. */
    minPeriods: z.number().min(1).max(52).default(2),
    /** Samples each bin remembers (EWMA span within the bin). */
    memory: z.number().int().min(2).max(10_000).default(24),
    /** Residuals are clipped at this many σ before they are learned. */
    clip: z.number().min(1).max(20).default(3),
  })
  .strict()

export type SeasonalOptions = z.output<typeof seasonalOptions>

// Slots: samples, first timestamp, then (level, deviation) per bin.
const N = 0
const FIRST = 1
const BINS = 2

export function seasonalDetector(o: SeasonalOptions): Detector {
  const { period, bins, clip } = o
  const alpha = 2 / (o.memory + 1)
  const learnMs = o.minPeriods * period
  const slots = BINS + 2 * bins
  return {
    name: 'seasonal',
    slots,
    init(s, off) {
      s[off + N] = 0
      s[off + FIRST] = NaN
      // NaN marks a bin with no sample yet.
      s.fill(NaN, off + BINS, off + slots)
    },
    update(s, off, ts, x, out: Verdict) {
      const n = s[off + N]
      if (n === 0) s[off + FIRST] = ts
      const phase = ((ts % period) + period) % period
      const at = off + BINS + 2 * Math.min(bins - 1, Math.floor((phase / period) * bins))
      const level = s[at]
      const dev = s[at + 1]
      s[off + N] = n + 1
      if (Number.isNaN(level)) {
        s[at] = x
        s[at + 1] = 0
        out.score = 0
        out.expected = out.lo = out.hi = x
        return
      }
      const sigma = sigmaOf(dev, level)
      const r = x - level
      const mature = ts - s[off + FIRST] >= learnMs
      out.score = mature ? zScore(Math.abs(r) / sigma) : 0
      out.expected = level
      out.lo = level - BAND_Z * sigma
      out.hi = level + BAND_Z * sigma
      const limit = mature ? clip * sigma : Infinity
      const rc = r > limit ? limit : r < -limit ? -limit : r
      s[at] = level + alpha * rc
      s[at + 1] = dev + alpha * (Math.abs(rc) - dev)
    },
  }
}

export const seasonalPlugin: DetectorPlugin<typeof seasonalOptions> = {
  name: 'seasonal',
  description: 'a daily (or weekly) profile in bins, each a robust baseline; scores once enough whole periods are seen',
  options: seasonalOptions,
  create: (options) => seasonalDetector(options),
}
