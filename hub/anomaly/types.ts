// DESIGN §1: anomaly detectors are plugins of the one shape ({name, description, options, create}). A detector keeps
// no state of its own: each series' state is a fixed slice of one Float64Array (constant memory, serialisable as
// bytes, persisted by the hub), so one detector instance serves every series.
import type { z } from 'zod'
import type { Plugin } from '../../kit/plugin.js'

/** What a detector says of one sample: score in [0, 1], the baseline's expected value and band. */
export interface Verdict {
  score: number
  expected: number
  lo: number
  hi: number
}

/** A detector built from its options: how many float64 slots a series needs, and the per-sample step. */
export interface Detector {
  readonly name: string
  /** Float64 slots of one series' state (8 bytes each). */
  readonly slots: number
  /**
   * True when the score is already judged against the series' own history (as `rarity`'s tail probability): the
   * model does not calibrate it again.
   */
  readonly calibrated?: boolean
  /** Sets a fresh series' state at `state[off .. off + slots)`. */
  init(state: Float64Array, off: number): void
  /**
   * Scores `value` at `ts` against what was learned so far (no look-ahead), then learns from it. Writes the verdict
   * into `out`. Samples arrive in time order; the caller skips non-finite values.
   */
  update(state: Float64Array, off: number, ts: number, value: number, out: Verdict): void
}

/** Nothing from the host yet: detectors are pure arithmetic. */
export type DetectorContext = Record<string, never>

export type DetectorPlugin<Schema extends z.ZodType = z.ZodType> = Plugin<Schema, DetectorContext, Detector>

/** One batch's scores of one series, for the `anomaly` rule kind (BatchView.anomaly). */
export interface SeriesScores {
  ts: number[]
  score: number[]
  /** Time since the series' first learned sample, at each sample (minHistory). */
  age: number[]
}
