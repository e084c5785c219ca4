// Gorilla bit streams (Pelkonen et al., "Gorilla: A Fast, Scalable, In-Memory Time Series Database", VLDB 2015;
// Prometheus's XOR chunks): timestamps as delta-of-delta in variable-width buckets, and 64-bit patterns
// (values, or timestamps that are not small integers) XOR-ed against the previous one. Float64 columns are
// handled as pairs of int32 words through an Int32Array view, so bits never pass through a JS number:
// every NaN payload, -0 and subnormal survives exactly.
import type { BitReader } from './bit-reader.js'
import type { BitWriter } from './bit-writer.js'

/** Index of the low and high 32-bit halves of a float64 in an Int32Array view (platform byte order). */
export const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1
export const HI = 1 - LO

const TWO_32 = 2 ** 32

// Delta-of-delta buckets, chosen for ms timestamps collected every 1-60 s (Gorilla's 7/9/12-bit buckets were
// for second timestamps). Prefix, then a signed value of that many bits:
//   0                          dod = 0: a perfectly regular interval (simulated or aligned collectors)
//   10    + 5 bits  [-16, 15]  timer jitter of a few ms, the usual case for a real agent's Date.now()
//   110   + 10 bits [-512, 511] a slow collect or a GC pause
//   1110  + 18 bits ±131 s     a missed or extra sample at intervals up to 60 s (dod ≈ ±interval)
//   11110 + 32 bits ±24.8 days a gap: agent down, link lost
//   11111 + 64 bits            anything else (|dod| < 2^53, ensured by the caller)
const BUCKET_5 = 1 << 4
const BUCKET_10 = 1 << 9
const BUCKET_18 = 1 << 17
const BUCKET_32 = 2 ** 31

/**
 * Timestamps 1..n-1 of integer timestamps (ts[0] goes in the header). The caller has checked that every
 * delta and delta-of-delta is an exact integer below 2^53 in magnitude.
 */
export function writeTimestampDods(w: BitWriter, ts: Float64Array): void {
  let prevDelta = 0
  for (let i = 1; i < ts.length; i++) {
    const delta = ts[i] - ts[i - 1]
    const dod = delta - prevDelta
    prevDelta = delta
    if (dod === 0) {
      w.writeBit(0)
    } else if (dod >= -BUCKET_5 && dod < BUCKET_5) {
      w.writeBits((0b10 << 5) | (dod & 0x1f), 7)
    } else if (dod >= -BUCKET_10 && dod < BUCKET_10) {
      w.writeBits((0b110 << 10) | (dod & 0x3ff), 13)
    } else if (dod >= -BUCKET_18 && dod < BUCKET_18) {
      w.writeBits((0b1110 << 18) | (dod & 0x3ffff), 22)
    } else if (dod >= -BUCKET_32 && dod < BUCKET_32) {
      w.writeBits(0b11110, 5)
      w.writeBits(dod | 0, 32)
    } else {
      w.writeBits(0b11111, 5)
      const hi = Math.floor(dod / TWO_32)
      w.writeBits(hi | 0, 32)
      w.writeBits((dod - hi * TWO_32) | 0, 32)
    }
  }
}

/** Bits writeTimestampDods takes for `ts` (checked by the caller as for writing). */
export function timestampDodBits(ts: Float64Array): number {
  let bits = 0
  let prevDelta = 0
  for (let i = 1; i < ts.length; i++) {
    const delta = ts[i] - ts[i - 1]
    const dod = delta - prevDelta
    prevDelta = delta
    if (dod === 0) bits += 1
    else if (dod >= -BUCKET_5 && dod < BUCKET_5) bits += 7
    else if (dod >= -BUCKET_10 && dod < BUCKET_10) bits += 13
    else if (dod >= -BUCKET_18 && dod < BUCKET_18) bits += 22
    else if (dod >= -BUCKET_32 && dod < BUCKET_32) bits += 37
    else bits += 69
  }
  return bits
}

