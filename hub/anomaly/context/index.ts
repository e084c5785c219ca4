// The `context` detector: the `rarity` detector's score combined with a contextual novelty score in the spirit of
// CAD OSE (Contextual Anomaly Detector, open-source edition; Smirnov, NAB 2016): values are quantised into a few
// bins, the short sequences of bins the series has shown are remembered as facts, and a sample is scored by how much
// of its current context (its bin, the pair and the triple of bins ending at it) has never been seen. Written from
// the published description, not from NAB's code. The fact memory is three fixed bit sets (8 + 64 + 512 bits, 73
// bytes), so it is capped by construction; no look-ahead: the bins span the range seen so far, and when the range
// grows the remembered facts are moved to the bins their values fall in now.
import { z } from 'zod'
import type { Detector, DetectorPlugin, Verdict } from '../types.js'
import { rarityDetector, rarityOptions } from '../rarity/index.js'

export const contextOptions = z
  .object({
    /** The `rarity` detector's options (docs in its README). */
    rarity: rarityOptions.prefault({}),
    /** Samples before the novelty score speaks. */
    warmup: z.number().int().min(10).max(100_000).default(150),
    /** How the two scores combine: `or` (noisy-OR, 1 − (1 − r)(1 − c)) or `max`. */
    combine: z.enum(['or', 'max']).default('max'),
    /** Weight of the novelty score (0 to 1) before it combines: how much a never-seen context alone can say. */
    weight: z.number().min(0).max(1).default(1),
    /** The context whose novelty alone scores 1: 1 a bin never visited, 2 a move between bins never seen, 3 a run of three. */
    order: z.number().int().min(1).max(3).default(1),
    /** After a combined score at or above `restAt`, this many samples score 0 (repeat suppression; 0: none). */
    rest: z.number().int().min(0).max(100_000).default(0),
    restAt: z.number().min(0).max(1).default(0.825),
    /** Share of the range added on each side when it grows, so it seldom grows again. */
    margin: z.number().min(0).max(1).default(0.1),
  })
  .strict()

export type ContextOptions = z.output<typeof contextOptions>

/** Bins of the value range (three bits, as CAD OSE). */
const Q = 8
const PAIRS = Q * Q
const TRIPLES = Q * Q * Q
/** Bit offsets of the fact sets: singles, pairs, triples. */
const AT1 = 0
const AT2 = Q
const AT3 = Q + PAIRS
const BITS = Q + PAIRS + TRIPLES
const FACT_SLOTS = Math.ceil(BITS / 64)

// Own slots: samples, range low and high, the previous two bins (-1 none), samples left to rest.
const N = 0
const LO = 1
const HI = 2
const P1 = 3
const P2 = 4
const REST = 5
const OWN = 6
/**
 * The combined score is raised to this power: the threshold chosen on NAB's training split (0.985 before) then sits
 * near the hub's medium sensitivity (0.825), and low / high (0.95 / 0.65) mean 0.996 / 0.965 before: all three near
 * "never seen in this series", where the combined score separates anomalies best.
 */
const SHARPEN = 12

const has = (f: Uint8Array, bit: number) => (f[bit >> 3] & (1 << (bit & 7))) !== 0
const set = (f: Uint8Array, bit: number) => {
  f[bit >> 3] |= 1 << (bit & 7)
}

