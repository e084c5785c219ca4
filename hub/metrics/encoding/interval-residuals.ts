// Timestamps as their deviation from the usual interval: each delta minus a fixed Δ (the chunk's most common
// delta), in small buckets. A collector that ticks every Δ ms with a few ms of timer jitter gives residuals of
// one jitter, where delta-of-delta (gorilla.ts) gives the difference of two and needs twice the range: on real
// recordings this halves what timestamps cost (docs/storage.md). Prefix, then a signed value of that many bits:
//   0                        residual 0
//   10     + 2 bits  [-2, 1]
//   110    + 4 bits  [-8, 7]
//   1110   + 8 bits  [-128, 127]
//   11110  + 20 bits ±8.7 min
//   111110 + 32 bits ±24.8 days
//   111111 + 64 bits anything else (|residual| < 2^53, ensured by the caller)
import type { BitReader } from './bit-reader.js'
import type { BitWriter } from './bit-writer.js'

const TWO_32 = 2 ** 32
const MAX_EXACT = 2 ** 53
/** Deltas looked at to pick Δ: enough to find the usual interval, few enough to stay cheap. */
const SAMPLED_DELTAS = 64

/** The most common of the first deltas of `ts` (0 for fewer than two timestamps). */
export function usualDelta(ts: Float64Array): number {
  const counts = new Map<number, number>()
  let best = 0
  let bestCount = 0
  for (let i = 1; i < ts.length && i <= SAMPLED_DELTAS; i++) {
    const delta = ts[i] - ts[i - 1]
    const count = (counts.get(delta) ?? 0) + 1
    counts.set(delta, count)
    if (count > bestCount) {
      best = delta
      bestCount = count
    }
  }
  return best
}

/** Bits the residuals of integer timestamps take, or Infinity when one is not exact; callers compare encodings. */
export function residualBits(ts: Float64Array, delta: number): number {
  let bits = 0
  for (let i = 1; i < ts.length; i++) {
    const r = ts[i] - ts[i - 1] - delta
    if (r === 0) bits += 1
    else if (r >= -2 && r < 2) bits += 4
    else if (r >= -8 && r < 8) bits += 7
    else if (r >= -128 && r < 128) bits += 12
    else if (r >= -524_288 && r < 524_288) bits += 25
    else if (r >= -(2 ** 31) && r < 2 ** 31) bits += 38
    else if (Math.abs(r) < MAX_EXACT) bits += 70
    else return Infinity
  }
  return bits
}

/** Timestamps 1..n-1 as residuals; the caller checked residualBits is finite. */
export function writeResiduals(w: BitWriter, ts: Float64Array, delta: number): void {
  for (let i = 1; i < ts.length; i++) {
    const r = ts[i] - ts[i - 1] - delta
    if (r === 0) w.writeBit(0)
    else if (r >= -2 && r < 2) w.writeBits((0b10 << 2) | (r & 0x3), 4)
    else if (r >= -8 && r < 8) w.writeBits((0b110 << 4) | (r & 0xf), 7)
    else if (r >= -128 && r < 128) w.writeBits((0b1110 << 8) | (r & 0xff), 12)
    else if (r >= -524_288 && r < 524_288) w.writeBits((0b11110 << 20) | (r & 0xfffff), 25)
    else if (r >= -(2 ** 31) && r < 2 ** 31) {
      w.writeBits(0b111110, 6)
      w.writeBits(r | 0, 32)
    } else {
      w.writeBits(0b111111, 6)
      const hi = Math.floor(r / TWO_32)
      w.writeBits(hi | 0, 32)
      w.writeBits((r - hi * TWO_32) | 0, 32)
    }
  }
}

export function readResiduals(r: BitReader, out: Float64Array, first: number, delta: number): void {
  if (out.length === 0) return
  out[0] = first
  let prev = first
  for (let i = 1; i < out.length; i++) {
    prev += delta + (r.readBit() === 0 ? 0 : readResidual(r))
    out[i] = prev
  }
}

/** A non-zero residual, after its leading '1'. */
function readResidual(r: BitReader): number {
  if (r.readBit() === 0) return r.readSigned(2)
  if (r.readBit() === 0) return r.readSigned(4)
  if (r.readBit() === 0) return r.readSigned(8)
  if (r.readBit() === 0) return r.readSigned(20)
  if (r.readBit() === 0) return r.readSigned(32)
  const hi = r.readSigned(32)
  return hi * TWO_32 + r.readBits(32)
}
