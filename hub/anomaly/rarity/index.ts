// The `rarity` detector: how rare is this sample's deviation for this very series? Five deviations are measured at
// once (the sample against a robust baseline, the short average of those deviations, the short average of their size
// — a change of volatility —, a CUSUM of small lasting shifts and stuck values, the `levelshift` detector's, and the
// sample against the usual value at this time of day), and each is judged by its own empirical tail: a histogram of
// every value that deviation has taken on this series. The score is the tail probability of the rarest one on a log
// scale against the series' history, so 1 means "never seen in this series' whole memory". This is Numenta's
// anomaly-likelihood idea without its Gaussian assumption: a heavy-tailed series (tweet counts, request bursts) must
// outdo its own bursts, a clean one alarms on its first real jump, and the rate of alarms falls as a series' history
// grows instead of staying a fixed share of samples.
import { z } from 'zod'
import { durationMs } from '../../../kit/durations.js'
import type { Detector, DetectorPlugin, Verdict } from '../types.js'
import { BAND_Z, sigmaOf, zAt } from '../score.js'
import { levelshiftDetector, levelshiftOptions } from '../levelshift/index.js'

export const rarityOptions = z
  .object({
    /** Samples the robust baseline remembers (EWMA span). */
    window: z.number().int().min(4).max(100_000).default(1000),
    /** Samples the short averages of the deviation (level and size) span. */
    span: z.number().int().min(2).max(1000).default(20),
    /** Samples each deviation's histogram remembers (counts are halved when they reach this). */
    memory: z.number().int().min(100).max(10_000_000).default(100_000),
    /** Samples before any score. */
    warmup: z.number().int().min(50).max(100_000).default(150),
    /** The cycle of the time-of-day deviation: `1d` (daily), `7d` (weekly) or any duration. */
    period: durationMs.default(86_400_000),
    /** Whole periods learned before the time-of-day deviation counts. */
    periods: z.number().min(1).max(52).default(2),
    /** False: no time-of-day deviation (the detector as it was before; the state keeps its size). */
    timeOfDay: z.boolean().default(true),
  })
  .strict()

export type RarityOptions = z.output<typeof rarityOptions>

/** Deviations (in robust σ) below this are ordinary and not binned. */
const Z_MIN = 2
/** Deviations below this many σ are never rare, however seldom the series has been so calm: no alarm on noise. */
const Z_FLOOR = 4
/** Histogram bins: lower edges Z_MIN·RATIO^k, the last open-ended (2 … ≈1,400 σ). */
const BINS = 26
const RATIO = 1.3
const EDGES = Array.from({ length: BINS }, (_, k) => Z_MIN * Math.pow(RATIO, k))
const LOG_RATIO = Math.log(RATIO)
/** Deviations measured per sample. */
const FEATURES = 5
/** The time-of-day deviation's index: its histogram has its own total, counted from when it starts to speak. */
const SEASON = 4
/** Bins of the period (an hour each for a day): each one level; one spread for all. */
const SEASON_BINS = 24
/** Samples a bin's level remembers (EWMA span within the bin), as the `seasonal` detector's. */
const SEASON_SPAN = 24
/** Samples before deviations are learned into the histograms (the baseline's scale means something by then). */
const LEARN_AFTER = 30
/** Residuals are clipped at this many σ before the baseline learns them. */
const CLIP = 3
/**
 * The least history a record is judged against: in a young series records are common (its first 300 samples hold
 * several), so a record there scores below 1 (at 260 samples about 0.82).
 */
const REF_MIN = 1000
/** The short average of the signed deviation counts each one up to this many σ, so one spike is not a shift. */
const CAP = 6
/**
 * The short average of the deviation's size counts each one up to this many σ and is scaled by VOL_SCALE: Gaussian
 * noise sits at 2 (0.8 × 2.5), one spike adds at most 0.95, noise grown 2.5-fold reaches 5.
 */
const VOL_CAP = 4
const VOL_SCALE = 2.5

// Slots: samples, level, mean absolute deviation, short average of signed z, short average of |z|, histogram total,
// first sample time, the time-of-day spread, the histogram total when the time-of-day deviation started (NaN before),
// then the levelshift detector's slots, SEASON_BINS levels (NaN until seen), and FEATURES histograms of BINS counts
// stored as float32 (two to a slot: counts are at most `memory`, halves of halves, exact in float32).
const N = 0
const LEVEL = 1
const DEV = 2
const SHORT = 3
const VOL = 4
const TOTAL = 5
const FIRST = 6
const SDEV = 7
const STOTAL = 8
const OWN = 9

const clip = (r: number, limit: number) => (r > limit ? limit : r < -limit ? -limit : r)
const binOf = (z: number) => Math.min(BINS - 1, Math.floor(Math.log(z / Z_MIN) / LOG_RATIO))

