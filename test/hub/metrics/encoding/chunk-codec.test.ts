import { describe, expect, it } from 'vitest'
import { BitReader } from '../../../../hub/metrics/encoding/bit-reader.js'
import { BitWriter } from '../../../../hub/metrics/encoding/bit-writer.js'
import { decodeChunk, encodeChunk } from '../../../../hub/metrics/encoding/chunk-codec.js'
import { readResiduals, writeResiduals } from '../../../../hub/metrics/encoding/interval-residuals.js'

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** The raw 64-bit pattern of each element: NaN payloads and -0 compare exactly. */
function bitPatterns(column: Float64Array): bigint[] {
  // A byte copy: reading elements as JS numbers could canonicalize NaNs.
  return Array.from(new BigUint64Array(column.buffer.slice(column.byteOffset, column.byteOffset + column.byteLength)))
}

function expectRoundTrip(ts: Float64Array, values: Float64Array): Uint8Array {
  const bytes = encodeChunk(ts, values)
  const decoded = decodeChunk(bytes)
  expect(decoded.ts).toHaveLength(ts.length)
  expect(decoded.values).toHaveLength(values.length)
  expect(bitPatterns(decoded.ts)).toEqual(bitPatterns(ts))
  expect(bitPatterns(decoded.values)).toEqual(bitPatterns(values))
  return bytes
}

function fromBits(hi: number, lo: number): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setUint32(0, hi)
  view.setUint32(4, lo)
  return view.getFloat64(0)
}

/** Written into a Float64Array element as bits, never as a JS number, so the payload is kept. */
function withBits(column: Float64Array, index: number, hi: number, lo: number): void {
  const view = new DataView(column.buffer, column.byteOffset + index * 8, 8)
  view.setUint32(4, hi, true)
  view.setUint32(0, lo, true)
}

const SPECIALS = [NaN, -0, 0, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -5e-324, 2.2250738585072014e-308 / 3, 2 ** 53 + 2, -1e-300]
/** NaNs with payloads and signs a plain `NaN` does not have: [hi, lo] words. */
const ODD_NANS: [number, number][] = [[0xfff80000, 0], [0x7ff00000, 1], [0x7ff7ffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x7ff80000, 0xdeadbeef]]

type Shape = (next: () => number, n: number) => Float64Array
const SHAPES: Record<string, Shape> = {
  walk: (next, n) => {
    const decimals = 1 + Math.floor(next() * 3)
    const scale = 10 ** decimals
    let level = (next() - 0.5) * 1000
    return Float64Array.from({ length: n }, () => (level = Math.round((level + (next() - 0.5) * 4) * scale) / scale))
  },
  counter: (next, n) => {
    let count = Math.floor(next() * 1e12)
    return Float64Array.from({ length: n }, () => (count += Math.floor(next() * 5000)))
  },
  constant: (next, n) => new Float64Array(n).fill(next() < 0.5 ? 0 : Math.round(next() * 1e6) / 100),
  integerGauge: (next, n) => {
    let level = Math.floor(next() * 1e10)
    return Float64Array.from({ length: n }, () => (level += Math.floor((next() - 0.5) * 1e6)))
  },
  randomDoubles: (next, n) => Float64Array.from({ length: n }, () => fromBits((next() * 2 ** 32) >>> 0, (next() * 2 ** 32) >>> 0)),
  ratio: (next, n) => Float64Array.from({ length: n }, () => next()),
}

/** Timestamps: regular ms intervals with jitter, gaps, duplicates and the odd step back. */
function timestamps(next: () => number, n: number): Float64Array {
  const interval = [1_000, 10_000, 15_000, 60_000][Math.floor(next() * 4)]
  let t = 1_700_000_000_000 + Math.floor(next() * 1e9)
  return Float64Array.from({ length: n }, () => {
    const r = next()
    if (r < 0.02) t += interval * Math.floor(1 + next() * 1000) // a gap
    else if (r < 0.04) t -= Math.floor(next() * 100_000) // out of order
    else if (r > 0.98) t += 0 // a duplicate
    else t += interval + Math.floor((next() - 0.5) * (r < 0.5 ? 4 : 600))
    return t
  })
}

