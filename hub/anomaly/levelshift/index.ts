// The `levelshift` detector: a two-sided CUSUM of standardised residuals against a slow baseline finds lasting
// shifts that a spike detector forgives, and a run-length check finds a value stuck where the series normally moves.
// When a shift is certain the baseline adopts the new level, so one shift is one episode, not an endless alarm.
import { z } from 'zod'
import type { Detector, DetectorPlugin, Verdict } from '../types.js'
import { BAND_Z, sigmaOf, zScore } from '../score.js'

export const levelshiftOptions = z
  .object({
    /** Samples the slow baseline remembers. */
    window: z.number().int().min(8).max(100_000).default(2000),
    /** Samples before any score. */
    warmup: z.number().int().min(2).max(100_000).default(50),
    /** CUSUM slack, in σ: drift below this is ignored. */
    slack: z.number().min(0).max(10).default(1),
    /** CUSUM decision level, in σ·samples: reaching it scores 0.63. */
    decision: z.number().min(1).max(1000).default(8),
    /** A stuck run counts from this many times the longest run seen in normal movement. */
    stuckFactor: z.number().min(1.5).max(1000).default(4),
    /** Value changes needed before stuck values are judged (a series that never moves is not stuck). */
    minChanges: z.number().int().min(1).max(100_000).default(30),
  })
  .strict()

export type LevelshiftOptions = z.output<typeof levelshiftOptions>

// Slots: samples, slow level, slow deviation, CUSUM up, CUSUM down, current run length, last value, longest run
// seen (decaying), value changes seen.
const N = 0
const LEVEL = 1
const DEV = 2
const UP = 3
const DOWN = 4
const RUN = 5
const LAST = 6
const LONGEST = 7
const CHANGES = 8
/** Residuals enter the CUSUM clipped at this many σ, so one spike alone is not a shift. */
const Z_CLIP = 4

export function levelshiftDetector(o: LevelshiftOptions): Detector {
  const alpha = 2 / (o.window + 1)
  const { warmup, slack, decision, stuckFactor, minChanges } = o
  return {
    name: 'levelshift',
    slots: 9,
    init(s, off) {
      s.fill(0, off, off + 9)
      s[off + LAST] = NaN
    },
    update(s, off, _ts, x, out: Verdict) {
      const n = s[off + N]
      const level = n === 0 ? x : s[off + LEVEL]
      const dev = s[off + DEV]
      const sigma = sigmaOf(dev, level)
      // Stuck values: the run of identical values against the longest run seen while the series moved.
      let run = s[off + RUN]
      if (x === s[off + LAST]) run++
      else {
        if (n > 0) {
          s[off + CHANGES]++
          s[off + LONGEST] = Math.max(run, s[off + LONGEST] * 0.999)
        }
        run = 1
      }
      s[off + RUN] = run
      s[off + LAST] = x
      const longest = Math.max(s[off + LONGEST], 2)
      let stuck = 0
      if (s[off + CHANGES] >= minChanges && run > stuckFactor * longest) {
        stuck = Math.min(1, (run - stuckFactor * longest) / (stuckFactor * longest))
      }
      // Level shift: CUSUM of clipped residuals beyond the slack.
      let z = (x - level) / sigma
      if (z > Z_CLIP) z = Z_CLIP
      else if (z < -Z_CLIP) z = -Z_CLIP
      const up = Math.max(0, s[off + UP] + z - slack)
      const down = Math.max(0, s[off + DOWN] - z - slack)
      const g = Math.max(up, down)
      // g / decision in σ·samples maps onto the common scale: decision ↦ z 5 (score 0.63).
      const shift = n >= warmup ? zScore(2 + 3 * (g / decision)) : 0
      out.score = Math.max(shift, stuck)
      out.expected = level
      out.lo = level - BAND_Z * sigma
      out.hi = level + BAND_Z * sigma
      const a = Math.max(alpha, 1 / (n + 1))
      if (n >= warmup && g > 2 * decision) {
        // Certain: adopt the new level (as an operator would) and start watching afresh.
        s[off + LEVEL] = x
        s[off + UP] = 0
        s[off + DOWN] = 0
      } else {
        const limit = n >= warmup ? 3 * sigma : Infinity
        const r = x - level
        const rc = r > limit ? limit : r < -limit ? -limit : r
        s[off + LEVEL] = level + a * rc
        s[off + DEV] = dev + a * (Math.abs(rc) - dev)
        s[off + UP] = n >= warmup ? up : 0
        s[off + DOWN] = n >= warmup ? down : 0
      }
      s[off + N] = n + 1
    },
  }
}

export const levelshiftPlugin: DetectorPlugin<typeof levelshiftOptions> = {
  name: 'levelshift',
  description: 'level shifts (two-sided CUSUM against a slow robust baseline) and values stuck where a series normally moves',
  options: levelshiftOptions,
  create: (options) => levelshiftDetector(options),
}
