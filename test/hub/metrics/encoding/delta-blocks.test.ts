import { describe, expect, it } from 'vitest'
import { decodeChunk, encodeChunk } from '../../../../hub/metrics/encoding/chunk-codec.js'
import { deltaDivisor } from '../../../../hub/metrics/encoding/delta-blocks.js'

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

const ticks = (n: number, start = 1_700_000_000_000, every = 10_000) => Float64Array.from({ length: n }, (_, i) => start + i * every)

function roundTrip(ts: Float64Array, values: Float64Array): Uint8Array {
  const bytes = encodeChunk(ts, values)
  const back = decodeChunk(bytes)
  expect(Array.from(back.ts)).toEqual(Array.from(ts))
  expect(Array.from(back.values).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(Array.from(values).map((v) => (Object.is(v, -0) ? '-0' : v)))
  return bytes
}

describe('chunk format 8: frame-of-reference packed deltas', () => {
  it('holds a byte counter that grows by a random amount in about the bits of that amount', () => {
    const n = 720
    const next = random(1)
    let count = 4e9
    // Grows by 250,000–750,000 a tick: the spread needs 19 bits; Gorilla's delta-of-delta escape took 36.
    const counter = Float64Array.from({ length: n }, () => (count += 250_000 + Math.floor(next() * 500_000)))
    const bytes = roundTrip(ticks(n), counter)
    expect(bytes[0]).toBe(8)
    expect((bytes.length * 8) / n).toBeLessThan(20.5)
  })

  it('divides the steps by their common divisor (memory in pages, sectors)', () => {
    const n = 720
    const next = random(2)
    let used = 3 * 2 ** 30
    const pages = Float64Array.from({ length: n }, () => (used += Math.round((next() - 0.5) * 2_000) * 4096))
    const bytes = roundTrip(ticks(n), pages)
    expect(bytes[0]).toBe(8)
    // ±1,000 pages: 11 bits a sample, not the 23 more bits the byte values would take.
    expect((bytes.length * 8) / n).toBeLessThan(12.5)
  })

  it('writes constant steps (regular ticks, uptimes, constants) in a few bits per block', () => {
    const n = 1_000
    const uptime = Float64Array.from({ length: n }, (_, i) => 812_345 + i * 10)
    const bytes = roundTrip(ticks(n), uptime)
    expect(bytes[0]).toBe(8)
    expect(bytes.length).toBeLessThan(40)
    expect(roundTrip(ticks(n), new Float64Array(n).fill(8 * 2 ** 30)).length).toBeLessThan(24)
  })

  it('round-trips every block boundary, negative and falling steps, decimals and the ±2^49 extremes', () => {
    const next = random(3)
    for (const n of [1, 2, 3, 63, 64, 65, 66, 127, 128, 129, 500]) {
      for (const [lo, hi] of [[-5, 5], [0, 1], [-(2 ** 20), 2 ** 20], [-(2 ** 40), 2 ** 40]]) {
        let v = 0
        const values = Float64Array.from({ length: n }, () => (v = Math.min(2 ** 49, Math.max(-(2 ** 49), v + lo + Math.floor(next() * (hi - lo))))))
        roundTrip(ticks(n, 1_000 + Math.floor(next() * 1e12), 1 + Math.floor(next() * 60_000)), values)
      }
    }
    // The largest values and swings the format takes: from −2^49 to 2^49 and back.
    const swing = Float64Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? -(2 ** 49) : 2 ** 49))
    roundTrip(ticks(200), swing)
    // Two-decimal readings are scaled to integers first.
    let t = 40
    const temps = Float64Array.from({ length: 720 }, () => (t = Math.round((t + (next() - 0.5) * 0.8) * 100) / 100))
    const bytes = roundTrip(ticks(720), temps)
    expect(bytes[0]).toBe(8)
    expect((bytes.length * 8) / 720).toBeLessThan(8.5)
  })

  it('is not used where it cannot be exact: beyond 2^49, -0, NaN, fractions that do not scale', () => {
    expect(deltaDivisor(Float64Array.from([0, 2 ** 49 + 1]))).toBeUndefined()
    expect(deltaDivisor(Float64Array.from([0, -0]))).toBeUndefined()
    expect(deltaDivisor(Float64Array.from([0, NaN]))).toBeUndefined()
    expect(deltaDivisor(Float64Array.from([0.5, 1]))).toBeUndefined()
    expect(deltaDivisor(Float64Array.from([7, 7, 7]))).toBe(0)
    expect(deltaDivisor(Float64Array.from([0, 12, 30, 24]))).toBe(6)
    for (const odd of [-0, NaN, 2 ** 50, Math.PI]) {
      const values = Float64Array.from({ length: 100 }, (_, i) => (i === 50 ? odd : i * 3))
      expect(roundTrip(ticks(100), values)[0]).not.toBe(8)
    }
  })

  it('refuses truncated and inflated chunks without allocating for their claimed count', () => {
    const next = random(4)
    let v = 0
    const values = Float64Array.from({ length: 300 }, () => (v += Math.floor(next() * 1_000)))
    const bytes = encodeChunk(ticks(300), values)
    expect(bytes[0]).toBe(8)
    for (const cut of [1, 3, 10, bytes.length - 6]) expect(() => decodeChunk(bytes.subarray(0, bytes.length - cut))).toThrow(/truncated/)
    // A count of 2^40 samples on a few bytes of blocks.
    expect(() => decodeChunk(Uint8Array.from([8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0, 0, 1, 0, 1, 0, 0]))).toThrow(/truncated/)
  })
})
