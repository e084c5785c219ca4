/** Samples are kept only at times a JavaScript Date can hold: ±8.64e15 ms around 1970. */
export const MAX_ABS_TS = 8.64e15

export function isStorableTs(ts: number): boolean {
  return Number.isFinite(ts) && Math.abs(ts) <= MAX_ABS_TS
}

/** Start of the window holding `ts`; windows are aligned to multiples of `windowMs` since the epoch. */
export function windowStart(ts: number, windowMs: number): number {
  return Math.floor(ts / windowMs) * windowMs
}

/** Clamps a query bound (which may be ±Infinity) to the range of storable times. */
export function clampTs(ts: number): number {
  return Math.min(MAX_ABS_TS, Math.max(-MAX_ABS_TS, ts))
}
