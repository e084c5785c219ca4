// A series' detectors run together over one Float64Array of state: a small header, then each detector's slots.
// The series score is the highest detector score; the expected value and band are the top detector's (the first
// listed on a tie, so a calm series shows the robust baseline). Fixed size, so a series costs the same forever.
import { parseOptions, withPrefix } from '../../kit/options.js'
import type { Registry } from '../../kit/plugin.js'
import type { Detector, DetectorPlugin, Verdict } from './types.js'
import { zScore } from './score.js'

// Header slots: samples learned, first and last sample time.
const N = 0
const FIRST = 1
const LAST = 2
const HEADER = 3
// Calibration, per detector: a short average of its raw score against the long-run mean and variance of its raw
// scores, so a series that is always a little unusual (heavy tails, noisy counts) must be unusual for itself before
// it scores high. Three slots per detector after the header.
const SHORT = 0
const MEAN = 1
const VAR = 2
const CAL_SLOTS = 3
/** EWMA spans, samples: the short average, and the long-run score distribution. */
const SHORT_ALPHA = 0.5
const LONG_ALPHA = 2 / (8000 + 1)
/** Samples before the calibrated score speaks. */
const CALIBRATE_AFTER = 100
/** The least spread of raw scores assumed: a clean series needs a raw score near 0.6 (about 5 σ) for 0.85. */
const STD_FLOOR = 0.05

/** One sample's verdict for the whole series, and each detector's score (in `detectors` order). */
export interface SeriesVerdict extends Verdict {
  /** The detector whose verdict this is. */
  by: string
  scores: Float64Array
}

/** `anomaly.detectors`: detector name → its options (the setting's and the bench's form). */
export type DetectorConfig = Record<string, unknown>

export const DEFAULT_DETECTORS: DetectorConfig = { context: {} }

export class SeriesModel {
  readonly detectors: Detector[]
  private readonly offsets: number[] = []
  /** Each detector's calibration slots, -1 for a detector whose score is already calibrated. */
  private readonly calOffsets: number[] = []
  /** Float64 slots of one series' state. */
  readonly slots: number
  private readonly scratch: Verdict = { score: 0, expected: 0, lo: 0, hi: 0 }

  constructor(
    registry: Registry<DetectorPlugin>,
    config: DetectorConfig = DEFAULT_DETECTORS,
    key = 'anomaly.detectors',
    private readonly calibrate = true,
  ) {
    this.detectors = Object.entries(config).map(([name, raw]) => {
      const plugin = registry.require(name, key)
      try {
        return plugin.create(parseOptions(plugin.options, raw ?? {}, ''), {})
      } catch (err) {
        throw withPrefix(`${key}.${name}`, err)
      }
    })
    let off = HEADER
    for (const d of this.detectors) {
      this.calOffsets.push(d.calibrated ? -1 : off)
      if (!d.calibrated) off += CAL_SLOTS
    }
    for (const d of this.detectors) {
      this.offsets.push(off)
      off += d.slots
    }
    this.slots = off
  }

  /** Bytes of one series' state. */
  get stateBytes(): number {
    return this.slots * 8
  }

  fresh(): Float64Array {
    const s = new Float64Array(this.slots)
    s[FIRST] = NaN
    s[LAST] = -Infinity
    this.detectors.forEach((d, i) => d.init(s, this.offsets[i]))
    return s
  }

  verdict(): SeriesVerdict {
    return { score: 0, expected: 0, lo: 0, hi: 0, by: '', scores: new Float64Array(this.detectors.length) }
  }

  /**
   * Scores and learns one sample. False (and nothing learned) for a non-finite value or a sample not after the last
   * one learned: replays and catch-up reads are idempotent, and a series is learned in time order only.
   */
  update(s: Float64Array, ts: number, value: number, out: SeriesVerdict): boolean {
    if (!Number.isFinite(value) || !(ts > s[LAST])) return false
    if (s[N] === 0) s[FIRST] = ts
    s[N]++
    s[LAST] = ts
    const v = this.scratch
    out.score = -1
    for (let i = 0; i < this.detectors.length; i++) {
      const d = this.detectors[i]
      d.update(s, this.offsets[i], ts, value, v)
      if (this.calibrate && this.calOffsets[i] >= 0) v.score = this.calibrated(s, this.calOffsets[i], v.score)
      out.scores[i] = v.score
      if (v.score > out.score) {
        out.score = v.score
        out.expected = v.expected
        out.lo = v.lo
        out.hi = v.hi
        out.by = d.name
      }
    }
    return true
  }

  /** The raw score's short average in σ above its long-run mean, on the common scale. */
  private calibrated(s: Float64Array, at: number, raw: number): number {
    const short = (s[at + SHORT] += SHORT_ALPHA * (raw - s[at + SHORT]))
    const mean = s[at + MEAN]
    const variance = s[at + VAR]
    const n = s[N]
    const a = Math.max(LONG_ALPHA, 1 / n)
    const d = raw - mean
    s[at + MEAN] = mean + a * d
    s[at + VAR] = (1 - a) * (variance + a * d * d)
    if (n < CALIBRATE_AFTER) return 0
    return zScore((short - mean) / Math.max(Math.sqrt(variance), STD_FLOOR))
  }

  samples(s: Float64Array): number {
    return s[N]
  }

  firstTs(s: Float64Array): number {
    return s[FIRST]
  }

  lastTs(s: Float64Array): number {
    return s[LAST]
  }

  /** The state as bytes (little-endian float64s), for the store. */
  encode(s: Float64Array): Uint8Array {
    return new Uint8Array(s.buffer, s.byteOffset, s.byteLength).slice()
  }

  /** A stored state back; undefined when its size does not fit these detectors (the configuration changed). */
  decode(bytes: Uint8Array): Float64Array | undefined {
    if (bytes.byteLength !== this.slots * 8) return undefined
    const copy = new Uint8Array(bytes.byteLength)
    copy.set(bytes)
    return new Float64Array(copy.buffer)
  }

  /** The index of detector `name` in `scores`, or -1. */
  indexOf(name: string): number {
    return this.detectors.findIndex((d) => d.name === name)
  }
}