export function rarityDetector(o: RarityOptions): Detector {
  const alpha = 2 / (o.window + 1)
  const beta = 2 / (o.span + 1)
  const seasonAlpha = 2 / (SEASON_SPAN + 1)
  const shortScale = Math.sqrt(o.span)
  const { warmup, memory, period } = o
  const matureMs = o.periods * period
  const shift = levelshiftDetector(levelshiftOptions.parse({}))
  const SHIFT = OWN
  const SEASON_AT = SHIFT + shift.slots
  const HIST = SEASON_AT + SEASON_BINS
  const COUNTS = FEATURES * BINS
  const slots = HIST + Math.ceil(COUNTS / 2)
  const inner: Verdict = { score: 0, expected: 0, lo: 0, hi: 0 }
  const zs = new Float64Array(FEATURES)

  /** Share of learned deviations at least `z` (bins interpolated), with half a count of prior; 1 below Z_FLOOR. */
  const tail = (h: Float32Array, at: number, z: number, total: number): number => {
    if (!(z >= Z_FLOOR)) return 1
    let k = binOf(z)
    // Within a bin the counts are taken as spread evenly; the last bin is open-ended, so all of it counts.
    const hi = EDGES[k] * RATIO
    let above = k === BINS - 1 ? h[at + k] : h[at + k] * Math.max(0, (hi - z) / (hi - EDGES[k]))
    for (k++; k < BINS; k++) above += h[at + k]
    return (above + 0.5) / (total + 1)
  }

  /** The time-of-day deviation (0 until `periods` whole periods are learned); learns the sample into its bin. */
  const seasonal = (s: Float64Array, off: number, ts: number, x: number, a: number): number => {
    const phase = ((ts % period) + period) % period
    const at = off + SEASON_AT + Math.min(SEASON_BINS - 1, Math.floor((phase / period) * SEASON_BINS))
    const level = s[at]
    if (Number.isNaN(level)) {
      s[at] = x
      return 0
    }
    const mature = ts - s[off + FIRST] >= matureMs
    let dev = s[off + SDEV]
    if (Number.isNaN(dev)) dev = Math.abs(x - level)
    const sigma = sigmaOf(dev, level)
    const r = x - level
    const rc = mature ? clip(r, CLIP * sigma) : r
    s[at] = level + seasonAlpha * rc
    s[off + SDEV] = dev + a * (Math.abs(rc) - dev)
    return mature ? Math.abs(r) / sigma : 0
  }

  return {
    name: 'rarity',
    slots,
    calibrated: true,
    init(s, off) {
      s.fill(0, off, off + slots)
      s[off + FIRST] = NaN
      s[off + SDEV] = NaN
      s[off + STOTAL] = NaN
      s.fill(NaN, off + SEASON_AT, off + HIST)
      shift.init(s, off + SHIFT)
    },
    update(s, off, ts, x, out: Verdict) {
      const h = new Float32Array(s.buffer, s.byteOffset + (off + HIST) * 8, COUNTS)
      const n = s[off + N]
      if (n === 0) s[off + FIRST] = ts
      const level = n === 0 ? x : s[off + LEVEL]
      const dev = s[off + DEV]
      const sigma = sigmaOf(dev, level)
      const a = Math.max(alpha, 1 / (n + 1))
      const zv = n < 2 ? 0 : (x - level) / sigma
      const short = s[off + SHORT] + beta * (clip(zv, CAP) - s[off + SHORT])
      const vol = s[off + VOL] + beta * (Math.min(Math.abs(zv), VOL_CAP) - s[off + VOL])
      shift.update(s, off + SHIFT, ts, x, inner)
      zs[0] = Math.abs(zv)
      zs[1] = Math.abs(short) * shortScale
      zs[2] = vol * VOL_SCALE
      zs[3] = inner.score > 0 ? zAt(inner.score) : 0
      zs[SEASON] = o.timeOfDay ? seasonal(s, off, ts, x, a) : 0
      // The time-of-day deviation is judged only against the history it has spoken in.
      let total = s[off + TOTAL]
      if (zs[SEASON] > 0 && Number.isNaN(s[off + STOTAL])) s[off + STOTAL] = total
      const seasonTotal = Number.isNaN(s[off + STOTAL]) ? 0 : total - s[off + STOTAL]
      // Score: the rarest deviation's tail probability, as a share of the log-probability of a first-ever record.
      let p = 1
      for (let f = 0; f < FEATURES; f++) p = Math.min(p, tail(h, f * BINS, zs[f], f === SEASON ? seasonTotal : total))
      out.score = n >= warmup ? Math.min(1, Math.max(0, Math.log(p) / Math.log(0.5 / (Math.max(total, REF_MIN) + 1)))) : 0
      out.expected = level
      out.lo = level - BAND_Z * sigma
      out.hi = level + BAND_Z * sigma
      // Learn: the baseline (winsorised once the scale means something), the short averages, the histograms.
      const rc = n >= LEARN_AFTER ? clip(x - level, CLIP * sigma) : x - level
      s[off + LEVEL] = level + a * rc
      s[off + DEV] = dev + a * (Math.abs(rc) - dev)
      s[off + SHORT] = short
      s[off + VOL] = vol
      s[off + N] = n + 1
      if (n < LEARN_AFTER) return
      if (total >= memory) {
        // Forget half: older history weighs less, and counts stay bounded.
        for (let k = 0; k < COUNTS; k++) h[k] *= 0.5
        total *= 0.5
        s[off + STOTAL] *= 0.5
      }
      for (let f = 0; f < FEATURES; f++) if (zs[f] >= Z_MIN) h[f * BINS + binOf(zs[f])]++
      s[off + TOTAL] = total + 1
    },
  }
}

export const rarityPlugin: DetectorPlugin<typeof rarityOptions> = {
  name: 'rarity',
  description:
    'multi-scale deviations (point, short mean, volatility, CUSUM, time of day) each judged by its empirical tail in the series history',
  options: rarityOptions,
  create: (options) => rarityDetector(options),
}