export function contextDetector(o: ContextOptions): Detector {
  const rarity = rarityDetector(o.rarity)
  const FACTS = rarity.slots + OWN
  const slots = FACTS + FACT_SLOTS
  const moved = new Uint8Array(FACT_SLOTS * 8)
  const map = new Int8Array(Q)
  const binIn = (x: number, lo: number, hi: number) => Math.min(Q - 1, Math.max(0, Math.floor(((x - lo) / (hi - lo)) * Q)))

  /** The range grows to take `x`: every remembered fact moves to the bins its values' centres fall in now. */
  const grow = (s: Float64Array, off: number, f: Uint8Array, x: number) => {
    const lo = s[off + LO]
    const hi = s[off + HI]
    let nlo = Math.min(lo, x)
    let nhi = Math.max(hi, x)
    const m = (nhi - nlo) * o.margin
    if (x < lo) nlo -= m
    if (x > hi) nhi += m
    if (!(nhi > nlo)) nhi = nlo + Math.max(1e-9 * Math.abs(nlo), 1e-12)
    for (let b = 0; b < Q; b++) map[b] = binIn(hi > lo ? lo + ((b + 0.5) / Q) * (hi - lo) : lo, nlo, nhi)
    moved.fill(0)
    // Only the bits set are visited: a young series (whose range grows often) has few.
    for (let byte = 0; byte < f.length; byte++) {
      const bits = f[byte]
      if (bits === 0) continue
      for (let k = 0; k < 8; k++) {
        if ((bits & (1 << k)) === 0) continue
        const bit = byte * 8 + k
        if (bit < AT2) set(moved, AT1 + map[bit])
        else if (bit < AT3) set(moved, AT2 + map[(bit - AT2) >> 3] * Q + map[(bit - AT2) & 7])
        else if (bit < BITS) {
          const t = bit - AT3
          set(moved, AT3 + (map[t >> 6] * Q + map[(t >> 3) & 7]) * Q + map[t & 7])
        }
      }
    }
    f.set(moved)
    s[off + LO] = nlo
    s[off + HI] = nhi
    if (s[off + P1] >= 0) s[off + P1] = map[s[off + P1]]
    if (s[off + P2] >= 0) s[off + P2] = map[s[off + P2]]
  }

  return {
    name: 'context',
    slots,
    calibrated: true,
    init(s, off) {
      rarity.init(s, off)
      const own = off + rarity.slots
      s.fill(0, own, off + slots)
      s[own + LO] = NaN
      s[own + HI] = NaN
      s[own + P1] = -1
      s[own + P2] = -1
    },
    update(s, off, ts, x, out: Verdict) {
      rarity.update(s, off, ts, x, out)
      const own = off + rarity.slots
      const f = new Uint8Array(s.buffer, s.byteOffset + (off + FACTS) * 8, FACT_SLOTS * 8)
      const n = s[own + N]
      if (n === 0) {
        s[own + LO] = x
        s[own + HI] = x
      }
      if (!(x >= s[own + LO] && x <= s[own + HI]) || n === 0) grow(s, own, f, x)
      const b = binIn(x, s[own + LO], s[own + HI])
      const p1 = s[own + P1]
      const p2 = s[own + P2]
      // Novelty: the share of the current context's facts (bin, pair, triple) never seen before.
      let fresh = 0
      let facts = 1
      let whole = false
      if (!has(f, AT1 + b)) fresh++
      set(f, AT1 + b)
      if (o.order === 1 && fresh === 1) whole = true
      if (p1 >= 0) {
        facts++
        const pair = p1 * Q + b
        if (!has(f, AT2 + pair)) {
          fresh++
          if (o.order === 2) whole = true
        }
        set(f, AT2 + pair)
        if (p2 >= 0) {
          facts++
          const triple = (p2 * Q + p1) * Q + b
          if (!has(f, AT3 + triple)) {
            fresh++
            if (o.order === 3) whole = true
          }
          set(f, AT3 + triple)
        }
      }
      s[own + P2] = p1
      s[own + P1] = b
      s[own + N] = n + 1
      const c = n >= o.warmup ? o.weight * (whole ? 1 : fresh / facts) : 0
      const r = out.score
      let score = Math.pow(o.combine === 'max' ? Math.max(r, c) : 1 - (1 - r) * (1 - c), SHARPEN)
      if (s[own + REST] > 0) {
        s[own + REST]--
        score = 0
      } else if (o.rest > 0 && score >= o.restAt) s[own + REST] = o.rest
      out.score = score
    },
  }
}

export const contextPlugin: DetectorPlugin<typeof contextOptions> = {
  name: 'context',
  description: 'the rarity score combined with a contextual novelty score (CAD OSE-like facts of bin sequences), with repeat suppression',
  options: contextOptions,
  create: (options) => contextDetector(options),
}
