// Integer columns as frame-of-reference packed deltas (the idea of Lemire's FOR / VictoriaMetrics's nearest-delta
// blocks). Gorilla's delta-of-delta buckets spend a 4-bit escape plus 32 or 64 bits on a counter that grows by a
// random 50,000 a tick, and a bit per value on a constant; here the deltas, divided by their common divisor, are cut
// into blocks of 128 and each block is written as its smallest delta and every delta minus that smallest, packed
// as below. A constant step (regular timestamps, uptimes, constants) costs 0 bits per value.
//   per column: zigzag varint first value, varint common divisor of the deltas (0: every delta is 0)
//   per block (bits): 1 when the block's min and spread are the previous block's (steady steps cost a bit a block),
//   else 0, then zigzag(min delta / divisor) and the spread (max − min), each as 6 bits of length and its bits;
//   then the deltas minus min in groups of k, each group one number in base spread + 1 (the most digits below 2^52),
//   in the bits its largest value needs. A spread of 2^w − 1 is plain w-bit packing; a spread of 80 takes 6.4 bits.
import type { BitReader } from './bit-reader.js'
import type { BitWriter } from './bit-writer.js'

/** Deltas per block: longer blocks spread their header thinner, shorter ones keep a spike's cost local. */
export const DELTA_BLOCK = 128
/** Values stay within ±2^49: deltas, their spread and zigzag stay below 2^52, exact in doubles. */
const MAX_MAGNITUDE = 2 ** 49
const TWO_32 = 2 ** 32

/** Worst case bits per value plus per-block headers, for sizing the output. */
export const MAX_BITS_PER_VALUE = 52
export const BLOCK_HEADER_BITS = 1 + 6 + 52 + 6 + 52

/**
 * The common divisor of the column's deltas when the column can be written this way (integers of magnitude up to
 * 2^49, so deltas, their spread and its zigzag fit the 52-bit widths); undefined when it cannot. 0 when every delta is 0.
 */
export function deltaDivisor(column: Float64Array): number | undefined {
  let divisor = 0
  for (let i = 0; i < column.length; i++) {
    const v = column[i]
    if (!Number.isInteger(v) || Math.abs(v) > MAX_MAGNITUDE || Object.is(v, -0)) return undefined
    if (i > 0) divisor = gcd(divisor, Math.abs(v - column[i - 1]))
  }
  return divisor
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const r = a % b
    a = b
    b = r
  }
  return a
}

/** Bits needed for a non-negative integer below 2^53. */
function bitLength(v: number): number {
  let bits = 0
  while (v >= TWO_32) {
    v = Math.floor(v / TWO_32)
    bits += 32
  }
  return bits + (v === 0 ? 0 : 32 - Math.clz32(v))
}

function writeWide(bits: BitWriter, value: number, width: number): void {
  if (width === 0) return
  if (width <= 32) return bits.writeBits(value, width)
  bits.writeBits(Math.floor(value / TWO_32), width - 32)
  bits.writeBits(value % TWO_32, 32)
}

function readWide(bits: BitReader, width: number): number {
  if (width === 0) return 0
  if (width <= 32) return bits.readBits(width)
  const hi = bits.readBits(width - 32)
  return hi * TWO_32 + bits.readBits(32)
}

/** Deltas per group: the most values of range `range` whose mixed-radix number stays below 2^52. */
function groupSize(range: number): number {
  let k = 0
  for (let p = range; p <= 2 ** 52; p *= range) k++
  return Math.max(1, k)
}

/** Bits of the largest mixed-radix number of `count` digits in base `range`. */
function groupBits(range: number, count: number): number {
  // Multiplied out (exact below 2^53), not `**`, whose result V8 does not promise to be exact.
  let power = 1
  for (let j = 0; j < count; j++) power *= range
  return bitLength(power - 1)
}

/** Writes the deltas column[1..] ÷ `divisor` (from deltaDivisor) in blocks; the header fields go in by the caller. */
export function writeDeltaBlocks(bits: BitWriter, column: Float64Array, divisor: number): void {
  const n = column.length
  if (divisor === 0) return
  let lastMin = NaN
  let lastSpread = -1
  for (let start = 1; start < n; start += DELTA_BLOCK) {
    const end = Math.min(n, start + DELTA_BLOCK)
    let min = Infinity
    let max = -Infinity
    for (let i = start; i < end; i++) {
      const d = (column[i] - column[i - 1]) / divisor
      if (d < min) min = d
      if (d > max) max = d
    }
    const spread = max - min
    if (min === lastMin && spread === lastSpread) bits.writeBit(1)
    else {
      bits.writeBit(0)
      writeSized(bits, min >= 0 ? min * 2 : -min * 2 - 1)
      writeSized(bits, spread)
      lastMin = min
      lastSpread = spread
    }
    if (spread === 0) continue
    // k deltas at a time as one number in base spread + 1: a spread of 80 costs 6.4 bits a delta, not 7.
    const range = spread + 1
    const k = groupSize(range)
    for (let i = start; i < end; i += k) {
      const count = Math.min(k, end - i)
      let group = 0
      for (let j = i + count - 1; j >= i; j--) group = group * range + ((column[j] - column[j - 1]) / divisor - min)
      writeWide(bits, group, groupBits(range, count))
    }
  }
}

/** A number below 2^52 as 6 bits of length, then its bits. */
function writeSized(bits: BitWriter, value: number): void {
  const length = bitLength(value)
  bits.writeBits(length, 6)
  writeWide(bits, value, length)
}

function readSized(bits: BitReader): number {
  const length = bits.readBits(6)
  return length > 52 ? -1 : readWide(bits, length)
}

/** Reads what writeDeltaBlocks wrote into out[1..], out[0] being `first`. False when the bits are not a column. */
export function readDeltaBlocks(bits: BitReader, out: Float64Array, first: number, divisor: number): boolean {
  const n = out.length
  if (n === 0) return true
  out[0] = first
  if (divisor === 0) {
    out.fill(first)
    return true
  }
  let min = 0
  let spread = -1
  for (let start = 1; start < n; start += DELTA_BLOCK) {
    const end = Math.min(n, start + DELTA_BLOCK)
    if (bits.readBit() === 1) {
      if (spread < 0) return false
    } else {
      const zz = readSized(bits)
      spread = readSized(bits)
      if (zz < 0 || spread < 0) return false
      min = zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2
    }
    if (spread === 0) {
      for (let i = start; i < end; i++) out[i] = out[i - 1] + min * divisor
      continue
    }
    const range = spread + 1
    const k = groupSize(range)
    for (let i = start; i < end; i += k) {
      const count = Math.min(k, end - i)
      let group = readWide(bits, groupBits(range, count))
      for (let j = i; j < i + count; j++) {
        const digit = group % range
        group = (group - digit) / range
        out[j] = out[j - 1] + (digit + min) * divisor
      }
    }
    if (bits.overran) return false
  }
  return true
}