export function readTimestampDods(r: BitReader, out: Float64Array, first: number): void {
  const n = out.length
  if (n === 0) return
  out[0] = first
  let prev = first
  let delta = 0
  for (let i = 1; i < n; i++) {
    if (r.readBit() !== 0) delta += readDod(r)
    prev += delta
    out[i] = prev
  }
}

/** A non-zero delta-of-delta, after its leading '1'. */
function readDod(r: BitReader): number {
  if (r.readBit() === 0) return r.readSigned(5)
  if (r.readBit() === 0) return r.readSigned(10)
  if (r.readBit() === 0) return r.readSigned(18)
  if (r.readBit() === 0) return r.readSigned(32)
  const hi = r.readSigned(32)
  return hi * TWO_32 + r.readBits(32)
}

/** No window yet: larger than any leading-zero count, so the first non-zero XOR opens a window. */
const NO_WINDOW = 65

/**
 * `n` 64-bit patterns (words[2i+LO], words[2i+HI]), each XOR-ed against the previous one (the first against 0):
 *   0                                          same bits as the previous pattern
 *   10 + meaningful bits                       the XOR fits the previous leading/trailing-zero window
 *   11 + 5 bits leading + 6 bits length + bits a new window (leading capped at 31; length 64 written as 0)
 * The first pattern is XOR-ed against 0, which costs about what writing it raw would.
 */
export function writeXorPatterns(w: BitWriter, words: Int32Array, n: number): void {
  let prevHi = 0
  let prevLo = 0
  let windowLeading = NO_WINDOW
  let windowTrailing = 0
  for (let i = 0; i < n; i++) {
    const hi = words[2 * i + HI]
    const lo = words[2 * i + LO]
    const xHi = hi ^ prevHi
    const xLo = lo ^ prevLo
    prevHi = hi
    prevLo = lo
    if ((xHi | xLo) === 0) {
      w.writeBit(0)
      continue
    }
    let leading = xHi !== 0 ? Math.clz32(xHi) : 32 + Math.clz32(xLo)
    if (leading > 31) leading = 31
    const trailing = xLo !== 0 ? 31 - Math.clz32(xLo & -xLo) : 63 - Math.clz32(xHi & -xHi)
    const length = 64 - leading - trailing
    const windowLength = 64 - windowLeading - windowTrailing
    // Reuse the window when the XOR fits and a new one (11 more control bits) would not be shorter. Gorilla
    // reuses whenever it fits, so a wide window (the first value's, a jump's) stuck for the rest of the chunk.
    if (leading >= windowLeading && trailing >= windowTrailing && windowLength <= length + 11) {
      w.writeBits(0b10, 2)
      w.writeBits64(xHi, xLo, windowTrailing, windowLength)
      continue
    }
    w.writeBits((0b11 << 11) | (leading << 6) | (length & 0x3f), 13)
    w.writeBits64(xHi, xLo, trailing, length)
    windowLeading = leading
    windowTrailing = trailing
  }
}

export function readXorPatterns(r: BitReader, words: Int32Array, n: number): void {
  let hi = 0
  let lo = 0
  let leading = 0
  let trailing = 0
  let length = 0
  for (let i = 0; i < n; i++) {
    if (r.readBit() !== 0) {
      if (r.readBit() !== 0) {
        const window = r.readBits(11)
        leading = window >>> 6
        length = window & 0x3f || 64
        trailing = 64 - leading - length
      }
      // The meaningful bits, then shifted back into place by `trailing`.
      let mHi = 0
      let mLo: number
      if (length > 32) {
        mHi = r.readBits(length - 32)
        mLo = r.readBits(32)
      } else {
        mLo = r.readBits(length)
      }
      if (trailing === 0) {
        hi ^= mHi
        lo ^= mLo
      } else if (trailing < 32) {
        hi ^= (mHi << trailing) | (mLo >>> (32 - trailing))
        lo ^= mLo << trailing
      } else {
        hi ^= mLo << (trailing - 32)
      }
    }
    words[2 * i + HI] = hi
    words[2 * i + LO] = lo
  }
}
