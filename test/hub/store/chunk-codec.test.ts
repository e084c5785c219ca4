import { describe, expect, it } from 'vitest'
import { decodeChunk, encodeChunk } from '../../../hub/store/level/chunk-codec.js'

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

function expectRoundTrip(ts: Float64Array, values: Float64Array): Uint8Array {
  const bytes = encodeChunk(ts, values)
  const decoded = decodeChunk(bytes)
  // Object.is per element: NaN equals NaN, and -0 differs from 0.
  expect(Array.from(decoded.ts).every((t, i) => Object.is(t, ts[i]))).toBe(true)
  expect(Array.from(decoded.values).every((v, i) => Object.is(v, values[i]))).toBe(true)
  expect(decoded.ts).toHaveLength(ts.length)
  expect(decoded.values).toHaveLength(values.length)
  return bytes
}

describe('chunk codec', () => {
  it('round-trips random integer timestamps, negative deltas included, and special values', () => {
    const next = random(42)
    const specials = [NaN, -0, 0, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, -1e-300]
    for (let round = 0; round < 20; round++) {
      const n = Math.floor(next() * 500)
      const ts = new Float64Array(n)
      const values = new Float64Array(n)
      let t = 1_700_000_000_000
      for (let i = 0; i < n; i++) {
        t += Math.floor((next() - 0.3) * 100_000)
        ts[i] = t
        values[i] = next() < 0.1 ? specials[Math.floor(next() * specials.length)] : (next() - 0.5) * 1e6
      }
      expectRoundTrip(ts, values)
    }
  })

  it('stores regular integer timestamps in about a varint each', () => {
    const ts = Float64Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i * 10_000)
    const bytes = expectRoundTrip(ts, new Float64Array(1000))
    expect(bytes.length).toBeLessThan(1000 * 8 + 1000 * 3 + 16)
  })

  it('falls back to raw timestamps for fractions, -0, huge steps and non-finite times', () => {
    for (const odd of [0.5, -0, 2 ** 60, -(2 ** 60), NaN, Infinity]) {
      expectRoundTrip(Float64Array.from([1000, odd, 2000]), Float64Array.from([1, 2, 3]))
    }
  })

  it('round-trips an empty chunk and timestamps at the edge of the date range', () => {
    expectRoundTrip(new Float64Array(0), new Float64Array(0))
    expectRoundTrip(Float64Array.from([-8.64e15, 0, 8.64e15, -8.64e15]), Float64Array.from([1, 2, 3, 4]))
  })

  it('refuses columns of different lengths and truncated bytes', () => {
    expect(() => encodeChunk(new Float64Array(2), new Float64Array(3))).toThrow(/length/)
    const bytes = encodeChunk(Float64Array.from([1, 2, 3]), Float64Array.from([1, 2, 3]))
    expect(() => decodeChunk(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/)
    expect(() => decodeChunk(Uint8Array.from([9, 0]))).toThrow(/mode/)
  })
})
