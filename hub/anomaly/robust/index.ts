// The `robust` detector: a winsorised EWMA of level and mean absolute deviation (a streaming stand-in for a rolling
// median/MAD in three numbers per series). A sample is scored by its distance from the level in robust σ, then
// learned with its residual clipped at ±k σ, so a spike barely moves the baseline while a lasting shift is learned
// within a few windows (the clipped residual grows the scale geometrically).
import { z } from 'zod'
import type { Detector, DetectorPlugin, Verdict } from '../types.js'
import { BAND_Z, sigmaOf, zScore } from '../score.js'

export const robustOptions = z
  .object({
    /** Samples the baseline remembers (EWMA span). */
    window: z.number().int().min(4).max(100_000).default(1000),
    /** Samples before any score (the baseline is learning). */
    warmup: z.number().int().min(2).max(100_000).default(100),
    /** Residuals are clipped at this many σ before they are learned. */
    clip: z.number().min(1).max(20).default(3),
  })
  .strict()

export type RobustOptions = z.output<typeof robustOptions>

// Slots: samples seen, level, mean absolute deviation.
const N = 0
const LEVEL = 1
const DEV = 2

export function robustDetector(o: RobustOptions): Detector {
  const alpha = 2 / (o.window + 1)
  const { warmup, clip } = o
  return {
    name: 'robust',
    slots: 3,
    init(s, off) {
      s[off + N] = 0
      s[off + LEVEL] = 0
      s[off + DEV] = 0
    },
    update(s, off, _ts, x, out: Verdict) {
      const n = s[off + N]
      const level = s[off + LEVEL]
      const dev = s[off + DEV]
      if (n === 0) {
        s[off + N] = 1
        s[off + LEVEL] = x
        out.score = 0
        out.expected = out.lo = out.hi = x
        return
      }
      const sigma = sigmaOf(dev, level)
      const r = x - level
      out.score = n >= warmup ? zScore(Math.abs(r) / sigma) : 0
      out.expected = level
      out.lo = level - BAND_Z * sigma
      out.hi = level + BAND_Z * sigma
      // Early on a plain running mean (1/(n+1)) learns fast; after that the EWMA span holds. Residuals are not
      // clipped until the scale means something.
      const a = Math.max(alpha, 1 / (n + 1))
      const limit = n >= warmup ? clip * sigma : Infinity
      const rc = r > limit ? limit : r < -limit ? -limit : r
      s[off + LEVEL] = level + a * rc
      s[off + DEV] = dev + a * (Math.abs(rc) - dev)
      s[off + N] = n + 1
    },
  }
}

export const robustPlugin: DetectorPlugin<typeof robustOptions> = {
  name: 'robust',
  description: 'robust baseline: winsorised EWMA of level and absolute deviation, score by distance in robust σ',
  options: robustOptions,
  create: (options) => robustDetector(options),
}
