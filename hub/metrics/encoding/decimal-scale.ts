// Values with a few decimals (21.37, 0.5, 5857.55) have long, noisy binary mantissas, so Gorilla's XOR of
// consecutive values keeps ~50 bits. Scaled by 10^d they are integers, whose XORs are short (Gorilla's
// "integers collapse"). A chunk is scaled only when dividing back gives every value's exact bit pattern.

/** Most decimals tried; beyond this values are rarely decimal and the trial passes cost encode time. */
const MAX_DECIMALS = 6
const POWERS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

/**
 * The fewest decimals d (1..6) such that every value is exactly k / 10^d for an integer k below 2^53
 * (so not NaN or ±Inf); 0 when there is none, or the values are integers already.
 */
export function decimalsOf(values: Float64Array): number {
  const n = values.length
  if (n === 0) return 0
  for (let d = 1; d <= MAX_DECIMALS; d++) {
    const power = POWERS[d]
    let integersOnly = true
    let i = 0
    for (; i < n; i++) {
      const v = values[i]
      const k = Math.round(v * power)
      // === is false for NaN. -0 passes and stays -0: k is Math.round(-0) = -0, stored as a double, and -0 / 10^d.
      if (!(k / power === v) || Math.abs(k) > Number.MAX_SAFE_INTEGER) break
      if (integersOnly && !Number.isInteger(v)) integersOnly = false
    }
    if (i < n) continue
    return integersOnly ? 0 : d
  }
  return 0
}

export function scaleUp(values: Float64Array, decimals: number): Float64Array {
  const power = POWERS[decimals]
  const scaled = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) scaled[i] = Math.round(values[i] * power)
  return scaled
}

/** In place: the integers back to the values they were scaled from (exact, as decimalsOf checked). */
export function scaleDown(scaled: Float64Array, decimals: number): void {
  const power = POWERS[decimals]
  for (let i = 0; i < scaled.length; i++) scaled[i] = scaled[i] / power
}

export function isValidDecimals(decimals: number): boolean {
  return Number.isInteger(decimals) && decimals >= 0 && decimals <= MAX_DECIMALS
}
