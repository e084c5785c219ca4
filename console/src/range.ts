// Time ranges and chart steps (no DOM: the Node tests import this).

export const PRESETS = ['15m', '1h', '6h', '24h', '7d'] as const
export type Preset = (typeof PRESETS)[number]
const PRESET_MS: Record<Preset, number> = { '15m': 900_000, '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000 }

/** A preset follows the clock (live); custom and zoomed ranges are fixed. */
export type TimeRange = { preset: Preset } | { preset: 'custom'; from: number; to: number }

export function resolveRange(r: TimeRange, now = Date.now()): { from: number; to: number } {
  return r.preset === 'custom' ? { from: r.from, to: r.to } : { from: now - PRESET_MS[r.preset], to: now }
}

const NICE_STEPS_S = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]

/** A step so a chart asks for no more points than it has pixels (and never below the agents' 10 s interval). */
export function stepFor(from: number, to: number, pixels: number): number {
  const raw = (to - from) / 1000 / Math.max(50, pixels)
  return NICE_STEPS_S.find((s) => s >= raw) ?? Math.ceil(raw / 86400) * 86400
}
