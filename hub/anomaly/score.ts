// How a deviation in robust standard deviations (z) becomes a score in [0, 1], one mapping for every detector so a
// threshold or sensitivity means the same thing whichever detector speaks.

/** z at or below this is ordinary noise: score 0. */
const Z0 = 2
/** Width of the ramp: z = Z0 + W gives 1 − 1/e ≈ 0.63. */
const W = 3

/** 0 up to z = 2, then 1 − exp(−((z − 2)/3)²): z 4 → 0.36, z 5 → 0.63, z 6 → 0.83, z 8 → 0.98. */
export function zScore(z: number): number {
  if (!(z > Z0)) return 0
  const t = (z - Z0) / W
  return 1 - Math.exp(-t * t)
}

/** The z at which the score reaches `score` (the inverse of zScore), for bands drawn at a sensitivity. */
export function zAt(score: number): number {
  if (score <= 0) return Z0
  if (score >= 1) return Infinity
  return Z0 + W * Math.sqrt(-Math.log(1 - score))
}

/** Sensitivities as score thresholds (docs/anomaly.md). */
// medium is the threshold that scored best on NAB's standard profile (bench section `anomaly`).
export const SENSITIVITY = { low: 0.95, medium: 0.825, high: 0.65 } as const
export type Sensitivity = keyof typeof SENSITIVITY

/** Robust σ from a mean absolute deviation (√(π/2)), floored so a flat series does not divide by zero. */
export function sigmaOf(meanAbsDev: number, level: number): number {
  return Math.max(1.2533 * meanAbsDev, 1e-9 * Math.abs(level), 1e-12)
}

/** The band drawn around `expected`: ±3σ. */
export const BAND_Z = 3