function sprinkleSpecials(next: () => number, values: Float64Array): void {
  for (let i = 0; i < values.length; i++) {
    const r = next()
    if (r < 0.02) values[i] = SPECIALS[Math.floor(next() * SPECIALS.length)]
    else if (r < 0.03) {
      const [hi, lo] = ODD_NANS[Math.floor(next() * ODD_NANS.length)]
      withBits(values, i, hi, lo)
    }
  }
}

describe('chunk codec (Gorilla)', () => {
  it('round-trips many random series of every shape bit for bit, special values mixed in', () => {
    const next = random(4)
    for (let round = 0; round < 300; round++) {
      const shapeNames = Object.keys(SHAPES)
      const shape = SHAPES[shapeNames[round % shapeNames.length]]
      const n = 1 + Math.floor(next() * (round % 10 === 0 ? 5000 : 400))
      const values = shape(next, n)
      if (round % 3 === 0) sprinkleSpecials(next, values)
      expectRoundTrip(timestamps(next, n), values)
    }
  })

  it('keeps NaN payloads, -0, infinities and subnormals in every position', () => {
    const values = new Float64Array(SPECIALS.length + ODD_NANS.length + 4)
    values.set(SPECIALS)
    ODD_NANS.forEach(([hi, lo], k) => withBits(values, SPECIALS.length + k, hi, lo))
    // The same specials again, so each is also XOR-ed against a special predecessor.
    values.set([-0, NaN, -0, 0], SPECIALS.length + ODD_NANS.length)
    const ts = Float64Array.from(values, (_, i) => 1_700_000_000_000 + i * 10_000)
    const reversed = values.slice().reverse()
    for (const column of [values, reversed]) {
      // The payloads really are in the input (nothing on the way canonicalized them).
      expect(bitPatterns(column)).toEqual(expect.arrayContaining([0x7ff0000000000001n, 0x7ff80000deadbeefn]))
    }
    expectRoundTrip(ts, values)
    expectRoundTrip(ts.slice().reverse(), reversed)
  })

  it('round-trips timestamps that are not small integers through the XOR fallback', () => {
    for (const odd of [0.5, -0, 2 ** 60, -(2 ** 60), 2 ** 52 + 2, NaN, Infinity, -Infinity, 5e-324]) {
      expectRoundTrip(Float64Array.from([1000, odd, 2000, odd]), Float64Array.from([1, 2, 3, 4]))
    }
    const nanTs = new Float64Array(3)
    withBits(nanTs, 1, 0x7ff00000, 7)
    expectRoundTrip(nanTs, Float64Array.from([1, 2, 3]))
    expectRoundTrip(Float64Array.from([-8.64e15, 0, 8.64e15, -8.64e15]), Float64Array.from([1, 2, 3, 4]))
  })

  it('uses every delta-of-delta bucket, the largest steps included', () => {
    const steps = [0, 1, -16, 15, 16, -17, 511, -512, 512, 131_071, -131_072, 131_072, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 50, -(2 ** 51)]
    let t = 0
    let delta = 0
    const ts = Float64Array.from([0, ...steps.map((dod) => (t += delta += dod))])
    expectRoundTrip(ts, new Float64Array(ts.length))
    expectRoundTrip(Float64Array.from([2 ** 52, -(2 ** 52), 2 ** 52, 0]), Float64Array.from([1, 2, 3, 4]))
  })

  it('round-trips an empty chunk and a single sample', () => {
    expect(encodeChunk(new Float64Array(0), new Float64Array(0))).toHaveLength(2)
    expectRoundTrip(new Float64Array(0), new Float64Array(0))
    expectRoundTrip(Float64Array.from([1_700_000_000_123]), Float64Array.from([42.5]))
    expectRoundTrip(Float64Array.from([-1]), Float64Array.from([NaN]))
    expectRoundTrip(Float64Array.from([0.25]), Float64Array.from([-0]))
  })

  it('collapses constants to a bit per value and regular times to a bit per timestamp', () => {
    const n = 1000
    const ts = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 10_000)
    // Header and first samples aside: 2 bits per sample.
    expect(expectRoundTrip(ts, new Float64Array(n).fill(73.25)).length).toBeLessThan((n * 2) / 8 + 32)
    const counter = Float64Array.from({ length: n }, (_, i) => i * 3)
    expect(expectRoundTrip(ts, counter).length).toBeLessThan(n * 3)
    // A large counter: the first value's wide XOR window must not stick (it would cost ~5 B per sample).
    const next = random(5)
    let count = 1e12
    const large = Float64Array.from({ length: n }, () => (count += Math.floor(next() * 2000)))
    expect(expectRoundTrip(ts, large).length).toBeLessThan(n * 3.2)
  })

  it('stores few-decimal values as scaled integers, and only when they read back exactly', () => {
    const n = 720
    const next = random(11)
    const ts = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 10_000)
    const walk = SHAPES.walk(next, n)
    const walkBytes = expectRoundTrip(ts, walk).length
    // The same walk plus 1e-9 is not a short decimal: plain XOR, several times larger.
    const offset = walk.map((v) => v + 1e-9)
    expect(walkBytes * 2).toBeLessThan(expectRoundTrip(ts, offset).length)
    // Near misses of the scaling: 0.1 + 0.2 is not 0.3, -0 among decimals, huge and tiny values, one NaN.
    for (const odd of [0.1 + 0.2, -0, 1e300, 1e-7, 2 ** 53 / 10 + 0.5, 123456.1234567, NaN]) {
      const values = Float64Array.from({ length: 50 }, (_, i) => (i === 25 ? odd : Math.round(i * 13.7) / 100))
      expectRoundTrip(ts.subarray(0, 50), values)
    }
  })

  it('refuses columns of different lengths, truncated bytes and unknown formats', () => {
    expect(() => encodeChunk(new Float64Array(2), new Float64Array(3))).toThrow(/length/)
    const next = random(7)
    const bytes = encodeChunk(timestamps(next, 300), SHAPES.walk(next, 300))
    for (const cut of [1, 2, 5, bytes.length - 4]) {
      expect(() => decodeChunk(bytes.subarray(0, bytes.length - cut))).toThrow(/truncated/)
    }
    expect(() => decodeChunk(Uint8Array.from([2, 0xff, 0xff, 0xff, 0x7f, 0]))).toThrow(/truncated/)
    expect(() => decodeChunk(Uint8Array.from([9, 0]))).toThrow(/mode/)
  })

  it('stores steadily moving integers (counters, uptimes) as delta-of-delta when that is shorter, and reads every format', () => {
    const n = 720
    const ts = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 1_000)
    // Uptime in seconds with 2 decimals ticking by ~1 s: the scaled deltas are ~100, their differences tiny.
    const uptime = Float64Array.from({ length: n }, (_, i) => Math.round((1041.23 + i * 1.0001) * 100) / 100)
    const uptimeBytes = expectRoundTrip(ts, uptime)
    expect([4, 7, 8]).toContain(uptimeBytes[0]) // values as deltas; exact 1 s ticks fit any time form
    expect(uptimeBytes.length).toBeLessThan(n * 0.5)
    // Above 2^49 format 8 does not apply: the Gorilla delta-of-delta form is written and read.
    const bigUptime = uptime.map((v) => v + 2 ** 44)
    expect([4, 7]).toContain(expectRoundTrip(ts, bigUptime)[0])
    // Extremes of the exact range, negative values and a step down: still bit for bit.
    for (const start of [2 ** 52 - 720 * 3, -(2 ** 52) + 5, -1_000, 0]) {
      const values = Float64Array.from({ length: n }, (_, i) => start + i * 3 - (i === 300 ? 7 : 0))
      expectRoundTrip(ts, values)
    }
    // Random integer jumps: XOR stays when it is shorter.
    const next = random(21)
    expectRoundTrip(ts, Float64Array.from({ length: n }, () => Math.floor(next() * 2 ** 40)))
    // Formats 2 and 3, written by the encoder before delta-of-delta values existed, read as they did.
    const format2 = [2, 3, 0, 128, 160, 171, 254, 249, 98, 224, 15, 162, 30, 31, 160, 72, 34, 117, 194, 143, 92, 41, 232, 23, 139, 223, 218, 18, 58, 225, 71, 174, 20, 128]
    const old2 = decodeChunk(Uint8Array.from(format2))
    expect(Array.from(old2.ts)).toEqual([1_700_000_000_000, 1_700_000_001_000, 1_700_000_002_003])
    expect(Array.from(old2.values)).toEqual([1041.23, 1042.23, NaN])
    const old3 = decodeChunk(Uint8Array.from([3, 3, 0, 196, 79, 255, 88, 94, 19, 127, 255, 132, 216, 3, 192, 15, 220, 12]))
    expect([Array.from(old3.ts), Array.from(old3.values)]).toEqual([[0.5, 1.5, 2.5], [7, 8, 9]])
  })

  it('stores jittered collector ticks as residuals from the usual interval, in every bucket, bit for bit', () => {
    const n = 720
    const next = random(33)
    // A 1 s timer a few ms late now and then, as a busy machine's setInterval gives.
    let t = 1_700_000_000_000
    const ts = Float64Array.from({ length: n }, (_, i) => (t += i === 0 ? 0 : 1_000 + Math.floor(next() * 4)))
    // Values format 8 cannot hold (not integers once scaled), so the time column's form is the residuals'.
    const values = new Float64Array(n).fill(Math.PI)
    const bytes = expectRoundTrip(ts, values)
    expect([6, 7]).toContain(bytes[0])
    // Under 4.5 bits a timestamp (delta-of-delta would take some 6-7): the value column is ~1 bit a sample.
    expect(bytes.length).toBeLessThan((n * 5.5) / 8 + 32)
    // With integer values, format 8 packs the same ticks' deltas (0–3 ms late: 2 bits each) shorter still.
    const packed = expectRoundTrip(ts, new Float64Array(n).fill(1))
    expect(packed[0]).toBe(8)
    expect(packed.length).toBeLessThan((n * 2.5) / 8 + 32)
    // Residuals of every size, out of order and duplicate times included; the 64-bit escape needs a wide span.
    const steps = [0, 1, -2, 7, -8, 127, -128, 500_000, -524_288, 2 ** 30, -(2 ** 31), 2 ** 40, -(2 ** 45), 3]
    for (const start of [0, -(2 ** 51), 1_700_000_000_000]) {
      let at = start
      const wide = Float64Array.from({ length: 400 }, (_, i) => (at += i === 0 ? 0 : 1_000 + (i % 3 === 0 ? steps[i % steps.length] : 0)))
      expectRoundTrip(wide, Float64Array.from({ length: 400 }, (_, i) => i * 2))
      // The residual stream itself, whichever form the encoder picked for the chunk.
      const words = new Uint8Array(400 * 10 + 8)
      const writer = new BitWriter(words, 0)
      writeResiduals(writer, wide, 1_000)
      const decoded = new Float64Array(400)
      readResiduals(new BitReader(words.subarray(0, writer.finish()), 0), decoded, wide[0], 1_000)
      expect(bitPatterns(decoded)).toEqual(bitPatterns(wide))
    }
  })
})
