// Seeded synthetic series for the detector tests: noise, spikes, shifts, drift, stuck values, a daily cycle.

/** mulberry32: a small seeded generator, so every run sees the same stream. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Standard normal by Box–Muller. */
export function gaussian(r: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
}

export const T0 = Date.UTC(2026, 0, 5)
export const STEP = 60_000

/** `n` samples a minute apart: level + σ·noise, then `shape` applied per index. */
export function series(n: number, seed: number, shape: (i: number, ts: number, noise: number) => number): { ts: number[]; values: number[] } {
  const g = gaussian(rng(seed))
  const ts: number[] = []
  const values: number[] = []
  for (let i = 0; i < n; i++) {
    const t = T0 + i * STEP
    ts.push(t)
    values.push(shape(i, t, g()))
  }
  return { ts, values }
}
